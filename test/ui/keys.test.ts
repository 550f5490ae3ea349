import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyDecoder, type KeyEvent } from '../../src/ui/keys.js';

const names = (evs: KeyEvent[]) => evs.map((e) => `${e.ctrl ? 'C-' : ''}${e.meta ? 'M-' : ''}${e.name}${e.text ? ':' + e.text : ''}`);

test('typed text, Enter and control keys arriving in one chunk come apart in order', () => {
  const d = new KeyDecoder();
  assert.deepEqual(names(d.feed('rc.session\r')), ['text:rc.session', 'enter']);
  assert.deepEqual(names(d.feed('\x01x\x05\x0b\x15\x17\x12\x03\x04\x0c')), [
    'C-ctrl:a', 'text:x', 'C-ctrl:e', 'C-ctrl:k', 'C-ctrl:u', 'C-ctrl:w', 'C-ctrl:r', 'C-ctrl:c', 'C-ctrl:d', 'C-ctrl:l',
  ]);
  assert.deepEqual(names(d.feed('\t\x7f')), ['tab', 'backspace']);
});

test('arrows, Home/End, PgUp/PgDn in their xterm and vt forms, with Ctrl and Alt', () => {
  const d = new KeyDecoder();
  const one = (s: string) => names(d.feed(s))[0];
  assert.equal(one('\x1b[A'), 'up');
  assert.equal(one('\x1bOB'), 'down');
  assert.equal(one('\x1b[1;5C'), 'C-right');
  assert.equal(one('\x1b[1;3D'), 'M-left');
  assert.equal(one('\x1b\x1b[D'), 'M-left');
  assert.equal(one('\x1b[H'), 'home');
  assert.equal(one('\x1b[1~'), 'home');
  assert.equal(one('\x1b[F'), 'end');
  assert.equal(one('\x1b[4~'), 'end');
  assert.equal(one('\x1b[5~'), 'pageup');
  assert.equal(one('\x1b[6~'), 'pagedown');
  assert.equal(one('\x1b[3~'), 'delete');
  assert.equal(one('\x1bb'), 'M-text:b');
  assert.equal(one('\x1b\x7f'), 'M-backspace');
  assert.equal(one('\x1b'), 'escape');
});

test('a bracketed paste is one event even across chunks, with its newlines and escapes', () => {
  const d = new KeyDecoder();
  assert.deepEqual(d.feed('\x1b[200~'), []);
  assert.deepEqual(d.feed('rc.db_query({\r'), []);
  assert.deepEqual(d.feed('\x1b[A'), []);
  const evs = d.feed('"queue": "task"})\x1b[201~');
  assert.deepEqual(evs.map((e) => e.name), ['paste']);
  assert.equal(evs[0]!.text, 'rc.db_query({\n\x1b[A"queue": "task"})');
  assert.deepEqual(names(d.feed('x')), ['text:x']);
});
