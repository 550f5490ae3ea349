/**
 * `label` (ipyparallel 9.1) on a live hub, whatever the session asked
 * before: a 7.1 controller writing to MongoDB (the stand-in, or a real
 * mongod) whose records carry labels as a 9.1 hub writes them, and a 7.1
 * SQLiteDB controller, which has no label column and refuses the key.
 * ipc's answers are held to Python's client on the same hub.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HubClient, openHubClient } from '../../src/client/hub-client.js';
import { startMongoTarget, type MongoTarget } from '../support/mongo-target.js';
import { PYTHON, havePython } from '../support/python.js';
import { Cluster, type DbFlag } from './cluster.js';

process.env['TZ'] = 'UTC';

const havePymongo = havePython() && spawnSync(PYTHON, ['-c', 'import pymongo'], { stdio: 'ignore' }).status === 0;

/** Tasks of two functions, then (MongoDB) labels set on the records as a 9.1 hub keeps them: every record has the key. */
const WORKLOAD = `
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
v = c.load_balanced_view()
def train(i):
    return i * 2
def other(i):
    return -i
ars = [v.apply_async(train, i) for i in range(5)] + [v.apply_async(other, i) for i in range(3)]
for a in ars:
    a.get(30)
train_ids = [a.msg_ids[0] for a in ars[:5]]
other_ids = [a.msg_ids[0] for a in ars[5:]]
if INPUT.get('mongo'):
    import pymongo, time
    time.sleep(0.5)
    coll = pymongo.MongoClient(INPUT['mongo'])[INPUT['database']]['task_records']
    for r in coll.find({}, {'msg_id': 1}):
        coll.update_one({'msg_id': r['msg_id']}, {'$set': {'label': 'training-run' if r['msg_id'] in train_ids else None}})
emit({'train': train_ids, 'other': other_ids})
c.close()
`;

/** What Python's db_query answers for each query (msg_ids, sorted), or the exception's name. */
const PYTHON_ANSWERS = `
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
out = []
for q in INPUT['queries']:
    try:
        out.append(sorted(r['msg_id'] for r in c.db_query(q, keys=['msg_id'])))
    except Exception as e:
        out.append(type(e).__name__)
emit(out)
c.close()
`;

const sorted = (ids: unknown[]) => (ids as string[]).slice().sort();

if (havePymongo) {
  describe('label on a hub whose records have it (7.1 controller on MongoDB, labels as 9.1 writes them)', () => {
    const cluster = new Cluster('--mongodb' as DbFlag);
    let target: MongoTarget;
    let ids: { train: string[]; other: string[] };
    const clients: HubClient[] = [];
    const fresh = async () => {
      const c = (await openHubClient({ connectionFile: cluster.connectionFile, timeoutMs: 10000 })) as HubClient;
      clients.push(c);
      return c;
    };

    before(async () => {
      target = await startMongoTarget();
      const database = target.freshDatabase();
      mkdirSync(cluster.profileDir, { recursive: true });
      writeFileSync(join(cluster.profileDir, 'ipcontroller_config.py'), `c.MongoDB.connection_args = [${JSON.stringify(target.url)}]\nc.MongoDB.database = ${JSON.stringify(database)}\n`);
      await cluster.startController();
      await cluster.startEngines(1);
      ids = (await cluster.python(WORKLOAD, { mongo: target.url, database })) as typeof ids;
    });

    after(async () => {
      for (const c of clients) await c.close();
      await cluster.stop();
      await target?.close();
    });

    test("a first query whose keys are derived tests label as the hub holds it, as Python's client answers", async () => {
      const all = [...ids.train, ...ids.other];
      const queries = [
        { label: 'training-run' },
        { label: { $ne: 'training-run' } },
        { label: { $in: ['training-run', 'nothing'] } },
        { label: null },
      ];
      const expected = [ids.train, ids.other, ids.train, ids.other].map(sorted);
      const python = (await cluster.python(PYTHON_ANSWERS, { queries })) as unknown[];
      assert.deepEqual(python, expected, "Python's client on the same hub");
      for (const [i, q] of queries.entries()) {
        // a new session each time: no earlier statement told ipc the hub has labels
        const rc = await fresh();
        const got = await rc.dbQuery(q, ['function']);
        assert.deepEqual(sorted(got.records.map((r) => r['msg_id'])), expected[i], `db_query(${JSON.stringify(q)}, keys=['function'])`);
        assert.ok(got.records.every((r) => r['function'] === (ids.train.includes(r['msg_id'] as string) ? 'train' : 'other')));
      }
      const rc = await fresh();
      const globbed = await rc.dbQuery({ label: { $glob: 'training-*' } }, ['result', 'label']);
      assert.deepEqual(sorted(globbed.records.map((r) => r['msg_id'])), sorted(ids.train));
      assert.ok(globbed.records.every((r) => r['label'] === 'training-run'), 'the label asked for beside a derived key is the stored one');
      const everything = await rc.dbQuery({ msg_id: { $in: all } });
      assert.ok(everything.keys.includes('label'), 'without keys, the answer has label once the hub showed it has one');
    });
  });
}

describe('label on a 7.1 SQLiteDB hub, which has no such column', () => {
  const cluster = new Cluster('--sqlitedb');
  let ids: { train: string[]; other: string[] };
  let rc: HubClient;

  before(async () => {
    await cluster.startController();
    await cluster.startEngines(1);
    ids = (await cluster.python(WORKLOAD)) as typeof ids;
    rc = (await openHubClient({ connectionFile: cluster.connectionFile, timeoutMs: 10000 })) as HubClient;
  });

  after(async () => {
    await rc?.close();
    await cluster.stop();
  });

  test('a query naming label with derived keys answers None for every label instead of the hub refusing the key', async () => {
    const all = sorted([...ids.train, ...ids.other]);
    const none = await rc.dbQuery({ label: null, msg_id: { $in: all } }, ['function', 'label']);
    assert.deepEqual(sorted(none.records.map((r) => r['msg_id'])), all);
    assert.ok(none.records.every((r) => r['label'] === null));
    assert.equal((await rc.dbQuery({ label: 'training-run' }, ['function'])).length, 0);
    const plain = await rc.dbQuery({ msg_id: { $in: all } });
    assert.ok(!plain.keys.includes('label'), 'without keys, a 7.x hub answers no label');
  });
});
