/**
 * `ipc --hub CONNECTION_FILE` against one real cluster (ipcontroller --dictdb
 * and two ipengines): the documentation lines through script mode, with the
 * answers of Python's own ipyparallel.Client on the same hub.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { havePython } from '../support/python.js';
import { Cluster } from '../hub/cluster.js';
import { jsonLines, runIpc } from './helpers.js';

const skip = !havePython() && 'needs python3-ipyparallel';
let cluster: Cluster | null = null;
let session = '';
let python: { ids: number[]; engines: Record<string, string>; mine: string[]; hist: string[]; failed: string };

before(async () => {
  if (skip) return;
  cluster = new Cluster('--dictdb');
  await cluster.startController();
  await cluster.startEngines(2);
  python = (await cluster.python(`
import ipyparallel as ipp, time
c = ipp.Client(INPUT['file'])
c.wait_for_engines(2, timeout=60)
v = c.load_balanced_view()
ars = [v.apply_async(lambda x: x * 2, i) for i in range(6)]
bad = c[0].apply_async(lambda: 1 / 0)
for ar in ars:
    ar.get(timeout=30)
try:
    bad.get(timeout=30)
except Exception:
    pass
time.sleep(0.5)
uuids = [c._engines[i] for i in (0, 1)]
hist = sorted(r['msg_id'] for r in c.db_query({'engine_uuid': {'$in': uuids}}, keys=['msg_id']))
mine = sorted(r['msg_id'] for r in c.db_query({'client_uuid': c.session.session}, keys=['msg_id']))
emit({'ids': c.ids, 'engines': {str(k): v for k, v in c._engines.items()}, 'mine': mine, 'hist': hist, 'failed': bad.msg_ids[0], 'session': c.session.session})
c.close()
`)) as typeof python & { session: string };
  session = (python as unknown as { session: string }).session;
});

after(async () => {
  await cluster?.stop();
});

test('ipc --hub runs the documentation lines against a live controller', { skip }, async () => {
  const src = [
    'In [1]: from datetime import datetime, timedelta',
    'In [2]: hourago = datetime.now() - timedelta(1./24)',
    "In [3]: recent = rc.db_query({'started' : {'$gte' : hourago }, 'client_uuid' : rc.session.session})",
    "sorted([r['msg_id'] for r in recent])",
    'In [1]: uuids = map(rc._engines.get, (0,1))',
    "In [2]: hist = rc.db_query({'engine_uuid' : {'$in' : uuids }}, keys='result_header')",
    "sorted([r['msg_id'] for r in hist])",
    'rc.ids',
    `rc.get_result('${python.failed}').status`,
    'rc.session.session',
  ].join('\n');
  const run = await runIpc(['--hub', cluster!.connectionFile, '--session', session, '--format', 'json'], { input: src, env: cluster!.env, timeoutMs: 60_000 });
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
  const [recent, hist, ids, status, who] = jsonLines(run.stdout);
  assert.deepEqual(recent, python.mine, "--session names the Python client's tasks as mine");
  assert.deepEqual(hist, python.hist);
  assert.deepEqual(ids, python.ids);
  assert.equal(status, 'error');
  assert.equal(who, session);
});

test('ipc --hub: purge_results needs --write there too; a missing connection file is one sentence', { skip }, async () => {
  const run = await runIpc(['--hub', cluster!.connectionFile, '-c', "rc.purge_results('all')"], { env: cluster!.env, timeoutMs: 60_000 });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^line 1: StoreError: .*--write/);
  const missing = await runIpc(['--hub', `${cluster!.dir}/nope.json`, '-c', '1'], { env: cluster!.env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^ipc: ConfigError: there is no connection file .*nope\.json/);
});
