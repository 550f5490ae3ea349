/**
 * The table viewer's `s`/`S` on a 300,000-row answer kept in a SQLite file
 * (the paged answer of `db_query({})` at the prompt): the time from the key
 * to the first screen of sorted rows drawn, for each kind of column. The
 * target is 1 s; ipyparallel has no viewer to measure against.
 *
 *   npm run bench:sort [-- ROWS]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { StoreClient } from '../src/client/store-client.js';
import { openSQLiteStore } from '../src/stores/sqlite/index.js';
import { makePainter } from '../src/ui/style.js';
import { TableModel } from '../src/ui/table-columns.js';
import { TableViewer } from '../src/ui/viewers.js';

const ROWS = Number(process.argv[2] ?? 300_000);
const RUNS = 3;

const dir = mkdtempSync(join(tmpdir(), 'ipc-bench-sort-'));
const path = join(dir, 'tasks.db');
try {
  const made = await openSQLiteStore({ path, write: true, create: true });
  await made.close();
  const db = new Database(path);
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
    INSERT INTO "ipython-tasks" (msg_id, submitted, started, completed, engine_uuid, queue, stdout, header, result_header)
    SELECT printf('%08x-0000-4000-8000-%012x', i, i * 7919),
      strftime('%Y-%m-%dT%H:%M:%f000+00:00', 1790000000 + i / 10.0, 'unixepoch'),
      strftime('%Y-%m-%dT%H:%M:%f000+00:00', 1790000000 + i / 10.0 + 0.5, 'unixepoch'),
      CASE WHEN i % 50 = 0 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%f000+00:00', 1790000000 + i / 10.0 + 1 + (i * 7919 % 1000) / 100.0, 'unixepoch') END,
      printf('engine-%02d', i % 16), CASE WHEN i % 3 = 0 THEN 'mux' ELSE 'task' END,
      CASE WHEN i % 4 = 0 THEN printf('step %d of a long computation that printed a line', i) ELSE '' END,
      json_object('msg_id', printf('%08x-0000-4000-8000-%012x', i, i * 7919), 'msg_type', 'apply_request', 'session', 'c4e1e2f0-5a6b-4c7d-8e9f-0a1b2c3d4e5f'),
      json_object('msg_type', 'apply_reply', 'status', CASE WHEN i % 97 = 0 THEN 'error' ELSE 'ok' END)
    FROM n`);
  db.close();
  const store = await openSQLiteStore({ path });
  const client = await StoreClient.open(store, {});
  const list = (await client.pagedQuery({}))!;
  const model = TableModel.of(list);
  const p = makePainter(false);
  console.log(`${ROWS} rows, ${model.columns.length} columns; ms from the key to the first sorted screen (wall, and the process's CPU time), median of ${RUNS}`);
  console.log('| column | sort | ascending: wall, CPU | descending: wall, CPU |');
  console.log('| --- | --- | ---: | ---: |');
  for (const title of ['submitted', 'run time', 'engine', 'status', 'stdout']) {
    const col = model.columns.findIndex((c) => c.title === title);
    const times = { up: [] as number[], down: [] as number[] };
    const cpu = { up: [] as number[], down: [] as number[] };
    for (let r = 0; r < RUNS; r++) {
      for (const descending of [false, true]) {
        const v = new TableViewer(model, 1, { columns: 160, rows: 40 }, () => undefined);
        const t = performance.now();
        const c = process.cpuUsage();
        v.sortBy(col, descending);
        v.lines(p);
        const used = process.cpuUsage(c);
        times[descending ? 'down' : 'up'].push(performance.now() - t);
        cpu[descending ? 'down' : 'up'].push((used.user + used.system) / 1000);
      }
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0);
    console.log(`| ${title} | ${model.columns[col]!.sort.kind} | ${median(times.up)}, ${median(cpu.up)} | ${median(times.down)}, ${median(cpu.down)} |`);
  }
  await client.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
