/**
 * Decoding task payloads, two questions:
 *
 * 1. What the derived keys cost a query that does not ask for them: the
 *    same `db_query({})` on a SQLite tasks.db, answered by the store alone
 *    (what ipc did before derived keys) and through the client, which
 *    decides per query whether anything must be decoded; then the same query
 *    asking for `result` and `function`, which decodes every record.
 * 2. Decoding results: the result_buffers of every finished task of the
 *    real-controller fixture (test/fixtures/payloads.db), repeated to
 *    100,000, decoded by ipc (`decodeResult`) and by ipyparallel's own
 *    `deserialize_object` (python3-ipyparallel), each in its own process
 *    on the same bytes; then the same for the plain ones alone (no class
 *    named in the pickle), the kind most tasks return, which ipc decodes
 *    without its full pickle VM. Each side decodes one round of DECODES
 *    and then RUNS more: the first round of a process shows what a process
 *    pays before V8 has compiled the decoder (Python's unpickler is compiled
 *    C from the start), the median of the rounds after it the decoder's
 *    speed.
 *
 * 3. End to end (bench/derived-queries.ts, run first): derived-key queries
 *    as whole processes printing JSON lines, ipc against the Python a user
 *    writes with ipyparallel's SQLiteDB and deserializer, answers checked.
 *
 *   npm run bench:payloads              (RECORDS=20000 npm run bench:payloads for a quick run)
 *   PART=e2e TASKS=100000 REPEAT=2 npm run bench:payloads   (the end-to-end part alone)
 *
 * The tasks.db is made once under bench/data/ (git-ignored) from the
 * fixture's rows, msg_ids renumbered, and reused.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { StoreClient } from '../src/client/index.js';
import { decodeResult, unpickleBuffers } from '../src/payload/index.js';
import { openSQLiteStore } from '../src/stores/sqlite/index.js';
import { collect } from '../src/stores/store.js';
import { derivedQueries } from './derived-queries.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test', 'fixtures', 'payloads.db');
const VALUES = join(ROOT, 'test', 'fixtures', 'payload-values.py');
const COUNT = Number(process.env['RECORDS'] ?? 200_000);
const DECODES = Number(process.env['DECODES'] ?? 100_000);
const RUNS = Number(process.env['RUNS'] ?? 3);
const DATA = join(ROOT, 'bench', 'data', `payloads-${COUNT}.db`);
const TABLE = 'ipython-tasks';

function generate(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = path + '.part';
  rmSync(tmp, { force: true });
  const src = new Database(FIXTURE, { readonly: true });
  const schema = (src.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get(TABLE) as { sql: string }).sql;
  const rows = src.prepare(`SELECT * FROM "${TABLE}" ORDER BY submitted`).all() as Record<string, unknown>[];
  src.close();
  const db = new Database(tmp);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.exec(schema);
  const columns = Object.keys(rows[0]!);
  const insert = db.prepare(`INSERT INTO "${TABLE}" VALUES (${columns.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (let i = 0; i < COUNT; i++) {
      const row = rows[i % rows.length]!;
      insert.run(columns.map((c) => (c === 'msg_id' ? `${String(row[c]).replace(/_\d+$/, '')}_${i}` : row[c])));
    }
  })();
  db.close();
  renameSync(tmp, path);
}

function middle(times: number[]): number {
  const sorted = [...times].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeOnce(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function median(f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function python(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}`))));
  });
}

async function queries(): Promise<void> {
  if (!existsSync(DATA)) generate(DATA);
  const store = await openSQLiteStore({ path: DATA });
  const client = await StoreClient.open(store);
  await collect(store.findRecords({}));
  // the two are timed in turn, so that a busy machine weighs on both alike
  const alone: number[] = [];
  const through: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    alone.push(await timeOnce(() => collect(store.findRecords({}))));
    through.push(await timeOnce(() => client.dbQuery({})));
  }
  const decoding = await median(() => client.dbQuery({}, ['msg_id', 'function', 'result']));
  await store.close();
  console.log(`db_query({}) on ${COUNT.toLocaleString('en-US')} records, median of ${RUNS}, ms`);
  const a = middle(alone);
  const t = middle(through);
  console.log(`  store alone (no derived keys)              ${a.toFixed(1)}`);
  console.log(`  client, derived keys not asked for         ${t.toFixed(1)}   (${t >= a ? '+' : ''}${(((t - a) / a) * 100).toFixed(1)}%, target < 20%)`);
  console.log(`  client, keys=['function', 'result']        ${decoding.toFixed(1)}   (decodes every record)`);
}

async function results(): Promise<void> {
  const src = new Database(FIXTURE, { readonly: true });
  const rows = src
    .prepare(`SELECT result_buffers FROM "${TABLE}" WHERE result_buffers IS NOT NULL AND json_extract(result_content, '$.status') = 'ok'`)
    .all() as { result_buffers: Uint8Array }[];
  src.close();
  const frames = rows.map((r) => unpickleBuffers(r.result_buffers)).filter((f) => f.length > 0);
  // which results are plain (no class named in the pickle) is Python's answer, not the decoder's
  const plain = JSON.parse(await python(PY_FRAMES + 'print(json.dumps(plain))')) as number[];
  await decodeBoth(`results (${frames.length} distinct tasks of the fixture, cycled)`, frames, 'range(len(frames))');
  await decodeBoth(
    `plain results (the ${plain.length} of them whose pickle names no class: None, bool, int, float, str, bytes, tuple, list, set, dict)`,
    plain.map((i) => frames[i]!),
    'plain',
  );
}

/** The fixture's finished results as Python reads them, and the indices of those whose pickles name no class. */
const PY_FRAMES = String.raw`
import json, pickle, pickletools, sqlite3, time
exec(open(${JSON.stringify(VALUES)}).read())
from ipyparallel.serialize import deserialize_object
db = sqlite3.connect(${JSON.stringify(FIXTURE)})
frames = [pickle.loads(b) for (b,) in db.execute("select result_buffers from 'ipython-tasks' where result_buffers is not null and json_extract(result_content, '$.status') = 'ok'")]
frames = [f for f in frames if f]
CLASS_OPS = {'GLOBAL', 'STACK_GLOBAL', 'REDUCE', 'NEWOBJ', 'NEWOBJ_EX', 'BUILD', 'INST', 'OBJ'}
plain = [i for i, f in enumerate(frames) if len(f) == 1 and not any(op.name in CLASS_OPS for op, _, _ in pickletools.genops(f[0]))]
`;

/** The first round of a process, then the median of RUNS rounds after it, each of DECODES decodes. */
interface Rounds {
  readonly first: number;
  readonly warm: number;
}

async function decodeBoth(what: string, frames: Uint8Array[][], pyIndices: string): Promise<void> {
  const times: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < DECODES; i++) decodeResult(frames[i % frames.length]!);
    times.push(performance.now() - t0);
  }
  const ipc: Rounds = { first: times[0]!, warm: middle(times.slice(1)) };
  const py = JSON.parse(
    await python(
      PY_FRAMES +
        String.raw`
frames = [frames[i] for i in ${pyIndices}]
times = []
for run in range(${RUNS} + 1):
    t0 = time.perf_counter()
    for i in range(${DECODES}):
        deserialize_object(frames[i % len(frames)])
    times.append((time.perf_counter() - t0) * 1000)
rest = sorted(times[1:])
print(json.dumps({'first': times[0], 'warm': rest[len(rest) // 2]}))
`,
    ),
  ) as Rounds;
  const cell = (x: number) => x.toFixed(1).padStart(12);
  console.log(`decoding ${DECODES.toLocaleString('en-US')} ${what}, ms`);
  console.log(`                                  first round   warm: median of ${RUNS} after it`);
  console.log(`  ipc decodeResult              ${cell(ipc.first)}  ${cell(ipc.warm)}`);
  console.log(`  ipyparallel deserialize_object${cell(py.first)}  ${cell(py.warm)}`);
  console.log(`  Python / ipc                  ${(py.first / ipc.first).toFixed(1).padStart(11)}x  ${(py.warm / ipc.warm).toFixed(1).padStart(11)}x   (target >= 5x)`);
}

const PART = process.env['PART'] ?? 'all';
// end to end first, as a user meets it: whole processes, answers checked against Python's
if (PART === 'all' || PART === 'e2e') await derivedQueries(Number(process.env['TASKS'] ?? 100_000), Number(process.env['REPEAT'] ?? 2));
if (PART === 'all' || PART === 'decode') {
  // decoding first: the query runs leave a large heap behind that would slow it
  await results();
  await queries();
}
