/**
 * The table viewer's keys in a real terminal (tmux), one session doing
 * what a person does after a query: list the keys, pick a column, sort
 * slowest first, keep one kind of row, hide a column, read a record as a
 * block, and find what was shown in the scrollback afterwards.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { Timestamp } from '../../src/records/index.js';
import { generateDemoRecords } from '../../src/stores/index.js';
import { Terminal } from './support/tmux.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const demo = generateDemoRecords({ count: 240 });

const runTime = (r: (typeof demo)[number]) => {
  const a = r['started'];
  const b = r['completed'];
  return a instanceof Timestamp && b instanceof Timestamp ? b.us - a.us : null;
};
/** The msg_id on the selected row (the one marked with >). */
const selected = (s: string) => /^>(\S+)/m.exec(s)?.[1];

test('viewer keys: ? lists them, ← → pick a column, S sorts, & filters, c hides a column, x shows blocks, q leaves a note', async () => {
  const home = mkdtempSync(join(tmpdir(), 'ipc-viewer-keys-'));
  const t = new Terminal(`node ${bin} --demo`, { cwd: home, env: { HOME: home, NO_COLOR: '1' }, columns: 110, rows: 20 });
  try {
    await t.waitFor((s) => s.includes('In [1]:'), 'the first prompt');
    t.type("db_query({}, ['msg_id', 'engine_uuid', 'started', 'completed', 'stdout'])");
    t.send('Enter');
    await t.waitFor((s) => s.includes(`row 1 of ${demo.length}`), 'the viewer');
    t.type('?');
    let s = await t.waitFor((s) => s.includes('Keys of the table viewer'), 'the list of keys');
    for (const k of ['s  S', '&PATTERN', 'c ', 'x ', '/PATTERN']) assert.ok(s.includes(k), `${k} is listed`);
    t.type('j');
    await t.waitFor((s) => s.includes(`row 1 of ${demo.length}`) && !s.includes('Keys of the table viewer'), 'any key closes the list');

    // → to the last column: msg_id stays at the left while the others scroll
    for (let i = 0; i < 12; i++) t.send('Right');
    s = await t.waitFor((s) => /column run time (\d+)\/\1/.test(s), 'the run time column selected');
    assert.match(s, /^ msg_id\s+.*run time\s*$/m);
    assert.ok(!/^ msg_id\s+engine_uuid/m.test(s), 'the columns between scrolled away');

    t.type('S');
    s = await t.waitFor((s) => s.includes('sorted by run time ↓'), 'slowest first');
    const slowest = [...demo].filter((r) => runTime(r) !== null).sort((a, b) => runTime(b)! - runTime(a)!)[0]!;
    assert.equal(selected(s), slowest['msg_id']);

    const hello = demo.filter((r) => String(r['stdout'] ?? '').toLowerCase().includes('hello'));
    assert.ok(hello.length > 0 && hello.length < demo.length);
    t.type('&hello');
    await t.waitFor((s) => s.includes('&hello'), 'the filter typed');
    t.send('Enter');
    s = await t.waitFor((s) => s.includes(`row 1 of ${hello.length} (&hello, of ${demo.length})`), 'only the rows that say hello');
    const slowestHello = [...hello].sort((a, b) => (runTime(b) ?? -1) - (runTime(a) ?? -1))[0]!;
    assert.equal(selected(s), slowestHello['msg_id'], 'still sorted');

    t.type('c');
    await t.waitFor((s) => s.includes('[x] msg_id (stays at the left)'), 'the columns');
    t.type('j ');
    await t.waitFor((s) => s.includes('[ ] engine_uuid'), 'engine_uuid unmarked');
    t.send('Enter');
    s = await t.waitFor((s) => !s.includes('[ ] engine_uuid') && s.includes('column'), 'the table again');
    t.send('Home');
    for (let i = 0; i < 12; i++) t.send('Left');
    s = await t.waitFor((s) => s.includes('column msg_id 1/'), 'back to the first column');
    assert.ok(!s.includes('engine_uuid'), 'a hidden column is not drawn');

    t.type('x');
    s = await t.waitFor((s) => s.includes('-[ RECORD 1 ]'), 'one record per block');
    assert.match(s, new RegExp(`msg_id\\s+│ ${slowestHello['msg_id']}`));
    assert.match(s, /-\[ RECORD 2 \]/);
    t.type('x');
    await t.waitFor((s) => !s.includes('-[ RECORD 1 ]'), 'the table again');

    t.type('q');
    s = await t.waitFor((s) => s.includes('In [2]:'), 'the prompt');
    assert.match(s, new RegExp(`Out\\[1\\]: ${demo.length} records × 5 keys \\(shown: &hello: ${hello.length} rows, sorted by run time ↓, 1 column hidden\\)`));
  } finally {
    t.close();
    rmSync(home, { recursive: true, force: true });
  }
});
