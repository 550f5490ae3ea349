import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { PYTHON, havePython } from '../support/python.js';
import { Terminal } from '../ui/support/tmux.js';
import { startCluster, type Cluster } from '../support/ipcluster.js';

// A real 7.1 cluster (ipcontroller --sqlitedb, three ipengines) running
// sleeps of different lengths, failures, and more long tasks than engines
// (some running, some queued): %stats on its tasks.db, while the controller
// runs, equals the numbers computed from SQLiteDB.find_records in Python.
const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const reference = join(root, 'test', 'analytics', 'stats-reference.py');
const ENGINES = 3;
let cluster: Cluster | null = null;
let db = '';
let pending: string[] = [];

before(async () => {
  if (!havePython()) return;
  cluster = await startCluster({ dbFlags: ['--sqlitedb'], engines: ENGINES });
  pending = JSON.parse(await cluster.python([join(root, 'test', 'analytics', 'sleep-workload.py'), cluster.profileDir, String(ENGINES)]));
  db = join(cluster.profileDir, 'tasks.db');
  // the controller commits every 2 seconds
  await new Promise((r) => setTimeout(r, 3000));
});

after(async () => {
  await cluster?.stop();
});

function ipc(...args: string[]): string {
  return execFileSync(process.execPath, [bin, '--sqlitedb', db, ...args], { encoding: 'utf8' });
}

type Row = Record<string, number | string | null>;

test('%stats on a live cluster store equals SQLiteDB.find_records in Python, pending tasks counted but not timed', { skip: !havePython() }, () => {
  assert.ok(existsSync(db));
  const table = 'ipython-tasks';
  for (const by of ['engine_id', 'status']) {
    const ours = JSON.parse(ipc('--format', 'json', '-c', `%stats by ${by}`)) as { groups: Row[]; total: Row; span: number };
    const theirs = JSON.parse(execFileSync(PYTHON, [reference, db, table, by], { encoding: 'utf8' })) as { groups: Record<string, Row>; total: Row };
    assert.deepEqual(ours.groups.map((g) => JSON.stringify(g[by])).sort(), Object.keys(theirs.groups).sort());
    for (const g of [...ours.groups, ours.total]) {
      const t = g === ours.total ? theirs.total : theirs.groups[JSON.stringify(g[by])]!;
      for (const [k, v] of Object.entries(t)) {
        if (typeof v === 'number') assert.ok(Math.abs((g[k] as number) - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${by}=${g[by]} ${k}: ${g[k]} != ${v}`);
        else assert.equal(g[k], v, `${by}=${g[by]} ${k}`);
      }
    }
    assert.equal(ours.total['count'], 12 + 2 + ENGINES + 2);
    assert.equal(ours.total['untimed'], pending.length, 'every pending task is counted, none is timed');
  }
  const byEngine = JSON.parse(ipc('--format', 'json', '-c', '%stats')) as { groups: Row[]; total: Row };
  const engines = byEngine.groups.filter((g) => g['engine_id'] !== null);
  assert.equal(engines.length, ENGINES, 'one row per engine (by id where a reply names it, else by uuid)');
  assert.ok(engines.some((g) => typeof g['engine_id'] === 'number'), 'the error replies name engine ids');
  // run times are the sleeps: the longest is about 0.6 s, the shortest about 20 ms
  assert.ok((byEngine.total['run_time_max'] as number) >= 0.6 && (byEngine.total['run_time_max'] as number) < 1.5);
  assert.ok((byEngine.total['run_time_min'] as number) >= 0.02);
});

test('a 7.x hub writes started only with the result: a running task has no start in the store', { skip: !havePython() }, () => {
  const out = ipc('--format', 'json', '-c', `db_query({'msg_id': {'$in': ${JSON.stringify(pending)}}}, keys=['started', 'engine_uuid', 'completed'])`);
  const recs = JSON.parse(out) as Row[];
  assert.equal(recs.length, pending.length);
  assert.ok(recs.every((r) => r['started'] === null && r['completed'] === null));
  assert.ok(recs.some((r) => r['engine_uuid'] !== null), 'some are running on an engine, yet have no start');
});

test('%stats through the live hub gives the numbers of the store it writes', { skip: !havePython() }, () => {
  const connection = join(cluster!.profileDir, 'security', 'ipcontroller-client.json');
  const viaHub = JSON.parse(execFileSync(process.execPath, [bin, '--hub', connection, '--format', 'json', '-c', '%stats by status'], { encoding: 'utf8' }));
  const viaStore = JSON.parse(ipc('--format', 'json', '-c', '%stats by status'));
  assert.deepEqual(viaHub, viaStore);
});

test('%timeline on a live hub: new tasks appear while it is open', { skip: !havePython() }, async () => {
  const connection = join(cluster!.profileDir, 'security', 'ipcontroller-client.json');
  const t = new Terminal(`node ${bin} --hub ${connection}`, { cwd: cluster!.root, env: { HOME: cluster!.root }, columns: 100, rows: 24 });
  try {
    await t.waitFor((s) => s.includes('In [1]:'), 'the prompt');
    t.type('%timeline');
    t.send('Enter');
    const count = (s: string) => Number(/(\d+) tasks on \d+ rows/.exec(s)?.[1] ?? NaN);
    const first = count(await t.waitFor((s) => /timeline \(live\)/.test(s), 'the live timeline'));
    assert.equal(first, 12 + 2 + ENGINES + 2);
    await cluster!.python([join(root, 'test', 'analytics', 'more-tasks.py'), cluster!.profileDir, '5']);
    await t.waitFor((s) => count(s) === first + 5, 'the five new tasks', { timeoutMs: 15_000 });
    t.type('q');
    await t.waitFor((s) => s.includes('In [2]:'), 'the prompt again');
  } finally {
    t.close();
  }
});
