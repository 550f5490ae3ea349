/**
 * The answers a client gives — db_query's record list or stream, and what
 * get_result shows of a task — as plain values, so that format/ can render
 * them without depending on client/.
 */
import type { Dict, TaskRecord } from './values.js';
import type { Timestamp } from './timestamp.js';

/**
 * The answer of db_query: a list of records (as Python's list of dicts),
 * with the keys asked for, msg_id first. The shell treats it as a list.
 */
export class RecordList {
  constructor(
    readonly keys: readonly string[],
    readonly records: TaskRecord[],
  ) {}
  get length(): number {
    return this.records.length;
  }
}

/**
 * A db_query answer read as it arrives, for script mode to write record by
 * record (a million records never sit in memory at once). It can be read once.
 */
export class RecordStream implements AsyncIterable<TaskRecord> {
  private started = false;

  constructor(
    /** The keys asked for, msg_id first (and `table` when the store reads several task tables). */
    readonly keys: readonly string[],
    private readonly iterator: AsyncIterator<TaskRecord>,
    /** The first result, already read (so that a bad query fails before anything is written). */
    private readonly head: IteratorResult<TaskRecord>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<TaskRecord> {
    if (this.started) throw new Error('a record stream can be read once');
    this.started = true;
    try {
      for (let r = this.head; !r.done; r = await this.iterator.next()) yield r.value;
    } finally {
      await this.close();
    }
  }

  /** Stops reading: the store lets go. */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

export type TaskStatus = 'ok' | 'error' | 'pending' | 'aborted' | 'unknown';

/** What get_result shows of one task: status, timing, streams, error, result. */
export interface TaskResult {
  readonly msgId: string;
  readonly status: TaskStatus;
  readonly record: TaskRecord;
  readonly engineId: number | null;
  readonly engineUuid: string | null;
  readonly submitted: Timestamp | null;
  readonly started: Timestamp | null;
  readonly completed: Timestamp | null;
  /** started − submitted, in microseconds. */
  readonly queueWaitUs: number | null;
  /** completed − started, in microseconds. */
  readonly runTimeUs: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error: { readonly ename: string; readonly evalue: string; readonly traceback: readonly string[] } | null;
  readonly executeResult: Dict | null;
}
