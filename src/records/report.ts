import { queueWait, runTime, type DeriveContext } from './derived.js';
import { ERROR_KEYS, ErrorsBuilder, type ErrorReport } from './failures.js';
import { StatsBuilder, statsKeys, type TaskStats } from './stats.js';
import { Timestamp } from './timestamp.js';
import type { TaskRecord } from './values.js';

/** The keys a report reads from each record: what stats by function and label, the errors and the wall time need. */
export const REPORT_KEYS: readonly string[] = [...new Set([...statsKeys('function'), 'label', ...ERROR_KEYS, 'received'])];

/** Durations in seconds, in a typed array that grows: a million of them take 8 MB. */
class Durations {
  private values = new Float64Array(1024);
  length = 0;
  missing = 0;

  push(v: number | null): void {
    if (v === null) {
      this.missing++;
      return;
    }
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = v;
  }

  get array(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}

/**
 * The numbers of a post-mortem: ipyparallel's `visualizing-tasks` notebook
 * measures a run by its wall time (the earliest `submitted` to the latest
 * `received`, as `AsyncResult.wall_time`) and its serial time (the summed
 * `completed − started` of its tasks, as `AsyncResult.serial_time`);
 * speedup is serial / wall, efficiency speedup / engines (the engines that
 * ran a task).
 */
export interface RunReport {
  readonly records: number;
  readonly first_submitted: Timestamp | null;
  /** The latest `received` (the hub's receipt of a result), else `completed`, of any record. */
  readonly last_received: Timestamp | null;
  readonly wall_time: number | null;
  readonly serial_time: number;
  readonly speedup: number | null;
  readonly engines: number;
  readonly efficiency: number | null;
  readonly by_engine: TaskStats;
  readonly by_function: TaskStats;
  readonly by_label: TaskStats;
  readonly errors: ErrorReport;
  /** Every run time and queue wait, seconds, for the histograms; `missing`: records without one. */
  readonly run_times: { readonly values: Float64Array; readonly missing: number };
  readonly queue_waits: { readonly values: Float64Array; readonly missing: number };
}

/**
 * A report fed one record at a time, so that a streamed answer is never
 * held: per group running sums and the durations, the failures' ids.
 */
export class ReportBuilder {
  private readonly engine: StatsBuilder;
  private readonly fn: StatsBuilder;
  private readonly label: StatsBuilder;
  private readonly errors: ErrorsBuilder;
  private readonly runs = new Durations();
  private readonly waits = new Durations();
  private records = 0;
  private first: Timestamp | null = null;
  private last: Timestamp | null = null;

  constructor(ctx: DeriveContext = {}) {
    this.engine = new StatsBuilder('engine_id', ctx);
    this.fn = new StatsBuilder('function', ctx);
    this.label = new StatsBuilder('label', ctx);
    this.errors = new ErrorsBuilder(null, ctx);
  }

  add(rec: TaskRecord): void {
    this.records++;
    this.engine.add(rec);
    this.fn.add(rec);
    this.label.add(rec);
    this.errors.add(rec);
    this.runs.push(runTime(rec));
    this.waits.push(queueWait(rec));
    const s = rec['submitted'];
    if (s instanceof Timestamp && (this.first === null || s.us < this.first.us)) this.first = s;
    const r = rec['received'] instanceof Timestamp ? rec['received'] : rec['completed'];
    if (r instanceof Timestamp && (this.last === null || r.us > this.last.us)) this.last = r;
  }

  result(): RunReport {
    const byEngine = this.engine.result();
    const serial = byEngine.total.busy;
    const wall = this.first !== null && this.last !== null ? (this.last.us - this.first.us) / 1e6 : null;
    const speedup = wall !== null && wall > 0 ? serial / wall : null;
    const engines = byEngine.engines;
    return {
      records: this.records,
      first_submitted: this.first,
      last_received: this.last,
      wall_time: wall,
      serial_time: serial,
      speedup,
      engines,
      efficiency: speedup !== null && engines > 0 ? speedup / engines : null,
      by_engine: byEngine,
      by_function: this.fn.result(),
      by_label: this.label.result(),
      errors: this.errors.result(),
      run_times: { values: this.runs.array, missing: this.runs.missing },
      queue_waits: { values: this.waits.array, missing: this.waits.missing },
    };
  }
}
