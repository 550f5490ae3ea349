import type { KeysInput, QueryInput } from '../query/index.js';
import type { Dict, TaskRecord, Timestamp } from '../records/index.js';

/**
 * The `rc` object: one interface, a store-backed and a hub-backed
 * implementation. Method names are ipyparallel's Client methods in camelCase;
 * the shell maps `rc.db_query` to `dbQuery` and so on.
 */
export interface Client {
  readonly mode: 'store' | 'hub';
  /** `rc.session.session`: whose tasks are "mine". */
  readonly session: { readonly session: string | null };
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
