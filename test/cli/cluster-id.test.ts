/**
 * A controller started with --cluster-id, as `ipp.Cluster()` starts one,
 * names its files after the id: security/ipcontroller-<id>-client.json and
 * log/engines<id>.json. Plain `ipc` finds the newest such controller when no
 * plain one runs; --cluster-id (or cluster_id in the configuration) picks one.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stopGroup, until } from '../support/processes.js';
import { havePython, runPython } from '../support/python.js';
import { runIpc } from './helpers.js';

const ID = '1700000000-ab3x';
let dir: string;
let home: string;
let ipython: string;
const processes: ChildProcess[] = [];
let work: { ids: string[]; engines: Record<string, string> };

const security = () => join(ipython, 'profile_default', 'security');
const env = () => ({ ...process.env, HOME: home, IPYTHONDIR: ipython, IPC_CONFIG: '' });

function start(cmd: string, args: string[]): void {
  processes.push(spawn(cmd, args, { env: env(), stdio: 'ignore', detached: true }));
}

async function stopAll(): Promise<void> {
  for (const child of processes) await stopGroup(child);
}

const info = async (args: string[] = []) => {
  const run = await runIpc([...args, '-c', '%info\nlen(hub_history())\nrc.ids'], { env: env(), cwd: home, timeoutMs: 30_000 });
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
  return run.stdout;
};

const skip = !havePython() && 'needs python3-ipyparallel';

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'ipc-cluster-id-'));
  home = join(dir, 'home');
  ipython = join(dir, 'ipython');
  mkdirSync(home, { recursive: true });
  start('/usr/bin/ipcontroller', [`--cluster-id=${ID}`, '--ip=127.0.0.1']);
  await until(() => existsSync(join(security(), `ipcontroller-${ID}-engine.json`)) && existsSync(join(security(), `ipcontroller-${ID}-client.json`)), 'the controller');
  start('/usr/bin/ipengine', [`--cluster-id=${ID}`]);
  work = (await runPython(`
import ipyparallel as ipp
c = ipp.Client(cluster_id=${JSON.stringify(ID)})
c.wait_for_engines(1, timeout=60)
ar = c.load_balanced_view().map_async(abs, range(-3, 0))
ar.get(timeout=30)
emit({'ids': ar.msg_ids, 'engines': {str(k): u for k, u in c._engines.items()}})
c.close()
`, null, env())) as typeof work;
  // An older cluster whose controller is gone left its file behind: the newest is the one to open.
  const stale = join(security(), 'ipcontroller-1600000000-old1-client.json');
  writeFileSync(stale, JSON.stringify({ interface: 'tcp://127.0.0.1', registration: 1, key: '', signature_scheme: 'hmac-sha256', ssh: '', location: '127.0.0.1', pack: 'json', unpack: 'json' }));
  utimesSync(stale, new Date(2020, 0, 1), new Date(2020, 0, 1));
});

after(async () => {
  if (skip) return;
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

test('plain ipc opens the newest cluster\'s running controller and says which', { skip }, async () => {
  const out = await info();
  assert.match(out, new RegExp(`^store +hub tcp://127\\.0\\.0\\.1:\\d+ .*ipcontroller-${ID}-client\\.json.* — the running controller of cluster ${ID} of profile default in .* \\(the newest of 2 clusters; --cluster-id picks another\\)`));
  const [, count, ids] = out.trimEnd().split('\n').slice(-3);
  assert.equal(Number(count), work.ids.length);
  assert.equal(ids, `[${Object.keys(work.engines).join(', ')}]`);
});

test('--cluster-id and cluster_id in the configuration pick the controller; --hub alone takes the same default', { skip }, async () => {
  const byFlag = await info(['--cluster-id', ID]);
  assert.match(byFlag, new RegExp(`^store +hub .* — the running controller of cluster ${ID} of profile default in [^(]*$`, 'm'));
  const config = join(home, '.ipcrc');
  writeFileSync(config, `{cluster_id: '${ID}'}`);
  try {
    const byConfig = await info();
    assert.match(byConfig, new RegExp(`ipcontroller-${ID}-client\\.json`));
  } finally {
    rmSync(config);
  }
  const hub = await info(['--hub']);
  assert.match(hub, new RegExp(`^store +hub .*ipcontroller-${ID}-client\\.json`));
  assert.equal(hub.trimEnd().split('\n').at(-2), String(work.ids.length));
});

test('a cluster id the profile has no files of is exit 2, naming the ids there are, with or without --hub', { skip }, async () => {
  const config = join(home, 'nope.ipcrc');
  writeFileSync(config, "{cluster_id: 'nope'}");
  for (const [args, from] of [[['--cluster-id', 'nope'], '--cluster-id'], [['--hub', '--cluster-id', 'nope'], '--cluster-id'], [['--config', config], `cluster_id in ${config}`]] as const) {
    const run = await runIpc([...args, '-c', 'len(db_query({}))'], { env: env(), cwd: home, timeoutMs: 30_000 });
    assert.equal(run.code, 2, args.join(' '));
    assert.equal(run.stdout, '');
    const want = `ipc: ConfigError: there is no cluster 'nope' (from ${from}) in ${join(ipython, 'profile_default')}: no security/ipcontroller-nope-client.json nor log/enginesnope.json; its clusters are '1600000000-old1', '${ID}'\n`;
    assert.equal(run.stderr, want);
  }
});

test('the engine map comes from the cluster\'s own log/engines<id>.json', { skip }, async () => {
  await until(() => existsSync(join(ipython, 'profile_default', 'log', `engines${ID}.json`)), "the controller's engine state");
  // The hub answers rc.ids itself while it runs; the store path reads the file. Ask with the stale cluster gone and the hub stopped.
  await stopAll();
  rmSync(join(security(), 'ipcontroller-1600000000-old1-client.json'), { force: true });
  const run = await runIpc(['--dictdb', '--cluster-id', ID, '-c', 'rc.ids'], { env: env(), cwd: home, timeoutMs: 30_000 });
  assert.equal(run.stderr, '');
  assert.equal(run.stdout.trim(), `[${Object.keys(work.engines).join(', ')}]`);
});
