import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Binary, MongoClient } from 'mongodb';
import { IpcError } from '../../src/errors.js';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';
import { generateDemoRecords, DictDB, collect, type Store } from '../../src/stores/index.js';
import { MongoStore, openMongoStore } from '../../src/stores/mongodb/index.js';
import { startMongoStandIn, type MongoStandIn } from '../support/mongo-standin/index.js';
import { atMillis, startMongoTarget, TARGET_LABEL, type MongoTarget } from '../support/mongo-target.js';
import { compiles, randomQueries } from './queries.js';

const on = `against ${TARGET_LABEL}`;
let target: MongoTarget;
let database: string;
let store: Store;
const reference = new DictDB();
// The demo has the 7.x form; a 9.1 hub's records carry a label.
const LABELS = ['fit-model', 'render', 'étape-2', null];
const RECORDS: TaskRecord[] = atMillis(generateDemoRecords({ count: 240, seed: 3 }).map((r, i) => ({ ...r, label: LABELS[i % 4] ?? null }) as TaskRecord));

before(async () => {
  target = await startMongoTarget();
  database = target.freshDatabase();
  store = await openMongoStore({ url: target.url, database, write: true });
  for (const r of RECORDS) {
    await store.addRecord(r['msg_id'] as string, r);
    reference.addRecordSync(r['msg_id'] as string, r);
  }
});

after(async () => {
  await store?.close();
  await target?.close();
});

async function rejectsWith(p: Promise<unknown>, kind: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof IpcError, `not an IpcError: ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

const first = RECORDS[10]!;
const mid = RECORDS[120]!['submitted'] as Timestamp;
const SEED_QUERIES: [string, unknown, string[] | undefined][] = [
  ["{'completed': None}", { completed: null }, ['msg_id', 'started']],
  ["{'completed': {'$ne': None}}", { completed: { $ne: null } }, undefined],
  ["{'submitted': {'$ge': hourago}}", { submitted: { $ge: mid } }, ['submitted', 'completed']],
  ["{'submitted': {'$le': iso}, 'queue': 'task'}", { submitted: { $le: mid.toISOString() }, queue: 'task' }, ['queue']],
  ["{'client_uuid': A, 'queue': 'mux'}", { client_uuid: first['client_uuid'], queue: 'mux' }, undefined],
  ["{'engine_uuid': {'$in': [E, None]}}", { engine_uuid: { $in: [first['engine_uuid'], null] } }, ['engine_uuid']],
  ["{'engine_uuid': {'$nin': [E]}}", { engine_uuid: { $nin: [first['engine_uuid']] } }, ['engine_uuid']],
  ["{'header.msg_type': 'execute_request'}", { 'header.msg_type': 'execute_request' }, ['header', 'execute_input']],
  ["{'label': {'$glob': 'fit*'}}", { label: { $glob: 'fit*' } }, ['label']],
  ["{'stdout': {'$regex': 'TEMP', '$options': 'i'}}", { stdout: { $regex: 'TEMP', $options: 'i' } }, ['stdout']],
  ["{'result_content.status': {'$not': {'$in': ['ok']}}}", { 'result_content.status': { $not: { $in: ['ok'] } } }, ['result_content']],
  ["{'engine_uuid': {'$exists': False}}", { engine_uuid: { $exists: false } }, ['engine_uuid']],
  ["{'$or': [{'completed': None}, {'error': {'$ne': None}}]}", { $or: [{ completed: null }, { error: { $ne: null } }] }, ['completed', 'error']],
  ["{'metadata.retries': {'$mod': [2, 1]}}", { 'metadata.retries': { $mod: [2, 1] } }, ['metadata']],
  ['{} with the buffers', {}, ['buffers', 'result_buffers']],
];

for (const [name, query, keys] of SEED_QUERIES) {
  test(`db_query(${name}) answers as DictDB does, in submitted order, ${on}`, async () => {
    const got = await collect(store.findRecords(query, keys));
    const expected = reference.findRecordsSync(query, keys);
    assert.ok(expected.length > 0, 'the query selects something');
    assert.deepEqual(got, expected);
  });
}

test(`keys become a projection with msg_id always, and the default leaves out the buffers, ${on}`, async () => {
  const [one] = await collect(store.findRecords({ msg_id: first['msg_id'] }, ['started', 'queue']));
  assert.deepEqual(Object.keys(one!), ['msg_id', 'started', 'queue']);
  const [all] = await collect(store.findRecords({ msg_id: first['msg_id'] }));
  assert.ok(!('buffers' in all!) && !('result_buffers' in all!) && 'label' in all!);
  const [every] = await collect(store.findRecords({ msg_id: first['msg_id'] }, '*'));
  assert.deepEqual(every, reference.findRecordsSync({ msg_id: first['msg_id'] }, '*')[0], "keys='*': every key, the buffers too");
  assert.ok(Array.isArray(every!['buffers']) && 'result_buffers' in every!);
  const sent = target.standIn?.engine.log.filter(([n]) => n === 'find').map(([, c]) => c['projection']);
  if (sent) assert.ok(sent.some((p) => JSON.stringify(p) === JSON.stringify({ _id: 0, msg_id: 1, started: 1, queue: 1 })));
});

test(`answers stream a batch at a time: getMore for the rest, and an early stop kills the cursor, ${on}`, async () => {
  const firstThree = reference.findRecordsSync({}, ['msg_id']).slice(0, 3).map((r) => r['msg_id']);
  const stopEarly = async (s: Store) => {
    const seen: string[] = [];
    for await (const r of s.findRecords({}, ['msg_id'])) {
      seen.push(r['msg_id'] as string);
      if (seen.length === 3) break;
    }
    return seen;
  };
  assert.deepEqual(await stopEarly(store), firstThree);
  // MongoDB ends a batch at 16 MiB; a stand-in that ends them at 4 KiB shows the batches of a large answer
  if (!target.standIn) return;
  const small = await startMongoStandIn({ maxBatchBytes: 4096 });
  const batched = await openMongoStore({ url: small.url, database, write: true });
  try {
    for (const r of RECORDS) await batched.addRecord(r['msg_id'] as string, r);
    const log = small.engine.log;
    let start = log.length;
    assert.deepEqual(await stopEarly(batched), firstThree);
    const cursorCommands = (from: number) => log.slice(from).map(([n]) => n).filter((n) => n === 'find' || n === 'getMore' || n === 'killCursors');
    let names = cursorCommands(start);
    assert.deepEqual(names, ['find', 'killCursors']);
    start = log.length;
    assert.deepEqual(await collect(batched.findRecords({}, ['msg_id', 'buffers'])), reference.findRecordsSync({}, ['msg_id', 'buffers']));
    names = cursorCommands(start);
    assert.ok(names.filter((n) => n === 'getMore').length > 1 && !names.includes('killCursors'), names.join(' '));
  } finally {
    await batched.close();
    await small.close();
  }
});

test('behind a mongos router the driver\'s cursor reads the answers, and they are the ones the commands read, against the MongoDB stand-in', async () => {
  const direct = await startMongoStandIn({ maxBatchBytes: 4096 });
  const router = await startMongoStandIn({ maxBatchBytes: 4096, mongos: true });
  const stores = [await openMongoStore({ url: direct.url, database, write: true }), await openMongoStore({ url: router.url, database, write: true })];
  try {
    for (const s of stores) for (const r of RECORDS) await s.addRecord(r['msg_id'] as string, r);
    for (const [, query, keys] of [...SEED_QUERIES, ['every key', {}, undefined] as const]) {
      const [byCommands, byCursor] = await Promise.all(stores.map((s) => collect(s.findRecords(query, keys))));
      assert.deepEqual(byCursor, byCommands);
      assert.deepEqual(byCommands, reference.findRecordsSync(query, keys));
    }
    // the store's own find asks for everything that fits in one reply; the driver's cursor leaves the batch size to the server
    const finds = (s: MongoStandIn) => s.engine.log.filter(([n]) => n === 'find').map(([, c]) => c['batchSize']);
    assert.ok(finds(direct).every((b) => typeof b === 'number' && b > 1e9));
    assert.ok(finds(router).every((b) => b === undefined));
    assert.ok(router.engine.log.some(([n]) => n === 'getMore'));
  } finally {
    for (const s of stores) await s.close();
    await direct.close();
    await router.close();
  }
});

test('Ctrl-C stops a read between two batches, and the cursor is let go, against the MongoDB stand-in (commands and the driver\'s cursor)', async () => {
  const direct = await startMongoStandIn({ maxBatchBytes: 4096 });
  const router = await startMongoStandIn({ maxBatchBytes: 4096, mongos: true });
  const stores = [await openMongoStore({ url: direct.url, database, write: true }), await openMongoStore({ url: router.url, database, write: true })];
  try {
    for (const [i, s] of stores.entries()) {
      for (const r of RECORDS) await s.addRecord(r['msg_id'] as string, r);
      const log = [direct, router][i]!.engine.log;
      const start = log.length;
      const ac = new AbortController();
      let n = 0;
      await assert.rejects(
        (async () => {
          for await (const _ of s.findRecords({}, ['msg_id', 'buffers'], { signal: ac.signal })) if (++n === 1) ac.abort();
        })(),
        (e: { kind?: string }) => e.kind === 'Interrupted',
      );
      assert.ok(n < RECORDS.length, `every record came after Ctrl-C (${n})`);
      if (i === 0) assert.ok(log.slice(start).some(([c]) => c === 'killCursors'), 'the cursor was not killed');
      // stopped before it begins: nothing is asked of the server
      const before = log.length;
      const stopped = new AbortController();
      stopped.abort();
      await assert.rejects(collect(s.findRecords({}, ['msg_id'], { signal: stopped.signal })), (e: { kind?: string }) => e.kind === 'Interrupted');
      assert.ok(!log.slice(before).some(([c]) => c === 'find'), 'a find was sent');
    }
  } finally {
    for (const s of stores) await s.close();
    await direct.close();
    await router.close();
  }
});

test(`getHistory and summary agree with DictDB, ${on}`, async () => {
  assert.deepEqual(await store.getHistory(), reference.getHistorySync());
  assert.deepEqual(await store.summary(), reference.summarySync());
});

test(`the write path creates ipyparallel's indexes: msg_id unique, submitted, ${on}`, async () => {
  const client = new MongoClient(target.url, { serverSelectionTimeoutMS: 3000 });
  try {
    const indexes = await client.db(database).collection('task_records').indexes();
    const msgId = indexes.find((i) => JSON.stringify(i.key) === '{"msg_id":1}');
    assert.equal(msgId?.unique, true);
    assert.ok(indexes.some((i) => JSON.stringify(i.key) === '{"submitted":1}'));
  } finally {
    await client.close();
  }
  await rejectsWith(store.addRecord(first['msg_id'] as string, first), 'KeyError', /already have a record/);
});

test(`records are stored as pymongo writes them: BSON dates, arrays of Binary, embedded dicts, ${on}`, async () => {
  const client = new MongoClient(target.url, { serverSelectionTimeoutMS: 3000 });
  try {
    const doc = await client.db(database).collection('task_records').findOne({ msg_id: first['msg_id'] });
    assert.ok(doc);
    assert.ok(doc['submitted'] instanceof Date);
    assert.equal(doc['submitted'].getTime(), (first['submitted'] as Timestamp).millis);
    assert.ok(doc['header']['date'] instanceof Date);
    assert.ok(Array.isArray(doc['buffers']) && doc['buffers'].every((b: unknown) => b instanceof Binary));
    assert.equal(typeof doc['header']['msg_type'], 'string');
  } finally {
    await client.close();
  }
  assert.deepEqual(await store.getRecord(first['msg_id'] as string), first);
});

test(`update, drop and drop_matching_records change the database, and missing ids are KeyErrors, ${on}`, async () => {
  const db = await openMongoStore({ url: target.url, database: target.freshDatabase(), write: true });
  try {
    const few = RECORDS.slice(0, 6);
    for (const r of few) await db.addRecord(r['msg_id'] as string, r);
    const id = few[0]!['msg_id'] as string;
    const done = Timestamp.parse('2026-11-02T16:00:00.123Z')!;
    await db.updateRecord(id, { completed: done, stdout: 'fini\n', result_buffers: [new Uint8Array([7, 8])] });
    const got = await db.getRecord(id);
    assert.deepEqual([got['completed'], got['stdout'], got['result_buffers']], [done, 'fini\n', [new Uint8Array([7, 8])]]);
    await db.dropRecord(id);
    await rejectsWith(db.getRecord(id), 'KeyError', /no record with msg_id/);
    await rejectsWith(db.dropRecord(id), 'KeyError', /no record/);
    await rejectsWith(db.updateRecord(id, { stdout: 'x' }), 'KeyError', /no record/);
    const queue = few[1]!['queue'];
    const expected = few.slice(1).filter((r) => r['queue'] === queue).length;
    assert.equal(await db.dropMatchingRecords({ queue }), expected);
    assert.equal((await collect(db.findRecords({}, ['msg_id']))).length, 5 - expected);
  } finally {
    await db.close();
  }
});

test(`a record with microseconds is kept to the millisecond, and a note says so, ${on}`, async () => {
  const notes: string[] = [];
  const db = await openMongoStore({ url: target.url, database: target.freshDatabase(), write: true, onNote: (n) => notes.push(n) });
  try {
    const t = Timestamp.parse('2026-11-02T10:00:00.123456Z')!;
    await db.addRecord('m1', { msg_id: 'm1', submitted: t, header: { date: t }, completed: null });
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /record 'm1': MongoDB keeps datetimes to the millisecond, so the microseconds of submitted, header\.date were dropped/);
    const got = await db.getRecord('m1');
    assert.deepEqual(got['submitted'], Timestamp.parse('2026-11-02T10:00:00.123Z'));
    await db.addRecord('m2', { msg_id: 'm2', submitted: Timestamp.parse('2026-11-02T10:00:00.124Z')! });
    assert.equal(notes.length, 1, 'whole milliseconds lose nothing');
    // A bound between two stored milliseconds selects as it would on the original instants.
    const after = await collect(db.findRecords({ submitted: { $gt: '2026-11-02T10:00:00.123456Z' } }, ['msg_id']));
    assert.deepEqual(after.map((r) => r['msg_id']), ['m2']);
  } finally {
    await db.close();
  }
});

test(`a store opened read-only refuses every write and sends none, ${on}`, async () => {
  const log = target.standIn?.engine.log;
  const start = log?.length ?? 0;
  const ro = await openMongoStore({ url: target.url, database });
  try {
    assert.equal(ro.info.writable, false);
    assert.equal(ro.info.kind, 'MongoDB');
    await rejectsWith(ro.addRecord('x', { msg_id: 'x' }), 'StoreError', /read-only; start ipc with --write/);
    await rejectsWith(ro.updateRecord(first['msg_id'] as string, { stdout: '' }), 'StoreError', /read-only/);
    await rejectsWith(ro.dropRecord(first['msg_id'] as string), 'StoreError', /read-only/);
    await rejectsWith(ro.dropMatchingRecords({}), 'StoreError', /read-only/);
    if (log) assert.deepEqual(log.slice(start).filter(([n]) => ['insert', 'update', 'delete', 'createIndexes'].includes(n)), []);
    assert.equal((await collect(ro.findRecords({ completed: null }))).length, reference.findRecordsSync({ completed: null }).length);
  } finally {
    await ro.close();
  }
});

test(`a missing database is a StoreError that names the databases there, ${on}`, async () => {
  const started = Date.now();
  await rejectsWith(
    openMongoStore({ url: target.url, database: `${database}x`, serverSelectionTimeoutMs: 2000 }),
    'StoreError',
    new RegExp(`has no database '${database}x' with a task_records collection.*did you mean '${database}'.*--database`),
  );
  assert.ok(Date.now() - started < 2000);
  await rejectsWith(openMongoStore({ url: target.url, database: 'a.b' }), 'StoreError', /cannot be a MongoDB database name/);
});

test(`server-side JavaScript is refused before anything is sent, unless allowed, ${on}`, async () => {
  const log = target.standIn?.engine.log;
  const start = log?.length ?? 0;
  await rejectsWith(collect(store.findRecords({ $where: 'this.queue == "task"' })), 'QueryError', /--allow-js/);
  if (log) assert.equal(log.slice(start).filter(([n]) => n === 'find').length, 0);
  const js = await openMongoStore({ url: target.url, database, allowJs: true });
  try {
    assert.deepEqual((js as MongoStore).filterFor({ $where: 'true' }), { $where: 'true' });
  } finally {
    await js.close();
  }
});

test(`MongoDB operators outside the shared engine are relayed: $size, $type, $elemMatch, ${on}`, async () => {
  const sized = await collect(store.findRecords({ 'metadata.targets': { $size: 1 } }, ['metadata']));
  assert.deepEqual(sized, reference.findRecordsSync({}, ['metadata']).filter((r) => (r['metadata'] as { targets?: unknown[] }).targets?.length === 1));
  const dated = await collect(store.findRecords({ completed: { $type: 'date' } }, ['completed']));
  assert.deepEqual(dated, reference.findRecordsSync({ completed: { $ne: null } }, ['completed']));
  const failed = await collect(store.findRecords({ 'error.traceback': { $elemMatch: { $regex: 'Error' } } }, ['error']));
  const expected = reference.findRecordsSync({ 'error.traceback': { $regex: 'Error' } }, ['error']);
  assert.ok(expected.length > 0);
  assert.deepEqual(failed, expected);
});

test(`a query MongoDB itself rejects is a QueryError that says so, ${on}`, async () => {
  await rejectsWith(collect(store.findRecords({ $expr: { $nosuch: ['$completed', 1] } })), 'QueryError', /^MongoDB rejected the query: .*\$nosuch/);
});

test(`random queries and keys answer as DictDB does, records and order, ${on}`, async () => {
  const keyArb = fc.option(fc.subarray(['submitted', 'completed', 'queue', 'header', 'label', 'buffers', 'error'], { minLength: 1 }), { nil: undefined });
  await fc.assert(
    fc.asyncProperty(randomQueries(RECORDS).filter(compiles), keyArb, async (q, keys) => {
      assert.deepEqual(await collect(store.findRecords(q, keys)), reference.findRecordsSync(q, keys), JSON.stringify(q));
    }),
    { numRuns: 120, seed: 7 },
  );
});

test(`opening for writing a collection that holds one msg_id twice is a StoreError, ${on}`, async () => {
  const name = target.freshDatabase();
  const client = new MongoClient(target.url, { serverSelectionTimeoutMS: 3000 });
  try {
    await client.db(name).collection('task_records').insertMany([{ msg_id: 'twice' }, { msg_id: 'twice' }]);
  } finally {
    await client.close();
  }
  await rejectsWith(openMongoStore({ url: target.url, database: name, write: true }), 'StoreError', /holds two records with one msg_id/);
  const ro = await openMongoStore({ url: target.url, database: name });
  try {
    assert.equal((await collect(ro.findRecords({ msg_id: 'twice' }))).length, 2);
  } finally {
    await ro.close();
  }
});
