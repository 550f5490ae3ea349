import { DERIVED_NEEDS, derivedValue, isDerivedKey, largePickles, queryValue, unpickleInSlices, type DerivedKey } from '../payload/index.js';
import { setOwn, type DeriveContext, type TaskRecord, type Value } from '../records/index.js';
import { IpcError, interrupted } from '../errors.js';
import type { Query, QueryNode } from './ast.js';
import { compileQuery, type QueryInput } from './compile.js';
import { matches } from './matcher.js';
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
   * leave them as stored text (FindOptions.lazy). None that a test reads.
   */
  readonly lazy: readonly string[];
  /** The keys of the answer, msg_id first. */
  readonly keys: readonly string[];
  /** Whether the derived tests keep a fetched record (computes only the derived keys they test). */
  keeps(rec: TaskRecord): boolean;
  /** The answer for one fetched record, or null when the derived tests reject it. */
  finish(rec: TaskRecord): TaskRecord | null;
  /** The large pickles the derived keys decode from a record (decoded beforehand in slices: see `predecode`). */
  largePickles(rec: TaskRecord): Uint8Array[];
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
  // the tests read only the keys they name: the probe holds those, not a copy of the whole record
  const storedTested = [...storedInResidual];
  const keeps = (rec: TaskRecord): boolean => {
    if (!residual.length) return true;
    const probe: TaskRecord = {};
    for (const k of storedTested) if (Object.prototype.hasOwnProperty.call(rec, k)) setOwn(probe, k, rec[k]!);
    for (const k of tested) probe[k] = queryValue(derivedValue(rec, k, ctx));
    return matches(residualQuery, probe);
  };
  const lazy = [...fetch].filter((k) => !storedInResidual.has(k) && (!ks.includes(k) || lazyKeys.includes(k)));
  return {
    stored: { kind: 'query', root: { kind: 'and', children: q.root.children.filter((c) => !namesDerived(c)) } },
    fetch: [...fetch],
    lazy,
    keys: ks,
    keeps,
    largePickles: (rec) => largePickles(rec, decoded),
    finish(rec) {
      if (!keeps(rec)) return null;
      const out: TaskRecord = {};
      for (const k of ks) out[k] = isDerivedKey(k) ? (derivedValue(rec, k, ctx) as Value) : rec[k] ?? null;
      return out;
    },
  };
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

/** Milliseconds of decoding between two turns of the event loop. */
const DECODE_SLICE_MS = 10;

/** How many of a store's fetched records the plan keeps, none of them built into an answer record. */
export async function countDerived(plan: DerivedPlan, fetched: AsyncIterable<TaskRecord>, signal?: AbortSignal): Promise<number> {
  let n = 0;
  let since = performance.now();
  for await (const rec of fetched) {
    const large = plan.largePickles(rec);
    if (large.length) await predecode(large, signal);
    if (plan.keeps(rec)) n++;
    if (performance.now() - since > DECODE_SLICE_MS) {
      await turn(signal);
      since = performance.now();
    }
  }
  return n;
}

/**
 * A store's answer stream run through a plan. Decoding is synchronous and
 * each record's is bounded (the pickle budget), but a chunk of records can
 * take seconds: every few milliseconds the event loop turns once, so that
 * Ctrl-C (SIGINT) and keys are seen between two records.
 */
export async function* finishDerived(plan: DerivedPlan, fetched: AsyncIterable<TaskRecord>, signal?: AbortSignal): AsyncGenerator<TaskRecord> {
  let since = performance.now();
  for await (const rec of fetched) {
    const large = plan.largePickles(rec);
    if (large.length) await predecode(large, signal);
    const out = plan.finish(rec);
    if (performance.now() - since > DECODE_SLICE_MS) {
      await turn(signal);
      since = performance.now();
    }
    if (out) yield out;
  }
}

/**
 * A record's large pickles decoded in slices, the event loop turning
 * between them, before the plan decodes the record at once: a pickle that
 * runs up to its whole budget takes a good part of a second, which Ctrl-C
 * does not wait for.
 */
async function predecode(large: readonly Uint8Array[], signal: AbortSignal | undefined): Promise<void> {
  for (const p of large) await unpickleInSlices(p, () => turn(signal));
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

/** One turn of the event loop; then, when the statement was stopped meanwhile, Interrupted: no more records are decoded for it. */
async function turn(signal: AbortSignal | undefined): Promise<void> {
  await new Promise(setImmediate);
  if (signal?.aborted) throw signal.reason instanceof IpcError ? signal.reason : interrupted();
}

/** The plan run over records in hand, turning the event loop as finishDerived does. */
export async function finishAll(plan: DerivedPlan, records: readonly TaskRecord[], signal?: AbortSignal): Promise<TaskRecord[]> {
  const out: TaskRecord[] = [];
  let since = performance.now();
  for (const rec of records) {
    const large = plan.largePickles(rec);
    if (large.length) await predecode(large, signal);
    const r = plan.finish(rec);
    if (r) out.push(r);
    if (performance.now() - since > DECODE_SLICE_MS) {
      await turn(signal);
      since = performance.now();
    }
  }
  return out;
}
