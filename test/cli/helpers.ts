/** Runs the real `node bin/ipc.js` as a user would, with pipes (script mode). */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const IPC = join(ROOT, 'bin', 'ipc.js');
export const FIXTURE_DB = join(ROOT, 'test', 'fixtures', 'tasks.db');

export interface IpcRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface IpcRunOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  /** Options for node itself, before the script. */
  readonly nodeArgs?: readonly string[];
}

/** A HOME, cwd and IPYTHONDIR of its own, so that no ~/.ipcrc or profile of the machine leaks in. */
export function isolatedEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, IPYTHONDIR: join(home, '.ipython'), ...extra };
  delete env['IPC_CONFIG'];
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

export function runIpc(args: readonly string[], options: IpcRunOptions = {}): Promise<IpcRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), IPC, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ipc ${args.join(' ')} did not finish within ${options.timeoutMs ?? 20000} ms`));
    }, options.timeoutMs ?? 20000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix = 'ipc-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The JSON lines of a `--format json` run, parsed. */
export function jsonLines(stdout: string): unknown[] {
  return stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}
