import { engineIdOf, queueWait, runTime, taskStatus, type DeriveContext, Timestamp } from '../records/index.js';
import { compareEngines, functionOf } from './intervals.js';
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
  /** 100 × (1 − utilisation). */
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

/** One group's running sums; durations are kept to find medians and percentiles. */
class Accumulator {
  count = 0;
  ok = 0;
  error = 0;
  aborted = 0;
  pending = 0;
  busy = 0;
  runTimes: number[] = [];
  waits: number[] = [];

  merge(o: Accumulator): void {
    this.count += o.count;
    this.ok += o.ok;
    this.error += o.error;
    this.aborted += o.aborted;
    this.pending += o.pending;
    this.busy += o.busy;
    for (const v of o.runTimes) this.runTimes.push(v);
    for (const v of o.waits) this.waits.push(v);
  }

  add(status: string, run: number | null, wait: number | null): void {
    this.count++;
    if (status === 'ok') this.ok++;
    else if (status === 'error') this.error++;
    else if (status === 'aborted') this.aborted++;
    else this.pending++;
    if (run !== null) {
      this.runTimes.push(run);
      this.busy += run;
    }
    if (wait !== null) this.waits.push(wait);
  }

  result(key: string | number | null, span: number | null, engines: number): GroupStats {
    const timed = this.runTimes.length;
    const capacity = span === null || span <= 0 ? null : span * engines;
    const utilisation = capacity === null ? null : this.busy / capacity;
    return {
      key,
      count: this.count,
      ok: this.ok,
      error: this.error,
      aborted: this.aborted,
      pending: this.pending,
      timed,
      untimed: this.count - timed,
      busy: this.busy,
      utilisation,
      idle_percent: utilisation === null ? null : 100 * (1 - utilisation),
      run_time: spread(this.runTimes),
      queue_wait: spread(this.waits),
      throughput: span === null || span <= 0 ? null : timed / span,
    };
  }
}

/**
 * Per-group task statistics, fed one record at a time so that a streamed
 * answer is never held whole. Run time is `started`→`completed`, queue wait
 * `submitted`→`started`; a record missing either time is counted but not
 * timed. A group's utilisation is its busy time over the span of the whole
 * selection (first start to last completion), so an engine that sat idle at
 * the start shows it.
 */
export class StatsBuilder {
  private readonly groups = new Map<string | number | null, Accumulator>();
  private readonly total = new Accumulator();
  private readonly engines = new Set<string | number>();
  /** uuid → id pairs that records carry (a failed task's engine_info), for stores without an engine map. */
  private readonly learned = new Map<string, number>();
  private first: number | null = null;
  private last: number | null = null;

  constructor(readonly by: StatsGroup, private readonly ctx: DeriveContext = {}) {}

  add(rec: TaskRecord): void {
    const status = taskStatus(rec);
    const uuid = rec['engine_uuid'];
    if (typeof uuid === 'string' && !this.learned.has(uuid)) {
      const id = engineIdOf(rec, this.ctx);
      if (id !== null) this.learned.set(uuid, id);
    }
    const run = runTime(rec);
    const wait = queueWait(rec);
    const key = groupKey(rec, this.by, this.ctx, status);
    let acc = this.groups.get(key);
    if (!acc) this.groups.set(key, (acc = new Accumulator()));
    acc.add(status, run, wait);
    this.total.add(status, run, wait);
    if (run !== null) {
      const s = (rec['started'] as Timestamp).us;
      const c = (rec['completed'] as Timestamp).us;
      if (this.first === null || s < this.first) this.first = s;
      if (this.last === null || c > this.last) this.last = c;
      const engine = engineIdOf(rec, this.ctx) ?? (typeof rec['engine_uuid'] === 'string' ? rec['engine_uuid'] : null);
      if (engine !== null) this.engines.add(engine);
    }
  }

  result(): TaskStats {
    const span = this.first === null || this.last === null ? null : (this.last - this.first) / 1e6;
    for (const [uuid, id] of this.learned) {
      const g = this.groups.get(uuid);
      if (this.by === 'engine_id' && g) {
        const into = this.groups.get(id);
        if (into) into.merge(g);
        else this.groups.set(id, g);
        this.groups.delete(uuid);
      }
      if (this.engines.delete(uuid)) this.engines.add(id);
    }
    const keys = [...this.groups.keys()].sort(compareEngines);
    return {
      by: this.by,
      groups: keys.map((k) => this.groups.get(k)!.result(k, span, 1)),
      total: this.total.result(null, span, Math.max(1, this.engines.size)),
      first_started: this.first === null ? null : new Timestamp(this.first),
      last_completed: this.last === null ? null : new Timestamp(this.last),
      span,
      engines: this.engines.size,
    };
  }
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

/** Numbers first, then text, None last. */
function spread(values: number[]): Spread {
  if (values.length === 0) return { min: null, median: null, p95: null, max: null };
  const sorted = Float64Array.from(values).sort();
  return { min: sorted[0]!, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted[sorted.length - 1]! };
}

/** The q-quantile, linear between the two nearest ranks. */
export function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
