import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDemoRecords } from '../../src/stores/index.js';
import { Timestamp } from '../../src/records/index.js';
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

test('s and S sort by the selected column (None last both ways), the same key again gives back the answer\'s order', () => {
  const keys = ['msg_id', 'submitted', 'started', 'completed', 'stdout'];
  const v = new TableViewer(new TableModel(records, keys), 3, { columns: 160, rows: 12 }, () => undefined);
  const runTimeCol = v.model.columns.findIndex((c) => c.title === 'run time');
  for (let i = 0; i < runTimeCol; i++) press(v, '\x1b[C');
  assert.equal(v.model.columns[v.col]!.title, 'run time');
  const us = (r: (typeof records)[number] | undefined) => {
    const a = r?.['started'];
    const b = r?.['completed'];
    return a instanceof Timestamp && b instanceof Timestamp ? b.us - a.us : null;
  };
  const shown = () => Array.from({ length: v.model.rowCount }, (_, i) => us(v.model.records.at(i)));
  press(v, 'S');
  const down = shown();
  const done = down.filter((x) => x !== null) as number[];
  assert.ok(done.length > 10 && done.length < records.length, 'some tasks have no run time');
  assert.deepEqual(done, [...done].sort((a, b) => b - a), 'slowest first');
  assert.ok(down.slice(done.length).every((x) => x === null), 'None last');
  assert.match(stripAnsi(v.lines(plain).at(-1)!), /sorted by run time ↓/);
  assert.match(stripAnsi(v.lines(plain)[0]!), /run ti\S*↓$/, 'the header marks the sorted column');
  press(v, 's');
  const up = shown().filter((x) => x !== null) as number[];
  assert.deepEqual(up, [...up].sort((a, b) => a - b), 'fastest first');
  assert.equal(shown().at(-1), null, 'None last ascending too');
  press(v, 's');
  assert.equal(v.sort, null);
  assert.equal(v.model.records.at(7), records[7], "s again: the answer's order");
  // Enter opens the record shown, whatever the order
  press(v, 'S');
  press(v, '\x1b[B');
  const [open] = press(v, '\r');
  assert.equal(open && open.kind === 'open' && open.record, v.model.records.at(1));
});

test('&PATTERN keeps the rows that hold it, &!PATTERN those that do not, & alone shows all again', () => {
  const v = new TableViewer(new TableModel(records, ['msg_id', 'engine_uuid', 'stdout']), 3, { columns: 160, rows: 12 }, () => undefined);
  const holds = records.filter((r) => JSON.stringify(r['stdout'] ?? '').toLowerCase().includes('hello'));
  assert.ok(holds.length > 0 && holds.length < records.length);
  press(v, '&HELLO');
  assert.match(stripAnsi(v.lines(plain).at(-1)!), /^&HELLO/, 'the filter is typed on the status line');
  press(v, '\r');
  assert.equal(v.model.rowCount, holds.length);
  assert.deepEqual(Array.from({ length: v.model.rowCount }, (_, i) => v.model.records.at(i)!['msg_id']), holds.map((r) => r['msg_id']));
  assert.match(stripAnsi(v.lines(plain).at(-1)!), new RegExp(`row 1 of ${holds.length} \\(&HELLO, of ${records.length}\\)`));
  assert.equal(v.viewNote(), `&HELLO: ${holds.length} rows`);
  press(v, '&!hello\r');
  assert.equal(v.model.rowCount, records.length - holds.length);
  press(v, '&\r');
  assert.equal(v.model.rowCount, records.length);
  press(v, '&no such text anywhere\r');
  assert.equal(v.model.rowCount, records.length, 'a filter that keeps nothing leaves the rows as they were');
  assert.match(stripAnsi(v.lines(plain).at(-1)!), /no row matches &no such text anywhere/);
});

test('c chooses columns: Space hides, K and J move, Enter applies; msg_id stays first', () => {
  const v = new TableViewer(new TableModel(records, ['msg_id', 'engine_uuid', 'queue', 'stdout']), 3, { columns: 160, rows: 12 }, () => undefined);
  const titles = () => v.model.columns.map((c) => c.title);
  const before = titles();
  assert.deepEqual(before.slice(0, 2), ['msg_id', 'engine_uuid']);
  press(v, 'c');
  assert.match(stripAnsi(v.lines(plain).join('\n')), /\[x\] msg_id \(stays at the left\)/);
  press(v, ' ');
  press(v, 'j ');
  press(v, 'jJ');
  press(v, '\r');
  // engine_uuid hidden; engine (its id, beside it) moved below queue
  assert.deepEqual(titles(), ['msg_id', 'queue', 'engine', 'stdout']);
  assert.ok(!stripAnsi(v.lines(plain)[0]!).includes('engine_uuid'), 'a hidden column is not drawn');
  press(v, 'c');
  press(v, 'j ');
  press(v, '\r');
  assert.ok(titles().includes('engine_uuid'), 'Space shows it again');
  press(v, 'cjjK\r');
  assert.equal(titles()[1], 'queue', 'K moved queue up');
  press(v, 'c');
  press(v, '\x1b');
  assert.equal(v.chooser, null, 'Esc leaves the columns as they were');
});

test('x shows one record per block; ? lists the keys', () => {
  const v = new TableViewer(new TableModel(records, ['msg_id', 'engine_uuid', 'stdout']), 3, { columns: 100, rows: 14 }, () => undefined);
  assert.equal(v.expanded, false);
  press(v, 'jx');
  const lines = v.lines(plain).map(stripAnsi);
  assert.equal(lines.length, 14);
  assert.match(lines[0]!, /^>-\[ RECORD 2 \]-/);
  assert.match(lines[1]!, new RegExp(`^ msg_id\\s+│ ${records[1]!['msg_id']}`));
  assert.match(lines[v.model.columns.length + 1]!, /^ -\[ RECORD 3 \]-/);
  press(v, 'j');
  assert.match(stripAnsi(v.lines(plain)[0]!), /^>-\[ RECORD 3 \]/);
  press(v, 'x');
  assert.match(stripAnsi(v.lines(plain)[0]!), /^ msg_id\s+engine_uuid/);
  press(v, '?');
  const help = v.lines(plain).map(stripAnsi).join('\n');
  for (const k of ['s  S', '&PATTERN', 'x', 'c']) assert.ok(help.includes(k), k);
  press(v, 'j');
  assert.match(stripAnsi(v.lines(plain)[0]!), /^ msg_id/, 'any key closes the list');
  // psql's \x auto: a row whose first two columns cannot stand side by side opens as blocks
  const narrow = new TableViewer(new TableModel(records, ['msg_id', 'stdout']), 3, { columns: 40, rows: 14 }, () => undefined);
  assert.equal(narrow.expanded, true);
});

test("the README's table of viewer keys is the list ? shows", async () => {
  const { readFileSync } = await import('node:fs');
  const { resolve } = await import('node:path');
  const { TABLE_KEYS } = await import('../../src/ui/viewers.js');
  const readme = readFileSync(resolve(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^ {2}\| `([^`]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(rows, TABLE_KEYS.map(([k, w]) => [k, w]), 'README rows, in order, as `KEYS` | what they do');
});
