/**
 * A real ipyparallel cluster for the live-hub tests: one /usr/bin/ipcontroller
 * (DictDB, SQLiteDB or NoDB) and its /usr/bin/ipengine processes in a
 * temporary IPYTHONDIR, listening on 127.0.0.1 with random ports.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPython } from '../support/python.js';

export type DbFlag = '--dictdb' | '--sqlitedb' | '--nodb';

export class Cluster {
  readonly dir: string;
  readonly profileDir: string;
  readonly connectionFile: string;
  private controller: ChildProcess | null = null;
  private readonly engines: ChildProcess[] = [];
  private log = '';

  constructor(
    readonly db: DbFlag,
    private readonly controllerArgs: string[] = [],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'ipc-hub-'));
    this.profileDir = join(this.dir, 'profile');
    this.connectionFile = join(this.profileDir, 'security', 'ipcontroller-client.json');
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, IPYTHONDIR: join(this.dir, 'ipython') };
  }

  /** Starts (or restarts) the controller and waits for its connection files. */
  async startController(): Promise<void> {
    for (const f of ['ipcontroller-client.json', 'ipcontroller-engine.json']) {
      const p = join(this.profileDir, 'security', f);
      if (existsSync(p)) unlinkSync(p);
    }
    const child = spawn('/usr/bin/ipcontroller', [this.db, '--ip=127.0.0.1', `--profile-dir=${this.profileDir}`, ...this.controllerArgs], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    this.controller = child;
    await this.until(() => existsSync(this.connectionFile) && existsSync(join(this.profileDir, 'security', 'ipcontroller-engine.json')), 30_000, 'the controller to write its connection files');
  }

  startEngine(): void {
    const child = spawn('/usr/bin/ipengine', [`--profile-dir=${this.profileDir}`], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => (this.log += d));
    this.engines.push(child);
  }

  /** Starts `n` engines and waits until the hub has registered them, asking a Python client. */
  async startEngines(n: number): Promise<void> {
    for (let i = 0; i < n; i++) this.startEngine();
    await this.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
c.wait_for_engines(INPUT['n'], timeout=60)
c.close()
emit(True)
`, { n });
  }

  /**
   * Kills engine process `i` (in start order) and its nanny with SIGKILL, as
   * a crashed machine would: no one tells the hub, so the running task stays
   * pending until the heartbeat gives up on the engine.
   */
  async killEngine(i: number): Promise<void> {
    const child = this.engines[i];
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const nannies = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((p) => p > 0);
    for (const pid of nannies) process.kill(pid, 'SIGKILL');
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  /** Runs Python with an ipyparallel Client at hand: INPUT['file'] is the connection file. */
  python(body: string, input: Record<string, unknown> = {}) {
    return runPython(body, { file: this.connectionFile, ...input }, { IPYTHONDIR: join(this.dir, 'ipython') });
  }

  stopController(): Promise<void> {
    const c = this.controller;
    this.controller = null;
    return c ? stop(c) : Promise.resolve();
  }

  /** Kills every process it started and removes the temporary directory. */
  async stop(): Promise<void> {
    await Promise.all([...this.engines.splice(0).map(stop), this.stopController()]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  get output(): string {
    return this.log;
  }

  private async until(ok: () => boolean, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
