/**
 * Plain `ipc`, with only IPYTHONDIR set, finds what a real ipcontroller
 * (python3-ipyparallel 7.1, `--sqlitedb`, profile_default) left there: its
 * hub while it runs, its tasks.db once it has stopped, and the tasks.db
 * again when a stale connection file names a controller that is gone.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stopGroup, until } from '../support/processes.js';
import { runPython } from '../support/python.js';
import { runIpc } from './helpers.js';

let dir: string;
let home: string;
let ipython: string;
const processes: ChildProcess[] = [];
let work: { ids: string[]; engines: Record<string, string> };

const profile = () => join(ipython, 'profile_default');
const connectionFile = () => join(profile(), 'security', 'ipcontroller-client.json');
const env = () => ({ ...process.env, HOME: home, IPYTHONDIR: ipython, IPC_CONFIG: '' });

function start(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { env: env(), stdio: 'ignore', detached: true });
  processes.push(child);
  return child;
}

const info = async () => {
  const run = await runIpc(['-c', '%info\nlen(hub_history())\nrc.ids'], { env: env(), cwd: home, timeoutMs: 30_000 });
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
  return run.stdout;
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipc-discovery-'));
  home = join(dir, 'home');
  ipython = join(dir, 'ipython');
  mkdirSync(home, { recursive: true });
  start('/usr/bin/ipcontroller', ['--sqlitedb', '--ip=127.0.0.1']);
  await until(() => existsSync(connectionFile()) && existsSync(join(profile(), 'security', 'ipcontroller-engine.json')), 'the controller');
  start('/usr/bin/ipengine', []);
  work = (await runPython(`
import ipyparallel as ipp
c = ipp.Client()
c.wait_for_engines(1, timeout=60)
v = c.load_balanced_view()
ids = v.map_async(abs, range(-4, 0)).msg_ids
def fail(x):
    raise ValueError(x)
ar = v.apply_async(fail, 1)
try:
    ar.get(timeout=30)
except Exception:
    pass
c.wait(ids, timeout=30)
emit({'ids': ids + ar.msg_ids, 'engines': {str(k): u for k, u in c._engines.items()}})
c.close()
`, null, env())) as typeof work;
});

after(async () => {
  for (const p of processes) await stopGroup(p);
  rmSync(dir, { recursive: true, force: true });
});

test('while the controller runs, plain ipc opens its hub and says why', async () => {
  const out = await info();
  assert.match(out, /^store +hub tcp:\/\/127\.0\.0\.1:\d+ .* — the running controller of profile default in /);
  const [, count, ids] = out.trimEnd().split('\n').slice(-3);
  assert.equal(Number(count), work.ids.length);
  assert.equal(ids, `[${Object.keys(work.engines).join(', ')}]`);
});

test('once it has stopped, plain ipc opens its tasks.db; a stale connection file falls back to it quickly', async () => {
  const saved = join(dir, 'client.json');
  copyFileSync(connectionFile(), saved);
  // SQLiteDB commits every 2 s: let the last records reach the file before the controller goes.
  await new Promise((r) => setTimeout(r, 3000));
  for (const p of processes) await stopGroup(p);
  if (existsSync(connectionFile())) rmSync(connectionFile());

  const out = await info();
  assert.match(out, new RegExp(`^store +SQLiteDB ${join(profile(), 'tasks.db')}.* — the tasks\\.db of profile default in .*, where no controller is running`));
  assert.equal(out.trimEnd().split('\n').at(-2), String(work.ids.length));
  assert.equal(out.trimEnd().split('\n').at(-1), '[0]', 'the engine id, from the failed task');

  writeFileSync(connectionFile(), readFileSync(saved));
  const began = Date.now();
  const stale = await info();
  assert.ok(Date.now() - began < 10_000, 'the probe gives up within its short timeout');
  assert.match(stale, /^store +SQLiteDB .* — the tasks\.db of profile default in .*; no controller answered at .*ipcontroller-client\.json/);
  assert.equal(stale.trimEnd().split('\n').at(-2), String(work.ids.length));
});

test('a stale connection file and no tasks.db: script mode exits 2 saying where it looked, never answering from the demo store', async () => {
  assert.ok(existsSync(connectionFile()), 'the stale connection file of the test before');
  renameSync(join(profile(), 'tasks.db'), join(dir, 'tasks.db'));
  try {
    const run = await runIpc(['-c', 'len(db_query({}))'], { env: env(), cwd: home, timeoutMs: 30_000 });
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^ipc: ConfigError: no store was found: no controller answered at \S+ipcontroller-client\.json \(.*\), and profile default in \S+ has no running controller and no tasks\.db \(\S+tasks\.db\); use --demo for the embedded demo store\n$/);
  } finally {
    renameSync(join(dir, 'tasks.db'), join(profile(), 'tasks.db'));
  }
});
