/**
 * A real ipyparallel cluster for a test file: `ipcontroller` (with the given
 * DB flags) and engines from python3-ipyparallel, in a temporary IPYTHONDIR,
 * listening on 127.0.0.1 with random ports. Each process runs in its own
 * process group, and stop() kills the groups, also after a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON } from './python.js';

export interface Cluster {
  readonly root: string;
  readonly profileDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs a Python script file with the cluster's environment; resolves with its stdout. */
  python(args: readonly string[]): Promise<string>;
  /** Starts a Python process with the cluster's environment (stopped by stop()). */
  spawnPython(args: readonly string[]): ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

export async function startCluster(options: { dbFlags: readonly string[]; engines: number }): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), 'ipc-cluster-'));
  const profileDir = join(root, 'profile_test');
  mkdirSync(profileDir);
  const env = { ...process.env, IPYTHONDIR: root };
  const logPath = join(root, 'cluster.log');
  const log = openSync(logPath, 'a');
  const children: ChildProcess[] = [];
  const start = (cmd: string, args: readonly string[]) => {
    const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', log, log] });
    children.push(child);
    return child;
  };
  const stop = async () => {
    for (const c of children) {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(-c.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    start('/usr/bin/ipcontroller', [...options.dbFlags, '--ip=127.0.0.1', `--profile-dir=${profileDir}`]);
    const engineFile = join(profileDir, 'security', 'ipcontroller-engine.json');
    const deadline = Date.now() + 30_000;
    while (!existsSync(engineFile) || readFileSync(engineFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error(`the controller did not start:\n${readFileSync(logPath, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < options.engines; i++) start('/usr/bin/ipengine', [`--profile-dir=${profileDir}`]);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    root,
    profileDir,
    env,
    python(args) {
      return new Promise((resolve, reject) => {
        const child = spawn(PYTHON, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}:\n${err}`))));
      });
    },
    spawnPython(args) {
      const child = spawn(PYTHON, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      return child;
    },
    log: () => readFileSync(logPath, 'utf8'),
    stop,
  };
}
