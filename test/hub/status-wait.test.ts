/**
 * rc.result_status and rc.wait() on a live hub (a real 7.1 controller and
 * engines), held to ipyparallel's Client on the same hub: status only unless
 * asked, a purged task is completed, an unknown one a KeyError, and wait()
 * without ids waits for this client's outstanding tasks only (Python: a
 * fresh client has none), also beside a task stranded by a killed engine.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HubClient, openHubClient } from '../../src/client/hub-client.js';
import type { Shell } from '../../src/shell/api.js';
import { createShell } from '../../src/shell/index.js';
import { one, value } from '../shell/helpers.js';
import { Cluster } from './cluster.js';

// a dead engine is noticed only after 100 missed heartbeats (5 minutes): its task stays stranded through the test
const cluster = new Cluster('--dictdb', ['--HeartMonitor.max_heartmonitor_misses=100']);
let client: HubClient;
let shell: Shell;
let ids: { done: string[]; failed: string; purged: string; stranded: string };

/** What a fresh Python Client answers: result_status (both ways) and wait() without jobs, each as a value or the exception's name. */
const PYTHON = `
import time, ipyparallel as ipp
c = ipp.Client(INPUT['file'])
def attempt(f):
    try:
        return {'value': f()}
    except Exception as e:
        return {'error': type(e).__name__, 'ename': getattr(e, 'ename', None)}
out = {}
began = time.time()
out['wait'] = attempt(lambda: c.wait())
out['wait_seconds'] = time.time() - began
out['status'] = attempt(lambda: c.result_status(INPUT['ids']))
out['unknown'] = attempt(lambda: c.result_status(['no-such-task']))
out['purged_full'] = attempt(lambda: c.result_status([INPUT['purged']], status_only=False))
emit(out)
c.close()
`;

before(async () => {
  await cluster.startController();
  await cluster.startEngines(1);
  ids = (await cluster.python(`
import time, ipyparallel as ipp
c = ipp.Client(INPUT['file'])
v = c.load_balanced_view()
def double(x):
    return 2 * x
def fail():
    raise ValueError('no')
done = [v.apply_async(double, i) for i in range(3)]
for a in done:
    a.get(30)
bad = v.apply_async(fail)
try:
    bad.get(30)
except Exception:
    pass
purged = v.apply_async(double, 10)
purged.get(30)
# the client may hold the result before the hub has recorded it: the hub says 'msg pending' until then
deadline = time.time() + 30
while True:
    try:
        c.purge_results([purged.msg_ids[0]])
        break
    except ipp.error.RemoteError as e:
        if e.ename != 'IndexError' or time.time() > deadline:
            raise
        time.sleep(0.1)
slow = v.apply_async(time.sleep, 120)
time.sleep(1.5)
emit({'done': [a.msg_ids[0] for a in done], 'failed': bad.msg_ids[0], 'purged': purged.msg_ids[0], 'stranded': slow.msg_ids[0]})
c.close()
`)) as typeof ids;
  // the engine dies mid-task: its record stays pending
  await cluster.killEngine(0);
  client = (await openHubClient({ connectionFile: cluster.connectionFile, timeoutMs: 10000 })) as HubClient;
  shell = createShell({ client });
});

after(async () => {
  await client?.close();
  await cluster.stop();
});

test("result_status and wait() answer as Python's Client on the same hub", async () => {
  const asked = [...ids.done, ids.failed, ids.purged, ids.stranded];
  const py = (await cluster.python(PYTHON, { ids: asked, purged: ids.purged })) as Record<string, Record<string, unknown>>;
  const [pending] = (await client.dbQuery({ msg_id: ids.stranded }, ['completed'])).records;
  assert.equal(pending!['completed'], null, 'the killed engine left its task pending');

  // wait() without jobs: nothing outstanding, so True at once, as Python's
  assert.deepEqual(py['wait'], { value: true });
  assert.ok((py['wait_seconds'] as unknown as number) < 1);
  const began = Date.now();
  assert.equal(await value(shell, 'rc.wait()'), true);
  assert.ok(Date.now() - began < 1000, 'rc.wait() returned at once beside the stranded task');
  assert.equal(await value(shell, `rc.wait(['${ids.stranded}'], 0.3)`), false, 'the stranded task is still not done');

  // status only: a purged task is completed (the hub saw it complete), the stranded one pending
  const status = (await value(shell, `rc.result_status(${JSON.stringify(asked)})`)) as Record<string, unknown>;
  assert.deepEqual(status, py['status']!['value']);
  assert.deepEqual(status['pending'], [ids.stranded]);
  assert.ok((status['completed'] as string[]).includes(ids.purged));

  // an unknown id: KeyError, as Python's (a RemoteError whose ename is KeyError)
  assert.equal(py['unknown']!['ename'], 'KeyError');
  const unknown = await one(shell, "rc.result_status(['no-such-task'])");
  assert.equal(unknown.error?.kind, 'KeyError');
  assert.match(unknown.error?.message ?? '', /^no such task: the hub has no task 'no-such-task', and its database holds no record of it$/);
  assert.equal(unknown.error?.detail, undefined, 'one sentence, no remote traceback');

  // the result of a purged task cannot be fetched: Python raises the hub's KeyError; ipc says it in one sentence
  assert.equal(py['purged_full']!['ename'], 'KeyError');
  const purged = await one(shell, `rc.result_status(['${ids.purged}'], status_only=False)`);
  assert.equal(purged.error?.kind, 'KeyError');
  assert.match(purged.error?.message ?? '', /is gone from the hub's database \(purged\)/);
  assert.equal(purged.error?.detail, undefined);

  const full = (await value(shell, `rc.result_status(${JSON.stringify(ids.done)}, status_only=False)`)) as Record<string, unknown>;
  assert.deepEqual(ids.done.map((id) => full[id]), [0, 2, 4]);
  assert.equal((await one(shell, `rc.result_status(['${ids.failed}'], status_only=False)`)).error?.kind, 'RemoteError');
});

test('wait() without jobs waits for the tasks this client resubmitted, until they finish', async () => {
  cluster.startEngine();
  await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
c.wait_for_engines(1, timeout=60)
c.close()
emit(True)
`);
  await value(shell, `fresh = rc.resubmit(['${ids.done[0]}'])`);
  const fresh = (await value(shell, 'fresh[0].msg_ids[0]')) as string;
  assert.equal(await value(shell, 'rc.wait()'), true);
  const status = (await value(shell, `rc.result_status(['${fresh}'])`)) as Record<string, unknown>;
  assert.deepEqual(status['completed'], [fresh], 'wait() returned once the resubmitted task had completed');
  assert.equal(await value(shell, 'rc.wait(timeout=0)'), true, 'nothing is outstanding any more');
});
