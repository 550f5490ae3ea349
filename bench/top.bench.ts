/**
 * `%top` following a cluster that finishes up to 1,000 tasks a second.
 *
 * A real 7.1 controller on this machine tops out near 100 tasks a second,
 * so the tasks are written as a busy `ipcontroller --sqlitedb` writes them:
 * ipyparallel's own SQLiteDB class (bench/top-writer.py) adds each request,
 * assigns it to an engine, saves its result, and commits every 2 s. `%top`'s
 * refresh loop runs in a fresh process (bench/top-follow.ts) over
 *   - store: the tasks.db itself, as `ipc --sqlitedb tasks.db` opens it;
 *   - hub: a real `ipcontroller --sqlitedb` whose table the writer fills,
 *     followed over `--hub`: every refresh is db_requests the real hub
 *     answers from that table.
 * At the end the follower's counts are compared with Python's: on the store,
 * SQLiteDB.find_records of the whole table; on the hub, Client.db_query.
 *
 *   npm run bench:top
 *   RATES=1000 SECONDS=10 PATHS=store npm run bench:top     (a quick look)
 *   PREFILL=200000 RATES=1000 npm run bench:top              (an older cluster)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openHubClient } from '../src/client/hub-client.js';
import { Cluster } from '../test/hub/cluster.js';
import { ROOT } from './processes.js';

const RATES = (process.env['RATES'] ?? '0,100,1000').split(',').map(Number);
const SECONDS = Number(process.env['SECONDS'] ?? 20);
const QUEUE = Number(process.env['QUEUE'] ?? 2000);
const ENGINES = Number(process.env['ENGINES'] ?? 16);
const PREFILL = Number(process.env['PREFILL'] ?? 0);
const PATHS = (process.env['PATHS'] ?? 'store,hub').split(',') as ('store' | 'hub')[];

interface Refresh {
  t: number; cpuMs: number; wallMs: number; queries: number; records: number;
  pending: number; running: number; done: number; failed: number; heapMB: number;
}
interface Counts { incomplete: number; ok: number; failed: number }

/** A child whose stdout is JSON lines, handed to `on` as they come. */
function jsonChild(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, on: (x: Record<string, unknown>) => void): { child: ChildProcess; exited: Promise<number> } {
  const child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    if (l.startsWith('{')) on(JSON.parse(l) as Record<string, unknown>);
  });
  const exited = new Promise<number>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(0) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-3000)}`)))),
  );
  return { child, exited };
}

function waitFor<T>(get: () => T | undefined, what: string, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const look = () => {
      const v = get();
      if (v !== undefined) return resolve(v);
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(look, 20);
    };
    look();
  });
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);
const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : NaN);

interface Phase {
  path: string; rate: number; reached: number; refreshes: number; records: number; queries: number;
  cpu: [number, number, number]; wall: [number, number]; core: number; lag: [number, number]; loadMs: number; heapMB: number;
  equal: boolean; ipc: Counts; python: Counts; failed: number; failure: string | null; hubMs: [number, number] | null;
}

async function phase(path: 'store' | 'hub', rate: number): Promise<Phase> {
  const home = mkdtempSync(join(tmpdir(), 'ipc-top-bench-'));
  const cluster = path === 'hub' ? new Cluster('--sqlitedb') : null;
  try {
    let db: string;
    let ipcArgs: string[];
    let ipythondir = join(home, 'ipython');
    mkdirSync(ipythondir);
    if (cluster) {
      await cluster.startController();
      db = join(cluster.profileDir, 'tasks.db');
      await waitFor(() => (existsSync(db) ? true : undefined), 'the controller to create its tasks.db', 30_000);
      ipcArgs = ['--hub', cluster.connectionFile];
      ipythondir = cluster.env['IPYTHONDIR']!;
    } else {
      db = join(home, 'tasks.db');
      ipcArgs = ['--sqlitedb', db];
    }
    const env = { ...process.env, HOME: home, IPYTHONDIR: ipythondir, NO_COLOR: '1' };

    // A controller commits every 2 s, and reads its own writes on the same connection even before that.
    // The hub here reads what another process writes: that process commits every 0.1 s (a few
    // hundred rows), so that the hub's reads do not wait for its lock, as a controller's never do.
    const commitMs = cluster ? 100 : 2000;
    const commits: { commit: number; finished: number }[] = [];
    let ready = false;
    let end: (Counts & { rate: number }) | undefined;
    const writer = jsonChild('/usr/bin/python3', [join(ROOT, 'bench', 'top-writer.py'), db, String(rate), String(SECONDS), String(QUEUE), String(ENGINES), String(commitMs), String(PREFILL)], env, home, (x) => {
      if (x['ready']) ready = true;
      else if (typeof x['commit'] === 'number') commits.push(x as unknown as { commit: number; finished: number });
      else if (x['end']) end = x['end'] as Counts & { rate: number };
    });
    await waitFor(() => (ready ? true : undefined), 'the writer to commit its queue', 600_000);

    const refreshes: Refresh[] = [];
    const failures: { t: number; wallMs: number; message: string }[] = [];
    let loaded: Refresh | undefined;
    let final: { final: Refresh; followCpuMs: number; followSeconds: number } | undefined;
    const follower = jsonChild(process.execPath, ['--expose-gc', join(ROOT, 'dist', 'bench', 'top-follow.js'), ...ipcArgs], env, home, (x) => {
      if (typeof x['source'] === 'string') console.log(`${path} at ${rate} tasks/s: following ${x['source']}`);
      else if (x['loaded']) loaded = x['loaded'] as Refresh;
      else if (x['refresh']) refreshes.push(x['refresh'] as Refresh);
      else if (x['failed']) failures.push(x['failed'] as { t: number; wallMs: number; message: string });
      else if (x['final']) final = x as unknown as typeof final;
    });
    await waitFor(() => loaded, 'the first snapshot', 600_000);
    await waitFor(() => (refreshes.length > 0 ? true : undefined), 'a refresh');
    const from = refreshes.length;
    // how long the hub takes to answer a small request (queue_status) while %top follows it
    const probe = cluster ? await openHubClient({ connectionFile: cluster.connectionFile, timeoutMs: 60_000 }) : null;
    const answers: number[] = [];
    let probing = true;
    const probed = (async () => {
      while (probe && probing) {
        const t = performance.now();
        await probe.queueStatus();
        answers.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    writer.child.stdin!.write('go\n');
    await writer.exited;
    probing = false;
    await probed;
    await probe?.close();
    // two refreshes after the last commit
    await new Promise((r) => setTimeout(r, 2500));
    follower.child.stdin!.write('stop\n');
    await waitFor(() => final, 'the last refresh');
    await follower.exited;
    // the table no longer changes: Python counts it once the follower has gone
    const python: Counts = cluster
      ? ((await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
recs = c.db_query({'msg_id': {'$ne': None}}, keys=['msg_id', 'completed', 'result_content'])
emit({
  'incomplete': sum(1 for r in recs if r['completed'] is None),
  'ok': sum(1 for r in recs if r['completed'] is not None and (r['result_content'] or {}).get('status') == 'ok'),
  'failed': sum(1 for r in recs if r['completed'] is not None and (r['result_content'] or {}).get('status') != 'ok'),
})
c.close()
`)) as unknown as Counts)
      : end!;

    const during = refreshes.slice(from);
    // from each commit to the first refresh that shows what it committed
    const lags: number[] = [];
    for (const c of commits) {
      const r = during.find((x) => x.t >= c.commit && x.done + x.failed >= c.finished);
      if (r) lags.push(r.t - c.commit);
    }
    const f = final!.final;
    const ipc: Counts = { incomplete: f.pending + f.running, ok: f.done, failed: f.failed };
    return {
      path, rate, reached: end!.rate, refreshes: during.length,
      records: mean(during.map((r) => r.records)), queries: mean(during.map((r) => r.queries)),
      cpu: [median(during.map((r) => r.cpuMs)), quantile(during.map((r) => r.cpuMs), 0.9), Math.max(...during.map((r) => r.cpuMs))],
      wall: [median(during.map((r) => r.wallMs)), Math.max(...during.map((r) => r.wallMs))],
      core: final!.followCpuMs / final!.followSeconds / 10,
      lag: [median(lags), Math.max(...lags)],
      loadMs: loaded!.wallMs, heapMB: f.heapMB,
      equal: ipc.incomplete === python.incomplete && ipc.ok === python.ok && ipc.failed === python.failed,
      ipc, python, failed: failures.filter((x) => x.t >= during[0]!.t - SECONDS).length, failure: failures[0]?.message ?? null,
      hubMs: probe ? [median(answers), Math.max(...answers)] : null,
    };
  } finally {
    await cluster?.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`%top following ${ENGINES} engines with ${QUEUE} tasks waiting${PREFILL ? `, ${PREFILL} finished tasks already in the table` : ''}, ${SECONDS} s a phase; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
  const table: string[] = [
    '| path | tasks/s asked (reached) | refreshes | queries, records per refresh (mean) | CPU per refresh ms: median / p90 / max | wall per refresh ms: median / max | CPU, % of one core | commit → shown s: median / max | first read ms | heap MB | refreshes failed | hub answers queue_status ms: median / max | counts = Python |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const path of PATHS) {
    for (const rate of RATES) {
      const p = await phase(path, rate);
      if (p.failure) console.log(`a failed refresh said: ${p.failure}`);
      const counts = `${p.equal ? 'yes' : '**no**'} (${p.ipc.incomplete} / ${p.ipc.ok} / ${p.ipc.failed}${p.equal ? '' : ` against ${p.python.incomplete} / ${p.python.ok} / ${p.python.failed}`})`;
      const row = `| ${p.path} | ${p.rate} (${p.reached.toFixed(0)}) | ${p.refreshes} | ${p.queries}, ${p.records} | ${p.cpu.map(f1).join(' / ')} | ${p.wall.map(f1).join(' / ')} | ${f1(p.core)} | ${p.lag.map((x) => (Number.isFinite(x) ? x.toFixed(2) : '–')).join(' / ')} | ${f1(p.loadMs)} | ${f1(p.heapMB)} | ${p.failed} | ${p.hubMs ? p.hubMs.map(f1).join(' / ') : '–'} | ${counts} |`;
      table.push(row);
      console.log(row);
    }
  }
  console.log(`\n${table.join('\n')}\n\nload average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
