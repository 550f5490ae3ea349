/**
 * Start-up time of script mode: `ipc --demo -c 'len(db_query({}))'` against a
 * bare `node -e 0`, alternated in one run, median wall time of each. For
 * scale, the same query through Python's ipyparallel (importing the client
 * and querying its own DictDB) runs in the same loop.
 *
 *   npm run bench:startup            (RUNS=10 npm run bench:startup for a quick look)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env['RUNS'] ?? 40);
const TARGET_MS = 150;
const root = fileURLToPath(new URL('../..', import.meta.url));
const ipc = fileURLToPath(new URL('../../bin/ipc.js', import.meta.url));
const PYTHON = '/usr/bin/python3';
const PY_QUERY = 'from ipyparallel.controller.dictdb import DictDB\nprint(len(DictDB().find_records({})))';

interface Command {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly expect: RegExp;
}

const commands: Command[] = [
  { name: 'node -e 0', file: process.execPath, args: ['-e', '0'], expect: /^$/ },
  { name: "ipc --demo -c 'len(db_query({}))'", file: process.execPath, args: [ipc, '--demo', '-c', 'len(db_query({}))'], expect: /^\d+\n$/ },
];
if (existsSync(PYTHON) && existsSync('/usr/lib/python3/dist-packages/ipyparallel')) {
  commands.push({ name: 'python3: import DictDB, find_records({})', file: PYTHON, args: ['-c', PY_QUERY], expect: /^0\n$/ });
}

function time(c: Command): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c.file, c.args, { cwd: root, encoding: 'utf8', env: { ...process.env, IPC_CONFIG: '' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 || !c.expect.test(r.stdout)) throw new Error(`${c.name} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const samples = commands.map(() => [] as number[]);
for (const c of commands) time(c); // warm the file cache
for (let i = 0; i < RUNS; i++) commands.forEach((c, j) => samples[j]!.push(time(c)));

const medians = samples.map(median);
console.log(`start-up, median of ${RUNS} alternated runs (ms):`);
commands.forEach((c, j) => console.log(`  ${c.name.padEnd(44)} ${medians[j]!.toFixed(1).padStart(7)}`));
const extra = medians[1]! - medians[0]!;
console.log(`ipc over bare node: +${extra.toFixed(1)} ms (target under ${TARGET_MS} ms): ${extra < TARGET_MS ? 'met' : 'NOT met'}`);
console.log(`ipc / bare node: ${(medians[1]! / medians[0]!).toFixed(2)}`);
if (medians[2] !== undefined) console.log(`ipc / python ipyparallel: ${(medians[1]! / medians[2]).toFixed(2)}`);
