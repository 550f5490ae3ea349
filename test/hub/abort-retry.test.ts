/**
 * %abort, rc.send_signal, %retry and %show's Retries line on a real 7.1
 * cluster of one engine, held to what ipyparallel's own Client sees on the
 * same hub: the engine runs a long sleep while a queue waits behind it;
 * ipc aborts half of the queue without hanging (the busy engine answers
 * only when its task ends, ipyparallel #851), interrupts the sleep, and
 * Python then finds exactly those tasks aborted; %retry resubmits the
 * failed and aborted ones, and Python sees the new tasks, their results
 * and the old records' `resubmitted`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FIXTURE_DB, jsonLines, runIpc } from '../cli/helpers.js';
import { Cluster } from './cluster.js';

const cluster = new Cluster('--dictdb');
let ids: { sleeper: string; doubles: string[]; fails: string[] };

/** ipc in script mode on the cluster's hub. */
function ipc(args: readonly string[], input: string) {
  return runIpc(['--hub', cluster.connectionFile, ...args], { input, env: cluster.env, timeoutMs: 30_000 });
}

const quoted = (list: readonly string[]) => `[${list.map((id) => `'${id}'`).join(', ')}]`;

before(async () => {
  await cluster.startController();
  await cluster.startEngines(1);
  ids = (await cluster.python(`
import time, ipyparallel as ipp
c = ipp.Client(INPUT['file'])
v = c.load_balanced_view()
def double(x):
    return 2 * x
def fail(x):
    raise ValueError('bad %d' % x)
sleeper = v.apply_async(time.sleep, 600)
doubles = [v.apply_async(double, i) for i in range(6)]
fails = [v.apply_async(fail, i) for i in range(2)]
# every task has reached the hub: the sleep runs on the engine, the rest wait in the scheduler
while c.queue_status()['unassigned'] < 8:
    time.sleep(0.05)
emit({'sleeper': sleeper.msg_ids[0], 'doubles': [a.msg_ids[0] for a in doubles], 'fails': [a.msg_ids[0] for a in fails]})
c.close()
`)) as typeof ids;
});

after(() => cluster.stop());

test('on a store, %abort, %retry and rc.abort say they need a running hub, and nothing is written', async () => {
  const run = await runIpc(['--sqlitedb', FIXTURE_DB], { input: "%abort {'completed': None} --yes\n%retry {} --yes\nrc.abort(['x'])\n" });
  assert.equal(run.code, 1);
  const sentence = (n: number, what: string) => `line ${n}: HubError: ${what} needs a running hub: a store only records tasks, it cannot reach engines; start ipc with --hub [CONNECTION_FILE]\n`;
  assert.equal(run.stderr, sentence(1, '%abort') + sentence(2, '%retry') + sentence(3, 'abort'));
  assert.equal(run.stdout, '');
});

test('%abort in a script without --yes says so in one sentence, exits 1 and sends nothing', async () => {
  const run = await ipc([], `%abort ${quoted([ids.doubles[5]!])}\n`);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, 'line 1: StoreError: %abort asks the engines not to run 1 pending task: add --yes to confirm it in a script\n');
  // that task runs to its end below, once the sleep is interrupted (its value is checked there)
});

test('%abort of half the queue: the running task is reported as running, the rest as asked, and ipc does not wait for the busy engine', async () => {
  const chosen = [ids.sleeper, ...ids.doubles.slice(0, 3)];
  const began = Date.now();
  const run = await ipc(['--format', 'json', '--yes'], `%abort ${quoted(chosen)} --dry-run\n%abort ${quoted(chosen)}\n`);
  const seconds = (Date.now() - began) / 1000;
  assert.equal(run.code, 0, run.stderr);
  // the engine is busy for 600 s: ipc waits 2 s for its answer, then reports
  assert.ok(seconds < 20, `ipc returned after ${seconds} s`);
  const [planned, rows] = jsonLines(run.stdout) as Record<string, unknown>[][];
  assert.deepEqual(planned!.map((r) => [r['msg_id'], r['would']]), [...ids.doubles.slice(0, 3).map((id) => [id, 'abort']), [ids.sleeper, 'already running']]);
  const outcome = Object.fromEntries(rows!.map((r) => [r['msg_id'], r['outcome']]));
  assert.deepEqual(outcome, {
    [ids.sleeper]: 'already running',
    ...Object.fromEntries(ids.doubles.slice(0, 3).map((id) => [id, 'abort requested'])),
  });
  assert.equal(rows!.find((r) => r['msg_id'] === ids.sleeper)!['engine_id'], 0);

  const calls = await ipc(['--yes', '--timeout', '1'], [
    // the table says how to stop the running task
    `%abort ${quoted([ids.sleeper])}`,
    // rc.abort as Python's Client.abort: block=True says which engine did not answer instead of hanging; without jobs, nothing of its own is outstanding
    `rc.abort(['${ids.doubles[2]}'], targets=0, block=True)`,
    'rc.abort()',
    // rc.send_signal reaches the engine through its nanny at once, busy as it is
    "rc.send_signal('SIGINT', 0)",
    "rc.send_signal('SIGNOPE', 0)",
  ].join('\n') + '\n');
  assert.match(calls.stdout, /already running\n1 already running\nan abort does not stop a running task: rc\.send_signal\('SIGINT', 0\) interrupts it\n$/);
  assert.equal(calls.stderr, [
    'line 2: TimeoutError: engine 0 did not answer the abort request in time: an engine busy with a task reads it when that task ends, and then aborts these tasks before they run',
    "line 5: RemoteError: engine 0 refused the signal request: AttributeError: module 'signal' has no attribute 'SIGNOPE'",
  ].join('\n') + '\n');

  // Python's client on the same hub: the sleep was interrupted, exactly the chosen tasks aborted, the rest ran
  const py = (await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
import time
deadline = time.time() + 60
while c.result_status(INPUT['ids'])['pending'] and time.time() < deadline:
    time.sleep(0.1)
records = c.db_query({'msg_id': {'$in': INPUT['ids']}}, keys=['result_content'])
status = {r['msg_id']: r['result_content']['status'] for r in records}
def outcome(msg_id):
    # 7.1's get_result cannot unwrap an aborted task's reply (KeyError 'ename') in a client that did not submit it: its record says it
    if status[msg_id] == 'aborted':
        return {'aborted': True}
    try:
        return {'value': c.get_result(msg_id).get(60)}
    except ipp.error.RemoteError as e:
        return {'ename': e.ename}
emit({'outcome': {m: outcome(m) for m in INPUT['ids']}, 'status': status})
c.close()
`, { ids: [ids.sleeper, ...ids.doubles] })) as { outcome: Record<string, unknown>; status: Record<string, string> };
  assert.deepEqual(py.outcome[ids.sleeper], { ename: 'KeyboardInterrupt' });
  ids.doubles.forEach((id, i) => assert.deepEqual(py.outcome[id], i < 3 ? { aborted: true } : { value: 2 * i }, `task ${i}`));
  assert.deepEqual(Object.keys(py.status).filter((id) => py.status[id] === 'aborted').sort(), ids.doubles.slice(0, 3).sort());

  // ipc reads the same: an aborted task's .get() raises TaskAborted, and a second %abort finds them done
  const again = await ipc(['--yes'], `rc.get_result('${ids.doubles[0]}').get()\n%abort ${quoted(ids.doubles.slice(0, 3))}\n`);
  assert.equal(again.stderr, 'line 1: RemoteError: TaskAborted()\n');
  assert.match(again.stdout, /^( {2}\S+ {2}double {2}engine 0 {2}already done \(aborted\)\n){3}3 already done\n$/);
});

test("%retry resubmits the failed and aborted tasks once; Python sees the new tasks, their results and the old records' resubmitted", async () => {
  const failed = [...ids.fails, ...ids.doubles.slice(0, 3)];
  const every = quoted([ids.sleeper, ...ids.doubles, ...ids.fails]);
  const asked = await ipc([], `%retry {'msg_id': {'$in': ${every}}, 'function': {'$ne': 'sleep'}} --dry-run\n%retry ${quoted(failed)}\n`);
  assert.equal(asked.code, 1);
  assert.match(asked.stdout, /^5 tasks to resubmit, by function and ename:\n {2}3 {2}double {2}aborted\n {2}2 {2}fail {4}ValueError\n/);
  assert.match(asked.stdout, /\(dry run: nothing was resubmitted\)\n/);
  assert.equal(asked.stderr, 'line 2: StoreError: %retry resubmits 5 tasks: add --yes to confirm it in a script\n');

  const run = await ipc(['--format', 'json', '--yes'], `%retry ${quoted(failed)}\n`);
  assert.equal(run.code, 0, run.stderr);
  const mapping = Object.fromEntries((jsonLines(run.stdout)[0] as { msg_id: string; resubmitted: string }[]).map((r) => [r.msg_id, r.resubmitted]));
  assert.deepEqual(Object.keys(mapping).sort(), [...failed].sort());

  const py = (await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
def outcome(msg_id):
    try:
        return {'value': c.get_result(msg_id).get(60)}
    except ipp.error.RemoteError as e:
        return {'ename': e.ename}
old = c.db_query({'msg_id': {'$in': list(INPUT['mapping'])}}, keys=['resubmitted'])
emit({'resubmitted': {r['msg_id']: r['resubmitted'] for r in old}, 'new': {m: outcome(m) for m in INPUT['mapping'].values()}})
c.close()
`, { mapping })) as { resubmitted: Record<string, string>; new: Record<string, unknown> };
  assert.deepEqual(py.resubmitted, mapping);
  ids.doubles.slice(0, 3).forEach((id, i) => assert.deepEqual(py.new[mapping[id]!], { value: 2 * i }));
  for (const id of ids.fails) assert.deepEqual(py.new[mapping[id]!], { ename: 'ValueError' });

  // each was resubmitted once: a second %retry of the same tasks finds none; a failure retried again makes a chain of three
  const retried = mapping[ids.fails[0]!]!;
  const again = await ipc(['--format', 'json', '--yes'], `%retry ${quoted(failed)}\n%retry ${quoted([retried])}\n`);
  const [none, second] = again.stdout.split('\n');
  assert.equal(none, 'no failed or aborted task that was not resubmitted already matches: nothing to retry');
  const last = (JSON.parse(second!) as { resubmitted: string }[])[0]!.resubmitted;

  // %show follows the chain both ways; a task never resubmitted has no retries line
  const show = await ipc([], `%show ${retried}\n%show ${ids.fails[0]}\n%show ${ids.doubles[4]}\n`);
  const lines = show.stdout.split('\n').filter((l) => l.startsWith('  retries '));
  assert.deepEqual(lines, [
    `  retries         ${ids.fails[0]} → this → ${last}  attempt 2 of 3`,
    `  retries         this → ${retried} → ${last}  attempt 1 of 3`,
  ]);
});
