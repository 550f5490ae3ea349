/**
 * A seeded, deterministic battery of queries generated from the values a set
 * of records holds: stored keys, derived keys, dotted keys, label, $glob,
 * None tests, $in/$nin holding None, and mixes of derived and stored tests,
 * alone or under $or/$nor. The same seed and records give the same queries.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StoreClient } from '../../src/client/index.js';
import { RecordList, RecordStream, Timestamp, type TaskRecord, type Value } from '../../src/records/index.js';
import { prng } from '../../src/stores/index.js';
import { queryValue } from '../../src/payload/index.js';
import type { Shell } from '../../src/shell/api.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import type { SQLiteStore } from '../../src/stores/sqlite/store.js';
import { runPython } from '../support/python.js';

export type Query = Record<string, unknown>;

export interface BatteryQuery {
  readonly query: Query;
  /** ipyparallel's DictDB answers it right (one stored key; equality, $in, $nin or $ne). */
  readonly dictdb: boolean;
}


type Atom = { key: string; test: unknown; derived: boolean; dictdb: boolean };

const DERIVED = new Set(['function', 'args', 'kwargs', 'result', 'code', 'status', 'engine_id', 'queue_wait', 'run_time']);

/** A value a query may hold and every backend stores alike: text, a number within 2^53, a bool, None. */
function plain(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isSafeInteger(Math.trunc(v)) && Number.isFinite(v));
}

/** The values each key (and dotted path) holds in the records, as the query engine compares them. */
function valuesByKey(records: readonly TaskRecord[]): Map<string, Value[]> {
  const out = new Map<string, Value[]>();
  const add = (k: string, v: Value) => {
    const list = out.get(k) ?? [];
    list.push(v);
    out.set(k, list);
  };
  for (const rec of records) {
    for (const [k, raw] of Object.entries(rec)) {
      if (k === 'buffers' || k === 'result_buffers') continue;
      const v = DERIVED.has(k) ? queryValue(raw) : (raw as Value);
      add(k, v);
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Timestamp) && !(v instanceof Uint8Array)) {
        for (const [sub, x] of Object.entries(v)) if (plain(x)) add(`${k}.${sub}`, x);
      }
      if (Array.isArray(v)) v.forEach((x, i) => i < 3 && plain(x) && add(`${k}.${i}`, x));
    }
  }
  return out;
}

/** Whole milliseconds: a bound MongoDB's millisecond dates compare as every other backend does with $gte/$lt. */
function wholeMs(t: Timestamp): Timestamp {
  return new Timestamp(Math.floor(t.us / 1000) * 1000);
}

/** A threshold between two of the values at least 5 ms apart (so millisecond dates decide it alike), or null. */
function between(values: number[], pick: () => number): number | null {
  const s = [...new Set(values)].sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < s.length; i++) if (s[i]! - s[i - 1]! > 0.005) gaps.push((s[i]! + s[i - 1]!) / 2);
  return gaps.length ? Number(gaps[Math.floor(pick() * gaps.length)]!.toFixed(6)) : null;
}

export function generateBattery(records: readonly TaskRecord[], count: number, seed: number): BatteryQuery[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const values = valuesByKey(records);
  const plainOf = (k: string) => [...new Set((values.get(k) ?? []).filter(plain))];
  const textOf = (k: string) => plainOf(k).filter((v): v is string => typeof v === 'string');
  const numbersOf = (k: string) => (values.get(k) ?? []).filter((v): v is number => typeof v === 'number');
  const some = (k: string, n: number) => Array.from({ length: n }, () => pick(plainOf(k).length ? plainOf(k) : [null]));

  const glob = (k: string): string | null => {
    const texts = textOf(k).filter((t) => t.length >= 3);
    if (!texts.length) return null;
    const t = pick(texts);
    const n = 1 + Math.floor(rnd() * Math.min(6, t.length - 1));
    const shape = rnd();
    if (shape < 0.4) return t.slice(0, n) + '*';
    if (shape < 0.7) return '*' + t.slice(t.length - n);
    return t.slice(0, 1) + '?' + t.slice(2, 2 + n) + '*';
  };

  /** A test of one key with one of its values: equality, None, $ne, $in/$nin (with None), $glob, $exists. */
  const valueTest = (k: string): { test: unknown; simple: boolean } | null => {
    const vs = plainOf(k);
    if (!vs.length) return null;
    const r = rnd();
    if (r < 0.25) return { test: pick(vs), simple: true };
    if (r < 0.33) return { test: null, simple: true };
    if (r < 0.43) return { test: { $ne: pick([...vs, null]) }, simple: true };
    if (r < 0.58) return { test: { $in: [...some(k, 1 + Math.floor(rnd() * 2)), ...(rnd() < 0.5 ? [null] : [])] }, simple: true };
    if (r < 0.72) return { test: { $nin: [...some(k, 1 + Math.floor(rnd() * 2)), ...(rnd() < 0.5 ? [null] : [])] }, simple: true };
    if (r < 0.86) {
      const g = glob(k);
      if (g) return { test: { $glob: g }, simple: false };
    }
    return { test: { $exists: rnd() < 0.5 }, simple: false };
  };

  const numberTest = (k: string): unknown => {
    const t = between(numbersOf(k), rnd);
    const r = rnd();
    if (t === null || r < 0.15) return r < 0.08 ? null : { $ne: null };
    if (r < 0.55) return { $gt: t };
    if (r < 0.9) return { $lt: t };
    return { $gte: t, $lt: t * 2 + 1 };
  };

  const dateTest = (k: string): unknown => {
    const ts = (values.get(k) ?? []).filter((v): v is Timestamp => v instanceof Timestamp);
    if (!ts.length || rnd() < 0.15) return rnd() < 0.5 ? null : { $ne: null };
    const a = wholeMs(pick(ts));
    const r = rnd();
    if (r < 0.4) return { $gte: a };
    if (r < 0.8) return { $lt: a };
    const b = wholeMs(pick(ts));
    return a.us <= b.us ? { $gte: a, $lt: b } : { $gte: b, $lt: a };
  };

  const TEXT_KEYS = ['msg_id', 'client_uuid', 'engine_uuid', 'queue', 'label', 'stdout', 'header.msg_type', 'result_content.status', 'result_content.ename', 'metadata.retries'];
  const DATE_KEYS = ['submitted', 'started', 'completed'];
  const dotted = [...values.keys()].filter((k) => /^(kwargs|args|result)\.[^.]+$/.test(k) && plainOf(k).length > 0);

  const atom = (): Atom | null => {
    const r = rnd();
    if (r < 0.3) {
      const key = pick(TEXT_KEYS);
      const t = valueTest(key);
      if (!t) return null;
      return { key, test: t.test, derived: false, dictdb: t.simple && !key.includes('.') };
    }
    if (r < 0.4) {
      const key = pick(DATE_KEYS);
      return { key, test: dateTest(key), derived: false, dictdb: false };
    }
    if (r < 0.78) {
      const key = pick(['function', 'status', 'engine_id', 'code', 'result', 'args', 'function', 'status']);
      const t = valueTest(key);
      return t && { key, test: t.test, derived: true, dictdb: false };
    }
    if (r < 0.9) {
      const key = pick(['queue_wait', 'run_time', 'result']);
      return { key, test: numberTest(key), derived: true, dictdb: false };
    }
    if (!dotted.length) return null;
    const key = pick(dotted);
    const t = valueTest(key);
    return t && { key, test: t.test, derived: true, dictdb: false };
  };

  const out: BatteryQuery[] = [];
  const seen = new Set<string>();
  let guard = 0;
  while (out.length < count && guard++ < count * 50) {
    const n = rnd() < 0.45 ? 1 : rnd() < 0.7 ? 2 : 3;
    const atoms: Atom[] = [];
    for (let i = 0; i < n * 3 && atoms.length < n; i++) {
      const a = atom();
      if (a && !atoms.some((b) => b.key === a.key)) atoms.push(a);
    }
    if (!atoms.length) continue;
    // every third query or so mixes a derived and a stored test
    if (out.length % 3 === 0 && !atoms.some((a) => a.derived)) continue;
    let query: Query;
    const shape = rnd();
    if (atoms.length >= 2 && shape < 0.12) query = { $or: atoms.map((a) => ({ [a.key]: a.test })) };
    else if (atoms.length >= 2 && shape < 0.18) query = { $nor: atoms.map((a) => ({ [a.key]: a.test })) };
    else query = Object.fromEntries(atoms.map((a) => [a.key, a.test]));
    const text = pythonLiteral(query);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ query, dictdb: atoms.length === 1 && atoms[0]!.dictdb && !('$or' in query) && !('$nor' in query) });
  }
  return out;
}

/** A query as Python source, as typed at the prompt: datetimes as ISO 8601 text (ipc reads them as datetimes). */
export function pythonLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Timestamp) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(pythonLiteral).join(', ')}]`;
  return `{${Object.entries(v as object).map(([k, x]) => `${JSON.stringify(k)}: ${pythonLiteral(x)}`).join(', ')}}`;
}

export const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));
const REFERENCE = readFileSync(fixture('../query/battery-reference.py'), 'utf8');

export interface Reference {
  readonly answers: string[][];
  readonly dictdb: (string[] | null)[];
  readonly count: number;
}

/** Python's answers to the battery over a tasks.db's table. */
export async function pythonReference(db: string, engines: Record<string, string> | null, battery: readonly BatteryQuery[]): Promise<Reference> {
  return (await runPython(REFERENCE, {
    db,
    table: 'ipython-tasks',
    values: fixture('payload-values.py'),
    engines,
    queries: battery.map((b) => b.query),
    dictdb: battery.map((b) => b.dictdb),
  })) as unknown as Reference;
}

/** The records of a tasks.db, every column, as ipc reads them. */
export async function fixtureRecords(path: string): Promise<{ stored: TaskRecord[]; columns: readonly string[] }> {
  const store = (await openSQLiteStore({ path })) as SQLiteStore;
  try {
    const columns = store.tables[0]!.keys;
    const stored = (await (await StoreClient.open(store)).dbQuery({}, [...columns])).records;
    return { stored, columns };
  } finally {
    await store.close();
  }
}

/** Every way the shell counts an answer, as [form, count]; the statement text names the query once. */
export async function countsOf(shell: Shell, q: string, paged: boolean): Promise<[string, number][]> {
  const out: [string, number][] = [];
  const value = async (source: string, options = {}) => {
    const outcomes = await shell.execute(source, options);
    const failed = outcomes.find((o) => o.error);
    if (failed) throw new Error(`${source}: ${failed.error!.kind}: ${failed.error!.message}`);
    return outcomes.at(-1)!.value;
  };
  out.push(['len(db_query(Q))', (await value(`len(db_query(${q}))`)) as number]);
  out.push(['x = db_query(Q); len(x)', (await value(`x = db_query(${q})\nlen(x)`)) as number]);
  out.push(['len([r for r in db_query(Q)])', (await value(`len([r for r in db_query(${q})])`)) as number]);
  out.push(["stats(db_query(Q))['total']['count']", (await value(`stats(db_query(${q}))['total']['count']`)) as number]);
  await value('%format json');
  const magic = (await value(`%stats ${q}`)) as { total?: { count: number } };
  out.push(['%stats Q', statsTotal(magic)]);
  if (paged) {
    const viewer = (await value(`db_query(${q})`, { pageRecordsOver: 0 })) as RecordList;
    out.push(['the viewer (paged answer)', viewer.length]);
  }
  for (const format of ['jsonl', 'csv'] as const) {
    await value(`%format ${format}`);
    const stream = (await value(`db_query(${q})`, { streamRecords: true })) as RecordStream;
    let n = 0;
    for await (const _ of stream) n++;
    out.push([`script mode ${format}`, n]);
  }
  await value('%format table');
  return out;
}

function statsTotal(v: unknown): number {
  const total = (v as { total?: { count?: number } } | null)?.total;
  if (total && typeof total.count === 'number') return total.count;
  throw new Error(`%stats gave no total count: ${String(v)}`);
}

