/**
 * Never stale: a tasks.db opened read-only while no process had it open (a
 * WAL file read as immutable), then a real controller restarted on the same
 * file. The restarted 7.1 controller writes a new table (ipython-tasks_1):
 * the open store sees its records before the next statement, and `--table
 * '*'` reads the same tables `%tables` lists.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreClient } from '../../src/client/index.js';
import { createShell } from '../../src/shell/index.js';
import { listTaskTables, openSQLiteStore, type SQLiteStore } from '../../src/stores/sqlite/index.js';
import { Cluster } from '../hub/cluster.js';
import { havePython } from '../support/python.js';

const RUN_TASKS = `
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
c.wait_for_engines(1, timeout=60)
v = c.load_balanced_view()
for a in [v.apply_async(lambda x: x * 2, i) for i in range(INPUT['n'])]:
    a.get(30)
c.close()
emit(True)
`;

const cluster = new Cluster('--sqlitedb');
let store: SQLiteStore | undefined;

before(async () => {
  if (!havePython()) return;
  await cluster.startController();
  await cluster.startEngines(1);
  await cluster.python(RUN_TASKS, { n: 3 });
  // 7.1 commits every 2 s: stop the controller once its records are in the file
  const path = join(cluster.profileDir, 'tasks.db');
  await until(async () => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare(`SELECT count(*) FROM "ipython-tasks" WHERE completed IS NOT NULL`).pluck().get();
    } finally {
      db.close();
    }
  }, 3);
  await cluster.stopController();
});

after(async () => {
  await store?.close();
  await cluster.stop();
});

/** Asks until the answer is `want` (the controller commits every 2 s), or gives the last answer after 20 s. */
async function until<T>(ask: () => Promise<T>, want: T): Promise<T> {
  const end = Date.now() + 20_000;
  for (;;) {
    const got = await ask();
    if (JSON.stringify(got) === JSON.stringify(want) || Date.now() > end) return got;
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("a store read as immutable sees what a restarted controller writes: counts, answers, and '*' takes in its new table as %tables lists it", { skip: !havePython() }, async () => {
  const path = join(cluster.profileDir, 'tasks.db');
  // the file in WAL mode with no -wal beside it: no process has it open, so it is read as immutable
  const w = new Database(path);
  w.pragma('journal_mode = WAL');
  w.close();
  assert.ok(!existsSync(`${path}-wal`) && readFileSync(path)[18] === 2, 'a WAL file that nothing holds open');

  store = await openSQLiteStore({ path, table: '*' });
  const client = await StoreClient.open(store);
  const shell = createShell({ client });
  const count = async () => (await shell.execute("len(db_query({}))"))[0]!.value;
  assert.equal(await count(), 3);
  assert.deepEqual(store.tables.map((t) => t.name), ['ipython-tasks']);

  // the same controller, restarted on the same file: 7.1 moves on to a new table
  await cluster.startController();
  await cluster.startEngines(1);
  await cluster.python(RUN_TASKS, { n: 2 });

  const seen = await until(count, 5);
  assert.equal(seen, 5, `len(db_query({})) counts the new records: the file holds ${JSON.stringify(listTaskTables(path).map((t) => [t.name, t.count]))}, the store reads ${store.tables.map((t) => t.name).join(', ')}`);
  assert.equal((await client.dbQuery({})).length, 5);
  // the results come after the submissions, in a later commit
  assert.equal(await until(() => client.countQuery({ status: 'ok' }), 5), 5);
  assert.equal((await client.dbQuery({ status: 'ok' })).length, 5);
  const names = store.tables.map((t) => t.name);
  assert.ok(names.length >= 2 && names.includes('ipython-tasks'), `the restarted controller's table is read too: ${names.join(', ')}`);
  assert.deepEqual(names, listTaskTables(path).map((t) => t.name), "'*' reads what %tables lists");
  await cluster.stopController();
});
