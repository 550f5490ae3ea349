/**
 * Reading a task database from MongoDB: ipc's MongoDB store against
 * ipyparallel's own MongoDB backend (pymongo), both asking the same
 * wire-protocol stand-in for the same records in the same run.
 *
 *   npm run bench:mongodb [-- --records 4000 --runs 10]
 *
 * The stand-in is not MongoDB: the figures compare the two clients' work
 * (query translation, BSON decoding, building records), with the same
 * server cost on both sides. It runs in a process of its own, as a server
 * would, so its work is never counted on a client's side.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { DEFAULT_KEYS, generateDemoRecords } from '../src/records/index.js';
import { collect } from '../src/stores/index.js';
import { openMongoStore } from '../src/stores/mongodb/index.js';
import type { Store } from '../src/stores/store.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RECORDS = option('records', 4000);
const RUNS = option('runs', 10);

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

const PEER = String.raw`
import sys, json, time
from ipyparallel.controller.mongodb import MongoDB
inp = json.loads(sys.stdin.read())
db = MongoDB(connection_args=[inp['url']], database=inp['database'])
case = inp['case']
# one query untimed, as ipc's side has, so that connecting is not counted
db.find_records(case['query'], list(case['keys']) if case['keys'] else None)
total, cpu, n = 0.0, 0.0, 0
for _ in range(inp['runs']):
    keys = list(case['keys']) if case['keys'] else None
    t, c = time.perf_counter(), time.process_time()
    n = len(db.find_records(case['query'], keys))
    total += time.perf_counter() - t
    cpu += time.process_time() - c
print(json.dumps({'n': n, 'seconds': total, 'cpu': cpu}))
`;

interface Timing {
  readonly n: number;
  /** Mean seconds per query, all told. */
  readonly total: number;
  /** Mean seconds per query the stand-in spent answering. */
  readonly server: number;
  /** Mean CPU seconds per query of the client's process (every thread), which the load of other work hardly changes. */
  readonly cpu: number;
}

/** The stand-in's process: its URL, and how long it has spent answering so far. */
interface StandIn {
  readonly url: string;
  busyMs(): Promise<number>;
  close(): void;
}

async function startStandIn(): Promise<StandIn> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [new URL('./mongo-standin-process.js', import.meta.url).pathname]);
  child.stderr.pipe(process.stderr);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('the MongoDB stand-in stopped');
    return r.value;
  };
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

async function peer(standIn: StandIn, database: string, c: Case): Promise<Timing> {
  const busy = await standIn.busyMs();
  const child = spawn('/usr/bin/python3', ['-c', PEER], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stdin.end(JSON.stringify({ url: standIn.url, database, runs: RUNS, case: { query: c.query, keys: c.peerKeys ?? c.keys } }));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error('the ipyparallel side failed (is python3-pymongo installed?)');
  const { n, seconds, cpu } = JSON.parse(out) as { n: number; seconds: number; cpu: number };
  return { n, total: seconds / RUNS, server: ((await standIn.busyMs()) - busy) / 1000 / RUNS, cpu: cpu / RUNS };
}

async function ours(standIn: StandIn, store: Store, c: Case): Promise<Timing> {
  let n = 0;
  const busy = await standIn.busyMs();
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < RUNS; i++) n = (await collect(store.findRecords(c.query, c.keys))).length;
  const total = (performance.now() - t) / 1000 / RUNS;
  const used = process.cpuUsage(cpu);
  return { n, total, server: ((await standIn.busyMs()) - busy) / 1000 / RUNS, cpu: (used.user + used.system) / 1e6 / RUNS };
}

const ms = (s: number) => (s * 1000).toFixed(1);

async function main(): Promise<void> {
  const standIn = await startStandIn();
  const database = 'ipython-tasks';
  try {
    const writer = await openMongoStore({ url: standIn.url, database, write: true });
    for (const r of generateDemoRecords({ count: RECORDS, seed: 5 })) await writer.addRecord(r['msg_id'] as string, r);
    await writer.close();

    const store = await openMongoStore({ url: standIn.url, database });
    console.log(`MongoDB store, ${RECORDS} demo records on the stand-in, mean of ${RUNS} runs`);
    console.log('query | records | ipc ms (client side) | ipyparallel ms (client side) | client side, ipc / ipyparallel | client CPU ms, ipc / ipyparallel');
    for (const c of CASES) {
      await collect(store.findRecords(c.query, c.keys));
      const a = await ours(standIn, store, c);
      const b = await peer(standIn, database, c);
      if (a.n !== b.n) throw new Error(`${c.name}: ipc found ${a.n} records, ipyparallel ${b.n}`);
      const clientA = a.total - a.server;
      const clientB = b.total - b.server;
      console.log(
        `${c.name} | ${a.n} | ${ms(a.total)} (${ms(clientA)}) | ${ms(b.total)} (${ms(clientB)}) | ${(clientA / clientB).toFixed(2)} | ${ms(a.cpu)} / ${ms(b.cpu)} = ${(a.cpu / b.cpu).toFixed(2)}`,
      );
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
