/**
 * Differential tests against ipyparallel's own MongoDB backend
 * (ipyparallel.controller.mongodb.MongoDB over pymongo): what it writes, ipc
 * reads; what ipc writes, it reads.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateDemoRecords, DictDB, collect, type Store } from '../../src/stores/index.js';
import { type TaskRecord } from '../../src/records/index.js';
import { openMongoStore } from '../../src/stores/mongodb/index.js';
import { atMillis, startMongoTarget, TARGET_LABEL, type MongoTarget } from '../support/mongo-target.js';
import { havePymongo, runPython } from '../support/python.js';

havePymongo();
const on = `against ${TARGET_LABEL}`;

/** ipyparallel's MongoDB backend on `database`, as ipcontroller --mongodb makes it. */
const OPEN_PY = String.raw`
from ipyparallel.controller.mongodb import MongoDB
url, database = INPUT['url'], INPUT['database']
db = MongoDB(connection_args=[url], connection_kwargs={'tz_aware': True, 'serverSelectionTimeoutMS': 5000}, database=database)
def plain(rec):
    rec = dict(rec)
    rec.pop('_id', None)
    return rec
`;

let target: MongoTarget;
const RECORDS: TaskRecord[] = generateDemoRecords({ count: 40, seed: 11 });
const STORED = atMillis(RECORDS);

before(async () => {
  target = await startMongoTarget();
});
after(async () => {
  await target?.close();
});

test(`records written by ipyparallel's MongoDB backend read back as ipc records, ${on}`, async () => {
  const database = target.freshDatabase();
  // The hub adds the request, then updates it with the result.
  const pending = RECORDS.map((r) => ({ ...r, completed: null, result_content: null, result_buffers: [] }));
  // Two requests submitted in the same instant, arriving against msg_id order.
  const tie = STORED[5]!['submitted'];
  const ties = ['tie-b', 'tie-a'].map((msg_id) => ({ msg_id, submitted: tie, queue: 'task', completed: null }));
  const seen = (await runPython(
    OPEN_PY +
      String.raw`
for rec in INPUT['pending']:
    db.add_record(rec['msg_id'], rec)
for rec in INPUT['done']:
    db.update_record(rec['msg_id'], {k: rec[k] for k in ('completed', 'result_content', 'result_buffers')})
for rec in INPUT['ties']:
    db.add_record(rec['msg_id'], rec)
emit({'records': {r['msg_id']: plain(r) for r in db.find_records({})}, 'history': db.get_history()})
`,
    { url: target.url, database, pending, done: RECORDS, ties },
  )) as { records: Record<string, TaskRecord>; history: string[] };
  const store = await openMongoStore({ url: target.url, database });
  try {
    for (const r of STORED) {
      const id = r['msg_id'] as string;
      const got = await store.getRecord(id);
      assert.deepEqual(got, r, `record ${id} as ipc reads it`);
      assert.deepEqual(got, seen.records[id], `record ${id} as pymongo reads it`);
    }
    const reference = new DictDB();
    for (const r of [...STORED, ...ties]) reference.addRecordSync(r['msg_id'] as string, r);
    for (const q of [{ completed: { $ne: null } }, { 'header.msg_type': 'apply_request', queue: 'task' }, { label: { $glob: '*-*' } }, { submitted: tie }]) {
      assert.deepEqual(await collect(store.findRecords(q)), reference.findRecordsSync(q));
    }
    // ipyparallel's history: by submitted, ties in order of arrival.
    const history = await store.getHistory();
    assert.deepEqual(history, seen.history);
    assert.ok(history.indexOf('tie-b') < history.indexOf('tie-a'));
  } finally {
    await store.close();
  }
});

test(`records written by ipc read back through ipyparallel's MongoDB backend, ${on}`, async () => {
  const database = target.freshDatabase();
  const store: Store = await openMongoStore({ url: target.url, database, write: true });
  try {
    for (const r of RECORDS) await store.addRecord(r['msg_id'] as string, r);
  } finally {
    await store.close();
  }
  const got = (await runPython(
    OPEN_PY +
      String.raw`
emit({
  'records': {r['msg_id']: plain(r) for r in db.find_records({})},
  'pending': sorted(r['msg_id'] for r in db.find_records({'completed': None}, ['msg_id'])),
  'history': db.get_history(),
})
`,
    { url: target.url, database },
  )) as { records: Record<string, TaskRecord>; pending: string[]; history: string[] };
  for (const r of STORED) assert.deepEqual(got.records[r['msg_id'] as string], r);
  assert.deepEqual(got.pending, STORED.filter((r) => r['completed'] === null).map((r) => r['msg_id']).sort());
  // ipyparallel sorts its history by submitted alone; the demo records have distinct times.
  const reference = new DictDB();
  for (const r of STORED) reference.addRecordSync(r['msg_id'] as string, r);
  assert.deepEqual(got.history, reference.getHistorySync());
});
