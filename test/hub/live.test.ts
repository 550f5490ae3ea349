/**
 * `%tail` and `%top` on a real ipyparallel 7.1 controller (DictDB) with two
 * engines: output followed over IOPub compared with the records the hub
 * kept, and %top's counts compared with what Python's Client answers
 * (queue_status and db_query) while the cluster is quiet: one long task
 * pinned on each engine, more queued behind them. Last, an engine is
 * killed while %top shows it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { openHubClient } from '../../src/client/hub-client.js';
import { TopMonitor } from '../../src/client/top-monitor.js';
import { Timestamp } from '../../src/records/index.js';
import { IPC, isolatedEnv, runIpc, tempDir } from '../cli/helpers.js';
import { Terminal } from '../ui/support/tmux.js';
import { Cluster } from './cluster.js';

// heartbeats of 1 s, eight missed: a killed engine is noticed within seconds; its tasks are failed 10 s after
// (the controller's registration timeout, by default at least 30 s: with the 8 s before it, near the 40 s a test waits)
const cluster = new Cluster('--dictdb', ['--HeartMonitor.period=1000', '--HeartMonitor.max_heartmonitor_misses=8', '--IPController.registration_timeout=10']);
const home = tempDir('ipc-live-');
const env = () => isolatedEnv(home.dir, { IPYTHONDIR: cluster.env['IPYTHONDIR'], NO_COLOR: '1' });

before(async () => {
  await cluster.startController();
  await cluster.startEngines(2);
});

after(async () => {
  await cluster.stop();
  home.remove();
});

/** Submits tasks that print `tag i t` every 0.2 s (t: the engine's clock when printed) and answers their msg_ids once they are sent. */
async function submitTickers(tags: string[], lines: number): Promise<string[]> {
  const out = (await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
def ticker(tag, n):
    import time
    for i in range(n):
        print(tag, i, repr(time.time()), flush=True)
        time.sleep(0.2)
    return tag
# one task per engine, through its own queue
ars = [c[c.ids[i % len(c.ids)]].apply_async(ticker, t, INPUT['lines']) for i, t in enumerate(INPUT['tags'])]
for ar in ars:
    ar.wait_for_send(10)
ids = [ar.msg_ids[0] for ar in ars]
# closing the client at once can drop requests still queued in its sockets: wait until the hub holds them
import time
deadline = time.time() + 20
while len(c.db_query({'msg_id': {'$in': ids}}, keys=['msg_id'])) < len(ids) and time.time() < deadline:
    time.sleep(0.05)
emit(ids)
c.close()
`, { tags, lines })) as unknown as string[];
  return out;
}

/** What the hub recorded as each task's stdout, once every one has completed. */
async function recordedStdout(ids: string[]): Promise<Record<string, string>> {
  return (await cluster.python(`
import ipyparallel as ipp, time
c = ipp.Client(INPUT['file'])
c.wait(INPUT['ids'], timeout=60)
deadline = time.time() + 10
while True:
    recs = c.db_query({'msg_id': {'$in': INPUT['ids']}}, keys=['msg_id', 'stdout', 'completed'])
    if all(r['completed'] for r in recs) or time.time() > deadline:
        break
    time.sleep(0.2)
emit({r['msg_id']: r['stdout'] or '' for r in recs})
c.close()
`, { ids })) as unknown as Record<string, string>;
}

/** The lines of one task in %tail's output, without their prefix. */
function linesOf(out: string, id: string): string[] {
  const tail = /_\d+_\d+$/.exec(id)![0];
  return out.split('\n').filter((l) => l.startsWith('[') && l.split(']')[0]!.endsWith(tail)).map((l) => l.slice(l.indexOf('] ') + 2));
}

test('%tail -f shows each line of new tasks once, in order, soon after it is printed, and all of it equals the stdout the hub recorded', async () => {
  const child = spawn(process.execPath, [IPC, '--hub', cluster.connectionFile, '-c', "%tail -f {'completed': None}"], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const arrivals: { line: string; at: number }[] = [];
  let wake = () => {};
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const line of d.split('\n')) if (line) arrivals.push({ line, at: Date.now() / 1000 });
    wake();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const until = async (ok: () => boolean, what: string, ms = 30_000) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`waiting for ${what}:\n${out}\n${err}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  };
  try {
    await until(() => out.includes('(following'), 'the subscription');
    const ids = await submitTickers(['alpha', 'beta'], 8);
    await until(() => ids.every((id) => linesOf(out, id).length === 8), 'every line of both tasks').catch(async (e: Error) => {
      const seen = await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
emit([{k: str(v) for k, v in r.items()} for r in c.db_query({'msg_id': {'$in': INPUT['ids']}}, keys=['engine_uuid', 'started', 'completed', 'stdout', 'result_content'])])
c.close()
`, { ids });
      throw new Error(`${e.message}\nthe hub's records: ${JSON.stringify(seen)}\n${cluster.output.slice(-3000)}`);
    });
    const recorded = await recordedStdout(ids);
    for (const id of ids) {
      const seen = linesOf(out, id);
      assert.deepEqual(seen, recorded[id]!.replace(/\n$/, '').split('\n'), `the lines of ${id} are the recorded stdout, once each, in order`);
      assert.deepEqual(seen.map((l) => Number(l.split(' ')[1])), [...Array(8).keys()]);
    }
    // how long after its print each line reached ipc (same machine, same clock)
    const delays = arrivals.filter((a) => /^\[\d /.test(a.line)).map((a) => a.at - Number(a.line.split(' ').at(-1)));
    delays.sort((a, b) => a - b);
    assert.ok(delays[Math.floor(delays.length / 2)]! < 0.5, `half the lines within 0.5 s of their print: ${delays.map((d) => d.toFixed(2)).join(' ')}`);
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('close', r));
  }
  assert.equal(child.exitCode ?? 130, 130, 'SIGINT stops it as any statement');
});

test('%tail ID of a task already printing takes what came before from the record: nothing missed, nothing twice; it stops when the task is done', async () => {
  const [id] = await submitTickers(['gamma'], 10);
  // started once the task has printed a few lines
  await cluster.python(`
import ipyparallel as ipp, time
c = ipp.Client(INPUT['file'])
while True:
    r = c.db_query({'msg_id': INPUT['id']}, keys=['stdout'])
    if r and (r[0]['stdout'] or '').count('\\n') >= 3:
        break
    time.sleep(0.1)
c.close()
emit(True)
`, { id });
  const run = await runIpc(['--hub', cluster.connectionFile, '-c', `%tail ${id}`], { env: env(), timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr);
  const recorded = await recordedStdout([id!]);
  assert.deepEqual(linesOf(run.stdout, id!), recorded[id!]!.replace(/\n$/, '').split('\n'));
  assert.equal(linesOf(run.stdout, id!).length, 10);
});

test("%top's running time of a task starts at the engine's own busy: within 0.3 s of the `started` its record holds once done", async () => {
  const client = await openHubClient({ connectionFile: cluster.connectionFile, timeoutMs: 10_000 });
  const monitor = new TopMonitor({ client, query: {}, by: null });
  // when %top says each task began running: the snapshot's time less the running time it shows
  const began = new Map<string, number>();
  let watching = true;
  try {
    await monitor.start();
    const watch = (async () => {
      while (watching) {
        const s = monitor.snapshot('hub');
        for (const e of s.engines) {
          const t = e.task;
          if (t && !t.estimated && t.runningSeconds !== null && !began.has(t.msgId)) began.set(t.msgId, s.polledAt.us - t.runningSeconds * 1e6);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const ids = await submitTickers(['delta', 'epsilon'], 3);
    const end = Date.now() + 30_000;
    let records = (await client.dbQuery({ msg_id: { $in: ids } }, ['started', 'completed'])).records;
    while (records.some((r) => r['completed'] === null) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      records = (await client.dbQuery({ msg_id: { $in: ids } }, ['started', 'completed'])).records;
    }
    watching = false;
    await watch;
    assert.equal(records.length, 2);
    for (const r of records) {
      const id = String(r['msg_id']);
      const started = r['started'];
      assert.ok(started instanceof Timestamp, `${id} has its started`);
      assert.ok(began.has(id), `%top showed ${id} running from its busy status`);
      const off = (began.get(id)! - started.us) / 1e6;
      assert.ok(Math.abs(off) < 0.3, `${id}: %top's start is ${off.toFixed(3)} s from the engine's started`);
    }
  } finally {
    watching = false;
    monitor.stop();
    await client.close();
  }
});

/** One long task pinned on each engine, three more queued on engine 0, two load-balanced waiting, one failure done. */
let pinned: { sleepers: string[]; engines: Record<string, string> };

async function quietCluster(): Promise<void> {
  if (pinned) return;
  pinned = (await cluster.python(`
import ipyparallel as ipp, time
c = ipp.Client(INPUT['file'])
def boom():
    return 1 / 0
try:
    c[0].apply_sync(boom)
except Exception:
    pass
def nap(t):
    import time
    time.sleep(t)
pinned = [c[i].apply_async(nap, 300) for i in (0, 1)]
sleepers = [ar.msg_ids[0] for ar in pinned]
queued = [c[0].apply_async(nap, 1) for _ in range(3)]
lb = c.load_balanced_view()
queued += [lb.apply_async(nap, 1) for _ in range(2)]
for ar in pinned + queued:
    ar.wait_for_send(10)
time.sleep(1.5)
emit({'sleepers': sleepers, 'engines': {str(k): v for k, v in c._engines.items()}})
c.close()
`)) as unknown as typeof pinned;
}

test('%top on a quiet cluster counts what queue_status and db_query of Python say at the same moment', async () => {
  await quietCluster();
  const run = await runIpc(['--hub', cluster.connectionFile, '--format', 'json', '-c', '%top'], { env: env(), timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr);
  const top = JSON.parse(run.stdout) as {
    engines_up: number; pending: number; running: number; done: number; failed: number;
    engines: { id: number; queued: number; done: number; failed: number; busy: boolean; task: { msg_id: string } | null; last_error: string | null }[];
  };
  const py = (await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
qs = c.queue_status()
recs = c.db_query({}, keys=['msg_id', 'completed', 'result_content'])
emit({
  'qs': {str(k): v for k, v in qs.items()},
  'incomplete': sum(1 for r in recs if r['completed'] is None),
  'failed': sum(1 for r in recs if r['completed'] is not None and (r['result_content'] or {}).get('status') == 'error'),
  'ok': sum(1 for r in recs if r['completed'] is not None and (r['result_content'] or {}).get('status') == 'ok'),
})
c.close()
`)) as unknown as { qs: Record<string, { queue: number; completed: number; tasks: number } | number>; incomplete: number; failed: number; ok: number };
  assert.equal(top.engines_up, 2);
  assert.equal(top.pending + top.running, py.incomplete, 'pending and running together are the incomplete records');
  assert.equal(top.running, 2, 'one pinned task runs on each engine');
  assert.equal(top.failed, py.failed);
  assert.equal(top.done, py.ok);
  for (const e of top.engines) {
    const q = py.qs[String(e.id)] as { queue: number; completed: number; tasks: number };
    assert.equal(e.queued + (e.task ? 1 : 0), q.queue + q.tasks, `engine ${e.id}: its queue, the running task included, is queue_status's`);
    assert.equal(e.done + e.failed, q.completed, `engine ${e.id}: what it finished`);
    assert.equal(e.task?.msg_id, pinned.sleepers[e.id], `engine ${e.id} runs its pinned task`);
  }
  assert.equal(top.engines.find((e) => e.id === 0)!.last_error, 'ZeroDivisionError: division by zero');
  assert.equal(py.qs['unassigned'], top.pending - top.engines.reduce((n, e) => n + e.queued, 0), 'the rest wait in the scheduler');
});

for (const [columns, rows] of [[80, 24], [160, 50]] as const) {
  test(`%top at ${columns}×${rows}: engine rows, ↓ selects, e the errors, p pauses, q leaves the terminal as it was`, async () => {
    await quietCluster();
    const t = new Terminal(`node ${IPC} --hub ${cluster.connectionFile}`, { cwd: home.dir, env: env(), columns, rows });
    try {
      await t.waitFor((s) => s.includes('In [1]:'), 'the first prompt', { timeoutMs: 20_000 });
      t.type('1 + 1');
      t.send('Enter');
      const before = await t.waitFor((s) => s.includes('In [2]:'), 'the answer');
      t.type('%top');
      t.send('Enter');
      let s = await t.waitFor((x) => /running 2/.test(x) && /^›0 +busy/m.test(x), 'the engine rows', { timeoutMs: 20_000 });
      assert.equal(t.query('#{alternate_on}'), '1', 'drawn on the alternate screen');
      const lines = s.replace(/\n$/, '').split('\n');
      assert.ok(lines.length <= rows && lines.every((l) => [...l].length <= columns), 'nothing wider or taller than the terminal');
      assert.match(s, /^ 1 +busy/m);
      assert.match(s, /ZeroDivisionError: division by zero/);
      t.send('Down');
      s = await t.waitFor((x) => /^›1 +busy/m.test(x), 'the second engine selected');
      t.type('e');
      s = await t.waitFor((x) => /^errors \(newest first/m.test(x), 'the errors');
      t.type('p');
      s = await t.waitFor((x) => x.includes('paused'), 'paused');
      t.type('q');
      s = await t.waitFor((x) => x.includes('In [3]:'), 'the prompt again');
      assert.equal(t.query('#{alternate_on}'), '0', 'the main screen is back');
      assert.ok(s.includes(before.trimEnd().split('\n').filter((l) => l.startsWith('Out[1]')).at(0)!), 'the scrollback is as it was');
      assert.match(s, /\(%top closed: \d+ pending, 2 running/);
      // Ctrl-C leaves as q does
      t.type('%top');
      t.send('Enter');
      await t.waitFor((x) => /running 2/.test(x), 'the view again');
      t.send('C-c');
      s = await t.waitFor((x) => x.includes('In [4]:'), 'the prompt after Ctrl-C');
      assert.equal(t.query('#{alternate_on}'), '0');
    } finally {
      t.close();
    }
  });
}

test('an engine killed mid-task: %top says it is gone and what it was running, and the task fails with EngineError', async () => {
  await quietCluster();
  const t = new Terminal(`node ${IPC} --hub ${cluster.connectionFile}`, { cwd: home.dir, env: env(), columns: 120, rows: 30 });
  try {
    await t.waitFor((s) => s.includes('In [1]:'), 'the first prompt', { timeoutMs: 20_000 });
    t.type('1 + 1');
    t.send('Enter');
    await t.waitFor((s) => s.includes('In [2]:'), 'the answer');
    t.type('%top');
    t.send('Enter');
    await t.waitFor((x) => /^ 1 +busy/m.test(x) && /^.0 +busy/m.test(x), 'both engines busy', { timeoutMs: 20_000 });
    await cluster.killEngine(1);
    const s = await t.waitFor((x) => /^.[01] +gone +_\d+_\d+ /m.test(x) && /EngineError/.test(x), 'an engine gone, its tasks failed', { timeoutMs: 40_000 });
    const [, id, tail] = /^.([01]) +gone +(_\d+_\d+) /m.exec(s)!;
    assert.ok(pinned.sleepers[Number(id)]!.endsWith(tail!), `engine ${id} was running its pinned task ${pinned.sleepers[Number(id)]}:\n${s}`);
    assert.match(s, /1 engine up/);
    assert.match(s, new RegExp(`engine ${id} +EngineError: Engine .+ died while running task`));
    t.type('q');
    await t.waitFor((x) => x.includes('In [3]:'), 'the prompt again');
  } finally {
    t.close();
  }
});
