import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tb from '../../src/ui/text-buffer.js';

const at = (text: string) => {
  // `|` marks the cursor.
  const i = text.indexOf('|');
  return tb.bufferOf(text.replace('|', ''), i);
};
const show = (b: tb.TextBuffer) => b.text.slice(0, b.cursor) + '|' + b.text.slice(b.cursor);

test('typing inserts at the cursor, left and right move by one character', () => {
  let b = tb.insert(tb.EMPTY_BUFFER, 'rc.db_query');
  b = tb.left(tb.left(b));
  b = tb.insert(b, 'X');
  assert.equal(show(b), 'rc.db_queX|ry');
  assert.equal(show(tb.right(tb.right(tb.right(b)))), 'rc.db_queXry|');
});

test('a surrogate pair moves and deletes as one character', () => {
  const b = at('a😀|');
  assert.equal(show(tb.left(b)), 'a|😀');
  assert.equal(show(tb.backspace(b)), 'a|');
});

test('word jumps stop at word boundaries (Alt/Ctrl-arrows)', () => {
  const b = at("rc.db_query({'queue': 'task'})|");
  assert.equal(show(tb.wordLeft(b)), "rc.db_query({'queue': '|task'})");
  assert.equal(show(tb.wordLeft(tb.wordLeft(b))), "rc.db_query({'|queue': 'task'})");
  assert.equal(show(tb.wordRight(at("|rc.db_query"))), 'rc|.db_query');
  assert.equal(show(tb.wordRight(at("rc|.db_query"))), 'rc.db_query|');
});

test('Home/End and Ctrl-A/E act on the current line of a multi-line input', () => {
  const b = at('rc.db_query({\n  "queue": |"task"})');
  assert.equal(show(tb.home(b)), 'rc.db_query({\n|  "queue": "task"})');
  assert.equal(show(tb.end(b)), 'rc.db_query({\n  "queue": "task"})|');
});

test('Ctrl-K kills to the end of the line and joins lines at the end; Ctrl-Y yanks it back', () => {
  const b = at('abc|def\nghi');
  const k = tb.killToEnd(b);
  assert.equal(show(k), 'abc|\nghi');
  assert.equal(show(tb.killToEnd(k)), 'abc|ghi');
  assert.equal(show(tb.yank(k)), 'abcdef|\nghi');
});

test('Ctrl-U kills to the start of the line, Ctrl-W the whitespace word before the cursor', () => {
  assert.equal(show(tb.killToStart(at('x = 1\ny = rc.|session'))), 'x = 1\n|session');
  assert.equal(show(tb.killWordBack(at('x = rc.db_query(q)  |'))), 'x = |');
  assert.equal(show(tb.killWordBackAlnum(at('rc.db_query|'))), 'rc.|');
});

test('Up and Down move between lines and give way to history on the first and last line', () => {
  const b = at('first line\nsec|ond');
  assert.equal(show(tb.up(b)!), 'fir|st line\nsecond');
  assert.equal(tb.up(tb.up(b)!), undefined);
  assert.equal(tb.down(b), undefined);
  assert.equal(show(tb.down(at('a|bcdef\nxy'))!), 'abcdef\nx|y');
});

test('pasted text keeps its newlines, CRLF becomes LF, a tab becomes spaces', () => {
  const b = tb.insert(tb.EMPTY_BUFFER, 'rc.db_query({\r\n\t"queue": "task"\r\n})');
  assert.equal(b.text, 'rc.db_query({\n    "queue": "task"\n})');
  assert.deepEqual(tb.cursorPosition(b), { row: 2, column: 2 });
});

test('completion replaces the span the shell named', () => {
  const b = tb.replaceRange(at("rc.db_query({'sub|"), 14, 17, 'submitted');
  assert.equal(show(b), "rc.db_query({'submitted|");
});
