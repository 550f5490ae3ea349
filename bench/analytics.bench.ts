/**
 * `%stats` and `%timeline`'s exports on a tasks.db of payload tasks that
 * ipyparallel's own serializer wrote (bench/make-payload-store.py), as whole
 * processes (`ipc --sqlitedb FILE -c '%stats ...'`), against the sqlite3
 * shell reading the columns each answer needs (its whole output thrown
 * away): the floor of any reader of the file. Every process is a fresh one,
 * ipc and the shell take turns, best of REPEAT each.
 *
 * Then `%timeline` in a real terminal (tmux, 140 × 40): a fresh ipc at its
 * prompt, `%timeline` typed, and the time from Enter to the first frame
 * (its title line, read from the pane's output as tmux receives it); `+`
 * typed four times while the chart is being made must not zoom it.
 *
 *   npm run bench:analytics                       (100,000, 200,000 and 1,000,000 tasks)
 *   TASKS=100000 REPEAT=2 npm run bench:analytics   (a quicker look)
 *   PART=timeline TASKS=200000 npm run bench:analytics
 *   MMAP=1 npm run bench:analytics                (ipc with --mmap: the file read through a memory map)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Terminal } from '../test/ui/support/tmux.js';
import { IPC, best, cell, payloadStore, run, type Run } from './processes.js';

const TABLE = `'ipython-tasks'`;
/** What every stats run reads: the engine, the three times, the status (its reply's content). */
const STATS_COLUMNS = ['engine_uuid', 'submitted', 'started', 'completed', 'result_content'];

interface Case {
  readonly name: string;
  /** The statement ipc runs; `OUT` stands for a file to write. */
  readonly ipc: string;
  readonly columns: readonly string[];
}

const CASES: Case[] = [
  { name: '%stats (by engine)', ipc: '%stats', columns: STATS_COLUMNS },
  { name: '%stats by status', ipc: '%stats by status', columns: STATS_COLUMNS },
  { name: '%stats by client', ipc: '%stats by client', columns: [...STATS_COLUMNS, 'client_uuid'] },
  { name: '%stats by queue', ipc: '%stats by queue', columns: [...STATS_COLUMNS, 'queue'] },
  { name: '%stats by label', ipc: '%stats by label', columns: STATS_COLUMNS },
  { name: '%stats by function', ipc: '%stats by function', columns: [...STATS_COLUMNS, 'buffers'] },
  { name: '%timeline --trace FILE', ipc: '%timeline --trace OUT --force', columns: ['msg_id', ...STATS_COLUMNS, 'resubmitted', 'buffers'] },
  { name: '%timeline --svg FILE', ipc: '%timeline --svg OUT --force', columns: ['msg_id', ...STATS_COLUMNS, 'resubmitted', 'buffers'] },
];

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** MMAP=1: ipc reads the file through a memory map (--mmap). */
const MAP = process.env['MMAP'] === '1' ? ['--mmap'] : [];

/** The seconds from Enter to `%timeline`'s first frame in tmux, and whether keys typed meanwhile reached the chart. */
async function firstFrame(path: string, dir: string): Promise<{ seconds: number; zoomed: boolean }> {
  const out = join(dir, `pane-${Date.now()}`);
  const t = new Terminal(`${process.execPath} ${IPC} ${MAP.join(' ')} --sqlitedb ${path}`, { cwd: dir, env: { HOME: dir }, columns: 140, rows: 40 });
  try {
    await t.waitFor((x) => x.includes('In [1]:'), 'the prompt', { timeoutMs: 60_000 });
    t.type('%timeline');
    await pause(200);
    t.command('pipe-pane', '-o', `cat >> ${out}`);
    await pause(200);
    const from = existsSync(out) ? readFileSync(out).length : 0;
    const t0 = performance.now();
    t.send('Enter');
    await pause(20);
    t.type('++++');
    let title = '';
    for (;;) {
      const text = existsSync(out) ? readFileSync(out).subarray(from).toString('utf8') : '';
      const m = /\d+ tasks on [^\n\r]*?\+ ([^\s\x1b]+)/.exec(text);
      if (m) {
        title = m[1]!;
        break;
      }
      if (performance.now() - t0 > 300_000) throw new Error('no timeline after 300 s');
      await pause(2);
    }
    const seconds = (performance.now() - t0) / 1000;
    await pause(500);
    const shown = /\+ (\S+)/.exec(t.screen().split('\n')[0] ?? '')?.[1] ?? '';
    return { seconds, zoomed: shown !== title };
  } finally {
    t.close();
  }
}

async function main(): Promise<void> {
  const sizes = (process.env['TASKS'] ?? '100000,200000,1000000').split(',').map(Number);
  const repeat = Number(process.env['REPEAT'] ?? 2);
  const part = process.env['PART'] ?? 'all';
  const dir = mkdtempSync(join(tmpdir(), 'ipc-analytics-'));
  try {
    for (const count of sizes) {
      const path = await payloadStore(count);
      if (part !== 'timeline') {
        console.log(`\n${count.toLocaleString('en-US')} payload tasks, ${path}; whole processes, best of ${repeat}; seconds wall (CPU)`);
        console.log('answer                       ipc             sqlite3 shell    ipc/shell wall (CPU)');
        for (const c of CASES) {
          const ipcRuns: Run[] = [];
          const shellRuns: Run[] = [];
          const out = join(dir, 'out');
          for (let i = 0; i < repeat; i++) {
            ipcRuns.push(await run(process.execPath, [IPC, ...MAP, '--sqlitedb', path, '-c', c.ipc.replace('OUT', out)]));
            shellRuns.push(await run('sqlite3', ['-readonly', '-list', path, `SELECT ${c.columns.join(', ')} FROM ${TABLE}`]));
          }
          const a = best(ipcRuns);
          const s = best(shellRuns);
          console.log(`${c.name.padEnd(26)} ${cell(a)}   ${cell(s)}   ${(a.seconds / s.seconds).toFixed(1).padStart(5)}x (${(a.cpu / s.cpu).toFixed(1)}x)`);
        }
      }
      if (part !== 'stats') {
        const frames: number[] = [];
        for (let i = 0; i < repeat; i++) {
          const f = await firstFrame(path, dir);
          if (f.zoomed) throw new Error('keys typed before the first frame reached the chart');
          frames.push(f.seconds);
        }
        console.log(`%timeline in tmux, ${count.toLocaleString('en-US')} tasks: Enter to first frame ${frames.map((x) => x.toFixed(2)).join(', ')} s (best ${frames.reduce((a, b) => Math.min(a, b)).toFixed(2)} s); keys typed meanwhile not replayed`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
