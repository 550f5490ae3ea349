/**
 * The viewer over a large SQLite answer holds pages, not records: the real
 * binary in a real terminal (tmux) shows, scrolls, searches and opens rows
 * of a 300,000-row answer with every key, and its peak RSS (the kernel's
 * high-water mark of the process) stays under 300 MB. Holding the answer's
 * records (`x = db_query({})`) takes about 420 MB here. The rows are made by
 * SQLite itself, in the text forms ipcontroller writes (dicts as JSON).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { Terminal } from './support/tmux.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const BIG = 300_000;
const MB = 1024 * 1024;
let home: string;
let db: string;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'ipc-paged-'));
  db = join(home, 'tasks.db');
  const store = await openSQLiteStore({ path: db, write: true, create: true });
  await store.close();
  const sqlite = new Database(db);
  sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BIG})
    INSERT INTO "ipython-tasks" (msg_id, submitted, completed, engine_uuid, queue, stdout, header, metadata, result_header)
    SELECT printf('%08x-0000-4000-8000-%012x', i, i * 7919),
      strftime('%Y-%m-%dT%H:%M:%f000+00:00', 1790000000 + i / 10.0, 'unixepoch'),
      CASE WHEN i % 50 = 0 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%f000+00:00', 1790000000 + i / 10.0 + 2.5, 'unixepoch') END,
      printf('engine-%02d', i % 16), CASE WHEN i % 3 = 0 THEN 'mux' ELSE 'task' END,
      CASE WHEN i % 4 = 0 THEN printf('step %d of a long computation that printed a line', i) ELSE '' END,
      json_object('msg_id', printf('%08x-0000-4000-8000-%012x', i, i * 7919), 'msg_type', 'apply_request', 'session', 'c4e1e2f0-5a6b-4c7d-8e9f-0a1b2c3d4e5f', 'username', 'user', 'version', '5.3'),
      json_object('after', json_array(), 'follow', json_array(), 'timeout', NULL, 'targets', json_array(), 'retries', 0, 'dependents_failed', json('false')),
      json_object('msg_id', printf('%08x-0000-4000-8000-%012x', i + 1, i), 'msg_type', 'apply_reply', 'status', 'ok', 'engine', printf('engine-%02d', i % 16), 'date', '2026-09-21T13:33:20.100000Z')
    FROM n`);
  sqlite.close();
});

after(() => rmSync(home, { recursive: true, force: true }));

/** The kernel's record of the most memory the process has held (VmHWM), in bytes. */
function peakRss(t: Terminal): number {
  const pid = spawnSync('tmux', ['-L', t.socket, 'display-message', '-p', '#{pane_pid}'], { encoding: 'utf8' }).stdout.trim();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status);
  assert.ok(kb, `no VmHWM for process ${pid}`);
  return Number(kb[1]) * 1024;
}

test(`the viewer over ${BIG.toLocaleString('en')} SQLite rows (every key, a sort in SQL) stays under 300 MB peak RSS`, async () => {
  const t = new Terminal(`exec node ${bin} --sqlitedb ${db}`, { cwd: home, env: { HOME: home, NO_COLOR: '1' }, columns: 120, rows: 30 });
  try {
    await t.waitFor((s) => s.includes('In [1]:'), 'the first prompt');
    t.type('db_query({})');
    t.send('Enter');
    await t.waitFor((s) => s.includes(`row 1 of ${BIG}`), 'the viewer', { timeoutMs: 60_000 });
    for (let i = 0; i < 5; i++) t.send('PageDown');
    await t.waitFor((s) => Number(/row (\d+) of/.exec(s)?.[1]) > 100, 'five pages down');
    t.send('End');
    const last = BIG.toString(16).padStart(8, '0');
    await t.waitFor((s) => s.includes(`row ${BIG} of ${BIG}`) && s.includes(`>${last}-`), 'the last row');
    t.send('Home');
    await t.waitFor((s) => s.includes(`row 1 of ${BIG}`), 'back to the first row');
    // S on the submitted column: SQLite sorts the answer where it is kept, the newest row comes first
    t.send('Right', 'Right', 'Right');
    await t.waitFor((s) => s.includes('column submitted 4/'), 'the submitted column selected');
    const sorting = performance.now();
    t.send('S');
    await t.waitFor((s) => s.includes('sorted by submitted ↓') && s.includes(`>${last}-`), 'sorted newest first', { timeoutMs: 30_000 });
    const sorted = (performance.now() - sorting) / 1000;
    // 1 s on a quiet machine (bench/README.md); the bound here allows for a loaded one
    assert.ok(sorted < 15, `the sort took ${sorted.toFixed(1)} s`);
    t.send('S');
    await t.waitFor((s) => !s.includes('sorted by') && s.includes('>00000001-'), "S again: the answer's order");
    // found near the end: the search reads the answer page by page
    const target = BIG - 4;
    t.type(`/step ${target} of`);
    t.send('Enter');
    await t.waitFor((s) => s.includes(`row ${target} of ${BIG}`), 'the search', { timeoutMs: 60_000 });
    t.send('Enter');
    const record = await t.waitFor((s) => s.includes(`step ${target} of a long computation`) && !s.includes(`of ${BIG} ·`), 'the record');
    assert.ok(record.includes(`${target.toString(16).padStart(8, '0')}-0000-4000-8000-`), `the record's msg_id:\n${record}`);
    const peak = peakRss(t);
    assert.ok(peak < 300 * MB, `peak RSS ${(peak / MB).toFixed(0)} MB`);
    t.send('q');
    await t.waitFor((s) => s.includes(`row ${target} of ${BIG}`), 'back to the table');
    t.send('q');
    await t.waitFor((s) => s.includes('In [2]:'), 'the prompt');
    // Out[1] is still the list when it is used as one: then its records are read
    t.type("len(Out[1]), Out[1][-1]['msg_id']");
    t.send('Enter');
    await t.waitFor((s) => s.includes(`(${BIG}, '${last}-0000-4000-8000-`), 'the list', { timeoutMs: 60_000 });
  } finally {
    t.close();
  }
});
