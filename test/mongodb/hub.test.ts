/**
 * A real `ipcontroller --mongodb` (ipyparallel 7.1 over pymongo) writes its
 * task records into the MongoDB stand-in while a Python client runs a
 * workload; ipc then opens the same database and answers the battery.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Timestamp } from '../../src/records/index.js';
import { DictDB, collect, type Store } from '../../src/stores/index.js';
import { openMongoStore } from '../../src/stores/mongodb/index.js';
import { Cluster, type DbFlag } from '../hub/cluster.js';
import { battery, pythonAnswers, runWorkload, type BatteryItem, type PythonAnswers, type Workload } from '../hub/workload.js';
import { startMongoTarget, TARGET_LABEL, type MongoTarget } from '../support/mongo-target.js';
import { havePymongo } from '../support/python.js';

// The hub's pymongo hands back naive UTC datetimes, which the Python side of
// these tests reads as local time: run the cluster in UTC so both agree.
process.env['TZ'] = 'UTC';

havePymongo();

/**
 * Battery lines where ipyparallel's MongoDB backend answers otherwise: it
 * relays $ge and $glob, which MongoDB does not know, and MongoDB's
 * `$exists: False` means "missing", while a pending record holds None.
 */
const MONGODB_WRONG = ['submitted with an offset', 'not completed', 'glob on stdout'];
const BUFFER_KEYS = ['buffers', 'result_buffers'];

describe(`a live hub started with --mongodb, writing to ${TARGET_LABEL}`, () => {
  let target: MongoTarget;
  let cluster: Cluster;
  let database: string;
  let work: Workload;
  let items: BatteryItem[];
  let py: PythonAnswers;
  let store: Store;
  const reference = new DictDB();

  before(async () => {
    target = await startMongoTarget();
    database = target.freshDatabase();
    cluster = new Cluster('--mongodb' as DbFlag);
    mkdirSync(cluster.profileDir, { recursive: true });
    writeFileSync(
      join(cluster.profileDir, 'ipcontroller_config.py'),
      `c.MongoDB.connection_args = [${JSON.stringify(target.url)}]\nc.MongoDB.database = ${JSON.stringify(database)}\n`,
    );
    await cluster.startController();
    await cluster.startEngines(2);
    work = await runWorkload(cluster);
    store = await openMongoStore({ url: target.url, database });
    const submitted = (await collect(store.findRecords({ msg_id: { $in: work.ids } }, ['submitted']))).map((r) => r['submitted'] as Timestamp);
    items = battery(work, submitted);
    py = await pythonAnswers(cluster, items, 30);
    for (const r of py.records) reference.addRecordSync(r['msg_id'] as string, r);
  });

  after(async () => {
    await store?.close();
    await cluster?.stop();
    await target?.close();
  });

  test("ipc reads the hub's records from MongoDB as the hub's own db_query returns them", async () => {
    assert.equal(py.records.length, work.ids.length + 1);
    for (const r of py.records) {
      const id = r['msg_id'] as string;
      const ours = await store.getRecord(id);
      for (const [k, v] of Object.entries(r)) {
        // The hub sends buffers that are None as an empty list.
        const mine = BUFFER_KEYS.includes(k) && ours[k] === null ? [] : ours[k] ?? null;
        assert.deepEqual(mine, v, `${k} of ${id}`);
      }
    }
  });

  test("the battery answers as a DictDB holding the same records, and as Python's db_query where ipyparallel is right", async () => {
    const differs: string[] = [];
    for (const item of items) {
      const expected = reference.findRecordsSync(item.query, item.keys);
      const got = (await collect(store.findRecords(item.query, item.keys))).map((r) => {
        for (const k of BUFFER_KEYS) if (r[k] === null) r[k] = [];
        return r;
      });
      assert.deepEqual(got, expected, `${item.name}: ${JSON.stringify(item.query)}`);
      if (JSON.stringify(py.answers[item.name]) !== JSON.stringify(expected.map((r) => r['msg_id']).sort())) differs.push(item.name);
    }
    assert.deepEqual(differs, MONGODB_WRONG);
  });

  test("getHistory is the hub's history, ties in submitted in order of arrival", async () => {
    assert.deepEqual(await store.getHistory(), py.history);
  });
});
