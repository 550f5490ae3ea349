/**
 * %stats, %timeline and its exports read a SQLite store as columns; every
 * other store, and records in hand, as records. The two paths are held to
 * one answer here, on generated task tables: every grouping, the interval
 * of every task in answer order, the trace and SVG texts, the histograms,
 * and the notes about unreadable columns, over queries of several shapes
 * and three engine maps (given, learned from failed tasks, none). The rows
 * hold what real files hold and what they might: None and odd timestamps,
 * engines unknown to the map or named in error metadata only, errors of
 * every kind, labels, resubmitted tasks, unreadable payloads, rowids out of
 * time order and ties in submission time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreClient } from '../../src/client/index.js';
import { STATS_GROUPS, select, spreadOf, spreadOfSorted, taskInterval, quantile } from '../../src/analytics/index.js';
import { renderSvg, renderSvgIntervals, renderTrace, renderTraceRows } from '../../src/format/index.js';
import { onUnreadable } from '../../src/records/index.js';
import { collect, prng } from '../../src/stores/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { createTableSQL } from '../../src/stores/sqlite/tables.js';
import { computeStats, durationValues, intervalKeys, intervalTable, querySource, type Source } from '../../src/shell/magics/stats-timeline.js';
import { statsKeys } from '../../src/analytics/index.js';
import { TimelineBuilder } from '../../src/ui/timeline.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ipc-columns-'));
after(() => rmSync(dir, { recursive: true, force: true }));


const ENGINES = ['e0000000-aaaaaaaaaaaaaaaaaaaaaaaa', 'e1111111-bbbbbbbbbbbbbbbbbbbbbbbb', 'e2222222-cccccccccccccccccccccccc', 'e3333333-dddddddddddddddddddddddd', 'e4444444-eeeeeeeeeeeeeeeeeeeeeeee'];
const OK = '{"status": "ok"}';

/** Call columns (buffers, header, content, execute_input) of the real-controller payload fixture, and some that cannot be read. */
function calls(): unknown[][] {
  const db = new Database(join(ROOT, 'test', 'fixtures', 'payloads.db'), { readonly: true });
  const rows = db.prepare(`SELECT buffers, header, content, execute_input FROM "ipython-tasks"`).raw().all() as unknown[][];
  db.close();
  const bad = Buffer.from([0x80, 0x04, 0x95, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x5d]);
  return [...rows, [bad, '{}', '{}', null], [Buffer.from('not a pickle'), '{}', '{}', null], [null, '{}', '{}', null], [rows[0]![0], 'not json', '{"code": "x"}', null]];
}

/** A timestamp column's text in one of the forms a file may hold (or None, or no text at all). */
function when(r: () => number, us: number): unknown {
  const iso = new Date(Math.floor(us / 1000)).toISOString().slice(0, 19);
  const frac = String(us % 1e6).padStart(6, '0');
  const x = r();
  if (x < 0.8) return `${iso}.${frac}+00:00`;
  if (x < 0.84) return `${iso}+00:00`;
  if (x < 0.87) return `${iso}.${frac}Z`;
  if (x < 0.89) return `${iso.replace('T', ' ')}.${frac.slice(0, 3)}`;
  if (x < 0.91) return `${iso}.${frac}+02:00`;
  if (x < 0.92) return '2026-02-30T00:00:00+00:00';
  if (x < 0.924) return 'yesterday';
  // the canonical form's length, not its form: in bytes; 32 bytes with a character outside ASCII; 32 characters with one outside the BMP
  if (x < 0.926) return Buffer.from(`${iso}.${frac}+00:00`);
  if (x < 0.928) return `${iso}.${frac.slice(0, 4)}\u00e9+00:00`;
  if (x < 0.93) return `${iso}.${frac.slice(0, 5)}\u{1f600}+00:00`;
  if (x < 0.94) return 17;
  return null;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/**
 * A tasks.db with a 7.x table (22 columns) and a 9.1 table (with label),
 * `n` rows each, rowids spread out and out of time order.
 */
function makeFile(seed: number, n: number): string {
  const path = join(dir, `tasks-${seed}.db`);
  const r = prng(seed);
  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.exec('BEGIN');
  const pool = calls();
  let us = Date.UTC(2026, 10, 1) * 1000;
  let k = 0;
  for (const [table, label] of [['ipython-tasks', false], ['ipython-tasks_1', true]] as const) {
    db.exec(createTableSQL(table, label));
    const columns = (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
    const insert = db.prepare(`INSERT INTO "${table}" (rowid, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})`);
    for (let i = 0; i < n; i++) {
      // ties in submission time now and then
      if (r() > 0.1) us += Math.floor(r() * 3e6);
      const engineAt = Math.floor(r() * ENGINES.length);
      const engine = r() < 0.9 ? ENGINES[engineAt]! : pick(r, [null, '', 7, Buffer.from('blob-engine')]);
      const started = us + Math.floor(r() * 2e6);
      const completed = started + Math.floor(r() * 5e6);
      const kind = r();
      const md = (extra: string) => `{"started": "2026-11-01T00:00:00.000000Z", "dependencies_met": true, "engine": ${JSON.stringify(typeof engine === 'string' ? engine : '')}${extra}}`;
      // the engine map: engines 0 and 1 fail now and then, 2 only in a reply's own engine_id, 3 and 4 never
      // (engine 2 now and then says it is engine 1: a restarted engine takes its id again, and the later record wins)
      const id = engineAt === 2 && r() < 0.3 ? 1 : engineAt;
      const known = id <= 1 ? `, "engine_info": {"engine_uuid": ${JSON.stringify(engine)}, "engine_id": ${id}}` : '';
      let reply: Record<string, unknown>;
      if (kind < 0.7) reply = { result_content: OK, result_metadata: md(', "status": "ok"'), result_header: '{"msg_type": "apply_reply"}', error: null };
      else if (kind < 0.78) {
        const err = `{"ename": "ValueError", "evalue": "bad", "traceback": ["t"], "engine_info": {"engine_uuid": ${JSON.stringify(engine)}, "engine_id": -1, "method": "apply"}}`;
        reply = { result_content: err.replace(/}$/, ', "status": "error"}'), result_metadata: md(`, "status": "error"${known}`), result_header: '{}', error: err };
      } else if (kind < 0.8) reply = { result_content: OK, result_metadata: md(`, "status": "ok", "engine_id": ${engineAt === 2 ? 2 : 9}`), result_header: '{}', error: null };
      else if (kind < 0.84) {
        reply = pick(r, [
          { result_content: '{"status":"ok"}' },
          { result_content: '{"status": "aborted"}' },
          { result_content: '{"status": "weird"}', result_header: '{"status": "error"}' },
          { result_content: '{"status": NaN}', result_metadata: '{"status": "aborted", "engine_id": 3}' },
          { result_content: 'not json', error: '{"ename": "E", "evalue": "v", "traceback": ["t"]}' },
          { result_content: null, error: '{"ename": "Lost"}' },
          { result_content: OK, result_metadata: 'not json at all' },
          { result_content: OK, result_metadata: '{"engine\\u005fid": 4}' },
          { result_content: OK, result_metadata: '[1, 2]' },
          { result_content: OK, result_metadata: '['.repeat(1100) + ']'.repeat(1100) },
          { result_content: OK, error: '{' + '"a": {'.repeat(1100) + '}'.repeat(1101) },
          { result_content: OK, error: 'null' },
          // a failed task whose reply reads as a success: still one the engine map is learned from
          { result_content: OK, error: '{"ename": "E"}', result_metadata: md(`, "engine_info": {"engine_uuid": ${JSON.stringify(engine)}, "engine_id": 6}`) },
          { result_content: Buffer.from(OK) },
          { result_content: OK, result_metadata: `{"engine_info": {"engine_id": 7, "engine_uuid": "someone-else"}}` },
        ]);
      } else reply = { result_content: null, result_metadata: null, result_header: null, error: null };
      const pending = reply['result_content'] === null && reply['error'] === null;
      const call = pick(r, pool);
      const row: Record<string, unknown> = {
        msg_id: r() < 0.02 ? `${ENGINES[0]}_5_${k}` : `m${String(1e6 - k).padStart(7, '0')}`,
        header: call[1],
        metadata: '{}',
        content: call[2],
        buffers: call[0],
        submitted: when(r, us),
        client_uuid: pick(r, ['client-a', 'client-b', 'client-b', null, 3, Buffer.from('c')]),
        engine_uuid: pending && r() < 0.5 ? null : engine,
        started: pending ? null : when(r, started),
        completed: pending ? null : when(r, completed),
        resubmitted: r() < 0.05 ? `m-again-${k}` : r() < 0.02 ? '' : null,
        received: null,
        result_buffers: null,
        queue: pick(r, ['task', 'task', 'mux', null, 1.5]),
        execute_input: call[3],
        execute_result: null,
        stdout: '',
        stderr: '',
        label: pick(r, ['train/1', 'train/2', '', null]),
        ...reply,
      };
      // rowids spread out (several slices) and, in the second half, running backwards in time
      const rowid = i < n / 2 ? 1 + i * 7 : 1 + (3 * n - i) * 7;
      insert.run([rowid, ...columns.map((c) => (row[c] === undefined ? null : row[c]))]);
      k++;
    }
  }
  // texts whose bytes are not UTF-8 (a program other than the hub wrote them): a canonical time with a stray
  // byte after it, one whose last byte begins a character the next column ends, an engine uuid that begins mid-character
  for (const table of ['ipython-tasks', 'ipython-tasks_1']) {
    const canonical = (s: string) => Buffer.from(`2026-11-01T00:${s}.000000+00:00`).toString('hex');
    db.exec(`UPDATE "${table}" SET submitted = CAST(X'${canonical('00:01')}80' AS TEXT) WHERE rowid % 41 = 3`);
    db.exec(`UPDATE "${table}" SET submitted = CAST(X'${canonical('00:02').slice(0, -2)}c3' AS TEXT), started = CAST(X'a9${canonical('00:03').slice(2)}' AS TEXT) WHERE rowid % 43 = 5`);
    db.exec(`UPDATE "${table}" SET started = NULL, completed = NULL, engine_uuid = CAST(X'80${Buffer.from(ENGINES[1]!).toString('hex')}' AS TEXT) WHERE rowid % 47 = 6`);
    // resubmitted as bytes and as a number: not a text, so not resubmitted
    db.exec(`UPDATE "${table}" SET resubmitted = X'6d2d616761696e' WHERE rowid % 53 = 7`);
    db.exec(`UPDATE "${table}" SET resubmitted = 5 WHERE rowid % 59 = 8`);
    // an apply request's content beside code of its own, and msg_ids that are not texts: named from their records
    db.exec(`UPDATE "${table}" SET execute_input = 'x = 1' WHERE rowid % 61 = 9 AND content = '{}'`);
    db.exec(`UPDATE "${table}" SET msg_id = 1000000 + rowid WHERE rowid % 67 = 10`);
    // buffers that are not bytes, and an engine uuid with a line break in it: a slice read as one aggregate is read row by row
    db.exec(`UPDATE "${table}" SET buffers = 'not bytes' WHERE rowid % 71 = 11`);
    db.exec(`UPDATE "${table}" SET engine_uuid = 'engine' || char(10) || 'broken' WHERE rowid % 73 = 12`);
  }
  db.exec('COMMIT');
  db.close();
  return path;
}

const DERIVE_ONLY = ['result_header', 'result_content', 'result_metadata', 'error'];

/** Runs `f`, and gives the sentences of the notes about unreadable columns it made, each once. */
async function noting<T>(f: () => Promise<T>): Promise<[T, string[]]> {
  const notes = new Set<string>();
  const stop = onUnreadable((u) => notes.add(u.sentence()));
  try {
    return [await f(), [...notes].sort()];
  } finally {
    stop();
  }
}

/** A client of the file, and a source of a query's records as the magics read them: with columns, or records only. */
async function sources(path: string, table: string, engines: ReadonlyMap<number, string> | null, query: Record<string, unknown>, keys: readonly string[], unordered: boolean) {
  const open = async (columns: boolean): Promise<{ source: Source; client: StoreClient }> => {
    const client = await StoreClient.open(await openSQLiteStore({ path, table }), { engines });
    const source = querySource(client, query, keys, () => client.deriveContext(), unordered);
    return { client, source: columns ? source : { open: source.open, ctx: source.ctx } };
  };
  return { columns: await open(true), records: await open(false) };
}

const QUERIES: Record<string, unknown>[] = [
  {},
  { queue: 'task' },
  { completed: { $ne: null } },
  { submitted: { $gte: new Date(Date.UTC(2026, 10, 1, 0, 20)).toISOString() } },
  { client_uuid: { $in: ['client-a', null] }, engine_uuid: { $ne: ENGINES[4] } },
];

const MAPS: (ReadonlyMap<number, string> | null)[] = [
  null,
  new Map([[0, ENGINES[0]!], [1, ENGINES[1]!], [2, ENGINES[2]!], [3, ENGINES[3]!], [4, ENGINES[4]!]]),
  new Map([[3, ENGINES[3]!], [5, ENGINES[0]!]]),
];

test('%stats from columns equals %stats from records: every grouping, query and engine map, notes included', async () => {
  const path = makeFile(23, 700);
  let plainRows = 0;
  let runs = 0;
  const tables = ['ipython-tasks', 'ipython-tasks_1', '*'];
  for (const [g, by] of STATS_GROUPS.entries()) {
    // each grouping meets every query, the tables and the maps taking turns
    for (const [q, query] of QUERIES.entries()) {
      const table = tables[(g + q) % tables.length]!;
      const engines = MAPS[(g + 2 * q) % MAPS.length]!;
      const what = `${table} ${JSON.stringify(query)} by ${by}, map ${engines ? [...engines].join(' ') : 'learned'}`;
      const s = await sources(path, table, engines, query, statsKeys(by), true);
      const [a, notesA] = await noting(() => computeStats(s.columns.source, by));
      const columns = await s.columns.source.columns!({ keys: [], lazy: [], values: [], function: false, state: true });
      assert.ok(columns, `${what}: read as columns`);
      for await (const c of columns.read.chunks) for (let i = 0; i < c.length; i++) plainRows += c.plain[i] !== 0 ? 1 : 0;
      const [b, notesB] = await noting(() => computeStats(s.records.source, by));
      assert.deepStrictEqual(a, b, what);
      assert.deepStrictEqual(notesA, notesB, `${what}: notes`);
      if (table === '*' && q === 0) assert.ok(a.total.count === 1400 && a.groups.length > 1, what);
      if (by === 'engine_id') {
        for (const key of ['run_time', 'queue_wait'] as const) {
          const x = await durationValues(s.columns.source, key);
          const y = await durationValues(s.records.source, key);
          assert.deepStrictEqual([x.values.slice().sort(), x.missing], [y.values.slice().sort(), y.missing], `${what}: ${key}`);
        }
      }
      runs++;
      await s.columns.client.close();
      await s.records.client.close();
    }
  }
  assert.equal(runs, STATS_GROUPS.length * QUERIES.length);
  assert.ok(plainRows > 1000, 'most rows are read without their records');
});

test('%timeline, --trace and --svg from columns equal them from records, in answer order', async () => {
  const path = makeFile(7, 500);
  for (const [t, table] of ['ipython-tasks_1', '*'].entries()) {
    for (const [q, query] of QUERIES.slice(0, 3).entries()) {
      for (const withFunction of [false, true]) {
        const engines = MAPS[(t + q) % 3]!;
        const what = `${table} ${JSON.stringify(query)}${withFunction ? ' with functions' : ''}, map ${engines ? 'given' : 'learned'}`;
        const s = await sources(path, table, engines, query, intervalKeys(withFunction), false);
        const [cols, notesA] = await noting(async () => (await intervalTable(s.columns.source, { function: withFunction, msgIds: true, labels: true, resubmittedText: withFunction }))!);
        let ctxOf = {};
        const [recs, notesB] = await noting(async () => {
          ctxOf = await s.records.source.ctx();
          return (await collect(s.records.source.open() as AsyncIterable<never>)).map((r) => taskInterval(r, ctxOf));
        });
        assert.ok(cols, what);
        const order = cols.order();
        assert.deepStrictEqual([...cols.intervals(order)], recs, what);
        assert.deepStrictEqual(notesA, notesB, `${what}: notes`);
        // the timeline's model, from the columns the chart reads (msg_ids looked up when shown) and from the intervals of the records
        for (const rows of withFunction ? (['function'] as const) : (['engine', 'label'] as const)) {
          const chart = (await intervalTable(s.columns.source, { function: withFunction, msgIds: false, labels: rows === 'label' }))!;
          const a = new TimelineBuilder(rows);
          a.addTable(chart, chart.order());
          const b = new TimelineBuilder(rows);
          for (const t of recs) b.add(t);
          const [ma, mb] = [a.finish(), b.finish()];
          assert.deepStrictEqual([ma.rows, ma.first, ma.last, ma.unplaced], [mb.rows, mb.first, mb.last, mb.unplaced], `${what}: rows by ${rows}`);
          assert.deepStrictEqual(Array.from({ length: ma.taskCount }, (_, k) => ma.ids.at(k)), Array.from({ length: mb.taskCount }, (_, k) => mb.ids.at(k)), `${what}: msg_ids by ${rows}`);
          for (const prefix of ['m09', 'e0000000', 'zz']) assert.equal(ma.ids.find(prefix), mb.ids.find(prefix), `${what}: /${prefix}`);
        }
        const join = async (pieces: AsyncIterable<string>) => {
          let text = '';
          for await (const p of pieces) text += p;
          return text;
        };
        if (withFunction) assert.equal(await join(renderTraceRows(cols.rows(order))), await join(renderTrace(s.records.source.open(), ctxOf)), `${what}: trace`);
        else assert.equal(await join(renderSvgIntervals(() => cols.intervals(order))), await join(renderSvg(s.records.source.open, ctxOf)), `${what}: svg`);
        await s.columns.client.close();
        await s.records.client.close();
      }
    }
  }
});

test('a query the columns cannot answer alone is read as records', async () => {
  const path = makeFile(3, 50);
  const client = await StoreClient.open(await openSQLiteStore({ path }));
  const request = { keys: [], lazy: DERIVE_ONLY, values: [], function: false, state: true };
  assert.equal(await client.taskColumns({ stdout: { $regex: '^$' } }, request), null, 'a test outside SQL');
  assert.equal(await client.taskColumns({ status: 'ok' }, request), null, 'a derived key');
  assert.equal(await client.taskColumns({ msg_id: 'm0999999' }, request), null, 'rows an index finds');
  assert.notEqual(await client.taskColumns({ queue: 'task' }, request), null);
  await client.close();
});

test('percentiles by selection are those of the sorted values', () => {
  const r = prng(5);
  for (const n of [1, 2, 3, 10, 1000, 300_000]) {
    const values = Float64Array.from({ length: n }, () => (r() < 0.3 ? Math.floor(r() * 5) : Math.round(r() * 1e9) / 1e6));
    const sorted = values.slice().sort();
    const want = { min: sorted[0], median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted[n - 1] };
    assert.deepStrictEqual(spreadOf(values.slice()), want, `${n} values`);
    const k = Math.floor(r() * n);
    assert.equal(select(values.slice(), k), sorted[k]);
  }
});

test("the total's spread read from its groups' sorted durations is the spread of them all", () => {
  const r = prng(11);
  // values with many repeats (whole seconds) and ties across groups, some groups empty, one group, many
  const draw = () => (r() < 0.4 ? Math.floor(r() * 4) : Math.round(r() * 1e8) / 1e6);
  for (const [groups, most] of [[1, 1], [1, 50], [2, 3], [5, 200], [17, 3000], [64, 40], [3, 0]] as const) {
    for (let round = 0; round < 5; round++) {
      const parts = Array.from({ length: groups }, () => Float64Array.from({ length: Math.floor(r() * (most + 1)) }, draw).sort());
      const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
      const got = spreadOfSorted(parts);
      assert.ok(got, `${groups} groups`);
      assert.equal(got.n, all.length);
      assert.deepStrictEqual(got.spread, spreadOf(all), `${groups} groups of up to ${most}`);
    }
  }
  // more parts than it reads so, or a part larger than is sorted: none (the total is then sorted as a whole)
  assert.equal(spreadOfSorted(Array.from({ length: 65 }, () => new Float64Array([1]))), null);
  assert.equal(spreadOfSorted([new Float64Array(300_000)]), null);
});
