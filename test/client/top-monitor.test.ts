/**
 * `%top`'s monitor reads only what changed: on a SQLite store, the rows
 * added since its last poll (by rowid) and its pending tasks (by msg_id);
 * on a store it cannot follow so (DictDB here, as a hub), the tasks
 * submitted and completed since, leaving a large pending set alone. After
 * tasks are added, assigned, finished, failed and purged, its counts are
 * those a fresh read of everything gives, and it read few records to get
 * there.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StoreClient, TopMonitor, type Client, type RecordFollow } from '../../src/client/index.js';
import Database from 'better-sqlite3';
import { KEY_NAMES_7X, Timestamp, type TaskRecord, type Value } from '../../src/records/index.js';
import { DictDB } from '../../src/stores/dictdb.js';
import type { Store } from '../../src/stores/index.js';
import { encodeColumn, openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { tempDir } from '../cli/helpers.js';

const tmp = tempDir('ipc-top-monitor-');
after(() => tmp.remove());

const T0 = Timestamp.parse('2026-12-01T00:00:00Z')!.us;
const ENGINES = ['e0000000-000000000000000000000000', 'e1111111-111111111111111111111111'];
const id = (i: number) => `c0ffee00-111122223333444455556666_4242_${i}`;
/** Task i is submitted at second i; its other times are `ms` later. */
const at = (i: number, ms = 0) => new Timestamp(T0 + i * 1e6 + ms * 1000);

function pending(i: number, engine: string | null = null): TaskRecord {
  return {
    msg_id: id(i), header: { msg_id: id(i), msg_type: 'apply_request' }, metadata: {}, content: {}, buffers: [],
    submitted: at(i), client_uuid: 'c0ffee00-111122223333444455556666', engine_uuid: engine, queue: 'task',
    started: null, completed: null, resubmitted: null, received: null, result_header: null, result_metadata: null,
    result_content: null, result_buffers: [], execute_input: null, execute_result: null, error: null, stdout: '', stderr: '',
  };
}

/** Task i finished on an engine at second `when` (its own submission's, unless later). */
function finish(i: number, engine: string, ok: boolean, when = i): TaskRecord {
  const content: Record<string, Value> = ok ? { status: 'ok' } : { status: 'error', ename: 'ValueError', evalue: `bad ${i}`, traceback: [] };
  return {
    engine_uuid: engine, started: at(when, 10), completed: at(when, 20), received: at(when, 21),
    result_header: { msg_type: 'apply_reply' }, result_metadata: { status: content.status, engine: engine }, result_content: content,
  };
}

/** Counts every query and follow read answers. */
function counting(client: Client): { client: Client; records: () => number } {
  let n = 0;
  const dbQuery = client.dbQuery.bind(client);
  (client as { dbQuery: Client['dbQuery'] }).dbQuery = async (q, keys) => {
    const list = await dbQuery(q, keys);
    n += list.records.length;
    return list;
  };
  const follow = client.follow;
  if (follow) {
    (client as { follow: RecordFollow }).follow = {
      changes: async (mark, q, keys, ids, idKeys) => {
        const read = await follow.changes(mark, q, keys, ids, idKeys);
        n += read.added.length + read.known.length;
        return read;
      },
    };
  }
  return { client, records: () => { const r = n; n = 0; return r; } };
}

/** What %top shows that a fresh read must give too. */
async function shown(m: TopMonitor) {
  const s = m.snapshot('test');
  return {
    pending: s.pending, running: s.running, done: s.done, failed: s.failed,
    engines: s.engines.map((e) => ({ uuid: e.uuid, queued: e.queued, done: e.done, failed: e.failed, task: e.task?.msgId ?? null, lastError: e.lastError })),
    errors: s.errors.map((e) => e.msgId),
  };
}

/** Adds, assigns, finishes, fails and purges tasks, as a controller (and a purge) would between two polls. */
async function changeSome(store: Store, base: number): Promise<void> {
  // finished without ever being seen pending
  await store.addRecord(id(base + 1), { ...pending(base + 1), ...finish(base + 1, ENGINES[1]!, true) });
  await store.addRecord(id(base + 2), { ...pending(base + 2), ...finish(base + 2, ENGINES[0]!, false) });
  // new pending tasks, one sent to an engine's queue
  await store.addRecord(id(base + 3), pending(base + 3));
  await store.addRecord(id(base + 4), pending(base + 4, ENGINES[1]!));
  // known pending ones: finished, failed (just now), assigned
  await store.updateRecord(id(1), finish(1, ENGINES[0]!, true, base + 5));
  await store.updateRecord(id(2), finish(2, ENGINES[1]!, false, base + 5));
  await store.updateRecord(id(3), { engine_uuid: ENGINES[0]! });
}

test("%top's monitor on a SQLite store follows it by rowid and msg_id: its counts after changes are a fresh read's, from the changed and pending tasks alone", async () => {
  const path = join(tmp.dir, 'follow.db');
  await (await openSQLiteStore({ path, write: true, create: true })).close();
  // 3,000 finished tasks, 40 pending, written at once
  const raw = new Database(path);
  const insert = raw.prepare(`INSERT INTO "ipython-tasks" VALUES (${KEY_NAMES_7X.map(() => '?').join(', ')})`);
  const row = (r: TaskRecord) => KEY_NAMES_7X.map((k) => encodeColumn(k, r[k]));
  raw.transaction(() => {
    for (let i = 100; i < 3100; i++) insert.run(row({ ...pending(i), ...finish(i, ENGINES[i % 2]!, i % 10 !== 0) }));
    for (let i = 1; i <= 40; i++) insert.run(row(pending(i, i % 3 === 0 ? ENGINES[i % 2]! : null)));
  })();
  raw.close();
  const writer = await openSQLiteStore({ path, write: true });
  const reader = await StoreClient.open(await openSQLiteStore({ path }));
  assert.ok(reader.follow, 'a SQLite store can be followed');
  const { client, records } = counting(reader);
  const monitor = new TopMonitor({ client, query: {}, by: null });
  await monitor.start();
  assert.ok(records() >= 3040, 'the first poll reads the selection');
  await changeSome(writer, 5000);
  await writer.dropRecord(id(4));
  assert.equal(await monitor.poll(), true);
  const read = records();
  const fresh = new TopMonitor({ client: await StoreClient.open(await openSQLiteStore({ path })), query: {}, by: null });
  await fresh.start();
  assert.deepEqual(await shown(monitor), await shown(fresh));
  assert.deepEqual(
    { pending: (await shown(monitor)).pending + (await shown(monitor)).running, done: (await shown(monitor)).done, failed: (await shown(monitor)).failed },
    { pending: 40 - 3 + 2, done: 3000 - 300 + 2, failed: 300 + 2 },
  );
  assert.ok(read < 60, `the poll read the 4 added rows and the 40 pending tasks, not the table: ${read} records`);
  // finished tasks a minute older than the latest are held as counts, not one by one
  assert.ok((monitor as unknown as { tasks: Map<string, unknown> }).tasks.size < 100, 'the old finished tasks are folded into counts');
  const byEngine = new TopMonitor({ client: await StoreClient.open(await openSQLiteStore({ path })), query: {}, by: 'engine' });
  await byEngine.start();
  const groups = byEngine.snapshot('test').groups;
  assert.deepEqual(groups.map((g) => g.key).sort(), [...ENGINES, '(unassigned)'].sort());
  assert.equal(groups.reduce((n, g) => n + g.total, 0), 3000 + 40 + 4 - 1);
  assert.equal(groups.reduce((n, g) => n + g.failed, 0), 302);
  // nothing changed: the file's stamp says so, and nothing is read
  assert.equal(await monitor.poll(), false);
  assert.equal(records(), 0);
  await writer.close();
});

test("%top's monitor on a store it cannot follow by rowid, with a large pending set: its counts after changes are a fresh read's, from the tasks submitted and completed since", async () => {
  const db = new DictDB({ recordLimit: 100_000 });
  for (let i = 100; i < 600; i++) db.addRecordSync(id(i), { ...pending(i), ...finish(i, ENGINES[i % 2]!, i % 10 !== 0) });
  // more pending tasks than are read again every poll
  for (let i = 1; i <= 1500; i++) db.addRecordSync(id(i + 10_000), pending(i + 10_000, i % 3 === 0 ? ENGINES[i % 2]! : null));
  for (let i = 1; i <= 3; i++) db.addRecordSync(id(i), pending(i));
  const store = await StoreClient.open(db);
  assert.equal(store.follow, undefined);
  const { client, records } = counting(store);
  const monitor = new TopMonitor({ client, query: {}, by: null });
  await monitor.start();
  records();
  // submitted after everything there is
  await changeSome(db, 20_000);
  await monitor.poll();
  const read = records();
  const fresh = new TopMonitor({ client: await StoreClient.open(db), query: {}, by: null });
  await fresh.start();
  const mine = await shown(monitor);
  const theirs = await shown(fresh);
  // a task sent to an engine's queue is seen there once the pending set is read again
  const unqueued = (x: typeof mine) => ({ ...x, engines: x.engines.map((e) => ({ ...e, queued: 0, task: null })) });
  assert.deepEqual(unqueued(mine), unqueued(theirs));
  assert.ok(read < 100, `the poll read the tasks submitted and completed since, not the 1,500 pending: ${read} records`);
  // the pending set's engines are read again every tenth poll: then the queues agree too
  for (let i = 0; i < 9; i++) await monitor.poll();
  assert.deepEqual(await shown(monitor), theirs);
});
