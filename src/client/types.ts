import type { KeysInput, QueryInput } from '../query/index.js';
import type { Dict, RecordList, TaskRecord, TaskResult, Timestamp } from '../records/index.js';

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

export { RecordList, RecordStream, type TaskResult, type TaskStatus } from '../records/index.js';
