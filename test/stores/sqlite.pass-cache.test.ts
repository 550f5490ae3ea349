import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { inPass, PASS_CACHE_PAGES, SLICE_CACHE_PAGES, sliceReads, sliceRows } from '../../src/stores/sqlite/slices.js';
import { collect } from '../../src/stores/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { createTableSQL } from '../../src/stores/sqlite/tables.js';

/*
 * A pass over a whole table reads with a small page cache (each page is
 * read once), and the connection's own size comes back when the pass ends
 * however it ends: the size also bounds SQLite's sorts in memory.
 */

const dir = mkdtempSync(join(tmpdir(), 'ipc-pass-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function makeFile(n: number): string {
  const path = join(dir, `tasks-${n}.db`);
  const db = new Database(path);
  db.exec(createTableSQL('ipython-tasks', false));
  const insert = db.prepare(`INSERT INTO "ipython-tasks" (msg_id, submitted, engine_uuid, stdout) VALUES (?, ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(`task-${i}`, new Date(Date.UTC(2026, 10, 1) + i).toISOString().replace('Z', '000+00:00'), `engine-${i % 3}`, 'x'.repeat(1500));
  })();
  db.close();
  return path;
}

const cacheSize = (db: Database.Database) => db.pragma('cache_size', { simple: true }) as number;
const maxRowid = (db: Database.Database) => db.prepare(`SELECT max(rowid) FROM "ipython-tasks"`);

test('a pass reads with the small cache, and the connection has its own back after it', () => {
  const db = new Database(makeFile(3000), { readonly: true });
  db.pragma('cache_size = -3000');
  const seen = new Set<number>();
  let rows = 0;
  for (const n of sliceReads(maxRowid(db), (lo, hi) => {
    seen.add(cacheSize(db));
    return (db.prepare(`SELECT count(*) FROM "ipython-tasks" WHERE rowid > ? AND rowid <= ?`).pluck().get(lo, hi) as number);
  }, 512)) rows += n;
  assert.equal(rows, 3000);
  assert.deepEqual([...seen], [PASS_CACHE_PAGES]);
  assert.equal(cacheSize(db), -3000);
  // a pass whose slices are read twice keeps a slice's pages
  const sizes = new Set<number>();
  for (const _ of sliceReads(maxRowid(db), () => sizes.add(cacheSize(db)), 512, SLICE_CACHE_PAGES)) void _;
  assert.deepEqual([...sizes], [SLICE_CACHE_PAGES]);
  assert.equal(cacheSize(db), -3000);
  db.close();
});

test('a pass left early, a pass inside a pass, and a statement read in a pass each give the size back once all end', () => {
  const db = new Database(makeFile(2000), { readonly: true });
  db.pragma('cache_size = 1234');
  const stmt = db.prepare(`SELECT msg_id FROM "ipython-tasks" WHERE rowid > ? AND rowid <= ?`).raw();
  // left after its first slice: the generator's return ends the pass
  for (const rows of sliceRows(maxRowid(db), stmt, [], 256)) {
    assert.equal(rows.length, 256);
    assert.equal(cacheSize(db), PASS_CACHE_PAGES);
    break;
  }
  assert.equal(cacheSize(db), 1234);
  // an inner pass ending does not give the size back while the outer one runs
  const outer = sliceRows(maxRowid(db), stmt, [], 256);
  outer.next();
  assert.equal(inPass(db, () => cacheSize(db)), PASS_CACHE_PAGES);
  for (const _ of sliceRows(maxRowid(db), stmt, [], 1024)) void _;
  assert.equal(cacheSize(db), PASS_CACHE_PAGES);
  let rest = 256;
  for (const rows of outer) rest += rows.length;
  assert.equal(rest, 2000);
  assert.equal(cacheSize(db), 1234);
  // a statement that fails inside inPass gives it back too
  assert.throws(() => inPass(db, () => db.prepare('SELECT * FROM no_such_table').all()), /no such table/);
  assert.equal(cacheSize(db), 1234);
  db.close();
});

test('a pass while another statement of the connection is open reads every row and leaves the cache as it was', () => {
  const db = new Database(makeFile(1000), { readonly: true });
  db.pragma('cache_size = -777');
  const open = db.prepare(`SELECT msg_id FROM "ipython-tasks" ORDER BY rowid`).pluck().iterate();
  assert.equal(open.next().value, 'task-0');
  const stmt = db.prepare(`SELECT msg_id FROM "ipython-tasks" WHERE rowid > ? AND rowid <= ?`).raw();
  let n = 0;
  for (const rows of sliceRows(maxRowid(db), stmt, [], 300)) n += rows.length;
  assert.equal(n, 1000);
  assert.equal(open.next().value, 'task-1');
  open.return?.();
  assert.equal(cacheSize(db), -777);
  db.close();
});

test("the store's reads leave the connection's cache as they found it", async () => {
  const store = await openSQLiteStore({ path: makeFile(2500) });
  try {
    const db = (store as unknown as { db: Database.Database }).db;
    const before = cacheSize(db);
    assert.notEqual(before, PASS_CACHE_PAGES);
    const ids = (await collect(store.findRecords({}, ['msg_id']))).map((r) => r['msg_id']);
    assert.equal(ids.length, 2500);
    assert.equal(cacheSize(db), before);
  } finally {
    await store.close();
  }
});
