/**
 * `%top`'s refresh loop in a process of its own, as the view runs it: the
 * store or hub opened from ipc's command line (the same settings and
 * opening code as `ipc`), a TopMonitor over every task, and each refresh
 * the monitor's poll, the snapshot with its engines' functions named, and
 * the screen's lines rendered at 120×40 — every SECONDS, counted from the
 * end of the last refresh, as the view does.
 *
 *   node dist/bench/top-follow.js [ipc arguments: --sqlitedb tasks.db, or --hub FILE]
 *
 * One JSON line on stdout per refresh: when it ended, its CPU time (the
 * whole process, every thread) and wall time, the queries it asked and the
 * records they answered, and the counts it shows. A line `stop` on stdin
 * asks one last refresh, whose counts it prints, then it exits.
 */
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { TopMonitor } from '../src/client/index.js';
import { parseArgs } from '../src/config/argv.js';
import { openClient } from '../src/config/open.js';
import { resolveSettings } from '../src/config/resolve.js';
import { PLAIN, renderTop, type TopSnapshot } from '../src/format/index.js';

const SECONDS = Number(process.env['SECONDS_PER_REFRESH'] ?? 1);

/** The heap still in use (after a full collection, when node runs with --expose-gc). */
function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function emit(x: unknown): void {
  process.stdout.write(JSON.stringify(x) + '\n');
}

async function main(): Promise<void> {
  const settings = resolveSettings(parseArgs(process.argv.slice(2)), { env: process.env, cwd: process.cwd() });
  const { client } = await openClient(settings, async () => false);
  // every query the monitor asks, and the records it is answered
  let queries = 0;
  let records = 0;
  const counted = <A extends unknown[]>(ask: (...a: A) => Promise<{ records: unknown[] }>, what: string) => async (...a: A) => {
    const t = performance.now();
    const list = await ask(...a);
    if (process.env['TOP_TRACE']) appendFileSync(process.env['TOP_TRACE'], `${(performance.now() - t).toFixed(1)} ms ${list.records.length} records: ${what} ${JSON.stringify(a[0]).slice(0, 120)}\n`);
    queries++;
    records += list.records.length;
    return list;
  };
  (client as { dbQuery: unknown }).dbQuery = counted(client.dbQuery.bind(client), 'db_query');
  const live = client.live;
  if (live) (live as { recentQuery: unknown }).recentQuery = counted(live.recentQuery.bind(live), 'recent');
  const follow = client.follow;
  if (follow) {
    (client as { follow: unknown }).follow = {
      changes: async (...a: Parameters<typeof follow.changes>) => {
        const t = performance.now();
        const read = await follow.changes(...a);
        if (process.env['TOP_TRACE']) appendFileSync(process.env['TOP_TRACE'], `${(performance.now() - t).toFixed(1)} ms ${read.added.length}+${read.known.length} records: changes\n`);
        queries++;
        records += read.added.length + read.known.length;
        return read;
      },
    };
  }
  const monitor = new TopMonitor({ client, query: {}, by: null });
  let lines = 0;
  const refresh = async (poll: boolean): Promise<TopSnapshot> => {
    if (poll) await monitor.poll();
    const snap = await monitor.namedSnapshot('bench');
    lines += renderTop(snap, { columns: 120, rows: 40, selected: 0, paused: false, showErrors: false, seconds: SECONDS, utc: true }, PLAIN).length;
    return snap;
  };
  const measured = async (poll: boolean) => {
    queries = records = 0;
    const cpu = process.cpuUsage();
    const t = performance.now();
    const s = await refresh(poll);
    const used = process.cpuUsage(cpu);
    return {
      t: Date.now() / 1000,
      cpuMs: (used.user + used.system) / 1000,
      wallMs: performance.now() - t,
      queries, records,
      pending: s.pending, running: s.running, done: s.done, failed: s.failed,
    };
  };

  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await monitor.start();
  const first = await measured(false);
  const start = process.cpuUsage(c0);
  emit({ source: await client.describe().then((d) => d.source, () => process.argv.slice(2).join(' ')) });
  emit({ loaded: { ...first, cpuMs: (start.user + start.system) / 1000, wallMs: performance.now() - t0 } });

  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  const following = process.cpuUsage();
  const followT = performance.now();
  // a refresh that fails is shown as a message by the view, which goes on: so does this loop
  const tick = () => {
    const t = performance.now();
    running = measured(true).then(
      (r) => emit({ refresh: r }),
      (e: unknown) => emit({ failed: { t: Date.now() / 1000, wallMs: performance.now() - t, message: e instanceof Error ? e.message : String(e) } }),
    ).then(() => {
      if (!stopping) timer = setTimeout(tick, SECONDS * 1000);
    });
  };
  timer = setTimeout(tick, SECONDS * 1000);

  const input = createInterface({ input: process.stdin });
  for await (const line of input) {
    if (line.trim() !== 'stop') continue;
    stopping = true;
    if (timer) clearTimeout(timer);
    await running;
    const used = process.cpuUsage(following);
    const seconds = (performance.now() - followT) / 1000;
    let last = null;
    for (let i = 0; last === null; i++) {
      last = await measured(true).catch((e: unknown) => {
        if (i >= 10) throw e;
        return new Promise<null>((r) => setTimeout(() => r(null), 500));
      });
    }
    emit({ final: { ...last, heapMB: heapMB() }, followCpuMs: (used.user + used.system) / 1000, followSeconds: seconds, lines });
    break;
  }
  monitor.stop();
  await client.close();
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
