import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDemoRecords } from '../../src/stores/index.js';
import { KeyDecoder } from '../../src/ui/keys.js';
import { makePainter, stripAnsi } from '../../src/ui/style.js';
import { TableModel } from '../../src/ui/table-columns.js';
import { RecordPager, TableViewer, type ViewerAction } from '../../src/ui/viewers.js';
import { parseWatch } from '../../src/shell/index.js';

const plain = makePainter(false);
const records = generateDemoRecords({ count: 500, seed: 9 });
const press = (v: { handleKey(ev: ReturnType<KeyDecoder['feed']>[number]): ViewerAction }, raw: string): ViewerAction[] =>
  new KeyDecoder().feed(raw).map((ev) => v.handleKey(ev));

test('the table viewer: arrows, pages, End, columns to the right, Enter opens the selected record, q closes', () => {
  const v = new TableViewer(new TableModel(records, ['msg_id', 'submitted', 'started', 'completed', 'stdout']), 3, { columns: 100, rows: 12 }, () => undefined);
  assert.equal(v.lines(plain).length, 12, 'one line per terminal row');
  press(v, '\x1b[B');
  press(v, '\x1b[B');
  assert.equal(v.scroll.selected, 2);
  press(v, '\x1b[6~');
  assert.deepEqual(v.scroll, { selected: 12, top: 10 }, 'a page is the 10 rows of the body');
  press(v, '\x1b[F');
  assert.equal(v.scroll.selected, records.length - 1);
  assert.ok(stripAnsi(v.lines(plain).at(-2)!).startsWith('>' + (records.at(-1)!['msg_id'] as string)));
  for (let i = 0; i < 10; i++) press(v, '\x1b[C');
  assert.equal(v.first, v.model.lastFirst(v.width), 'no scrolling past the last column');
  assert.match(stripAnsi(v.lines(plain)[0]!), /^ msg_id\s+.*run time/);
  const [open] = press(v, '\r');
  assert.deepEqual(open, { kind: 'open', record: records.at(-1) });
  assert.deepEqual(press(v, 'q'), [{ kind: 'close' }]);
});

test('the record pager: / finds a line, n the next one, q closes', () => {
  const source = Array.from({ length: 100 }, (_, i) => `line ${i}${i % 30 === 7 ? ' needle' : ''}`);
  const pg = new RecordPager('a1', source, 'prompt', { columns: 80, rows: 10 });
  press(pg, '/needle\r');
  assert.equal(pg.top, 7);
  assert.match(stripAnsi(pg.lines(plain).at(-1)!), /^\/needle · a1 · lines 8–16 of 100/);
  press(pg, 'n');
  assert.equal(pg.top, 37);
  press(pg, '/nothing\r');
  assert.match(stripAnsi(pg.lines(plain).at(-1)!), /pattern not found: nothing/);
  assert.deepEqual(press(pg, 'q'), [{ kind: 'close' }]);
});

test('%watch STATEMENT [SECONDS]: a trailing number is the interval only after a whole statement', () => {
  const complete = (s: string) => [...s].filter((c) => c === '(').length === [...s].filter((c) => c === ')').length;
  assert.deepEqual(parseWatch("rc.db_query({'completed': None}) 5", complete), { statement: "rc.db_query({'completed': None})", seconds: 5 });
  assert.deepEqual(parseWatch('len(rc.db_query({}))', complete), { statement: 'len(rc.db_query({}))', seconds: 2 });
  assert.deepEqual(parseWatch('f(1,\n 2) 0.5', complete), { statement: 'f(1,\n 2)', seconds: 0.5 });
  assert.deepEqual(parseWatch('max(1, 2', complete), { statement: 'max(1, 2', seconds: 2 });
  assert.equal(parseWatch('  ', complete), null);
});

test('an answer kept in the store that cannot be read says so in the status line; the viewer stays', async () => {
  const { RecordList } = await import('../../src/records/index.js');
  const { storeError } = await import('../../src/errors.js');
  let fail = false;
  const id = (i: number) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const list = new RecordList(['msg_id', 'stdout'], {
    length: 20_000,
    read: (start, end) => {
      if (fail) throw storeError('the file is locked by another process; try again in a moment');
      return Array.from({ length: end - start }, (_, k) => ({ msg_id: id(start + k), stdout: 'x' }));
    },
  });
  const v = new TableViewer(new TableModel(list, list.keys), 3, { columns: 100, rows: 12 }, () => undefined);
  assert.ok(stripAnsi(v.lines(plain)[1]!).includes(id(0)));
  fail = true;
  press(v, '\x1b[F');
  const lines = v.lines(plain);
  assert.equal(lines.length, 12);
  assert.match(stripAnsi(lines.at(-1)!), /the file is locked by another process/);
  assert.deepEqual(press(v, '\r'), [null], 'Enter opens nothing it cannot read');
  press(v, '/zzz\r');
  assert.match(stripAnsi(v.lines(plain).at(-1)!), /the file is locked/);
  fail = false;
  press(v, '\x1b[H');
  assert.ok(stripAnsi(v.lines(plain)[1]!).startsWith('>' + id(0)));
});
