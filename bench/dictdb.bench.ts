/**
 * DictDB query throughput: ipc's DictDB against ipyparallel's own
 * `ipyparallel.controller.dictdb.DictDB`, on the same 100,000 demo records
 * (sent to Python once), six query shapes, queries per second for each,
 * measured in one run. Python times itself inside its own process, which
 * stays up: each shape is timed there and then here, one after the other,
 * so that both sides meet the same load on a busy machine.
 *
 *   npm run bench:dictdb            (RECORDS=20000 npm run bench:dictdb for a quick run)
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { generateDemoRecords, DictDB, collect } from '../src/stores/index.js';
import { type TaskRecord, type Timestamp } from '../src/records/index.js';
import { PYTHON, PY_CODECS, encodeTagged } from '../test/support/python.js';

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

/**
 * The Python side: reads the records and shapes as one line of tagged JSON,
 * answers `ready`, then times the shape whose number it is sent, one JSON line
 * per shape. ipyparallel 7.1's DictDB has no `$regex`; the bench registers
 * `re.search` in its operator table.
 */
const PYTHON_PEER = PY_CODECS + String.raw`
import re, statistics, time
from ipyparallel.controller import dictdb
dictdb.filters.setdefault('$regex', lambda a, b: isinstance(a, str) and re.search(b, a) is not None)
setup = decode(json.loads(sys.stdin.readline()))
db = dictdb.DictDB(record_limit=len(setup['records']) + 1)
for r in setup['records']:
    db.add_record(r['msg_id'], r)
del setup['records']
print('ready', flush=True)
for line in sys.stdin:
    shape = setup['shapes'][int(line)]
    q, keys = shape['query'], shape['keys']
    answers = len(db.find_records(q, keys))
    times = []
    start = time.perf_counter()
    while len(times) < setup['minRuns'] or time.perf_counter() - start < setup['seconds']:
        t = time.perf_counter()
        answers = len(db.find_records(q, keys))
        times.append(time.perf_counter() - t)
    print(json.dumps({'answers': answers, 'qps': 1 / statistics.median(times)}), flush=True)
`;

interface Peer {
  time(shape: number): Promise<Timing>;
  close(): void;
}

async function startPython(setup: unknown): Promise<Peer> {
  const child = spawn(PYTHON, ['-c', PYTHON_PEER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`the Python side stopped:\n${err}`);
    return line.value;
  };
  child.stdin.write(JSON.stringify(encodeTagged(setup)) + '\n');
  if ((await next()) !== 'ready') throw new Error(`the Python side did not start:\n${err}`);
  return {
    async time(shape: number): Promise<Timing> {
      child.stdin.write(`${shape}\n`);
      return JSON.parse(await next()) as Timing;
    },
    close: () => child.stdin.end(),
  };
}

function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
}

async function main(): Promise<void> {
  const records = generateDemoRecords({ count: COUNT, seed: 7 });
  const count = records.length;
  const db = new DictDB({ recordLimit: count + 1 });
  for (const r of records) await db.addRecord(r['msg_id'] as string, r);
  const list = shapes(records);
  const python = await startPython({
    records,
    seconds: SECONDS,
    minRuns: MIN_RUNS,
    shapes: list.map((s) => ({ query: s.python ?? s.query, keys: s.keys ?? null })),
  });
  records.length = 0; // only the stores hold records while timing
  console.log(`DictDB query throughput: ${count} demo records, each shape timed for at least ${SECONDS} s per side`);

  const ours: Timing[] = [];
  const theirs: Timing[] = [];
  for (let i = 0; i < list.length; i++) {
    theirs.push(await python.time(i));
    ours.push(await timeOurs(db, list[i]!));
  }
  python.close();

  const widths = [22, 9, 12, 14, 8];
  console.log(row(['shape', 'answers', 'ipc q/s', 'DictDB q/s', 'ratio'], widths));
  let missed = 0;
  list.forEach((shape, i) => {
    const a = ours[i]!;
    const b = theirs[i]!;
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
