/**
 * Reading a task database from MongoDB: ipc's MongoDB store against
 * ipyparallel's own MongoDB backend (pymongo), both asking the same
 * wire-protocol stand-in for the same records in the same run.
 *
 *   npm run bench:mongodb [-- --records 4000 --runs 20 --samples]
 *
 * The stand-in is not MongoDB: the figures compare the two clients' work
 * (query translation, BSON decoding, building records), with the same
 * server cost on both sides. It runs in a process of its own, as a server
 * would, so its work is never counted on a client's side.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { DEFAULT_KEYS } from '../src/records/index.js';
import { generateDemoRecords, collect } from '../src/stores/index.js';
import { openMongoStore } from '../src/stores/mongodb/index.js';
import type { Store } from '../src/stores/store.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RECORDS = option('records', 4000);
const RUNS = option('runs', 20);
/** Print every run's figures too. */
const SAMPLES = args.includes('--samples');

interface Case {
  readonly name: string;
  readonly query: Record<string, unknown>;
  readonly keys: readonly string[] | null;
  /**
   * The keys ipyparallel's side asks for, where they differ: ipc's default
   * keys leave out the buffers, and ipyparallel's find_records with no keys
   * reads whole documents (its hub drops the buffers afterwards), so it is
   * given ipc's default key list and both sides read the same fields.
   */
  readonly peerKeys?: readonly string[];
}

const CASES: Case[] = [
  { name: 'every record, default keys', query: {}, keys: null, peerKeys: DEFAULT_KEYS },
  { name: "{'completed': {'$ne': None}, 'queue': 'task'}, 2 keys", query: { completed: { $ne: null }, queue: 'task' }, keys: ['msg_id', 'completed'] },
  { name: "{'header.msg_type': 'execute_request'}, with buffers", query: { 'header.msg_type': 'execute_request' }, keys: ['msg_id', 'buffers', 'result_buffers'] },
];

/**
 * ipyparallel's side, one process per query: it connects and answers one
 * untimed query (as ipc's side does, so that connecting is not counted),
 * says "ready", then runs the query once for each line it reads and prints
 * the run's time.
 */
const PEER = String.raw`
import sys, json, time
from ipyparallel.controller.mongodb import MongoDB
inp = json.loads(sys.stdin.readline())
db = MongoDB(connection_args=[inp['url']], database=inp['database'])
case = inp['case']
keys = lambda: list(case['keys']) if case['keys'] else None
db.find_records(case['query'], keys())
print('ready', flush=True)
for _ in sys.stdin:
    t, c = time.perf_counter(), time.process_time()
    n = len(db.find_records(case['query'], keys()))
    print(json.dumps({'n': n, 'seconds': time.perf_counter() - t, 'cpu': time.process_time() - c}), flush=True)
`;

/** One run of one query on one side. */
interface Run {
  readonly n: number;
  /** Seconds, all told. */
  readonly total: number;
  /** Seconds the stand-in spent answering. */
  readonly server: number;
  /** CPU seconds of the client's process (every thread), which the load of other work hardly changes. */
  readonly cpu: number;
}

/** The stand-in's process: its URL, and how long it has spent answering so far. */
interface StandIn {
  readonly url: string;
  busyMs(): Promise<number>;
  close(): void;
}

/** A line reader over a child's output. */
function linesOf(stream: NodeJS.ReadableStream, what: string): () => Promise<string> {
  const lines = createInterface({ input: stream })[Symbol.asyncIterator]();
  return async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`${what} stopped`);
    return r.value;
  };
}

async function startStandIn(): Promise<StandIn> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [new URL('./mongo-standin-process.js', import.meta.url).pathname]);
  child.stderr.pipe(process.stderr);
  const next = linesOf(child.stdout, 'the MongoDB stand-in');
  const url = await next();
  return {
    url,
    busyMs: async () => {
      child.stdin.write('\n');
      return Number(await next());
    },
    close: () => child.stdin.end(),
  };
}

/** ipyparallel's side of one query: a run each time it is called. */
async function startPeer(standIn: StandIn, database: string, c: Case): Promise<{ run(): Promise<Run>; close(): void }> {
  const child = spawn('/usr/bin/python3', ['-c', PEER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const failed = new Promise<never>((_, reject) =>
    child.on('close', (code) => reject(new Error(`the ipyparallel side stopped (exit ${code}; is python3-pymongo installed?)`))),
  );
  failed.catch(() => undefined);
  const next = linesOf(child.stdout, 'the ipyparallel side');
  child.stdin.write(`${JSON.stringify({ url: standIn.url, database, case: { query: c.query, keys: c.peerKeys ?? c.keys } })}\n`);
  await Promise.race([next(), failed]);
  return {
    run: async () => {
      const busy = await standIn.busyMs();
      child.stdin.write('\n');
      const { n, seconds, cpu } = JSON.parse(await Promise.race([next(), failed])) as { n: number; seconds: number; cpu: number };
      return { n, total: seconds, server: ((await standIn.busyMs()) - busy) / 1000, cpu };
    },
    close: () => child.stdin.end(),
  };
}

async function ours(standIn: StandIn, store: Store, c: Case): Promise<Run> {
  const busy = await standIn.busyMs();
  const cpu = process.cpuUsage();
  const t = performance.now();
  const n = (await collect(store.findRecords(c.query, c.keys))).length;
  const total = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  return { n, total, server: ((await standIn.busyMs()) - busy) / 1000, cpu: (used.user + used.system) / 1e6 };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const ms = (s: number) => (s * 1000).toFixed(1);

async function main(): Promise<void> {
  const standIn = await startStandIn();
  const database = 'ipython-tasks';
  try {
    const writer = await openMongoStore({ url: standIn.url, database, write: true });
    for (const r of generateDemoRecords({ count: RECORDS, seed: 5 })) await writer.addRecord(r['msg_id'] as string, r);
    await writer.close();

    const store = await openMongoStore({ url: standIn.url, database });
    console.log(`MongoDB store, ${RECORDS} demo records on the stand-in, ${RUNS} runs of each side, taking turns; ms`);
    console.log(
      'query | records | ipc: total (mean), client side (median), CPU (median, mean) | ipyparallel: the same | ipc / ipyparallel: client side, CPU median, CPU mean',
    );
    for (const c of CASES) {
      await collect(store.findRecords(c.query, c.keys));
      const peer = await startPeer(standIn, database, c);
      const a: Run[] = [];
      const b: Run[] = [];
      try {
        // turn about, so that both sides meet the same load
        for (let i = 0; i < RUNS; i++) {
          a.push(await ours(standIn, store, c));
          b.push(await peer.run());
        }
      } finally {
        peer.close();
      }
      if (a[0]!.n !== b[0]!.n) throw new Error(`${c.name}: ipc found ${a[0]!.n} records, ipyparallel ${b[0]!.n}`);
      if (SAMPLES) {
        for (const [side, runs] of [['ipc', a], ['ipyparallel', b]] as const) {
          console.log(`  ${side}, total - server = client side (CPU): ${runs.map((r) => `${ms(r.total)} - ${ms(r.server)} = ${ms(r.total - r.server)} (${ms(r.cpu)})`).join('; ')}`);
        }
      }
      const client = (runs: Run[]) => median(runs.map((r) => r.total - r.server));
      const cpuMedian = (runs: Run[]) => median(runs.map((r) => r.cpu));
      const cpuMean = (runs: Run[]) => mean(runs.map((r) => r.cpu));
      const side = (runs: Run[]) => `${ms(mean(runs.map((r) => r.total)))}, ${ms(client(runs))}, ${ms(cpuMedian(runs))} / ${ms(cpuMean(runs))}`;
      const ratio = (f: (runs: Run[]) => number) => (f(a) / f(b)).toFixed(2);
      console.log(`${c.name} | ${a[0]!.n} | ${side(a)} | ${side(b)} | ${ratio(client)}, ${ratio(cpuMedian)}, ${ratio(cpuMean)}`);
    }
    await store.close();
  } finally {
    standIn.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
