/**
 * The SQLite store against a live ipyparallel: a real `ipcontroller
 * --sqlitedb` with two engines runs test/fixtures/workload.py, then our
 * answers are held to those of ipyparallel's SQLiteDB on the same file,
 * records go both ways between the two, and we read while the controller
 * writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Timestamp } from '../../src/records/index.js';
import { generateDemoRecords, collect } from '../../src/stores/index.js';
import { jsonText } from '../../src/format/json.js';
import { TABLE_FIELD, openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { startCluster, type Cluster } from '../support/ipcluster.js';
import { havePython } from '../support/python.js';
import { pythonAddRecords, pythonFindRecords, type PythonQuery } from '../support/sqlitedb.js';

const WORKLOAD = fileURLToPath(new URL('../../../test/fixtures/workload.py', import.meta.url));
const TABLE = 'ipython-tasks';
const BULK = 20_000;

describe('the SQLite store and a live ipcontroller --sqlitedb', { skip: !havePython() }, () => {
  let cluster: Cluster;
  let dbPath: string;
  let ids: Record<string, string[]>;

  before(async () => {
    cluster = await startCluster({ dbFlags: ['--sqlitedb'], engines: 2 });
    dbPath = join(cluster.profileDir, 'tasks.db');
    ids = JSON.parse(await cluster.python([WORKLOAD, cluster.profileDir, '1'])) as Record<string, string[]>;
    const total = Object.values(ids).flat().length;
    // the controller commits every 2 seconds
    const deadline = Date.now() + 15_000;
    for (;;) {
      const n = await countRecords(dbPath, TABLE).catch(() => 0);
      if (n >= total) break;
      if (Date.now() > deadline) throw new Error(`the controller wrote ${n} of ${total} records:\n${cluster.log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    await cluster?.stop();
  });

  test("our answers equal SQLiteDB.find_records's (and the correct answer where it is wrong)", async () => {
    // Both read the same consistent snapshot of the live file.
    const snapshot = join(cluster.root, 'snapshot.db');
    const live = new Database(dbPath, { readonly: true });
    await live.backup(snapshot);
    live.close();
    const store = await openSQLiteStore({ path: snapshot });
    const all = await collect(store.findRecords({}, ['submitted', 'engine_uuid', 'client_uuid']));
    const mid = all[Math.floor(all.length / 2)]!['submitted'] as Timestamp;
    const engine = all.find((r) => r['engine_uuid'] !== null)!['engine_uuid'] as string;
    const client = all[0]!['client_uuid'] as string;
    const midPlus2 = new Timestamp(mid.us + 2 * 3600e6).toISOString().slice(0, 26) + '+02:00';
    const py = (t: Timestamp) => `datetime.datetime.fromtimestamp(${t.us / 1e6}, datetime.timezone.utc)`;
    const KEYS7 = ['msg_id', 'header', 'metadata', 'content', 'submitted', 'client_uuid', 'engine_uuid', 'started', 'completed', 'resubmitted', 'received', 'result_header', 'result_metadata', 'result_content', 'queue', 'execute_input', 'execute_result', 'error', 'stdout', 'stderr'];
    const battery: (PythonQuery & { keys: string[] })[] = [
      { query: { msg_id: { $ne: null } }, keys: KEYS7 },
      { query: { completed: null }, keys: KEYS7 },
      { query: { completed: { $ne: null } }, keys: ['completed', 'engine_uuid'] },
      { query: { queue: 'mux' }, keys: ['queue', 'engine_uuid', 'stdout'] },
      { query: { client_uuid: client, queue: 'task' }, keys: ['queue'] },
      { query: { submitted: { $gt: mid } }, keys: ['submitted'] },
      { query: { submitted: { $gte: mid, $lt: mid.plus(30_000) } }, keys: ['submitted'] },
      { query: { started: { $lte: mid } }, keys: ['started'] },
      { query: { error: { $ne: null } }, keys: ['error', 'result_content'] },
      { query: { execute_result: { $ne: null } }, keys: ['execute_result'] },
      { query: { resubmitted: { $ne: null } }, keys: ['resubmitted'] },
      { query: { queue: 'task' }, keys: ['buffers', 'result_buffers'] },
      { query: { stdout: { $in: ['', 'nothing'] } }, keys: ['stdout'] },
      // SQLiteDB compares the text of a +02:00 bound with the +00:00 text it stores
      { query: { submitted: { $lt: midPlus2 } }, keys: ['submitted'], correct: `r['submitted'] < ${py(mid)}` },
      // SQLiteDB raises on None inside $in and $nin
      { query: { engine_uuid: { $in: [engine, null] } }, keys: ['engine_uuid'], correct: `r['engine_uuid'] in (${JSON.stringify(engine)}, None)` },
      { query: { engine_uuid: { $nin: [engine, null] } }, keys: ['engine_uuid'], correct: `r['engine_uuid'] not in (${JSON.stringify(engine)}, None)` },
      // SQLiteDB drops the rows where the key is NULL from $ne and $nin
      { query: { engine_uuid: { $ne: engine } }, keys: ['engine_uuid'], correct: `r['engine_uuid'] != ${JSON.stringify(engine)}` },
      { query: { engine_uuid: { $nin: [engine] } }, keys: ['engine_uuid'], correct: `r['engine_uuid'] != ${JSON.stringify(engine)}` },
      // SQLiteDB has no dotted keys, $regex, $exists or $or
      { query: { 'header.msg_type': 'execute_request' }, keys: ['header'], correct: `r['header']['msg_type'] == 'execute_request'` },
      { query: { 'error.ename': 'ZeroDivisionError' }, keys: ['error'], correct: `(r['error'] or {}).get('ename') == 'ZeroDivisionError'` },
      { query: { stdout: { $regex: '^stdout of' } }, keys: ['stdout'], correct: `r['stdout'].startswith('stdout of')` },
      { query: { engine_uuid: { $exists: false } }, keys: ['engine_uuid'], correct: `r['engine_uuid'] is None` },
      { query: { $or: [{ queue: 'mux' }, { completed: null }] }, keys: ['queue', 'completed'], correct: `r['queue'] == 'mux' or r['completed'] is None` },
    ];
    const theirs = await pythonFindRecords(snapshot, TABLE, battery);
    try {
      for (let i = 0; i < battery.length; i++) {
        const q = battery[i]!;
        const ours = await collect(store.findRecords(q.query, q.keys));
        assert.deepEqual(ours, theirs[i], JSON.stringify(q.query));
        // the JSON text written from the stored text is jsonText of those records
        assert.deepEqual(await collect(store.recordTexts(q.query, q.keys, jsonText)!), ours.map((r) => jsonText(r)), JSON.stringify(q.query));
      }
      const sizes = theirs.map((t) => t.length);
      assert.ok(sizes.filter((n) => n > 0 && n < all.length).length >= 18, `telling answers: ${sizes}`);
      assert.ok(theirs[1]!.length >= 4, 'the pending tasks');
    } finally {
      await store.close();
    }
  });

  test('records SQLiteDB writes read back equal here, and the reverse', async () => {
    const store = await openSQLiteStore({ path: dbPath });
    const live = await collect(store.findRecords({ completed: { $ne: null } }, [...KEYS_7X, 'buffers', 'result_buffers']));
    await store.close();
    assert.ok(live.length >= 15);

    // theirs → ours: SQLiteDB.add_record of the records the controller wrote
    const theirsPath = join(cluster.root, 'by-python.db');
    await pythonAddRecords(theirsPath, TABLE, live);
    const reread = await openSQLiteStore({ path: theirsPath });
    assert.deepEqual(await collect(reread.findRecords({}, [...KEYS_7X, 'buffers', 'result_buffers'])), live);
    await reread.close();

    // ours → theirs
    const oursPath = join(cluster.root, 'by-ipc.db');
    const writer = await openSQLiteStore({ path: oursPath, write: true, create: true });
    await writer.addRecords(live);
    await writer.close();
    const [back] = await pythonFindRecords(oursPath, TABLE, [{ query: { msg_id: { $ne: null } } }]);
    assert.deepEqual(back, live);
  });

  test('reading every record while the controller writes: no error, the hub never stalls', async () => {
    // A big second table in the same file makes each full read long.
    const writer = await openSQLiteStore({ path: dbPath, table: 'bulk', write: true, create: true });
    await writer.addRecords(bulkRecords());
    await writer.close();
    const load = cluster.spawnPython(['-c', LOAD, cluster.profileDir]);
    const loadOut = output(load);
    const counts: number[] = [];
    const started = Date.now();
    // at least 4 s of reads, and on until the controller's commits (every 2 s) show, for at most 15 s
    const grown = () => counts.length >= 2 && counts[counts.length - 1]! > counts[0]!;
    while (Date.now() - started < 4000 || (!grown() && Date.now() - started < 15_000)) {
      const store = await openSQLiteStore({ path: dbPath, table: '*' });
      let n = 0;
      let liveRows = 0;
      for await (const rec of store.findRecords({}, ['submitted', 'stdout', 'buffers', 'result_buffers'])) {
        n++;
        if (rec[TABLE_FIELD] === TABLE) liveRows++;
      }
      await store.close();
      assert.ok(n >= BULK);
      counts.push(liveRows);
    }
    const result = JSON.parse(await loadOut) as { tasks: number; max_ms: number };
    const figures = `${counts.length} full reads; the hub took ${result.tasks} requests, its slowest reply ${result.max_ms.toFixed(0)} ms`;
    if (process.env['IPC_SHOW_FIGURES']) console.log(figures);
    assert.ok(counts.length >= 2, figures);
    assert.ok(counts[counts.length - 1]! > counts[0]!, `the live table grew while we read: ${counts}`);
    assert.ok(result.tasks > 50, figures);
    assert.ok(result.max_ms < 1000, figures);
  });

  test('a writer on the same file waits well under 50 ms while we read', async () => {
    // The controller holds its write lock between its 2-second commits, so the
    // probe writes to a file of its own that we read in full, again and again.
    const path = join(cluster.root, 'probe.db');
    const writer = await openSQLiteStore({ path, write: true, create: true });
    await writer.addRecords(bulkRecords());
    await writer.close();
    const measure = async () => {
      await quietMoment();
      const probe = cluster.spawnPython(['-c', PROBE, path]);
      const probeOut = output(probe);
      let reads = 0;
      const started = Date.now();
      while (Date.now() - started < 3000) {
        const store = await openSQLiteStore({ path });
        let n = 0;
        for await (const _ of store.findRecords({ completed: { $ne: null } }, ['submitted', 'stdout', 'buffers', 'result_buffers'])) n++;
        await store.close();
        assert.ok(n > BULK / 2);
        reads++;
      }
      const result = JSON.parse(await probeOut) as { commits: number; max_ms: number; p99_ms: number };
      const figures = `${reads} full reads of ${BULK} records; the probe committed ${result.commits} times, max wait ${result.max_ms.toFixed(1)} ms, p99 ${result.p99_ms.toFixed(1)} ms`;
      // one slow commit on a loaded machine is scheduling, not a lock held for long
      return { reads, result, figures, ok: result.p99_ms < 50 && result.max_ms < 150 };
    };
    // Waits are wall-clock: another test's burst of CPU (on two cores, a large
    // column read now takes both) can stretch one run, so each measurement
    // waits for a moment when the processors are not all busy, and a failing
    // one is taken twice more before it counts. Alone, p99 is about 19 ms.
    let run = await measure();
    for (let again = 0; again < 2 && !run.ok; again++) run = await measure();
    if (process.env['IPC_SHOW_FIGURES']) console.log(run.figures);
    assert.ok(run.reads >= 2 && run.result.commits > 20, run.figures);
    assert.ok(run.result.p99_ms < 50, run.figures);
    assert.ok(run.result.max_ms < 150, run.figures);
  });
});

function bulkRecords() {
  return generateDemoRecords({ count: BULK, seed: 5 }).map(({ label: _l, ...r }) => r);
}

const KEYS_7X = ['msg_id', 'header', 'metadata', 'content', 'submitted', 'client_uuid', 'engine_uuid', 'started', 'completed', 'resubmitted', 'received', 'result_header', 'result_metadata', 'result_content', 'queue', 'execute_input', 'execute_result', 'error', 'stdout', 'stderr'];

const LOAD = String.raw`
import json, sys, time, warnings
warnings.simplefilter('ignore')
import ipyparallel as ipp
rc = ipp.Client(profile_dir=sys.argv[1])
view = rc.load_balanced_view()
worst = 0.0
n = 0
end = time.time() + 4
# The engines are busy with the pending tasks: each request is recorded by the
# hub, and a queue_status round trip shows whether the hub's loop (which also
# commits to tasks.db) was held up.
while time.time() < end:
    view.apply_async(pow, n, 2)
    t0 = time.perf_counter()
    rc.queue_status()
    worst = max(worst, time.perf_counter() - t0)
    n += 1
    time.sleep(0.01)
print(json.dumps({'tasks': n, 'max_ms': worst * 1000}))
rc.close()
`;

const PROBE = String.raw`
import json, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
# no fsync and no journal file: what a commit waits for is the readers' locks
db.execute('PRAGMA synchronous = OFF')
db.execute('PRAGMA journal_mode = MEMORY')
db.execute('CREATE TABLE IF NOT EXISTS probe (t real)')
waits = []
end = time.time() + 3
while time.time() < end:
    t0 = time.perf_counter()
    db.execute('BEGIN IMMEDIATE')
    db.execute('INSERT INTO probe VALUES (?)', (t0,))
    db.execute('COMMIT')
    waits.append(time.perf_counter() - t0)
    time.sleep(0.02)
waits.sort()
print(json.dumps({'commits': len(waits), 'max_ms': waits[-1] * 1000, 'p99_ms': waits[int(len(waits) * 0.99)] * 1000}))
`;

/** The share of the last half second the processors sat idle (Linux's /proc/stat); 1 where it cannot be read. */
async function idleShare(): Promise<number> {
  const sample = () => {
    try {
      const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      return { idle: cpu[3]! + (cpu[4] ?? 0), total: cpu.reduce((a, b) => a + b, 0) };
    } catch {
      return null;
    }
  };
  const a = sample();
  await new Promise((r) => setTimeout(r, 500));
  const b = sample();
  return a && b && b.total > a.total ? (b.idle - a.idle) / (b.total - a.total) : 1;
}

/** Waits (up to a minute) until other tests leave the processors a quarter idle: a writer's wait is then the lock's, not the scheduler's. */
async function quietMoment(): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end && (await idleShare()) < 0.25) await new Promise((r) => setTimeout(r, 1000));
}

function output(child: import('node:child_process').ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exited ${code}: ${err}`))));
  });
}

async function countRecords(path: string, table: string): Promise<number> {
  const store = await openSQLiteStore({ path, table });
  try {
    return (await store.summary()).count;
  } finally {
    await store.close();
  }
}
