/**
 * Whole processes for the benchmarks that compare ipc with a peer as a user
 * meets them: a fresh process each time, its wall time, CPU time and peak
 * RSS from /usr/bin/time, and its output kept when the answer is checked.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const IPC = join(ROOT, 'bin', 'ipc.js');

export interface Run {
  readonly seconds: number;
  /** user + system CPU seconds (from /usr/bin/time): steadier than wall time when other work shares the cores. */
  readonly cpu: number;
  readonly rssMB: number;
  /** The most anonymous memory the process held (RssAnon, sampled), MB: peak RSS less the file pages it mapped. */
  readonly anonMB: number;
  /** stdout, when asked to keep it. */
  readonly out: string;
  readonly lines: number;
}

export function run(cmd: string, args: readonly string[], keep = false, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const anon = watchAnon(child.pid);
    let lines = 0;
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      if (keep) chunks.push(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ').slice(0, 200)} exited ${code}: ${err.slice(-2000)}`));
      const [rss, user, sys] = err.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
      resolve({ seconds, cpu: user + sys, rssMB: rss / 1024, anonMB: anon.stop(), out: Buffer.concat(chunks).toString('utf8'), lines });
    });
  });
}

/**
 * The peak anonymous memory (RssAnon) of the process /usr/bin/time (pid
 * `timePid`) runs, sampled every 20 ms, in MB. Peak RSS counts the pages of
 * a file the process maps (a SQLite file read through mmap), which are the
 * page cache's, shared and given back on demand; this is what it holds.
 */
export function watchAnon(timePid: number | undefined): { stop(): number } {
  let peak = 0;
  let pid: string | null = null;
  const sample = () => {
    try {
      pid ??= readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(/\s+/)[0] || null;
      if (!pid) return;
      const kb = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (kb) peak = Math.max(peak, Number(kb[1]) / 1024);
    } catch {
      // the process is gone, or not yet there
    }
  };
  const timer = setInterval(sample, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/** The run of least wall time. */
export function best(runs: readonly Run[]): Run {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

/** Generates a tasks.db of payload tasks with ipyparallel's own serializer, once. */
export async function payloadStore(count: number): Promise<string> {
  const path = join(ROOT, 'bench', 'data', `payload-tasks-${count}.db`);
  if (!existsSync(path)) {
    console.log(`writing ${path} (${count.toLocaleString('en-US')} tasks, through ipyparallel's SQLiteDB and serializer)...`);
    await run('/usr/bin/python3', [join(ROOT, 'bench', 'make-payload-store.py'), path, String(count)]);
  }
  return path;
}

export const cell = (r: Run) => `${r.seconds.toFixed(2).padStart(6)} (${r.cpu.toFixed(2).padStart(5)})`;
