/**
 * `%report` on a tasks.db of 1,000,000 records: the whole process's wall
 * time and peak RSS (`/usr/bin/time -v`), for `%report FILE.html` and for
 * script mode's `--format report`. ipyparallel writes no report to compare
 * with; the target is the memory: under 300 MB.
 *
 *   npm run bench:report                 (RECORDS=100000 npm run bench:report for a quick run)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTasksDb } from './tasks-db.js';
import { watchAnon } from './processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COUNT = Number(process.env['RECORDS'] ?? 1_000_000);
const DATA = join(ROOT, 'bench', 'data', `tasks-${COUNT}.db`);
const IPC = join(ROOT, 'bin', 'ipc.js');

interface Measured {
  readonly seconds: number;
  readonly rssMB: number;
  /** Peak anonymous memory, MB (sampled): the resident set less the pages of the file mapped. */
  readonly anonMB: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command under /usr/bin/time -v: its elapsed time and maximum resident set size. */
function timed(args: string[], out: string | null): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', process.execPath, IPC, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const anon = watchAnon(child.pid);
    let stdout = 0;
    let text = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.length;
      if (out !== null && text.length < 4096) text += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr);
      if (code !== 0 || !rss || !wall) return reject(new Error(`ipc ${args.join(' ')} failed (${code}): ${stderr.slice(-2000)}`));
      const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
      resolve({ seconds, rssMB: Number(rss[1]) / 1024, anonMB: anon.stop(), stdout: out === null ? `${stdout} bytes` : text.trim(), stderr });
    });
  });
}

async function main(): Promise<void> {
  if (!existsSync(DATA)) generateTasksDb(DATA, COUNT);
  const dir = mkdtempSync(join(tmpdir(), 'ipc-report-'));
  try {
    const file = join(dir, 'report.html');
    const magic = await timed(['--sqlitedb', DATA, '-c', `%report ${file}`], file);
    const size = statSync(file).size;
    console.log(`${COUNT} records, ${DATA}`);
    console.log(`%report FILE.html:             ${magic.seconds.toFixed(1)} s, peak RSS ${magic.rssMB.toFixed(0)} MB (anonymous ${magic.anonMB.toFixed(0)} MB), ${(size / 1024).toFixed(0)} KiB: ${magic.stdout}`);
    const script = await timed(['--sqlitedb', DATA, '--format', 'report', '-c', 'db_query({})'], null);
    console.log(`--format report -c 'db_query({})': ${script.seconds.toFixed(1)} s, peak RSS ${script.rssMB.toFixed(0)} MB (anonymous ${script.anonMB.toFixed(0)} MB), ${script.stdout} to a pipe`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
