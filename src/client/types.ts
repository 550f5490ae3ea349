import type { KeysInput, QueryInput } from '../query/index.js';
import type { Dict, TaskRecord, Timestamp } from '../records/index.js';

/**
 * The `rc` object: one interface, a store-backed and a hub-backed
 * implementation. Method names are ipyparallel's Client methods in camelCase;
 * the shell maps `rc.db_query` to `dbQuery` and so on.
 */
export interface Client {
  readonly mode: 'store' | 'hub';
  /**
   * `rc.session.session`: whose tasks are "mine", as far as known: a store
   * client looks it up on first use, so read it after `sessionId()` or
   * `describe()` has resolved.
   */
  readonly session: { readonly session: string | null };
  /** `rc.session.session`, looked up when needed (a store client reads its summary once). */
  sessionId(): Promise<string | null>;
  /** One line for the banner: which store or hub. */
  describe(): Promise<ClientDescription>;
  dbQuery(query: QueryInput, keys?: KeysInput): Promise<RecordList>;
  /** Streams the answer, for script mode and very large answers. */
  streamQuery(query: QueryInput, keys?: KeysInput): AsyncIterable<TaskRecord>;
  getResult(msgIds: readonly string[]): Promise<TaskResult[]>;
  hubHistory(): Promise<string[]>;
  purgeResults(msgIds: readonly string[] | 'all', targets?: readonly number[]): Promise<number>;
  queueStatus(targets?: readonly number[], verbose?: boolean): Promise<Dict>;
  /** Engine id → uuid, when known. */
  engines(): Promise<Map<number, string>>;
  resubmit(msgIds: readonly string[]): Promise<Record<string, string>>;
  /** Resolves true when every task completed within `timeoutSeconds` (or forever with null). */
  wait(msgIds: readonly string[], timeoutSeconds: number | null, onProgress?: (done: number, total: number) => void): Promise<boolean>;
  close(): Promise<void>;
}

export interface ClientDescription {
  /** e.g. "SQLiteDB /home/u/.ipython/profile_default/tasks.db, table ipython-tasks" */
  readonly source: string;
  readonly count: number | null;
  readonly firstSubmitted: Timestamp | null;
  readonly lastSubmitted: Timestamp | null;
  /** Where rc.session.session came from: "--session", "the config", "the most recent client in the store". */
  readonly sessionOrigin: string;
}

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
