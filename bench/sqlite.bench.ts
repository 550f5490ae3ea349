/**
 * The SQLite store on a tasks.db of 1,000,000 records in ipyparallel's exact
 * format: the same queries answered, as whole processes printing JSON, by
 * (a) ipc (`ipc --sqlitedb FILE --format jsonl -c "db_query(...)"`),
 * (b) ipyparallel's SQLiteDB.find_records (python3-ipyparallel), and
 * (c) the sqlite3 shell with -json; then every record streamed out as JSON
 * lines by ipc and by sqlite3, with ipc's peak RSS.
 *
 *   npm run bench:sqlite                 (RECORDS=100000 npm run bench:sqlite for a quick run)
 *   PYTHON=0 npm run bench:sqlite        (whole processes of ipc and sqlite3 only: no Python, no later parts)
 *
 * The file is generated once under bench/data/ (git-ignored) and reused.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { DEFAULT_KEYS, Timestamp } from '../src/records/index.js';
import { jsonText } from '../src/format/json.js';
import { openSQLiteStore } from '../src/stores/sqlite/index.js';
import { START, TABLE, generateTasksDb } from './tasks-db.js';
import { watchAnon } from './processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COUNT = Number(process.env['RECORDS'] ?? 1_000_000);
const DATA = join(ROOT, 'bench', 'data', `tasks-${COUNT}.db`);
const IPC = join(ROOT, 'bin', 'ipc.js');

// ---------------------------------------------------------------- queries

interface Case {
  readonly name: string;
  /** The db_query arguments as typed at ipc's prompt (Python syntax, as for Client.db_query). */
  readonly ipc: string;
  /** The same for SQLiteDB.find_records (ISO strings become datetimes, as the hub's extract_dates makes them). */
  readonly python: string;
  /** The same rows for the sqlite3 shell. */
  readonly sql: string;
  /** The same for the library. */
  readonly js: { readonly query: Record<string, unknown>; readonly keys?: string[] };
  /** `len(db_query(...))`: ipc and Python print the count; sqlite3 prints the rows, every key. */
  readonly count?: boolean;
}

function iso(us: number): string {
  return new Timestamp(us).toPythonIsoformat();
}

function cases(db: Database.Database): Case[] {
  const client = db.prepare(`SELECT client_uuid FROM "${TABLE}" WHERE rowid = 1`).pluck().get() as string;
  const engine = db.prepare(`SELECT engine_uuid FROM "${TABLE}" WHERE rowid = 2`).pluck().get() as string;
  const ids = db.prepare(`SELECT msg_id FROM "${TABLE}" WHERE rowid % ? = 7 LIMIT 20`).pluck().all(Math.max(1, Math.floor(COUNT / 20))) as string[];
  const hourFrom = iso(START.us + 10 * 3600e6);
  const hourTo = iso(START.us + 11 * 3600e6);
  const lateFrom = iso(START.us + 20 * 3600e6);
  const cols = (keys: readonly string[]) => keys.map((k) => `"${k}"`).join(', ');
  const all = DEFAULT_KEYS.filter((k) => k !== 'label');
  const from = `FROM "${TABLE}"`;
  const order = 'ORDER BY submitted, msg_id';
  const pyList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
  const sqlList = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');
  return [
    {
      name: 'pending tasks',
      ipc: `{'completed': None}`,
      python: `{'completed': None}`,
      sql: `SELECT ${cols(all)} ${from} WHERE completed IS NULL ${order}`,
      js: { query: { completed: null } },
    },
    {
      name: 'one hour of tasks',
      ipc: `{'submitted': {'$gte': '${hourFrom}', '$lt': '${hourTo}'}}`,
      python: `{'submitted': {'$gte': D('${hourFrom}'), '$lt': D('${hourTo}')}}`,
      sql: `SELECT ${cols(all)} ${from} WHERE submitted >= '${hourFrom}' AND submitted < '${hourTo}' ${order}`,
      js: { query: { submitted: { $gte: hourFrom, $lt: hourTo } } },
    },
    {
      name: 'failed tasks: who and why',
      ipc: `{'error': {'$ne': None}}, keys=['submitted', 'engine_uuid', 'error']`,
      python: `{'error': {'$ne': None}}, keys=['submitted', 'engine_uuid', 'error']`,
      sql: `SELECT ${cols(['msg_id', 'submitted', 'engine_uuid', 'error'])} ${from} WHERE error IS NOT NULL ${order}`,
      js: { query: { error: { $ne: null } }, keys: ['submitted', 'engine_uuid', 'error'] },
    },
    {
      name: "one client's load-balanced tasks",
      ipc: `{'client_uuid': '${client}', 'queue': 'task'}, keys=['submitted', 'completed', 'engine_uuid']`,
      python: `{'client_uuid': '${client}', 'queue': 'task'}, keys=['submitted', 'completed', 'engine_uuid']`,
      sql: `SELECT ${cols(['msg_id', 'submitted', 'completed', 'engine_uuid'])} ${from} WHERE client_uuid = '${client}' AND queue = 'task' ${order}`,
      js: { query: { client_uuid: client, queue: 'task' }, keys: ['submitted', 'completed', 'engine_uuid'] },
    },
    {
      name: 'one engine, late in the day',
      ipc: `{'engine_uuid': '${engine}', 'completed': {'$gte': '${lateFrom}'}}`,
      python: `{'engine_uuid': '${engine}', 'completed': {'$gte': D('${lateFrom}')}}`,
      sql: `SELECT ${cols(all)} ${from} WHERE engine_uuid = '${engine}' AND completed >= '${lateFrom}' ${order}`,
      js: { query: { engine_uuid: engine, completed: { $gte: lateFrom } } },
    },
    {
      name: 'len() of every task-queue record',
      ipc: `{'queue': 'task'}`,
      python: `{'queue': 'task'}`,
      sql: `SELECT ${cols(all)} ${from} WHERE queue = 'task' ${order}`,
      js: { query: { queue: 'task' } },
      count: true,
    },
    {
      name: '20 records by msg_id, with buffers',
      ipc: `{'msg_id': {'$in': ${pyList(ids)}}}, keys=['buffers', 'result_buffers', 'completed']`,
      python: `{'msg_id': {'$in': ${pyList(ids)}}}, keys=['buffers', 'result_buffers', 'completed']`,
      sql: `SELECT msg_id, buffers, result_buffers, completed ${from} WHERE msg_id IN (${sqlList(ids)}) ${order}`,
      js: { query: { msg_id: { $in: ids } }, keys: ['buffers', 'result_buffers', 'completed'] },
    },
  ];
}

// ---------------------------------------------------------------- runners

interface Run {
  /** What the process timed itself: the query and its output, without start-up and imports. */
  readonly query?: { readonly seconds: number; readonly cpu: number };
  readonly seconds: number;
  /** user + system CPU seconds (from /usr/bin/time): fair when other work shares the cores. */
  readonly cpu: number;
  readonly lines: number;
  /** Peak resident set, MB (from /usr/bin/time). */
  readonly rssMB: number;
  /** Peak anonymous memory, MB (sampled): the resident set less the pages of the file mapped. */
  readonly anonMB: number;
}

function run(cmd: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const anon = watchAnon(child.pid);
    let lines = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`));
      const [rss, user, sys] = err.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
      const q = /QUERY ([\d.]+) ([\d.]+)/.exec(err);
      resolve({ seconds, cpu: user + sys, lines, rssMB: rss / 1024, anonMB: anon.stop(), ...(q ? { query: { seconds: Number(q[1]), cpu: Number(q[2]) } } : {}) });
    });
  });
}

const PYTHON_FIND = String.raw`
import json, sys, warnings
warnings.simplefilter('ignore')
from dateutil.parser import isoparse as D
from jupyter_client.jsonutil import json_default
from ipyparallel.controller.sqlitedb import SQLiteDB
SQLiteDB._check_table = lambda self: True  # 7.1 rejects its own table under SQLite >= 3.37
path, table, call = sys.argv[1], sys.argv[2], sys.argv[3]
import os
import time
t0, c0 = time.perf_counter(), time.process_time()
db = SQLiteDB(location=os.path.dirname(path), filename=os.path.basename(path), table=table)
recs = eval('db.find_records(' + call + ')')
out = sys.stdout
if len(sys.argv) > 4 and sys.argv[4] == 'len':
    out.write('%d\n' % len(recs))
else:
    for r in recs:
        out.write(json.dumps(r, default=json_default) + '\n')
out.flush()
sys.stderr.write('QUERY %f %f\n' % (time.perf_counter() - t0, time.process_time() - c0))
`;

async function inProcess(c: Case): Promise<{ seconds: number; cpu: number; lines: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const store = await openSQLiteStore({ path: DATA });
  let lines = 0;
  let bytes = 0;
  if (c.count) {
    lines = 1;
    bytes = String(await store.countRecords(c.js.query)).length + 1;
  } else {
    for await (const rec of store.findRecords(c.js.query, c.js.keys)) {
      bytes += jsonText(rec).length + 1;
      lines++;
    }
  }
  await store.close();
  const used = process.cpuUsage(cpu0);
  if (bytes === 0 && lines > 0) throw new Error('no output');
  return { seconds: (performance.now() - t0) / 1000, cpu: (used.user + used.system) / 1e6, lines };
}

/** Stands for the Python side when PYTHON=0 leaves it out: its cells and ratios read NaN. */
const NO_RUN: Run = { seconds: NaN, cpu: NaN, lines: 0, rssMB: NaN, anonMB: NaN };

function best(runs: Run[]): Run {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

async function main(): Promise<void> {
  if (!existsSync(DATA)) generateTasksDb(DATA, COUNT);
  const db = new Database(DATA, { readonly: true });
  const set = cases(db);
  db.close();
  const repeat = Number(process.env['REPEAT'] ?? 3);
  const python = process.env['PYTHON'] !== '0';
  console.log(`\n${COUNT} records, ${DATA}; best of ${repeat} for ipc and sqlite3, ${python ? 'one run of Python' : 'Python left out'}\n`);
  console.log('seconds: wall (CPU)');
  console.log('query                                  rows            ipc           python          sqlite3   python/ipc  ipc/sqlite3 (CPU)');
  const sum = { ipc: 0, py: 0, sql: 0, ipcCpu: 0, pyCpu: 0, sqlCpu: 0 };
  const cell = (r: Run) => `${r.seconds.toFixed(2).padStart(6)} (${r.cpu.toFixed(2).padStart(5)})`;
  for (const c of set) {
    const ipcRuns: Run[] = [];
    const sqlRuns: Run[] = [];
    for (let i = 0; i < repeat; i++) {
      ipcRuns.push(await run(process.execPath, [IPC, '--sqlitedb', DATA, '--format', 'jsonl', '-c', c.count ? `len(db_query(${c.ipc}))` : `db_query(${c.ipc})`]));
      sqlRuns.push(await run('sqlite3', ['-readonly', '-json', DATA, c.sql]));
    }
    const py = python ? await run('/usr/bin/python3', ['-c', PYTHON_FIND, DATA, TABLE, c.python, c.count ? 'len' : 'records']) : NO_RUN;
    const a = best(ipcRuns), q = best(sqlRuns);
    if (python && a.lines !== py.lines) throw new Error(`${c.name}: ipc printed ${a.lines} records, Python ${py.lines}`);
    sum.ipc += a.seconds; sum.py += py.seconds; sum.sql += q.seconds;
    sum.ipcCpu += a.cpu; sum.pyCpu += py.cpu; sum.sqlCpu += q.cpu;
    console.log(
      `${c.name.padEnd(36)} ${String(a.lines).padStart(6)} ${cell(a)} ${cell(py)} ${cell(q)} ${(py.seconds / a.seconds).toFixed(1).padStart(6)}x (${(py.cpu / a.cpu).toFixed(1)}x) ${(a.seconds / q.seconds).toFixed(2).padStart(6)}x (${(a.cpu / q.cpu).toFixed(2)}x)`,
    );
  }
  const total = (w: number, c: number) => `${w.toFixed(2).padStart(6)} (${c.toFixed(2).padStart(5)})`;
  console.log(
    `${'whole set'.padEnd(43)} ${total(sum.ipc, sum.ipcCpu)} ${total(sum.py, sum.pyCpu)} ${total(sum.sql, sum.sqlCpu)} ${(sum.py / sum.ipc).toFixed(1).padStart(6)}x (${(sum.pyCpu / sum.ipcCpu).toFixed(1)}x) ${(sum.ipc / sum.sql).toFixed(2).padStart(6)}x (${(sum.ipcCpu / sum.sqlCpu).toFixed(2)}x)`,
  );
  console.log(`targets: at least 20x faster than Python on the whole set, at most 1.5x sqlite3's time\n`);
  if (!python) return;

  // The stores alone, in one process each: ipc's SQLite store with format/json against
  // SQLiteDB.find_records with json.dumps, start-up and imports left out.
  console.log('in one process, start-up and imports left out: seconds wall (CPU)');
  console.log('query                                  rows        ipc store   SQLiteDB     SQLiteDB/ipc');
  const lib = { ipc: 0, py: 0, ipcCpu: 0, pyCpu: 0 };
  for (const c of set) {
    const runs: { seconds: number; cpu: number; lines: number }[] = [];
    for (let i = 0; i < repeat; i++) runs.push(await inProcess(c));
    const a = runs.reduce((x, y) => (y.seconds < x.seconds ? y : x));
    const py = (await run('/usr/bin/python3', ['-c', PYTHON_FIND, DATA, TABLE, c.python, c.count ? 'len' : 'records'])).query!;
    lib.ipc += a.seconds; lib.py += py.seconds; lib.ipcCpu += a.cpu; lib.pyCpu += py.cpu;
    console.log(`${c.name.padEnd(36)} ${String(a.lines).padStart(6)} ${a.seconds.toFixed(2).padStart(7)} (${a.cpu.toFixed(2).padStart(5)}) ${py.seconds.toFixed(2).padStart(6)} (${py.cpu.toFixed(2).padStart(5)}) ${(py.seconds / a.seconds).toFixed(1).padStart(8)}x (${(py.cpu / a.cpu).toFixed(1)}x)`);
  }
  console.log(`${'whole set'.padEnd(43)} ${lib.ipc.toFixed(2).padStart(7)} (${lib.ipcCpu.toFixed(2).padStart(5)}) ${lib.py.toFixed(2).padStart(6)} (${lib.pyCpu.toFixed(2).padStart(5)}) ${(lib.py / lib.ipc).toFixed(1).padStart(8)}x (${(lib.pyCpu / lib.ipcCpu).toFixed(1)}x)\n`);

  // %index on a copy: the same queries where SQLite can search an index instead of reading the table.
  const indexed = DATA.replace(/\.db$/, '-indexed.db');
  if (!existsSync(indexed)) {
    copyFileSync(DATA, indexed + '.part');
    const made = await run(process.execPath, [IPC, '--sqlitedb', indexed + '.part', '--write', '--yes', '-c', '%index']);
    renameSync(indexed + '.part', indexed);
    console.log(`%index on a copy: ${made.seconds.toFixed(1)} s`);
  }
  console.log('after %index (on a copy): seconds wall (CPU)');
  console.log('query                                  rows            ipc          sqlite3  ipc/sqlite3   %time of the query in ipc');
  for (const c of set) {
    const ipcRuns: Run[] = [];
    const sqlRuns: Run[] = [];
    for (let i = 0; i < repeat; i++) {
      ipcRuns.push(await run(process.execPath, [IPC, '--sqlitedb', indexed, '--format', 'jsonl', '-c', c.count ? `len(db_query(${c.ipc}))` : `db_query(${c.ipc})`]));
      sqlRuns.push(await run('sqlite3', ['-readonly', '-json', indexed, c.sql]));
    }
    const timed = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [IPC, '--sqlitedb', indexed, '-c', c.count ? `%time len(db_query(${c.ipc}))` : `%time x = db_query(${c.ipc})`], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      child.on('close', () => resolve(/Wall time: (.*)/.exec(out)?.[1] ?? '?'));
    });
    const a = best(ipcRuns), q = best(sqlRuns);
    console.log(`${c.name.padEnd(36)} ${String(a.lines).padStart(6)} ${cell(a)} ${cell(q)} ${(a.seconds / q.seconds).toFixed(2).padStart(6)}x   ${timed}`);
  }
  console.log('');

  const all = DEFAULT_KEYS.filter((k) => k !== 'label');
  let ipcAll: Run | string;
  try {
    ipcAll = await run(process.execPath, [IPC, '--sqlitedb', DATA, '--format', 'jsonl', '-c', 'db_query({})']);
  } catch (e) {
    ipcAll = (e as Error).message.split('\n').slice(0, 3).join(' ');
  }
  const sqlAll = await run('sqlite3', ['-readonly', '-json', DATA, `SELECT ${all.map((k) => `"${k}"`).join(', ')} FROM "${TABLE}" ORDER BY submitted, msg_id`]);
  const libAll = await run(process.execPath, [join(ROOT, 'dist', 'bench', 'sqlite-stream.js'), DATA]);
  console.log('every record as JSON lines:');
  if (typeof ipcAll === 'string') console.log(`  ipc --format jsonl -c 'db_query({})'   failed: ${ipcAll}`);
  else console.log(`  ipc --format jsonl -c 'db_query({})'   ${ipcAll.lines} records  ${ipcAll.seconds.toFixed(1).padStart(6)} s (CPU ${ipcAll.cpu.toFixed(1)})  peak RSS ${ipcAll.rssMB.toFixed(0).padStart(5)} MB (anonymous ${ipcAll.anonMB.toFixed(0)} MB)  ${(ipcAll.seconds / sqlAll.seconds).toFixed(2)}x sqlite3`);
  console.log(`  library stream (sqlite-stream.js)     ${libAll.lines} records  ${libAll.seconds.toFixed(1).padStart(6)} s (CPU ${libAll.cpu.toFixed(1)})  peak RSS ${libAll.rssMB.toFixed(0).padStart(5)} MB (anonymous ${libAll.anonMB.toFixed(0)} MB)  ${(libAll.seconds / sqlAll.seconds).toFixed(2)}x sqlite3`);
  console.log(`  sqlite3 -json                         ${sqlAll.lines} lines    ${sqlAll.seconds.toFixed(1).padStart(6)} s (CPU ${sqlAll.cpu.toFixed(1)})  peak RSS ${sqlAll.rssMB.toFixed(0).padStart(5)} MB`);
  console.log('target: peak RSS under 200 MB');
}

await main();
