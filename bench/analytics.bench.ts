/**
 * `%stats` and `%timeline`'s exports on a tasks.db of payload tasks that
 * ipyparallel's own serializer wrote (bench/make-payload-store.py), as whole
 * processes (`ipc --sqlitedb FILE -c '%stats ...'`), against the sqlite3
 * shell reading the columns each answer needs (its whole output thrown
 * away): the floor of any reader of the file. Every process is a fresh one,
 * ipc and the shell take turns, best of REPEAT each.
 *
 *   npm run bench:analytics                       (100,000 and 1,000,000 tasks)
 *   TASKS=100000 REPEAT=2 npm run bench:analytics   (a quicker look)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

async function main(): Promise<void> {
  const sizes = (process.env['TASKS'] ?? '100000,1000000').split(',').map(Number);
  const repeat = Number(process.env['REPEAT'] ?? 2);
  const dir = mkdtempSync(join(tmpdir(), 'ipc-analytics-'));
  try {
    for (const count of sizes) {
      const path = await payloadStore(count);
      console.log(`\n${count.toLocaleString('en-US')} payload tasks, ${path}; whole processes, best of ${repeat}; seconds wall (CPU)`);
      console.log('answer                       ipc             sqlite3 shell    ipc/shell wall (CPU)');
      for (const c of CASES) {
        const ipcRuns: Run[] = [];
        const shellRuns: Run[] = [];
        const out = join(dir, 'out');
        for (let i = 0; i < repeat; i++) {
          ipcRuns.push(await run(process.execPath, [IPC, '--sqlitedb', path, '-c', c.ipc.replace('OUT', out)]));
          shellRuns.push(await run('sqlite3', ['-readonly', '-list', path, `SELECT ${c.columns.join(', ')} FROM ${TABLE}`]));
        }
        const a = best(ipcRuns);
        const s = best(shellRuns);
        console.log(`${c.name.padEnd(26)} ${cell(a)}   ${cell(s)}   ${(a.seconds / s.seconds).toFixed(1).padStart(5)}x (${(a.cpu / s.cpu).toFixed(1)}x)`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
