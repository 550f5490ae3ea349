/**
 * `%index` on the tasks.db of a live ipcontroller --sqlitedb (ipyparallel
 * 7.1): it refuses while another process has the file open, and indexes
 * made anyway (between the controller's commits) change nothing for
 * ipyparallel: the controller keeps writing the file and its SQLiteDB reads
 * it, while ipc's window queries go through them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { compileQuery } from '../../src/query/index.js';
import { SQL_TIMESTAMP_FUNCTION, quoteIdentifier, toSql } from '../../src/stores/sqlite/sql-filter.js';
import { Timestamp } from '../../src/records/index.js';
import { collect } from '../../src/stores/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { INDEXED_COLUMNS, createIndexes, indexesOf } from '../../src/stores/sqlite/indexes.js';
import { findTaskTable, openDatabase } from '../../src/stores/sqlite/tables.js';
import type { IndexReport } from '../../src/stores/store.js';
import { runIpc } from '../cli/helpers.js';
import { startCluster, type Cluster } from '../support/ipcluster.js';
import { havePython } from '../support/python.js';
import { pythonFindRecords } from '../support/sqlitedb.js';

const WORKLOAD = fileURLToPath(new URL('../../../test/fixtures/workload.py', import.meta.url));
const TABLE = 'ipython-tasks';

function ipcIndexes(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'ipc\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[]);
  } finally {
    db.close();
  }
}

async function waitForRecords(path: string, n: number, cluster: Cluster): Promise<void> {
  // the controller commits every 2 seconds
  const deadline = Date.now() + 20_000;
  for (;;) {
    const store = await openSQLiteStore({ path }).catch(() => null);
    const have = store ? await store.countRecords({}).finally(() => store.close()) : 0;
    if (have >= n) return;
    if (Date.now() > deadline) throw new Error(`the controller wrote ${have} of ${n} records:\n${cluster.log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('%index on the file of a live ipcontroller --sqlitedb', { skip: !havePython() }, () => {
  let cluster: Cluster;
  let dbPath: string;
  let first: string[];

  before(async () => {
    cluster = await startCluster({ dbFlags: ['--sqlitedb'], engines: 2 });
    dbPath = join(cluster.profileDir, 'tasks.db');
    first = Object.values(JSON.parse(await cluster.python([WORKLOAD, cluster.profileDir, '0'])) as Record<string, string[]>).flat();
    await waitForRecords(dbPath, first.length, cluster);
  });

  after(async () => {
    await cluster?.stop();
  });

  test('while another process has the file open it refuses in one sentence and adds nothing', async () => {
    const holder = cluster.spawnPython(['-c', `
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('BEGIN IMMEDIATE')
print('locked', flush=True)
time.sleep(20)
`, dbPath]);
    const [line] = (await once(holder.stdout!, 'data')) as [Buffer];
    assert.equal(line.toString().trim(), 'locked');
    const run = await runIpc(['--sqlitedb', dbPath, '--write', '--yes', '-c', '%index'], { timeoutMs: 30_000 });
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^line 1: StoreError: another process has \S+tasks\.db open \(a running controller\?\), and building indexes holds the file for one long write that would make it lose task records, so no index was made; run %index once nothing else has the file open\n$/);
    assert.deepEqual(ipcIndexes(dbPath), []);
  });

  test('on a file no process has open, ipc makes them and says what it made', async () => {
    const copy = join(cluster.root, 'idle-copy.db');
    const live = new Database(dbPath, { readonly: true });
    await live.backup(copy);
    live.close();
    const made = await runIpc(['--sqlitedb', copy, '--write', '--yes', '-c', '%index'], { timeoutMs: 30_000 });
    assert.match(made.stdout, /^created 5 indexes \(ipython-tasks\.submitted, ipython-tasks\.completed, ipython-tasks\.started, ipython-tasks\.engine_uuid, ipython-tasks\.client_uuid\) in \d+\.\d\d s; the file grew \d+\.\d MB\n$/, made.stderr);
    const again = await runIpc(['--sqlitedb', copy, '--write', '--yes', '-c', '%index'], { timeoutMs: 30_000 });
    assert.match(again.stdout, /^no index was needed; already there: ipython-tasks\.submitted, /);
    assert.deepEqual(ipcIndexes(dbPath), []);
  });

  test('needs --write, then a confirmation; refuses, or says none is needed, before it asks', async () => {
    const readOnly = await runIpc(['--sqlitedb', dbPath, '-c', '%index']);
    assert.match(readOnly.stderr, /open read-only; start ipc with --write/);
    // beside the running controller: refused at once, not asked first
    const besideController = await runIpc(['--sqlitedb', dbPath, '--write', '-c', '%index']);
    assert.match(besideController.stderr, /another process has \S+ open \(a running controller\?\)/);
    assert.doesNotMatch(besideController.stderr, /--yes/);
    assert.deepEqual(ipcIndexes(dbPath), []);
    // a file no process has open: asked (in a script, --yes answers)
    const copy = join(cluster.root, 'confirm-copy.db');
    const live = new Database(dbPath, { readonly: true });
    await live.backup(copy);
    live.close();
    const unconfirmed = await runIpc(['--sqlitedb', copy, '--write', '-c', '%index']);
    assert.match(unconfirmed.stderr, /add --yes to confirm/);
    assert.deepEqual(ipcIndexes(copy), []);
    // once they are there, nothing is asked: there is nothing to write
    await runIpc(['--sqlitedb', copy, '--write', '--yes', '-c', '%index'], { timeoutMs: 30_000 });
    const none = await runIpc(['--sqlitedb', copy, '--write', '-c', '%index']);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^no index was needed; already there: /);
  });

  test('ipc refuses; made between the controller\'s commits, the controller keeps writing and SQLiteDB reads the file', async () => {
    // ipc refuses beside the running controller; made by the library between the controller's commits
    const refused = await runIpc(['--sqlitedb', dbPath, '--write', '--yes', '-c', '%index'], { timeoutMs: 30_000 });
    assert.match(refused.stderr, /another process has \S+ open \(a running controller\?\)/);
    assert.deepEqual(ipcIndexes(dbPath), []);
    const db = openDatabase(dbPath, { write: true, create: false });
    try {
      let report: IndexReport | null = null;
      for (let i = 0; i < 50 && !report; i++) {
        try {
          report = createIndexes(db, dbPath, [findTaskTable(db, dbPath, TABLE)]);
        } catch (e) {
          assert.match(String(e), /in use by another connection/);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.deepEqual(report?.created, INDEXED_COLUMNS.map((c) => `${TABLE}.${c}`));
    } finally {
      db.close();
    }
    assert.deepEqual(ipcIndexes(dbPath), INDEXED_COLUMNS.flatMap((c) => indexesOf(TABLE, c).map((ix) => ix.name)).sort());

    const boundary = Timestamp.now();
    const second = Object.values(JSON.parse(await cluster.python([WORKLOAD, cluster.profileDir, '0'])) as Record<string, string[]>).flat();
    await waitForRecords(dbPath, first.length + second.length, cluster);

    // Both read one consistent snapshot of the live file, indexes and all.
    const snapshot = join(cluster.root, 'snapshot.db');
    const live = new Database(dbPath, { readonly: true });
    await live.backup(snapshot);
    live.close();
    const store = await openSQLiteStore({ path: snapshot });
    try {
      const window = { submitted: { $gte: boundary } };
      const late = await collect(store.findRecords(window, ['submitted', 'completed', 'engine_uuid']));
      const found = new Set(late.map((r) => r['msg_id']));
      assert.ok(second.every((id) => found.has(id)), 'the records written after %index, found through the index');
      const engine = late.find((r) => r['engine_uuid'] !== null)!['engine_uuid'] as string;
      const [theirsLate, theirsEngine] = await pythonFindRecords(snapshot, TABLE, [
        { query: window, keys: ['submitted', 'completed', 'engine_uuid'] },
        { query: { engine_uuid: engine }, keys: ['submitted', 'engine_uuid'] },
      ]);
      assert.deepEqual(late, theirsLate);
      assert.deepEqual(await collect(store.findRecords({ engine_uuid: engine }, ['submitted', 'engine_uuid'])), theirsEngine);

      // SQLite searches the index for the window instead of reading the table.
      const filter = toSql(compileQuery(window), (k) => quoteIdentifier(k));
      const db = new Database(snapshot, { readonly: true });
      db.function(SQL_TIMESTAMP_FUNCTION, { varargs: true }, () => null);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT rowid FROM ${quoteIdentifier(TABLE)} WHERE ${filter.where}`).all(...filter.params) as { detail: string }[]).map((p) => p.detail);
      db.close();
      // both parts of the window: UTC text in the column's index, other forms in the partial one
      for (const ix of indexesOf(TABLE, 'submitted')) assert.ok(plan.some((d) => d.includes(`INDEX ${ix.name} `)), plan.join('\n'));
      assert.ok(!plan.some((d) => d.startsWith('SCAN')), plan.join('\n'));
    } finally {
      await store.close();
    }
  });
});
