import { Timestamp, type DeriveContext, type TaskRecord } from '../records/index.js';
import { ERROR_KEYS, ErrorsBuilder, type ErrorReport } from './failure-groups.js';
import { StatsBuilder, statsKeys, type TaskStats } from './run-stats.js';

/** The keys a report reads from each record: what stats by function and label, the errors and the wall time need. */
export const REPORT_KEYS: readonly string[] = [...new Set([...statsKeys('function'), 'label', ...ERROR_KEYS, 'received'])];

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
  /** Every run time and queue wait, seconds, ascending, for the histograms; `missing`: records without one. */
  readonly run_times: { readonly values: Float64Array; readonly missing: number };
  readonly queue_waits: { readonly values: Float64Array; readonly missing: number };
}

/**
 * A report fed one record at a time, so that a streamed answer is never
 * held: per group running sums and the durations, the failures' ids.
 */
export class ReportBuilder {
  private readonly stats: StatsBuilder;
  private readonly errors: ErrorsBuilder;
  private records = 0;
  private first: Timestamp | null = null;
  private last: Timestamp | null = null;

  constructor(ctx: DeriveContext = {}) {
    this.stats = new StatsBuilder('engine_id', ctx, ['function', 'label']);
    this.errors = new ErrorsBuilder(null, ctx, false);
  }

  add(rec: TaskRecord): void {
    this.records++;
    this.stats.add(rec);
    this.errors.add(rec);
    const s = rec['submitted'];
    if (s instanceof Timestamp && (this.first === null || s.us < this.first.us)) this.first = s;
    const r = rec['received'] instanceof Timestamp ? rec['received'] : rec['completed'];
    if (r instanceof Timestamp && (this.last === null || r.us > this.last.us)) this.last = r;
  }

  result(): RunReport {
    // each grouping's durations are let go once its numbers are out, before the next one sorts its own
    const byEngine = this.stats.take('engine_id');
    const byFunction = this.stats.take('function');
    const byLabel = this.stats.take('label');
    const d = this.stats.durations();
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
      by_function: byFunction,
      by_label: byLabel,
      errors: this.errors.result(),
      run_times: { values: d.run_time.sort(), missing: d.untimed },
      queue_waits: { values: d.queue_wait.sort(), missing: d.unwaited },
    };
  }
}
