import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { DERIVED_NEEDS, isDerivedKey, type DerivedKey } from '../../src/payload/index.js';
import { generateDemoRecords, DictDB, type Store } from '../../src/stores/index.js';
import { openMongoStore } from '../../src/stores/mongodb/index.js';
import type { TaskRecord } from '../../src/records/index.js';
import { atMillis, startMongoTarget, TARGET_LABEL, type MongoTarget } from '../support/mongo-target.js';

/*
 * A derived key (status, function, args, result, engine_id, ...) is computed
 * by the client from stored columns. Against MongoDB the server sends only
 * those columns: the find's projection names the columns the derived keys
 * need and the plain keys asked for, never the others (a task's output, its
 * result's buffers when no key reads them), and the answer is DictDB's.
 */

const on = `against ${TARGET_LABEL}`;
let target: MongoTarget;
let store: Store;
let mongo: StoreClient;
let dict: StoreClient;
const RECORDS: TaskRecord[] = atMillis(generateDemoRecords({ count: 300, seed: 11 }));

before(async () => {
  target = await startMongoTarget();
  store = await openMongoStore({ url: target.url, database: target.freshDatabase(), write: true });
  const reference = new DictDB();
  for (const r of RECORDS) {
    await store.addRecord(r['msg_id'] as string, r);
    reference.addRecordSync(r['msg_id'] as string, r);
  }
  mongo = await StoreClient.open(store);
  dict = await StoreClient.open(reference);
});

after(async () => {
  await mongo?.close();
  await dict?.close();
  await target?.close();
});

const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))) as unknown;

/** Every key a query names at its top level or inside $or/$and/$nor. */
function queryKeys(q: Record<string, unknown>): string[] {
  return Object.entries(q).flatMap(([k, v]) => (k.startsWith('$') ? (v as Record<string, unknown>[]).flatMap(queryKeys) : [k.split('.')[0]!]));
}

const CASES: [string, Record<string, unknown>, string[]][] = [
  ["{'status': 'error'}, keys function, args", { status: 'error' }, ['function', 'args']],
  ["{'function': ...}, keys args, result", { function: { $ne: null } }, ['args', 'result']],
  ["{'result': {'$ne': None}}, keys result, status", { result: { $ne: null } }, ['result', 'status']],
  ["{'engine_id': {'$in': [0, 1]}}, keys engine_id, started", { engine_id: { $in: [0, 1] } }, ['engine_id', 'started']],
  ["{'$or': [{'status': 'aborted'}, {'ename': {'$ne': None}}]}, keys ename", { $or: [{ status: 'aborted' }, { ename: { $ne: null } }] }, ['ename']],
];

for (const [name, query, keys] of CASES) {
  test(`db_query(${name}): the server projects only the columns the answer needs; the answer is DictDB's, ${on}`, async () => {
    const log = target.standIn?.engine.log;
    const start = log?.length ?? 0;
    const got = (await mongo.dbQuery(query, keys)).records;
    const want = (await dict.dbQuery(query, keys)).records;
    assert.ok(want.length > 0, 'the query selects something');
    assert.deepEqual(plain(got), plain(want));
    if (!log) return;
    const projections = log.slice(start).filter(([n]) => n === 'find').map(([, c]) => c['projection'] as Record<string, number> | undefined);
    assert.ok(projections.length > 0, 'the answer came from a find');
    // what may be sent: msg_id, the plain keys asked or tested, every column a named derived key reads, and what the engine map is learned from
    const named = [...keys, ...queryKeys(query)];
    const allowed = new Set(['_id', 'msg_id', 'submitted', 'engine_uuid', 'result_metadata', 'error']);
    for (const k of named) for (const c of isDerivedKey(k) ? DERIVED_NEEDS[k as DerivedKey] : [k]) allowed.add(c);
    for (const p of projections) {
      assert.ok(p && Object.keys(p).length > 0, 'a projection was sent');
      const sent = Object.keys(p).filter((k) => p[k] === 1);
      for (const k of sent) assert.ok(allowed.has(k), `${k} is projected but nothing reads it (sent: ${sent.join(', ')})`);
      for (const never of ['stdout', 'stderr', 'execute_result']) assert.ok(!sent.includes(never), `${never} is not sent`);
    }
  });
}

test(`%stats's columns come projected too: status and engine without the task's payloads, ${on}`, async () => {
  const log = target.standIn?.engine.log;
  const start = log?.length ?? 0;
  const got = (await mongo.dbQuery({}, ['status', 'engine_id'])).records;
  assert.deepEqual(plain(got), plain((await dict.dbQuery({}, ['status', 'engine_id'])).records));
  if (!log) return;
  for (const [, c] of log.slice(start).filter(([n]) => n === 'find')) {
    const sent = Object.keys((c['projection'] as Record<string, number>) ?? {});
    assert.ok(sent.length > 0 && !sent.includes('buffers') && !sent.includes('result_buffers'), `no buffers projected (sent: ${sent.join(', ')})`);
  }
});
