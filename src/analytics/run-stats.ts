import { engineIdOf, queueWait, runTime, taskStatus, type DeriveContext, Timestamp } from '../records/index.js';
import { compareEngines, functionOf } from './intervals.js';
import { groupValue, type ColumnChunk, type MappedIds } from './task-columns.js';
import type { TaskRecord } from '../records/index.js';

/** What `stats` groups by, and the key of the record each one reads. */
export const STATS_GROUPS = ['engine_id', 'function', 'client_uuid', 'queue', 'status', 'label'] as const;
export type StatsGroup = (typeof STATS_GROUPS)[number];

/** The words a person may use for a group (`by client`). */
export const GROUP_ALIASES: Record<string, StatsGroup> = { engine: 'engine_id', client: 'client_uuid' };

/** A group as people name it, in %help, messages and tables: `engine`, `client`, else the key. */
export function groupWord(g: StatsGroup): string {
  return Object.keys(GROUP_ALIASES).find((w) => GROUP_ALIASES[w] === g) ?? g;
}

/** The keys a stats run reads from each record. */
export function statsKeys(by: StatsGroup): string[] {
  const keys = ['msg_id', 'submitted', 'started', 'completed', 'engine_uuid', 'result_header', 'result_content', 'result_metadata', 'error'];
  if (by === 'function') keys.push('function');
  if (by === 'client_uuid' || by === 'queue' || by === 'label') keys.push(by);
  return keys;
}

/** min, median, 95th percentile (linear between ranks, as numpy's default) and max; None when nothing was timed. */
export interface Spread {
  readonly min: number | null;
  readonly median: number | null;
  readonly p95: number | null;
  readonly max: number | null;
}

export interface GroupStats {
  readonly key: string | number | null;
  readonly count: number;
  readonly ok: number;
  readonly error: number;
  readonly aborted: number;
  readonly pending: number;
  /** Records with both `started` and `completed`: the only ones with a run time. */
  readonly timed: number;
  /** Records missing `started` or `completed`: counted, not timed. */
  readonly untimed: number;
  /** Seconds of run time summed. */
  readonly busy: number;
  /** busy / span of the whole selection (for the total: busy / (span × engines)). */
  readonly utilisation: number | null;
  /** 100 × (1 − utilisation), and 0 where utilisation passes 1 (a group that kept several engines busy at once: nothing is left). */
  readonly idle_percent: number | null;
  readonly run_time: Spread;
  readonly queue_wait: Spread;
  /** Timed tasks per second of the selection's span. */
  readonly throughput: number | null;
}

export interface TaskStats {
  readonly by: StatsGroup;
  readonly groups: GroupStats[];
  readonly total: GroupStats;
  /** The first start and last completion of the timed records, and the seconds between. */
  readonly first_started: Timestamp | null;
  readonly last_completed: Timestamp | null;
  readonly span: number | null;
  /** How many distinct engines ran timed tasks (the total's utilisation divides by it). */
  readonly engines: number;
}

const CHUNK = 16_384;

/**
 * One number per record, kept in typed chunks that never move to grow (a
 * million of them are 8 MB for durations, 4 MB for group numbers).
 */
class Column<A extends Float64Array | Uint32Array> {
  private readonly chunks: A[] = [];
  length = 0;

  constructor(private readonly make: (n: number) => A) {}

  push(v: number): void {
    const at = this.length % CHUNK;
    if (at === 0) this.chunks.push(this.make(CHUNK));
    this.chunks[this.chunks.length - 1]![at] = v;
    this.length++;
  }

  /** Appends the first `n` values of `values`. */
  append(values: Float64Array | Uint32Array, n: number): void {
    for (let from = 0; from < n; ) {
      const at = this.length % CHUNK;
      if (at === 0) this.chunks.push(this.make(CHUNK));
      const take = Math.min(CHUNK - at, n - from);
      this.chunks[this.chunks.length - 1]!.set(values.subarray(from, from + take), at);
      from += take;
      this.length += take;
    }
  }

  /** The values in one array, in order. */
  flat(make: (n: number) => A): A {
    const out = make(this.length);
    for (let c = 0; c < this.chunks.length; c++) {
      const n = Math.min(CHUNK, this.length - c * CHUNK);
      out.set(n === CHUNK ? this.chunks[c]! : this.chunks[c]!.subarray(0, n), c * CHUNK);
    }
    return out;
  }

  /** The values in their arrays, each array's values counted (its first `count`): for a loop over them all without copying them into one. */
  parts(): { readonly values: A; readonly count: number }[] {
    return this.chunks.map((values, c) => ({ values, count: Math.min(CHUNK, this.length - c * CHUNK) }));
  }
}

const durations = () => new Column((n) => new Float64Array(n));

/** A group's running counts (its durations are the records' columns). */
class Counts {
  count = 0;
  ok = 0;
  error = 0;
  aborted = 0;
  pending = 0;
  /** Run time summed in whole microseconds: exact, so the same in any order of the records. */
  busyUs = 0;

  add(status: string, run: number | null, runUs: number): void {
    this.count++;
    if (status === 'ok') this.ok++;
    else if (status === 'error') this.error++;
    else if (status === 'aborted') this.aborted++;
    else this.pending++;
    if (run !== null) this.busyUs += runUs;
  }

  /** add('ok', ...) of `n` tasks whose run times, those timed, sum to busyUs / 1e6. */
  addPlain(n: number, busyUs: number): void {
    this.count += n;
    this.ok += n;
    this.busyUs += busyUs;
  }

  merge(o: Counts): void {
    this.count += o.count;
    this.ok += o.ok;
    this.error += o.error;
    this.aborted += o.aborted;
    this.pending += o.pending;
    this.busyUs += o.busyUs;
  }

  /** The group's numbers; `runs` and `waits` (its durations, in any order) are reordered in place, or come with their spread. */
  result(key: string | number | null, runs: Float64Array | Spreaded, waits: Float64Array | Spreaded, span: number | null, engines: number): GroupStats {
    const run = runs instanceof Float64Array ? { n: runs.length, spread: spreadOf(runs) } : runs;
    const wait = waits instanceof Float64Array ? spreadOf(waits) : waits.spread;
    const timed = run.n;
    const capacity = span === null || span <= 0 ? null : span * engines;
    const busy = this.busyUs / 1e6;
    const utilisation = capacity === null ? null : busy / capacity;
    return {
      key,
      count: this.count,
      ok: this.ok,
      error: this.error,
      aborted: this.aborted,
      pending: this.pending,
      timed,
      untimed: this.count - timed,
      busy,
      utilisation,
      // what is left of the span: nothing, where a group kept more than one engine busy at once (utilisation past 100%)
      idle_percent: utilisation === null ? null : Math.max(0, 100 * (1 - utilisation)),
      run_time: run.spread,
      queue_wait: wait,
      throughput: span === null || span <= 0 ? null : timed / span,
    };
  }
}

/** One way of grouping: each group's number and counts, and each record's group number. */
interface Grouping {
  readonly index: Map<string | number | null, number>;
  readonly keys: (string | number | null)[];
  readonly counts: Counts[];
  readonly of: Column<Uint32Array>;
  /** Of a column read, the group number of each engine uuid's plain rows (by the uuid's index), once found. */
  readonly byUuid: number[];
}

/**
 * Per-group task statistics, fed one record at a time so that a streamed
 * answer is never held whole. Run time is `started`→`completed`, queue wait
 * `submitted`→`started`; a record missing either time is counted but not
 * timed. A group's utilisation is its busy time over the span of the whole
 * selection (first start to last completion), so an engine that sat idle at
 * the start shows it. `also` groups the same records other ways at once
 * (`result(g)` gives each), sharing one total. Of each record only its two
 * durations and its group numbers are kept (16 bytes and 4 a grouping).
 */
export class StatsBuilder {
  private readonly groupings = new Map<StatsGroup, Grouping>();
  private readonly total = new Counts();
  private readonly runs = durations();
  private readonly waits = durations();
  private readonly engines = new Set<string | number>();
  /** uuid → id pairs that records carry (a failed task's engine_info), for stores without an engine map. */
  private readonly learned = new Map<string, number>();
  private first: number | null = null;
  private last: number | null = null;
  /** Of a column read's engine uuids (by their index): those `learned` has already seen, and those whose id `engines` holds. */
  private readonly learnedUuids: boolean[] = [];
  private readonly timedUuids: boolean[] = [];
  /** The total's numbers, computed once for every grouping's result (sorting a million durations takes a while). */
  private totalStats: GroupStats | undefined;
  /** A record's numbers as `add` finds them, and a chunk's (addChunk), kept between calls. */
  private readonly one: RowNumbers;
  private scratch: RowNumbers;
  private seen = new Int32Array(0);
  private marks = new Uint8Array(0);

  constructor(readonly by: StatsGroup, private readonly ctx: DeriveContext = {}, also: readonly StatsGroup[] = []) {
    for (const g of [by, ...also]) this.groupings.set(g, { index: new Map(), keys: [], counts: [], of: new Column((n) => new Uint32Array(n)), byUuid: [] });
    this.one = rowNumbers(1, this.groupings.size);
    this.scratch = rowNumbers(0, this.groupings.size);
  }

  add(rec: TaskRecord): void {
    this.totalStats = undefined;
    const one = this.one;
    this.recordAt(rec, 0, one);
    this.runs.push(one.runs[0]!);
    this.waits.push(one.waits[0]!);
    let k = 0;
    for (const g of this.groupings.values()) g.of.push(one.of[k++]![0]!);
  }

  /**
   * Row `i` of `rows` from a record: its run time and queue wait, and its
   * group in each grouping (in the groupings' order), its counts added.
   */
  private recordAt(rec: TaskRecord, i: number, rows: RowNumbers): void {
    const status = taskStatus(rec);
    const uuid = rec['engine_uuid'];
    if (typeof uuid === 'string' && !this.learned.has(uuid)) {
      const id = engineIdOf(rec, this.ctx);
      if (id !== null) this.learned.set(uuid, id);
    }
    const run = runTime(rec);
    const wait = queueWait(rec);
    const s = run === null ? 0 : (rec['started'] as Timestamp).us;
    const c = run === null ? 0 : (rec['completed'] as Timestamp).us;
    let k = 0;
    for (const [by, g] of this.groupings) {
      const n = this.groupNumber(g, groupKey(rec, by, this.ctx, status));
      g.counts[n]!.add(status, run, c - s);
      rows.of[k++]![i] = n;
    }
    this.total.add(status, run, c - s);
    rows.runs[i] = run ?? NaN;
    rows.waits[i] = wait ?? NaN;
    if (run !== null) {
      if (this.first === null || s < this.first) this.first = s;
      if (this.last === null || c > this.last) this.last = c;
      const engine = engineIdOf(rec, this.ctx) ?? (typeof rec['engine_uuid'] === 'string' ? rec['engine_uuid'] : null);
      if (engine !== null) this.engines.add(engine);
    }
  }

  /**
   * The rows of a column read, in the store's order: a plain row (its reply
   * the hub's plain success, its engine one the map names) as `add` takes
   * a record whose status is ok and whose engine id is the map's, without
   * one; any other row by `add` on the record it comes with.
   *
   * Each step is a loop of its own over the chunk's typed arrays (plainTimes,
   * plainGroups, plainCounts): a fresh process compiles each once, with
   * every branch of it already run, where one loop doing all of them was
   * compiled, thrown away at a branch not yet taken, and compiled again.
   * The answer does not depend on the order the rows are taken in (counts
   * and sums of whole microseconds, least and greatest times, and spreads
   * of the same values), so the records are taken first.
   */
  addChunk(chunk: ColumnChunk, uuids: readonly string[], ids: MappedIds): void {
    this.totalStats = undefined;
    const n = chunk.length;
    const rows = this.rowNumbers(n);
    const functions = chunk.functions;
    for (let i = 0; i < n; i++) {
      if (chunk.plain[i]) continue;
      const rec = chunk.records[i]!;
      if (functions) rec['function'] = functions[i]!;
      this.recordAt(rec, i, rows);
    }
    // the plain rows' engines, as `add` would learn and count them
    const seen = this.seenUuids(n);
    const marks = this.uuidMarks(uuids.length);
    const plainRows = plainEngines(chunk.plain, chunk.uuid, n, marks, seen);
    for (let j = 0; j < plainRows.distinct; j++) {
      const u = seen[j]!;
      if (this.learnedUuids[u] !== true) {
        const uuid = uuids[u]!;
        if (!this.learned.has(uuid)) this.learned.set(uuid, ids.of(u));
        this.learnedUuids[u] = true;
      }
    }
    const times = plainTimes(chunk, n, rows, marks);
    if (times.timed > 0) {
      if (this.first === null || times.first < this.first) this.first = times.first;
      if (this.last === null || times.last > this.last) this.last = times.last;
    }
    for (let j = 0; j < plainRows.distinct; j++) {
      const u = seen[j]!;
      if (marks[u] === 1 && this.timedUuids[u] !== true) {
        this.engines.add(ids.of(u));
        this.timedUuids[u] = true;
      }
      marks[u] = 0;
    }
    this.total.addPlain(plainRows.count, times.busyUs);
    let k = 0;
    for (const [by, g] of this.groupings) {
      const of = rows.of[k++]!;
      if (by === 'engine_id') {
        // plain rows of an engine group by the map's id: its group number, once found
        for (let j = 0; j < plainRows.distinct; j++) {
          const u = seen[j]!;
          if (g.byUuid[u] === undefined) g.byUuid[u] = this.groupNumber(g, ids.of(u));
        }
        plainGroupsByUuid(chunk.plain, chunk.uuid, n, g.byUuid, of);
      } else if (by === 'status') {
        plainGroupsAll(chunk.plain, n, this.groupNumber(g, 'ok'), of);
      } else {
        const keys = by === 'function' ? functions! : chunk.values[by]!;
        for (let i = 0; i < n; i++) if (chunk.plain[i]) of[i] = this.groupNumber(g, by === 'function' ? keys[i] as string | null : groupValue(keys[i]));
      }
      plainCounts(chunk.plain, n, of, rows.runUs, g.counts);
      g.of.append(of, n);
    }
    this.runs.append(rows.runs, n);
    this.waits.append(rows.waits, n);
  }

  /** Scratch rows for a chunk of `n`: kept between chunks, grown when one is larger. */
  private rowNumbers(n: number): RowNumbers {
    if (this.scratch.runs.length < n) this.scratch = rowNumbers(Math.max(n, 2 * this.scratch.runs.length), this.groupings.size);
    return this.scratch;
  }

  /** Room for the distinct uuid indices of a chunk's plain rows. */
  private seenUuids(n: number): Int32Array {
    if (this.seen.length < n) this.seen = new Int32Array(Math.max(n, 2 * this.seen.length));
    return this.seen;
  }

  /** A mark for each uuid index, for the plain rows of one chunk (each step leaves them cleared). */
  private uuidMarks(uuids: number): Uint8Array {
    if (this.marks.length < uuids) this.marks = new Uint8Array(Math.max(uuids, 2 * this.marks.length));
    return this.marks;
  }

  /** The number of a grouping's group of `key`, a new group when it has none. */
  private groupNumber(g: Grouping, key: string | number | null): number {
    let n = g.index.get(key);
    if (n === undefined) {
      n = g.keys.length;
      g.index.set(key, n);
      g.keys.push(key);
      g.counts.push(new Counts());
    }
    return n;
  }

  result(by: StatsGroup = this.by): TaskStats {
    const g = this.groupings.get(by);
    if (!g) throw new Error(`these stats are not grouped by ${by}`);
    const span = this.first === null || this.last === null ? null : (this.last - this.first) / 1e6;
    for (const [uuid, id] of this.learned) if (this.engines.delete(uuid)) this.engines.add(id);
    // an engine first seen by uuid, then named by id in a record: one group
    const out = new Map<string | number | null, number>();
    const target = g.keys.map((k) => {
      const key = by === 'engine_id' && typeof k === 'string' ? this.learned.get(k) ?? k : k;
      let t = out.get(key);
      if (t === undefined) out.set(key, (t = out.size));
      return t;
    });
    const keys = [...out.keys()];
    const counts = keys.map(() => new Counts());
    g.counts.forEach((c, i) => counts[target[i]!]!.merge(c));
    // each record's group as merged (target), found once for both columns
    const groupOf = g.of.flat((n) => new Uint32Array(n));
    retarget(groupOf, Uint32Array.from(target));
    const runs = bucketed(this.runs, groupOf, keys.length);
    const waits = bucketed(this.waits, groupOf, keys.length);
    const order = keys.map((k, i) => [k, i] as const).sort((a, b) => compareEngines(a[0], b[0]));
    // each group's durations are sorted as its spread is found: the total's is then read from them, not sorted again
    const groups = order.map(([k, i]) => counts[i]!.result(k, runs(i), waits(i), span, 1));
    const parts = (of: (i: number) => Float64Array) => keys.map((_, i) => of(i));
    this.totalStats ??= this.total.result(
      null, spreadOfSorted(parts(runs)) ?? setValues(this.runs), spreadOfSorted(parts(waits)) ?? setValues(this.waits), span, Math.max(1, this.engines.size),
    );
    return {
      by,
      groups,
      total: this.totalStats,
      first_started: this.first === null ? null : new Timestamp(this.first),
      last_completed: this.last === null ? null : new Timestamp(this.last),
      span,
      engines: this.engines.size,
    };
  }

  /** The result of one grouping, whose group numbers are then let go: a second call for it is an error. */
  take(by: StatsGroup): TaskStats {
    const st = this.result(by);
    this.groupings.delete(by);
    return st;
  }

  /** Every run time and queue wait added so far, in seconds, ascending, and how many records had none. */
  durations(): { run_time: Float64Array; queue_wait: Float64Array; untimed: number; unwaited: number } {
    const run = sortedValues(this.runs);
    const wait = sortedValues(this.waits);
    return { run_time: run, queue_wait: wait, untimed: this.runs.length - run.length, unwaited: this.waits.length - wait.length };
  }
}

/** A chunk's numbers, row by row: run time and queue wait in seconds (NaN: none), run time in whole microseconds (0: none), each grouping's group number. */
interface RowNumbers {
  readonly runs: Float64Array;
  readonly waits: Float64Array;
  readonly runUs: Float64Array;
  readonly of: Uint32Array[];
}

function rowNumbers(n: number, groupings: number): RowNumbers {
  return { runs: new Float64Array(n), waits: new Float64Array(n), runUs: new Float64Array(n), of: Array.from({ length: groupings }, () => new Uint32Array(n)) };
}

/** How many of a chunk's rows are plain, and their distinct uuid indices (the first `distinct` of `seen`); `marks` are left cleared. */
function plainEngines(plain: Uint8Array, uuid: Int32Array, n: number, marks: Uint8Array, seen: Int32Array): { count: number; distinct: number } {
  let count = 0;
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    if (plain[i] === 0) continue;
    count++;
    const u = uuid[i]!;
    if (marks[u] === 0) {
      marks[u] = 1;
      seen[distinct++] = u;
    }
  }
  for (let j = 0; j < distinct; j++) marks[seen[j]!] = 0;
  return { count, distinct };
}

/**
 * The run times and queue waits of a chunk's plain rows (into `rows`), how
 * many are timed and their run times' sum in whole microseconds, the first
 * start and last completion among them; `timedUuids` marks the uuid index
 * of each timed row.
 */
function plainTimes(c: ColumnChunk, n: number, rows: RowNumbers, timedUuids: Uint8Array): { timed: number; busyUs: number; first: number; last: number } {
  const { plain, uuid, submitted, started, completed } = c;
  const { runs, waits, runUs } = rows;
  let timed = 0;
  let busyUs = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    if (plain[i] === 0) continue;
    const s = started[i]!;
    const e = completed[i]!;
    const sub = submitted[i]!;
    if (s === s && e === e) {
      const us = e - s;
      runs[i] = us / 1e6;
      runUs[i] = us;
      busyUs += us;
      timed++;
      if (s < first) first = s;
      if (e > last) last = e;
      timedUuids[uuid[i]!] = 1;
    } else {
      runs[i] = NaN;
      runUs[i] = 0;
    }
    waits[i] = sub === sub && s === s ? (s - sub) / 1e6 : NaN;
  }
  return { timed, busyUs, first, last };
}

/** The group of each plain row: its uuid's (`byUuid`, by uuid index). */
function plainGroupsByUuid(plain: Uint8Array, uuid: Int32Array, n: number, byUuid: readonly number[], of: Uint32Array): void {
  for (let i = 0; i < n; i++) if (plain[i] !== 0) of[i] = byUuid[uuid[i]!]!;
}

/** The group of every plain row: one. */
function plainGroupsAll(plain: Uint8Array, n: number, group: number, of: Uint32Array): void {
  for (let i = 0; i < n; i++) if (plain[i] !== 0) of[i] = group;
}

/** Each plain row counted in its group (`of`): a task whose status is ok, its run time (whole microseconds, 0 untimed) added. */
function plainCounts(plain: Uint8Array, n: number, of: Uint32Array, runUs: Float64Array, counts: readonly Counts[]): void {
  for (let i = 0; i < n; i++) {
    if (plain[i] === 0) continue;
    const c = counts[of[i]!]!;
    c.count++;
    c.ok++;
    c.busyUs += runUs[i]!;
  }
}

/** The values of a column that are set (not NaN), in the column's order. */
function setValues(col: Column<Float64Array>): Float64Array {
  const all = col.flat((n) => new Float64Array(n));
  let n = 0;
  for (let i = 0; i < all.length; i++) if (all[i] === all[i]) n++;
  const out = new Float64Array(n);
  let at = 0;
  for (let i = 0; i < all.length; i++) {
    const v = all[i]!;
    if (v === v) out[at++] = v;
  }
  return out;
}

/** The values of a column that are set (not NaN), ascending. */
function sortedValues(col: Column<Float64Array>): Float64Array {
  return setValues(col).sort();
}

/**
 * The set values of a column placed group by group in one array: `part(i)`
 * is group i's, in the column's order (`groupOf`: each record's group).
 */
function bucketed(col: Column<Float64Array>, groupOf: Uint32Array, groups: number): (i: number) => Float64Array {
  const parts = col.parts();
  const starts = new Float64Array(groups + 1);
  let r = 0;
  for (const { values, count } of parts) r = countByGroup(values, count, groupOf, r, starts);
  for (let i = 0; i < groups; i++) starts[i + 1]! += starts[i]!;
  const at = Float64Array.from(starts);
  const out = new Float64Array(starts[groups]!);
  r = 0;
  for (const { values, count } of parts) r = placeByGroup(values, count, groupOf, r, at, out);
  const slices = Array.from({ length: groups }, (_, i) => out.subarray(starts[i]!, starts[i + 1]!));
  return (i) => slices[i]!;
}

/*
 * bucketed's two loops, each a function of its own: a fresh process
 * compiles each with its feedback, where one function compiled during the
 * first loop was thrown away at the second.
 */

/** Counts the set values among the first `count` of `values` in `starts` (at each one's group + 1), the records from `r` on; returns the next record's position. */
function countByGroup(values: Float64Array, count: number, groupOf: Uint32Array, r: number, starts: Float64Array): number {
  for (let i = 0; i < count; i++, r++) if (values[i] === values[i]) starts[groupOf[r]! + 1]!++;
  return r;
}

/** Places the set values among the first `count` of `values` in `out`, each at its group's next place (`at`); returns the next record's position. */
function placeByGroup(values: Float64Array, count: number, groupOf: Uint32Array, r: number, at: Float64Array, out: Float64Array): number {
  for (let i = 0; i < count; i++, r++) {
    const v = values[i]!;
    if (v === v) out[at[groupOf[r]!]!++] = v;
  }
  return r;
}

/** Each record's group number replaced by its group's as merged. */
function retarget(groupOf: Uint32Array, target: Uint32Array): void {
  for (let i = 0; i < groupOf.length; i++) groupOf[i] = target[groupOf[i]!]!;
}

function groupKey(rec: TaskRecord, by: StatsGroup, ctx: DeriveContext, status: string): string | number | null {
  switch (by) {
    case 'engine_id':
      return engineIdOf(rec, ctx) ?? (typeof rec['engine_uuid'] === 'string' ? rec['engine_uuid'] : null);
    case 'function':
      return functionOf(rec);
    case 'status':
      return status;
    default: {
      const v = rec[by];
      return typeof v === 'string' || typeof v === 'number' ? v : null;
    }
  }
}

/** Durations with their spread found: how many, and the spread. */
interface Spreaded {
  readonly n: number;
  readonly spread: Spread;
}

/** Parts (each sorted) of more than this many: the total's spread is found by sorting the whole. */
const MOST_PARTS = 64;

/**
 * The spread of the values of several parts, each sorted ascending, as
 * `spreadOf` of them all would give it (the same ranks, the same
 * arithmetic) without putting them together: null when a part is not
 * sorted (a large one, whose spread was found by selection) or there are
 * too many parts.
 */
export function spreadOfSorted(parts: readonly Float64Array[]): Spreaded | null {
  if (parts.length > MOST_PARTS || parts.some((p) => p.length > SORT_AT_MOST)) return null;
  const live = parts.filter((p) => p.length > 0);
  const n = live.reduce((sum, p) => sum + p.length, 0);
  if (n === 0) return { n, spread: { min: null, median: null, p95: null, max: null } };
  // how many values are at most x
  const atMost = (x: number) => live.reduce((sum, p) => sum + upperBound(p, x), 0);
  // the k-th smallest (0-based): in each part, the first value with more than k at most it; the least of those
  const kth = (k: number): number => {
    let best = Infinity;
    for (const p of live) {
      let lo = 0;
      let hi = p.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (atMost(p[mid]!) > k) hi = mid;
        else lo = mid + 1;
      }
      if (lo < p.length && p[lo]! < best) best = p[lo]!;
    }
    return best;
  };
  const at = (q: number): number => {
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    const a = kth(lo);
    const b = hi === lo ? a : kth(hi);
    return a + (b - a) * (pos - lo);
  };
  let min = Infinity;
  let max = -Infinity;
  for (const p of live) {
    if (p[0]! < min) min = p[0]!;
    if (p[p.length - 1]! > max) max = p[p.length - 1]!;
  }
  return { n, spread: { min, median: at(0.5), p95: at(0.95), max } };
}

/** How many values of a sorted array are at most x. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * min, median, p95 and max of values in any order (reordered in place): the
 * quantiles by selection, the same numbers as `quantile` of the sorted values
 * without sorting them.
 */
export function spreadOf(values: Float64Array): Spread {
  const n = values.length;
  if (n === 0) return { min: null, median: null, p95: null, max: null };
  // below this many values the native sort takes less time than selection (whose loop V8 compiles first)
  if (n <= SORT_AT_MOST) {
    const sorted = values.sort();
    return { min: sorted[0]!, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted[n - 1]! };
  }
  let min = values[0]!;
  let max = values[0]!;
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, median: selectedQuantile(values, 0.5), p95: selectedQuantile(values, 0.95), max };
}

const SORT_AT_MOST = 1 << 18;

/** `quantile(sorted, q)` of values in any order: the two ranks it reads found by selection. */
function selectedQuantile(values: Float64Array, q: number): number {
  const n = values.length;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = select(values, lo);
  let b = a;
  if (hi !== lo) {
    // after selection every value right of lo is at least the lo-th: the next rank is their least
    b = values[lo + 1]!;
    for (let i = lo + 2; i < n; i++) if (values[i]! < b) b = values[i]!;
  }
  return a + (b - a) * (pos - lo);
}

/**
 * The k-th smallest value (0-based), found by quickselect: the values are
 * reordered so that every one left of k is at most it and every one right
 * of k at least it.
 */
export function select(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    // median of three as the pivot
    const mid = (left + right) >>> 1;
    let a = values[left]!;
    let b = values[mid]!;
    let c = values[right]!;
    if (a > b) [a, b] = [b, a];
    if (b > c) {
      b = c;
      if (a > b) b = a;
    }
    const pivot = b;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** The q-quantile, linear between the two nearest ranks. */
export function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
