/**
 * A db_request round trip of 10,000 records (keys=None) on one live hub,
 * through ipc's HubClient and through Python's Client.db_query, in the same
 * run. Both sides are timed from the call to the decoded records; the time
 * the hub spends (request sent → reply arrived) is measured apart and taken
 * out, leaving each client's own work: packing the request, verifying and
 * unpacking the reply, turning dates into instants, relinking buffers.
 *
 *   npm run bench:hub            (RECORDS=2000 npm run bench:hub for a quick look)
 */
import { HubClient, openHubClient } from '../src/client/hub-client.js';
import { Cluster } from '../test/hub/cluster.js';

const RECORDS = Number(process.env['RECORDS'] ?? 10_000);
const RUNS = Number(process.env['RUNS'] ?? 5);

interface Run {
  readonly totalMs: number;
  readonly hubMs: number;
  readonly clientMs: number;
  readonly count: number;
}

async function main(): Promise<void> {
  const cluster = new Cluster('--dictdb', [`--DictDB.record_limit=${RECORDS * 2}`]);
  try {
    await cluster.startController();
    await cluster.startEngines(2);
    const t0 = Date.now();
    await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
c.load_balanced_view().map_async(abs, range(INPUT['n']), chunksize=1).get()
c.close()
emit(True)
`, { n: RECORDS });
    process.stderr.write(`${RECORDS} tasks run in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    const python = (await cluster.python(`
import time, ipyparallel as ipp
c = ipp.Client(INPUT['file'])
marks = {}
send, deserialize = c.session.send, c.session.deserialize
def timed_send(*a, **k):
    r = send(*a, **k)
    marks['sent'] = time.perf_counter()
    return r
def timed_deserialize(*a, **k):
    marks.setdefault('arrived', time.perf_counter())
    return deserialize(*a, **k)
c.session.send, c.session.deserialize = timed_send, timed_deserialize
runs = []
for i in range(INPUT['runs']):
    marks.clear()
    t = time.perf_counter()
    recs = c.db_query({'msg_id': {'$ne': None}})
    total = time.perf_counter() - t
    hub = marks['arrived'] - marks['sent']
    runs.append({'totalMs': total * 1e3, 'hubMs': hub * 1e3, 'clientMs': (total - hub) * 1e3, 'count': len(recs)})
c.close()
emit(runs)
`, { runs: RUNS })) as unknown as Run[];

    const client = (await openHubClient({ connectionFile: cluster.connectionFile, timeoutMs: 120_000 })) as HubClient;
    const ipc: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const answer = await client.dbQuery({});
      const total = performance.now() - t;
      const timing = client.channel.lastTiming!;
      const hub = timing.receivedAt - timing.sentAt;
      ipc.push({ totalMs: total, hubMs: hub, clientMs: total - hub, count: answer.length });
    }
    await client.close();

    const med = (runs: Run[], k: keyof Run) => median(runs.map((r) => r[k]));
    const row = (name: string, runs: Run[]) =>
      `${name.padEnd(26)} ${String(runs[0]!.count).padStart(7)} ${fmt(med(runs, 'totalMs'))} ${fmt(med(runs, 'hubMs'))} ${fmt(med(runs, 'clientMs'))}`;
    console.log(`db_request, keys=None, ${RECORDS} records, median of ${RUNS} runs (ms)`);
    console.log(`${'client'.padEnd(26)} ${'records'.padStart(7)} ${'total'.padStart(9)} ${'hub'.padStart(9)} ${'client'.padStart(9)}`);
    console.log(row('ipc HubClient.dbQuery', ipc));
    console.log(row('Python Client.db_query', python));
    const ratio = med(ipc, 'clientMs') / med(python, 'clientMs');
    console.log(`client-side time, ipc / Python: ${ratio.toFixed(3)} (target ≤ 0.5)`);
  } finally {
    await cluster.stop();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function fmt(ms: number): string {
  return ms.toFixed(1).padStart(9);
}

await main();
