/**
 * DictDB query throughput: ipc's DictDB against ipyparallel's own
 * `ipyparallel.controller.dictdb.DictDB`, on the same 100,000 demo records
 * (sent to Python once), six query shapes, queries per second for each,
 * measured in one run. Python times itself inside its own process.
 *
 *   npm run bench:dictdb            (RECORDS=20000 npm run bench:dictdb for a quick run)
 */
import { generateDemoRecords, type TaskRecord, type Timestamp } from '../src/records/index.js';
import { DictDB, collect } from '../src/stores/index.js';
import { runPython } from '../test/support/python.js';

const COUNT = Number(process.env['RECORDS'] ?? 100_000);
/**
 * Each shape runs for at least this long (and at least MIN_RUNS times) on
 * each side; a side's throughput is one over its median query time, which a
 * busy machine disturbs less than the mean.
 */
const SECONDS = Number(process.env['SECONDS'] ?? 2);
const MIN_RUNS = 3;
const TARGET = 20;

interface Shape {
  readonly name: string;
  readonly query: Record<string, unknown>;
  readonly keys?: string[];
  /**
   * The same query for ipyparallel's DictDB where it needs another spelling:
   * its plain equality binds late, so two equality keys go as `$eq`.
   */
  readonly python?: Record<string, unknown>;
}

function shapes(records: TaskRecord[]): Shape[] {
  const at = (i: number) => records[Math.floor(records.length * i)]!;
  const client = at(0.5)['client_uuid'] as string;
  const engines = [at(0.1)['engine_uuid'], at(0.2)['engine_uuid']].filter((e) => e !== null);
  const from = at(0.4)['submitted'] as Timestamp;
  const to = at(0.55)['submitted'] as Timestamp;
  return [
    {
      name: 'equality on two keys',
      query: { client_uuid: client, queue: 'task' },
      python: { client_uuid: { $eq: client }, queue: { $eq: 'task' } },
    },
    { name: '$in', query: { engine_uuid: { $in: engines } } },
    { name: 'date range', query: { submitted: { $gte: from, $lt: to } } },
    { name: '$ne: None', query: { completed: { $ne: null } } },
    { name: 'keys projection', query: { queue: 'mux' }, keys: ['msg_id', 'started', 'completed'] },
    { name: '$regex on stdout', query: { stdout: { $regex: 'température|完了' } } },
  ];
}

interface Timing {
  readonly answers: number;
  readonly qps: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timeOurs(db: DictDB, shape: Shape): Promise<Timing> {
  let answers = (await collect(db.findRecords(shape.query, shape.keys))).length; // warm-up
  const times: number[] = [];
  const start = performance.now();
  while (times.length < MIN_RUNS || performance.now() - start < SECONDS * 1000) {
    const t = performance.now();
    answers = (await collect(db.findRecords(shape.query, shape.keys))).length;
    times.push((performance.now() - t) / 1000);
  }
  return { answers, qps: 1 / median(times) };
}

/** ipyparallel 7.1's DictDB has no `$regex`; the bench registers `re.search` in its operator table. */
const PYTHON_BENCH = String.raw`
import re, statistics, time
from ipyparallel.controller import dictdb
dictdb.filters.setdefault('$regex', lambda a, b: isinstance(a, str) and re.search(b, a) is not None)
db = dictdb.DictDB(record_limit=len(INPUT['records']) + 1)
for r in INPUT['records']:
    db.add_record(r['msg_id'], r)
del INPUT['records']
out = []
for shape in INPUT['shapes']:
    q, keys = shape['query'], shape['keys']
    answers = len(db.find_records(q, keys))
    times = []
    start = time.perf_counter()
    while len(times) < INPUT['minRuns'] or time.perf_counter() - start < INPUT['seconds']:
        t = time.perf_counter()
        answers = len(db.find_records(q, keys))
        times.append(time.perf_counter() - t)
    out.append({'answers': answers, 'qps': 1 / statistics.median(times)})
emit(out)
`;

function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
}

async function main(): Promise<void> {
  const records = generateDemoRecords({ count: COUNT, seed: 7 });
  const db = new DictDB({ recordLimit: records.length + 1 });
  for (const r of records) await db.addRecord(r['msg_id'] as string, r);
  const list = shapes(records);
  console.log(`DictDB query throughput: ${records.length} demo records, each shape timed for at least ${SECONDS} s per side`);

  const ours: Timing[] = [];
  for (const shape of list) ours.push(await timeOurs(db, shape));

  const python = (await runPython(PYTHON_BENCH, {
    records,
    seconds: SECONDS,
    minRuns: MIN_RUNS,
    shapes: list.map((s) => ({ query: s.python ?? s.query, keys: s.keys ?? null })),
  })) as unknown as Timing[];

  const widths = [22, 9, 12, 14, 8];
  console.log(row(['shape', 'answers', 'ipc q/s', 'DictDB q/s', 'ratio'], widths));
  let missed = 0;
  list.forEach((shape, i) => {
    const a = ours[i]!;
    const b = python[i]!;
    if (a.answers !== b.answers) throw new Error(`${shape.name}: ipc found ${a.answers} records, ipyparallel ${b.answers}`);
    const ratio = a.qps / b.qps;
    if (ratio < TARGET) missed++;
    console.log(row([shape.name, a.answers, a.qps.toFixed(1), b.qps.toFixed(3), `${ratio.toFixed(0)}x`], widths));
  });
  console.log(missed === 0 ? `every shape at least ${TARGET}x ipyparallel's DictDB` : `${missed} shape(s) below ${TARGET}x ipyparallel's DictDB`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
