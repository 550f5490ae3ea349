import {
  DERIVED_CONTEXT_KEYS, DERIVED_NEEDS, DERIVED_NEEDS_UNLESS, derivedValue, isDerivedKey, largePickles, queryValue, unpickleInSlices, type DerivedKey,
} from '../payload/index.js';
import { StoredColumn, Timestamp, columnValue, compareStrings, setOwn, type DeriveContext, type StoredTextIs, type TaskRecord, type Value } from '../records/index.js';
import { LoopTurns, loopTurn } from '../errors.js';
import type { Query, QueryNode } from './ast.js';
import { compileQuery, type QueryInput } from './compile.js';
import { compileMatcher } from './matcher.js';
import { normalizeKeys, type KeysInput } from './project.js';
import { walk } from './walk.js';

/**
 * How a query that names derived keys is answered: the store answers the
 * tests of stored keys (pushed down as usual) and fetches what the derived
 * keys are computed from; ipc then computes them for each record, tests the
 * rest of the query on them with the shared engine, and cuts the record to
 * the keys asked for. Nothing is decoded unless a derived key is named.
 */
export interface DerivedPlan {
  /** The part of the query the store answers: every top-level test that names no derived key. */
  readonly stored: Query;
  /** The keys to fetch from the store. */
  readonly fetch: readonly string[];
  /**
   * Fetched keys the plan reads only to compute derived keys (and those of
   * the answer's keys the caller reads only to derive from): a store may
   * leave them as they are stored (FindOptions.lazy). None that a test reads.
   */
  readonly lazy: readonly string[];
  /**
   * Fetched keys no derivation of this plan reads while another column is
   * handed over as exactly a given stored text (the reply's content is
   * `{"status": "ok"}`, the request's `{}`): a store may give None for them
   * in such records (FindOptions.sparse). Neither answer keys nor tested ones.
   */
  readonly sparse: Readonly<Record<string, StoredTextIs>>;
  /** The keys of the answer, msg_id first. */
  readonly keys: readonly string[];
  /** Whether a derivation reads the DeriveContext (the engine map): only then must the client look it up. */
  readonly context: boolean;
  /** Whether the derived tests keep a fetched record (computes only the derived keys they test). */
  keeps(rec: TaskRecord): boolean;
  /** The answer for a record the tests keep. */
  answer(rec: TaskRecord): TaskRecord;
  /** The large pickles the derived tests decode from a record (decoded beforehand in slices: see `predecode`). */
  testedPickles(rec: TaskRecord): Uint8Array[];
  /** The large pickles the answer's derived keys decode from a kept record. */
  answerPickles(rec: TaskRecord): Uint8Array[];
  /**
   * About how many bytes a kept record's answer holds, told before it is
   * built: the stored size of what each answer key is read or decoded from.
   */
  answerBytes(rec: TaskRecord): number;
}

/** The plan for a query and keys, or null when neither names a derived key (the store answers alone). */
export function planDerived(query: QueryInput, keys: KeysInput, ctx: DeriveContext = {}, lazyKeys: readonly string[] = []): DerivedPlan | null {
  const q = compileQuery(query);
  const ks = normalizeKeys(keys);
  const residual = q.root.children.filter(namesDerived);
  const asked = ks.filter(isDerivedKey);
  if (residual.length === 0 && asked.length === 0) return null;
  const tested = new Set<DerivedKey>();
  const storedInResidual = new Set<string>();
  for (const node of residual) collectKeys(node, tested, storedInResidual);
  const fetch = new Set<string>(ks.filter((k) => !isDerivedKey(k)));
  for (const k of storedInResidual) fetch.add(k);
  for (const k of [...asked, ...tested]) for (const need of DERIVED_NEEDS[k]) fetch.add(need);
  const decoded = new Set<DerivedKey>([...asked, ...tested]);
  const residualQuery: Query = { kind: 'query', root: { kind: 'and', children: residual } };
  const stored: Query = { kind: 'query', root: { kind: 'and', children: q.root.children.filter((c) => !namesDerived(c)) } };
  // the tests read only the keys they name: the probe holds those, not a copy of the whole record
  const storedTested = [...storedInResidual];
  const test = compileMatcher(residualQuery);
  const testedList = [...tested];
  const keeps = (rec: TaskRecord): boolean => {
    if (!residual.length) return true;
    const probe: TaskRecord = {};
    for (const k of storedTested) if (Object.prototype.hasOwnProperty.call(rec, k)) setOwn(probe, k, rec[k]!);
    for (const k of testedList) probe[k] = queryValue(derivedValue(rec, k, ctx));
    return test(probe);
  };
  const lazy = [...fetch].filter((k) => !storedInResidual.has(k) && (!ks.includes(k) || lazyKeys.includes(k)));
  const derivedAt = ks.map((k) => isDerivedKey(k));
  const answer = (rec: TaskRecord): TaskRecord => {
    const out: TaskRecord = {};
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i]!;
      out[k] = derivedAt[i] ? (derivedValue(rec, k as DerivedKey, ctx) as Value) : rec[k] ?? null;
    }
    return out;
  };
  const askedKeys = [...asked];
  const testedKeys = testedList;
  return {
    stored,
    fetch: [...fetch],
    lazy,
    sparse: sparseColumns(fetch, decoded, ks, storedInResidual, stored, lazy),
    keys: ks,
    context: [...decoded].some((k) => DERIVED_CONTEXT_KEYS.includes(k)),
    keeps,
    answer,
    testedPickles: (rec) => (testedKeys.length ? largePickles(rec, testedKeys) : NONE),
    answerPickles: (rec) => (askedKeys.length ? largePickles(rec, askedKeys) : NONE),
    answerBytes: (rec) => {
      let n = 64;
      for (const k of ks) n += SOURCE[k] ? storedSize(rec[SOURCE[k]]) : isDerivedKey(k) ? 16 : storedSize(rec[k]);
      return n;
    },
  };
}

/** The stored column a derived key's value is decoded from, where it can be large. */
const SOURCE: Readonly<Record<string, string>> = { args: 'buffers', kwargs: 'buffers', result: 'result_buffers' };

/** About how many bytes a fetched column holds: its stored form's length where it is still stored, else a look into its value. */
function storedSize(v: unknown): number {
  if (v instanceof StoredColumn) return v.raw instanceof Uint8Array || typeof v.raw === 'string' ? 16 + v.raw.length : 16;
  return roughSize(v, 0);
}

const NONE: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

/**
 * The fetched columns every decoded key reads only unless one and the same
 * other column's stored text decides (DERIVED_NEEDS_UNLESS), read by nothing
 * else: not an answer key, not tested, not one the stored part names. The
 * deciding column must be handed over as its text (lazy) and never be left
 * out itself.
 */
function sparseColumns(
  fetch: ReadonlySet<string>, decoded: ReadonlySet<DerivedKey>, ks: readonly string[], storedInResidual: ReadonlySet<string>, stored: Query, lazy: readonly string[],
): Record<string, StoredTextIs> {
  const named = new Set<string>();
  for (const n of walk(stored.root)) if (n.kind === 'field') named.add(n.key);
  const out: Record<string, StoredTextIs> = {};
  for (const column of fetch) {
    if (ks.includes(column) || storedInResidual.has(column) || named.has(column)) continue;
    let unless: StoredTextIs | null = null;
    let every = true;
    for (const k of decoded) {
      if (!DERIVED_NEEDS[k].includes(column)) continue;
      const u = DERIVED_NEEDS_UNLESS[k][column];
      if (!u || (unless && (unless.key !== u.key || unless.text !== u.text))) {
        every = false;
        break;
      }
      unless = u;
    }
    if (every && unless) out[column] = unless;
  }
  // a deciding column must come as its stored text, and in full
  for (const [column, u] of Object.entries(out)) if (!lazy.includes(u.key) || u.key in out) delete out[column];
  return out;
}

function namesDerived(node: QueryNode): boolean {
  for (const n of walk(node)) if (n.kind === 'field' && isDerivedKey(n.key)) return true;
  return false;
}

function collectKeys(node: QueryNode, derived: Set<DerivedKey>, stored: Set<string>): void {
  for (const n of walk(node)) {
    if (n.kind !== 'field') continue;
    if (isDerivedKey(n.key)) derived.add(n.key);
    else stored.add(n.key);
  }
}

/** What a client asks its store for, to answer a plan. */
export interface DerivedFetch {
  readonly query: Query;
  readonly keys: readonly string[];
  readonly lazy: readonly string[];
  readonly sparse: Readonly<Record<string, StoredTextIs>>;
}

/**
 * How a client reads the stored part of a derived answer: one reader for
 * both clients (a store's, a hub's), so that both answer through the same
 * steps.
 */
export interface DerivedReader {
  /** The records in answer order (submitted, then msg_id). */
  ordered(fetch: DerivedFetch): AsyncIterable<TaskRecord> | Iterable<TaskRecord>;
  /**
   * The same records in the store's own order, read in one pass, a slice at
   * a time (each slice taken whole before the next is asked for), where the
   * store can (SQLite: no scan that finds the order first).
   */
  scan?(fetch: DerivedFetch): AsyncIterable<Iterable<TaskRecord>>;
}

/** How the answer is taken. */
export interface DerivedOptions {
  readonly signal?: AbortSignal;
  /** The reader does not need the answer's order. */
  readonly unordered?: boolean;
  /**
   * The caller holds the whole answer anyway (a list): read in one pass and
   * ordered afterwards, whatever its size. Otherwise an answer read in one
   * pass is held only up to HOLD_BYTES, past which it is read again in order,
   * record by record.
   */
  readonly holdAll?: boolean;
  /** How much a held answer may come to before it is read again in order (HOLD_BYTES unless the whole answer is held; 0: always read in order). */
  readonly holdBytes?: number;
}

/** Milliseconds of decoding between two turns of the event loop. */
const DECODE_SLICE_MS = 10;

/**
 * About how much of an answer read in one pass is held for ordering (told by
 * the stored size of what it is decoded from: a decoded answer is a few
 * times larger) before it is read again in order instead, record by record.
 */
export const HOLD_BYTES = 128 * 1024 * 1024;

/** Records per batch of an answer handed on. */
const BATCH = 512;

function fetchOf(plan: DerivedPlan, withSubmitted: boolean): DerivedFetch {
  if (!withSubmitted || plan.fetch.includes('submitted')) return { query: plan.stored, keys: plan.fetch, lazy: plan.lazy, sparse: plan.sparse };
  // the answer's order is read from submitted, decoded only for the records kept
  return { query: plan.stored, keys: [...plan.fetch, 'submitted'], lazy: [...plan.lazy, 'submitted'], sparse: plan.sparse };
}

/**
 * The answer to a plan, a batch of records at a time: each record read, its
 * derived tests run (their large pickles decoded in slices first), and only
 * a record kept built into an answer. Where the reader can scan (SQLite),
 * the file is read once, in its own order, and the kept answer is put in
 * order afterwards (by submitted, then msg_id, exactly as an ordered read
 * gives it); else, or when the held answer grows past HOLD_BYTES, the
 * records are read in order.
 *
 * Decoding is synchronous and each record's is bounded (the pickle budget),
 * but a chunk of records can take seconds: every few milliseconds the event
 * loop turns once, so that Ctrl-C (SIGINT) and keys are seen between two
 * records.
 */
export async function* derivedBatches(plan: DerivedPlan, reader: DerivedReader, options: DerivedOptions = {}): AsyncGenerator<TaskRecord[]> {
  const { signal } = options;
  if (reader.scan && options.unordered) {
    yield* answerBatches(plan, reader.scan(fetchOf(plan, false)), signal);
    return;
  }
  const budget = options.holdAll ? Infinity : options.holdBytes ?? HOLD_BYTES;
  if (reader.scan && budget > 0) {
    const held = await heldAnswer(plan, reader.scan(fetchOf(plan, true)), signal, budget);
    if (held) {
      for (let i = 0; i < held.length; i += BATCH) yield held.slice(i, i + BATCH);
      return;
    }
  }
  yield* answerBatches(plan, slicesOf(reader.ordered(fetchOf(plan, false))), signal);
}

/** A record by record answer as slices of up to BATCH records (what is read is handed on at once when the source waits). */
async function* slicesOf(records: AsyncIterable<TaskRecord> | Iterable<TaskRecord>): AsyncGenerator<TaskRecord[]> {
  if (Symbol.iterator in records) {
    const list = Array.isArray(records) ? (records as TaskRecord[]) : [...records];
    for (let i = 0; i < list.length; i += BATCH) yield list.slice(i, i + BATCH);
    return;
  }
  let slice: TaskRecord[] = [];
  for await (const rec of records) {
    slice.push(rec);
    if (slice.length >= BATCH) {
      yield slice;
      slice = [];
    }
  }
  if (slice.length) yield slice;
}

/** derivedBatches' answer record by record. */
export async function* derivedRecords(plan: DerivedPlan, reader: DerivedReader, options: DerivedOptions = {}): AsyncGenerator<TaskRecord> {
  for await (const batch of derivedBatches(plan, reader, options)) yield* batch;
}

/** derivedBatches' whole answer as one list. */
export async function derivedList(plan: DerivedPlan, reader: DerivedReader, options: DerivedOptions = {}): Promise<TaskRecord[]> {
  const out: TaskRecord[] = [];
  for await (const batch of derivedBatches(plan, reader, options)) for (const r of batch) out.push(r);
  return out;
}

/** The answers of fetched records, in their order, in batches (one per slice of the source, at most BATCH). */
async function* answerBatches(plan: DerivedPlan, slices: AsyncIterable<Iterable<TaskRecord>>, signal: AbortSignal | undefined): AsyncGenerator<TaskRecord[]> {
  const clock = new LoopTurns(signal, DECODE_SLICE_MS);
  let batch: TaskRecord[] = [];
  for await (const slice of slices) {
    for (const rec of slice) {
      // awaited only when a record holds a large pickle: most records take no promise
      const tested = plan.testedPickles(rec);
      if (tested.length) await predecode(tested, signal);
      if (plan.keeps(rec)) {
        const more = plan.answerPickles(rec);
        if (more.length) await predecode(more, signal);
        batch.push(plan.answer(rec));
      }
      if (clock.due()) await clock.turn();
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) {
      yield batch;
      batch = [];
    }
  }
}

/**
 * The answer of records read in the store's own order, put in answer order
 * (by submitted, None first, then msg_id; a stable sort, so that records of
 * equal order keep the order read: one table's before the next's); null
 * when it cannot be held (larger than `budget`, or a record whose msg_id is
 * no text: its place is the ordered read's to say). Held as three lists
 * (the answers, their times, their msg_ids) rather than an object each.
 */
async function heldAnswer(plan: DerivedPlan, slices: AsyncIterable<Iterable<TaskRecord>>, signal: AbortSignal | undefined, budget: number): Promise<TaskRecord[] | null> {
  const outs: TaskRecord[] = [];
  const times: number[] = [];
  const ids: string[] = [];
  let bytes = 0;
  let sorted = true;
  const clock = new LoopTurns(signal, DECODE_SLICE_MS);
  const it = slices[Symbol.asyncIterator]();
  let complete = false;
  try {
    read: for (;;) {
      const next = await it.next();
      if (next.done) {
        complete = true;
        break;
      }
      for (const rec of next.value) {
        const tested = plan.testedPickles(rec);
        if (tested.length) await predecode(tested, signal);
        const kept = plan.keeps(rec);
        if (clock.due()) await clock.turn();
        if (!kept) continue;
        const id = rec['msg_id'];
        if (typeof id !== 'string') break read;
        if (budget !== Infinity) {
          bytes += plan.answerBytes(rec);
          if (bytes > budget) break read;
        }
        const more = plan.answerPickles(rec);
        if (more.length) await predecode(more, signal);
        const submitted = columnValue(rec, 'submitted');
        const us = submitted instanceof Timestamp ? submitted.us : -Infinity;
        const n = ids.length;
        if (sorted && n > 0 && (us < times[n - 1]! || (us === times[n - 1]! && compareStrings(id, ids[n - 1]!) < 0))) sorted = false;
        outs.push(plan.answer(rec));
        times.push(us);
        ids.push(id);
      }
    }
  } finally {
    if (!complete) await it.return?.();
  }
  if (!complete) return null;
  if (sorted) return outs;
  const order = Array.from(outs.keys());
  order.sort((a, b) => (times[a]! < times[b]! ? -1 : times[a]! > times[b]! ? 1 : compareStrings(ids[a]!, ids[b]!) || a - b));
  return order.map((i) => outs[i]!);
}

/** About how many bytes a value holds: a few levels looked into, a few items of each container, the rest estimated from them. */
function roughSize(v: unknown, depth: number): number {
  if (typeof v === 'string') return 16 + v.length;
  if (v === null || typeof v !== 'object') return 8;
  if (v instanceof Uint8Array) return 64 + v.byteLength;
  if (depth >= 3) return 64;
  const items: unknown[] = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v);
  const look = Math.min(items.length, 8);
  let sum = 0;
  for (let i = 0; i < look; i++) sum += roughSize(items[i], depth + 1);
  return 32 + 8 * items.length + (look ? (sum * items.length) / look : 0);
}

/** How many of the stored answer's records the plan keeps, none of them built into an answer record; read in the store's own order where it can. */
export async function derivedCount(plan: DerivedPlan, reader: DerivedReader, signal?: AbortSignal): Promise<number> {
  const fetch = fetchOf(plan, false);
  const slices = reader.scan ? reader.scan(fetch) : slicesOf(reader.ordered(fetch));
  const clock = new LoopTurns(signal, DECODE_SLICE_MS);
  let n = 0;
  for await (const slice of slices) {
    for (const rec of slice) {
      const large = plan.testedPickles(rec);
      if (large.length) await predecode(large, signal);
      if (plan.keeps(rec)) n++;
      if (clock.due()) await clock.turn();
    }
  }
  return n;
}

/**
 * A record's large pickles decoded in slices, the event loop turning
 * between them, before the plan decodes the record at once: a pickle that
 * runs up to its whole budget takes a good part of a second, which Ctrl-C
 * does not wait for.
 */
async function predecode(large: readonly Uint8Array[], signal: AbortSignal | undefined): Promise<void> {
  for (const p of large) await unpickleInSlices(p, () => loopTurn(signal));
}

/**
 * The large pickles that the derived keys `keys` would decode from these
 * records, decoded beforehand in slices (a statement that is about to read
 * a task's result at once, as `get_result(...).get()` does, stops for
 * Ctrl-C within milliseconds however long its pickle takes).
 */
export async function predecodeRecords(records: Iterable<TaskRecord>, keys: readonly DerivedKey[], signal?: AbortSignal): Promise<void> {
  for (const rec of records) {
    const large = largePickles(rec, keys);
    if (large.length) await predecode(large, signal);
  }
}
