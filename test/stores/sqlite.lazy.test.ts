/**
 * Dict columns read only to derive from (FindOptions.lazy) stay stored text
 * until a derivation needs more than a reply's status; and %stats reads in
 * the file's own order (scanRecords). Both are held to the answers of the
 * eager, ordered reads, on the real-controller payload fixture and on
 * stored text of odd forms: replies whose status text is unusual, duplicate
 * keys, NaN, text that is not JSON, contents with code, errors.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreClient } from '../../src/client/index.js';
import { DERIVED_KEYS, derivedValue, queryValue } from '../../src/payload/index.js';
import { compileQuery, derivedList, matches, planDerived, type DerivedFetch, type DerivedReader } from '../../src/query/index.js';
import { StatsBuilder, statsKeys, STATS_GROUPS } from '../../src/analytics/index.js';
import { StoredText, isDict, type TaskRecord } from '../../src/records/index.js';
import { collect, prng } from '../../src/stores/index.js';
import { openSQLiteStore, type SqlFilter } from '../../src/stores/sqlite/index.js';
import { blobSlices } from '../../src/stores/sqlite/blob-slices.js';
import { generateBattery } from '../query/battery.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ipc-sqlite-lazy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ODD: Record<string, string | null | Uint8Array>[] = [
  { result_content: '{"status":"ok"}' },
  { result_content: '{"status": "ok", "status": "error"}' },
  { result_content: '{"status": "aborted"}' },
  { result_content: '{"status": "weird"}', result_header: '{"status": "error"}' },
  { result_content: '{"status": NaN}', result_metadata: '{"status": "aborted", "engine_id": 3}' },
  { result_content: 'not json', error: '{"ename": "E", "evalue": "v", "traceback": ["t"]}' },
  { result_content: null, result_header: null, result_metadata: null, error: '{"ename": "Lost"}' },
  { result_content: '[1, 2]' },
  { content: '{"code": "x = 1"}' },
  { content: '{ }', header: '{"msg_type": "execute_request"}' },
  { content: 'not json', header: '{"msg_type": "apply_request"}' },
  { result_metadata: '{"engine_info": {"engine_id": 7, "engine_uuid": "someone-else"}}' },
  // an empty blob: no pickle at all
  { result_buffers: new Uint8Array(0) },
];

/** The payload fixture, with its rows repeated and odd text written over some columns, rowids out of time order. */
function makeFile(): string {
  const path = join(dir, 'lazy.db');
  copyFileSync(join(ROOT, 'test', 'fixtures', 'payloads.db'), path);
  const db = new Database(path);
  const table = '"ipython-tasks"';
  const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
  const rows = db.prepare(`SELECT * FROM ${table} ORDER BY submitted DESC`).all() as Record<string, unknown>[];
  const insert = db.prepare(`INSERT INTO ${table} VALUES (${columns.map(() => '?').join(', ')})`);
  ODD.forEach((odd, i) => {
    const row: Record<string, unknown> = { ...rows[i % rows.length]!, ...odd, msg_id: `odd-${i}` };
    insert.run(columns.map((c) => row[c] ?? null));
  });
  // later rowids, earlier times: the file's order is not the answer's; far apart, so that a read in slices of rowids takes several
  const spaced = db.prepare(`INSERT INTO ${table} (rowid, ${columns.map((c) => `"${c}"`).join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})`);
  rows.slice(0, 20).forEach((r, i) => spaced.run([1000 + 300 * i, ...columns.map((c) => (c === 'msg_id' ? `again-${i}` : r[c] ?? null))]));
  db.close();
  return path;
}

const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))) as unknown;

test('derived keys from stored text equal those from decoded columns, odd text included', async () => {
  const path = makeFile();
  const store = await openSQLiteStore({ path });
  const client = await StoreClient.open(store);
  const ctx = await client.deriveContext();
  const keys = ['msg_id', ...DERIVED_KEYS];
  // eager: every column decoded by the store, the derived keys computed from them
  const eager = await collect(store.findRecords({}, ['msg_id', 'buffers', 'header', 'content', 'execute_input', 'result_buffers', 'result_content', 'result_header', 'result_metadata', 'error', 'completed', 'submitted', 'started', 'engine_uuid']));
  const expected = eager.map((r) => Object.fromEntries(keys.map((k) => [k, k === 'msg_id' ? r[k] : derivedValue(r, k as (typeof DERIVED_KEYS)[number], ctx)])));
  const got = (await client.dbQuery({}, keys)).records;
  assert.equal(got.length, expected.length);
  let lazyRead = 0;
  for (let i = 0; i < got.length; i++) {
    for (const v of Object.values(got[i]!)) assert.ok(!(v instanceof StoredText), 'no stored text in an answer');
    assert.deepEqual(plain(got[i]), plain(expected[i]), `record ${String(got[i]!['msg_id'])}`);
  }
  // the store did leave them as text
  for await (const r of store.findRecords({}, ['msg_id', 'result_content', 'content'], { lazy: ['result_content', 'content'] })) {
    if (r['result_content'] instanceof StoredText) lazyRead++;
    assert.ok(!isDict(r['result_content']), 'stored text is no dict');
  }
  assert.ok(lazyRead > 0);
  // each derived test and count agrees with the test on the eager answer
  for (const [q, test] of [
    [{ status: 'error' }, (e: Record<string, unknown>) => e['status'] === 'error'],
    [{ status: 'ok' }, (e: Record<string, unknown>) => e['status'] === 'ok'],
    [{ status: 'aborted' }, (e: Record<string, unknown>) => e['status'] === 'aborted'],
    [{ engine_id: 7 }, (e: Record<string, unknown>) => e['engine_id'] === 7],
    [{ code: { $ne: null } }, (e: Record<string, unknown>) => e['code'] !== null],
    [{ ename: { $ne: null } }, (e: Record<string, unknown>) => e['ename'] !== null],
  ] as const) {
    const want = expected.filter(test).map((e) => e['msg_id']);
    assert.deepEqual((await client.dbQuery(q, ['msg_id'])).records.map((r) => r['msg_id']), want, JSON.stringify(q));
    assert.equal(await client.countQuery(q), want.length, `len of ${JSON.stringify(q)}`);
  }
  await client.close();
});

test('stats read in the file order, dict columns as text, equal stats of the ordered, decoded answer', async () => {
  const path = makeFile();
  const store = await openSQLiteStore({ path });
  const client = await StoreClient.open(store);
  const ctx = await client.deriveContext();
  for (const by of STATS_GROUPS) {
    const ordered = new StatsBuilder(by, ctx);
    for await (const r of client.streamQuery({}, statsKeys(by))) ordered.add(r);
    const scanned = new StatsBuilder(by, ctx);
    let n = 0;
    const order: unknown[] = [];
    for await (const r of client.streamQuery({}, statsKeys(by), { lazy: ['result_header', 'result_content', 'result_metadata', 'error'], unordered: true })) {
      scanned.add(r);
      order.push(r['msg_id']);
      n++;
    }
    assert.equal(n, 58 + ODD.length + 20);
    assert.deepEqual(plain(scanned.result()), plain(ordered.result()), `by ${by}`);
    if (by === 'engine_id') assert.ok(order.indexOf('again-0') > order.indexOf('odd-0'), 'read in the file order');
  }
  // a query the store tests in part outside SQL reads the same records
  const q = { queue: 'task', stdout: { $regex: '^$' } };
  const a = await collect(client.streamQuery(q, ['msg_id']));
  const b = await collect(client.streamQuery(q, ['msg_id'], { unordered: true }));
  assert.deepEqual(b.map((r) => r['msg_id']).sort(), a.map((r) => r['msg_id']).sort());
  await client.close();
});

/** The odd file with a second task table (a restarted controller's) holding a third of its rows again: some msg_ids, and times, in both. */
function makeUnionFile(): string {
  const path = makeFile();
  const db = new Database(path);
  const sql = (db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'ipython-tasks'`).get() as { sql: string }).sql;
  db.exec(sql.replace(/'ipython-tasks'|"ipython-tasks"/, '"ipython-tasks_1"'));
  db.exec(`INSERT INTO "ipython-tasks_1" SELECT * FROM "ipython-tasks" WHERE rowid % 3 = 0`);
  // bytes columns holding other than bytes: such a slice is read row by row
  db.exec(`UPDATE "ipython-tasks_1" SET buffers = 'text where bytes go' WHERE rowid = (SELECT min(rowid) FROM "ipython-tasks_1")`);
  db.exec(`UPDATE "ipython-tasks_1" SET result_buffers = 7 WHERE rowid = (SELECT max(rowid) FROM "ipython-tasks_1")`);
  db.close();
  return path;
}

/** Every stored key a derived key reads, and a few shown as they are. */
const STORED = ['msg_id', 'buffers', 'header', 'content', 'execute_input', 'result_buffers', 'result_content', 'result_header', 'result_metadata', 'error', 'completed', 'submitted', 'started', 'engine_uuid', 'queue', 'stdout'];

test('generated queries: the one-pass read (held, or given up and read in order), the ordered read and the eager read all give the answer of every record tested whole', async () => {
  for (const table of [undefined, '*']) {
    const store = await openSQLiteStore({ path: table ? makeUnionFile() : makeFile(), ...(table ? { table } : {}) });
    const client = await StoreClient.open(store);
    const ctx = await client.deriveContext();
    // the answer's definition: every record read whole and decoded at once, every derived key computed, the whole query tested on it
    const whole = (await collect(store.findRecords({}, STORED))).map((r) => {
      const derived = Object.fromEntries(DERIVED_KEYS.map((k) => [k, derivedValue(r, k, ctx)]));
      return { shown: { ...r, ...derived } as TaskRecord, tested: { ...r, ...Object.fromEntries(Object.entries(derived).map(([k, v]) => [k, queryValue(v)])) } as TaskRecord };
    });
    const battery = generateBattery(whole.map((w) => w.shown), 25, table ? 2302 : 2301);
    const rnd = prng(table ? 12 : 11);
    const readers = {
      lazy: { ordered: (f: DerivedFetch) => store.findRecords(f.query, f.keys, { lazy: f.lazy, sparse: f.sparse }), scan: (f: DerivedFetch) => store.scanSlices(f.query, f.keys, { lazy: f.lazy, sparse: f.sparse }) },
      eager: { ordered: (f: DerivedFetch) => store.findRecords(f.query, f.keys), scan: (f: DerivedFetch) => store.scanSlices(f.query, f.keys) },
    } satisfies Record<string, DerivedReader>;
    let derivedRuns = 0;
    for (const { query } of battery) {
      // a few derived keys (each set leaves other columns out: see DerivedPlan.sparse), now and then a stored one
      const keys = ['msg_id', ...DERIVED_KEYS.filter(() => rnd() < 0.3), ...(rnd() < 0.3 ? ['completed', 'result_content'] : [])];
      const q = compileQuery(query);
      const want = whole.filter((w) => matches(q, w.tested)).map((w) => plain(Object.fromEntries(keys.map((k) => [k, w.shown[k] ?? null]))));
      const name = `${JSON.stringify(query)} keys ${keys.join(',')}${table ? ' (every table)' : ''}`;
      assert.deepEqual((await client.dbQuery(query, keys)).records.map(plain), want, `dbQuery ${name}`);
      assert.deepEqual((await collect(client.streamQuery(query, keys))).map(plain), want, `streamQuery ${name}`);
      assert.equal(await client.countQuery(query), want.length, `len ${name}`);
      const plan = planDerived(q, keys, ctx);
      if (!plan) continue;
      derivedRuns++;
      for (const [how, reader, options] of [
        ['held', readers.lazy, { holdAll: true }],
        ['read in one pass, not in order', readers.lazy, { unordered: true }],
        ['held, then read in order past a small budget', readers.lazy, { holdBytes: 2000 }],
        ['in order', { ordered: readers.lazy.ordered }, {}],
        ['eager, held', readers.eager, { holdAll: true }],
        ['eager, in order', { ordered: readers.eager.ordered }, {}],
      ] as const) {
        const got: unknown[] = (await derivedList(plan, reader, options)).map(plain);
        // in one pass without ordering: the same records, in the file's order
        const sorted = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
        if ('unordered' in options) assert.deepEqual(sorted(got), sorted(want), `${how}: ${name}`);
        else assert.deepEqual(got, want, `${how}: ${name}`);
      }
    }
    assert.ok(derivedRuns > 15, `${derivedRuns} of the queries were answered through a plan`);
    await client.close();
  }
});

test("a slice's bytes read as one aggregate are each row's bytes, whatever the bytes (NUL, 0xff, bad UTF-8, none, empty, long); other kinds of value read row by row", () => {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE t (a bufs blob, b bufs blob, c text)`);
  const rnd = prng(4);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
  const values: unknown[][] = [];
  for (let i = 0; i < 300; i++) {
    const pick = rnd();
    const a = pick < 0.1 ? null : pick < 0.2 ? new Uint8Array(0) : pick < 0.25 ? Uint8Array.from([0xc3, 0x28, 0, 0xff, 0x80]) : bytes(Math.floor(rnd() * (pick < 0.3 ? 70_000 : 600)));
    values.push([a, i % 7 === 0 ? null : bytes(1 + (i % 40)), `row ${i}`]);
  }
  const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
  for (const v of values) insert.run(v);
  const read = blobSlices(db, 't', { where: '1', params: [], residual: null } as unknown as SqlFilter, ['a', 'b', 'c'], [0, 1])!;
  const rowByRow = db.prepare('SELECT a, b, c FROM t WHERE rowid > ? AND rowid <= ? ORDER BY rowid').raw();
  const same = (x: unknown, y: unknown) => (x instanceof Uint8Array && y instanceof Uint8Array ? Buffer.compare(x, y) === 0 : x === y);
  for (const [lo, hi] of [[0, 100], [100, 300], [250, 260], [300, 400]] as const) {
    const got = read(lo, hi);
    const want = rowByRow.all(lo, hi) as unknown[][];
    assert.equal(got.length, want.length);
    got.forEach((row, i) => {
      for (let c = 0; c < 3; c++) assert.ok(same(row[c], want[i]![c]), `row ${lo + i + 1}, column ${c}`);
      // a view of the slice's one blob, not a Buffer of its own
      if (row[0] instanceof Uint8Array && row[0].length > 0) assert.ok(!Buffer.isBuffer(row[0]));
    });
  }
  // a bytes column holding text: that slice is read row by row, as the plain statement reads it
  db.prepare("UPDATE t SET a = 'text' WHERE rowid = 5").run();
  const odd = read(0, 10);
  assert.equal(odd[4]![0], 'text');
  assert.ok(Buffer.isBuffer(odd[5]![1]) || odd[5]![1] === null);
  db.close();
});
