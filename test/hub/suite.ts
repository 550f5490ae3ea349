/**
 * The live-hub suite run against a real controller with a DB backend: a
 * Python client's workload, then ipc's HubClient against Python's answers
 * and against a store holding the same records.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { asyncGet } from '../../src/client/async-result.js';
import { HubClient, openHubClient } from '../../src/client/hub-client.js';
import { IpcError } from '../../src/errors.js';
import { DEFAULT_KEYS, Timestamp } from '../../src/records/index.js';
import { repr } from '../../src/format/index.js';
import type { RecordList } from '../../src/client/types.js';
import { DictDB } from '../../src/stores/dictdb.js';
import { Cluster, type DbFlag } from './cluster.js';
import { TamperingProxy } from './proxy.js';
import { IPYPARALLEL_WRONG, battery, pythonAnswers, runWorkload, type BatteryItem, type PythonAnswers, type Workload } from './workload.js';

export interface SuiteOptions {
  /** Also restart the controller and register an engine at the end. */
  readonly restart: boolean;
  /** Name of the place the records go, for the suite's title. */
  readonly where?: string;
  /** Runs before the controller starts: a config file, a database. */
  readonly prepare?: (cluster: Cluster) => Promise<void>;
  readonly cleanup?: () => Promise<void>;
}

export function liveHubSuite(db: DbFlag, options: SuiteOptions): void {
  describe(`a live hub started with ${db}${options.where ? `, writing to ${options.where}` : ''}`, () => {
    const cluster = new Cluster(db);
    let client: HubClient;
    let work: Workload;
    let items: BatteryItem[];
    let py: PythonAnswers;
    let store: DictDB;

    before(async () => {
      await options.prepare?.(cluster);
      await cluster.startController();
      await cluster.startEngines(2);
      work = await runWorkload(cluster);
      client = (await openHubClient({ connectionFile: cluster.connectionFile, timeoutMs: 5000 })) as HubClient;
      const probe = await client.dbQuery({ msg_id: { $in: work.ids } }, ['submitted']);
      items = battery(work, probe.records.map((r) => r['submitted'] as Timestamp));
      py = await pythonAnswers(cluster, items, 8);
      store = new DictDB();
      for (const r of py.records) store.addRecordSync(r['msg_id'] as string, r);
    });

    after(async () => {
      await client?.close();
      await cluster.stop();
      await options.cleanup?.();
    });

    test("db_query through the hub equals a store holding the same records, and Python's db_query where ipyparallel is right", async () => {
      assert.equal(py.records.length, work.ids.length + 1);
      const wrong = IPYPARALLEL_WRONG[db] ?? [];
      for (const item of items) {
        // Records of a 7.1 hub have no label: without keys, the answer has none either.
        const expected = store.findRecordsSync(item.query, item.keys ?? DEFAULT_KEYS.filter((k) => k !== 'label'));
        const got = await client.dbQuery(item.query, item.keys);
        assert.deepEqual(got.records, expected, `rc.db_query(${JSON.stringify(item.query)}, keys=${JSON.stringify(item.keys ?? null)}) — ${item.name}`);
        const theirs = py.answers[item.name];
        if (!wrong.includes(item.name)) {
          assert.deepEqual(theirs, expected.map((r) => r['msg_id']).sort(), `Python's answer to ${item.name}`);
        }
      }
      const everything = await client.dbQuery({});
      assert.ok(everything.records.some((r) => r['completed'] === null), 'the running task shows as pending');
      const backends: Record<string, string> = { '--dictdb': 'DictDB', '--sqlitedb': 'SQLiteDB', '--mongodb': 'MongoDB' };
      assert.equal(client.knownBackend, backends[db], 'the backend was told apart by how it answers');
    });

    test('the answer has msg_id first and the keys asked for, ordered by submitted', async () => {
      const got = await client.dbQuery({ client_uuid: work.session }, ['started', 'msg_id', 'queue']);
      assert.deepEqual(got.keys, ['msg_id', 'started', 'queue']);
      assert.deepEqual(Object.keys(got.records[0]!), ['msg_id', 'started', 'queue']);
      const times = (await client.dbQuery({ client_uuid: work.session }, 'submitted')).records.map((r) => (r['submitted'] as Timestamp).us);
      assert.deepEqual(times, [...times].sort((a, b) => a - b));
    });

    test("hub_history equals Python's and engines come from connection_request", async () => {
      assert.deepEqual(await client.hubHistory(), py.history);
      const engines = await client.engines();
      assert.deepEqual(Object.fromEntries([...engines].map(([k, v]) => [String(k), v])), work.engines);
    });

    test('the key of the connection file never shows', async () => {
      const key = (JSON.parse(readFileSync(cluster.connectionFile, 'utf8')) as { key: string }).key;
      assert.ok(key.length > 8);
      assert.doesNotMatch(inspect(client, { depth: Infinity, showHidden: true }), new RegExp(key));
      assert.doesNotMatch(JSON.stringify(await client.describe()), new RegExp(key));
    });

    test("get_result of the Python client's tasks", async () => {
      const [ok, failed, talker, slow] = await client.getResult([work.ids[0]!, work.failed, work.talker, py.slow]);
      const rec = (id: string) => py.records.find((r) => r['msg_id'] === id)!;
      assert.equal(ok!.status, 'ok');
      assert.deepEqual(ok!.submitted, rec(work.ids[0]!)['submitted']);
      assert.deepEqual(ok!.started, rec(work.ids[0]!)['started']);
      assert.deepEqual(ok!.completed, rec(work.ids[0]!)['completed']);
      assert.equal(ok!.engineUuid, rec(work.ids[0]!)['engine_uuid']);
      assert.equal(ok!.engineId, Number(Object.entries(work.engines).find(([, u]) => u === ok!.engineUuid)![0]));
      assert.ok(ok!.runTimeUs! >= 0 && ok!.queueWaitUs! >= 0);
      assert.deepEqual(ok!.record['result_buffers'], rec(work.ids[0]!)['result_buffers']);
      assert.equal(failed!.status, 'error');
      assert.equal(failed!.error!.ename, 'ZeroDivisionError');
      assert.equal(talker!.stdout, 'hello world\n');
      assert.equal(talker!.stderr, 'warn world\n');
      assert.equal(slow!.status, 'pending');
      assert.deepEqual(slow!.submitted, rec(py.slow)['submitted']);
      assert.equal(slow!.engineUuid, rec(py.slow)['engine_uuid']);
      await assert.rejects(client.getResult(['no-such-task']), (e: IpcError) => e.kind === 'KeyError' && /no-such-task/.test(e.message));
    });

    test("get_result(id).get() from the hub's reply, and queries on derived keys through the hub", async () => {
      const results = await client.getResult(work.ids.slice(0, 6));
      assert.deepEqual(asyncGet(results, false), [0, 1, 4, 9, 16, 25]);
      const failed = await client.getResult([work.failed]);
      assert.throws(() => asyncGet(failed, true), (e: IpcError) => e.kind === 'RemoteError' && /^ZeroDivisionError\(/.test(e.message));
      const squares = await client.dbQuery({ function: 'square', result: { $gte: 9 } }, ['args', 'result', 'status']);
      assert.deepEqual(squares.records.map((r) => [(r['args'] as number[])[0], r['result'], r['status']]).sort((a, b) => (a[0] as number) - (b[0] as number)), [[3, 9, 'ok'], [4, 16, 'ok'], [5, 25, 'ok'], [7, 49, 'ok']]);
      const code = await client.dbQuery({ code: 'a = 1' }, ['code', 'function']);
      assert.deepEqual(code.records.map((r) => r['msg_id']).sort(), [...work.executes].sort());
      // a view.map task sends ipyparallel's map lambda: its function is the mapped one, its args the task's part of the sequence
      const cubes = await client.dbQuery({ function: 'cube' }, ['function', 'args', 'result']);
      assert.equal(Object.keys(work.mapped).length, 3);
      assert.deepEqual(Object.fromEntries(cubes.records.map((r) => [r['msg_id'], [r['function'], repr(r['args'])]])), work.mapped);
      assert.deepEqual(cubes.records.map((r) => r['result']).sort(), [[0], [1], [8]]);
    });

    test('the documentation lines, as pasted, through ipc --hub in script mode', async () => {
      const script = [
        `task_id = '${work.failed}'`,
        'In [1]: rc.get_result(task_id)',
        "In [1]: incomplete = rc.db_query({'completed' : None}, keys=['msg_id', 'started'])",
        'incomplete',
        'In [1]: from datetime import datetime, timedelta',
        'In [2]: hourago = datetime.now() - timedelta(1./24)',
        "In [3]: recent = rc.db_query({'started' : {'$gte' : hourago }, 'client_uuid' : rc.session.session})",
        'recent',
        "In [3]: recent = rc.db_query({'started' : {'$le' : hourago }, 'client_uuid' : {'$ne' : rc.session.session}})",
        'recent',
        'In [1]: uuids = map(rc._engines.get, (3,4))',
        "In [2]: hist34 = rc.db_query({'engine_uuid' : {'$in' : uuids }}, keys='result_header')",
        'hist34',
        'rc._engines',
      ].join('\n');
      const bin = fileURLToPath(new URL('../../../bin/ipc.js', import.meta.url));
      const run = spawnSync(process.execPath, [bin, '--hub', cluster.connectionFile, '--session', work.session, '--format', 'json', '-c', script], {
        cwd: cluster.dir,
        encoding: 'utf8',
        env: { ...process.env, HOME: cluster.dir },
      });
      assert.equal(run.stderr, '');
      assert.equal(run.status, 0);
      const [result, incomplete, recent, old, hist34, engines] = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const ids = (list: RecordList) => list.records.map((r) => r['msg_id']);
      assert.equal(result.msg_id, work.failed);
      assert.equal(result.status, 'error');
      assert.deepEqual(incomplete.map((r: { msg_id: string }) => r.msg_id), ids(await client.dbQuery({ completed: null })));
      assert.deepEqual(incomplete.map((r: { msg_id: string }) => r.msg_id), [py.slow]);
      const hourago = Timestamp.now().plus(-3600e6);
      const mine = await client.dbQuery({ started: { $gte: hourago }, client_uuid: work.session });
      assert.equal(mine.length, work.ids.length);
      assert.deepEqual(recent.map((r: { msg_id: string }) => r.msg_id), ids(mine));
      assert.deepEqual(old, []);
      assert.deepEqual(hist34.map((r: { msg_id: string }) => r.msg_id), ids(await client.dbQuery({ engine_uuid: { $in: [null, null] } })));
      assert.deepEqual(engines, work.engines);
    });

    test('wait on a pending task: a short wait says not yet, a long one sees it done', async () => {
      assert.equal(await client.wait([py.slow], 0.05), false);
      const progress: Array<[number, number]> = [];
      assert.equal(await client.wait([py.slow, work.ids[0]!], 30, { onProgress: (d, t) => progress.push([d, t]) }), true);
      assert.deepEqual(progress[0], [1, 2]);
      assert.deepEqual(progress[progress.length - 1], [2, 2]);
      const [done] = await client.getResult([py.slow]);
      assert.equal(done!.status, 'ok');
    });

    test('resubmit then get_result of the new id', async () => {
      const old = work.ids[2]!;
      const map = await client.resubmit([old]);
      const fresh = map[old]!;
      assert.ok(fresh && fresh !== old);
      assert.equal(await client.wait([fresh], 30), true);
      const [res] = await client.getResult([fresh]);
      assert.equal(res!.status, 'ok');
      assert.deepEqual(res!.record['result_buffers'], (await client.getResult([old]))[0]!.record['result_buffers']);
      const [marked] = (await client.dbQuery({ msg_id: old }, ['resubmitted'])).records;
      assert.equal(marked!['resubmitted'], fresh);
      await assert.rejects(client.resubmit(['no-such-task']), (e: IpcError) => e.kind === 'KeyError');
    });

    test("rc.resubmit answers as Python's AsyncHubResult of the new task: its msg_ids, and .get() the list of values", () => {
      const old = work.ids[4]!;
      const bin = fileURLToPath(new URL('../../../bin/ipc.js', import.meta.url));
      const script = [`ar = rc.resubmit('${old}', block=True)`, 'len(ar.msg_ids), ar.msg_ids[0] != ' + `'${old}'`, 'ar.get()', 'ar.ready()'].join('\n');
      const run = spawnSync(process.execPath, [bin, '--hub', cluster.connectionFile, '--format', 'json', '-c', script], {
        cwd: cluster.dir,
        encoding: 'utf8',
        env: { ...process.env, HOME: cluster.dir },
        timeout: 60_000,
      });
      assert.equal(run.stderr, '');
      assert.deepEqual(run.stdout.trim().split('\n').map((l) => JSON.parse(l)), [[1, true], [16], true]);
    });

    test('purge then query', async () => {
      const victim = work.ids[1]!;
      const careful = (await openHubClient({ connectionFile: cluster.connectionFile, confirm: async () => false })) as HubClient;
      try {
        await assert.rejects(careful.purgeResults([victim]), (e: IpcError) => e.kind === 'Interrupted' && /1 record \(1 found\)/.test(e.message));
      } finally {
        await careful.close();
      }
      assert.equal((await client.dbQuery({ msg_id: victim })).length, 1, 'not confirmed, nothing was deleted');
      assert.equal(await client.purgeResults([victim]), 1);
      assert.equal((await client.dbQuery({ msg_id: victim })).length, 0);
      const uuid1 = work.engines['1']!;
      const onEngine1 = (await client.dbQuery({ engine_uuid: uuid1, completed: { $ne: null } }, 'msg_id')).length;
      assert.ok(onEngine1 > 0);
      assert.equal(await client.purgeResults([], [1]), onEngine1);
      assert.equal((await client.dbQuery({ engine_uuid: uuid1, completed: { $ne: null } })).length, 0);
      const completed = (await client.dbQuery({ completed: { $ne: null } }, 'msg_id')).length;
      assert.ok(completed > 0);
      assert.equal(await client.purgeResults('all'), completed);
      assert.equal((await client.dbQuery({})).length, 0);
      const python = await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
emit(len(c.db_query({'msg_id': {'$ne': None}}, ['msg_id'])))
c.close()
`);
      assert.equal(python, 0);
    });

    test('purge_results of more than a thousand msg_ids at once', { skip: db !== '--sqlitedb' && 'SQLite refuses the deep OR chain ipyparallel makes of $in' }, async () => {
      const ids = (await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
ar = c.load_balanced_view().map_async(pow, range(1100), [2] * 1100, chunksize=1)
ar.get(timeout=120)
emit(ar.msg_ids)
c.close()
`)) as string[];
      assert.equal(ids.length, 1100);
      assert.equal((await client.dbQuery({ msg_id: { $in: ids } }, 'msg_id')).length, 1100);
      // Python's client may hold a result before the hub has recorded it: purge only what the hub saw complete
      for (let tries = 0; (await client.dbQuery({ msg_id: { $in: ids }, completed: null }, 'msg_id')).length > 0; tries++) {
        assert.ok(tries < 100, 'the hub recorded every result within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(await client.purgeResults(ids), 1100);
      assert.equal((await client.dbQuery({ msg_id: { $in: ids } }, 'msg_id')).length, 0);
    });

    test('queue_status per engine, counts or ids', async () => {
      const counts = await client.queueStatus();
      assert.deepEqual([...counts.keys()], ['unassigned', 0, 1]);
      assert.equal(typeof (counts.get(0) as Record<string, unknown>)['completed'], 'number');
      const verbose = await client.queueStatus([0], true);
      assert.ok(Array.isArray((verbose.get(0) as Record<string, unknown>)['completed']));
      await assert.rejects(client.queueStatus([42]), (e: IpcError) => e.kind === 'HubError' && /No Such Engine/.test(e.message) && /Traceback|File/.test(e.detail ?? ''));
    });

    test('a tampered reply is dropped, and the request says why it failed', async () => {
      const proxy = await TamperingProxy.start(cluster.connectionFile, join(cluster.dir, 'proxy-client.json'));
      try {
        const viaProxy = (await openHubClient({ connectionFile: join(cluster.dir, 'proxy-client.json'), timeoutMs: 1000 })) as HubClient;
        try {
          assert.deepEqual(await viaProxy.hubHistory(), await client.hubHistory());
          proxy.tamper = true;
          await assert.rejects(viaProxy.hubHistory(), (e: IpcError) => e.kind === 'HubError' && /bad signature and was dropped/.test(e.message));
          assert.equal(viaProxy.channel.rejected, 1);
        } finally {
          await viaProxy.close();
        }
      } finally {
        proxy.close();
      }
    });

    test('a stopped hub is said at once: nothing listens at its address', async () => {
      // The controller removes its connection file on the way out: keep a copy.
      const kept = join(cluster.dir, 'stopped-client.json');
      copyFileSync(cluster.connectionFile, kept);
      await cluster.stopController();
      const start = Date.now();
      await assert.rejects(
        openHubClient({ connectionFile: kept, timeoutMs: 10_000 }),
        (e: IpcError) => e.kind === 'HubError' && /^nothing listens at tcp:\/\/[^ ]+: the controller of \S+stopped-client\.json is not running/.test(e.message),
      );
      // not after the 10 s a request would wait
      assert.ok(Date.now() - start < 3000);
    });

    if (options.restart) {
      test('a hub that restarts is reconnected to, and engines registering show up', async () => {
        await cluster.startController();
        assert.deepEqual(await client.hubHistory(), []);
        cluster.startEngine();
        const end = Date.now() + 30_000;
        while ((await client.engines()).size !== 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
        assert.equal((await client.engines()).size, 1, 'the registration notification reached ipc');
      });
    }
  });
}
