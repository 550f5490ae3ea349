import type { KeysInput, QueryInput } from '../query/index.js';
import type { LiveFeed } from './live.js';
import type { QueueStatus } from './queue-status.js';
import type { DeriveContext, RecordList, TaskRecord, TaskResult, Timestamp } from '../records/index.js';
import type { IndexReport } from '../stores/index.js';
import type { ColumnRead, ColumnRequest } from '../analytics/index.js';

export type { IndexReport };

/** How a wait reports and ends early. */
export interface WaitOptions {
  /** How many of the tasks have finished, after each poll. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Said once, before the first progress, when there is a reason the tasks may never finish. */
  readonly onNote?: (note: string) => void;
  /** Ctrl-C: the polling stops at once, so nothing keeps asking the store after the statement ended. */
  readonly signal?: AbortSignal;
}

/** How ipc's own readers (stats, timelines) take an answer. */
export interface StreamOptions {
  /**
   * Dict columns among the keys read only through `columnValue`, to derive
   * from: a store may leave them as their stored text (see FindOptions).
   */
  readonly lazy?: readonly string[];
  /** The reader's answer does not depend on the records' order: a store may give them in its own. */
  readonly unordered?: boolean;
  /** Stops the decoding of derived keys when the statement is stopped (an answer read in one pass is put in order before its first record comes). */
  readonly signal?: AbortSignal;
}


/** What a reader of columns asks for: the client adds the engine map. */
export type TaskColumnsRequest = Omit<ColumnRequest, 'mapped'>;

/** An answer's tasks as columns, and the engine map they were read against (a plain row's engine id is the map's). */
export interface TaskColumns {
  readonly read: ColumnRead;
  readonly ctx: DeriveContext;
}

/**
 * What a client does beyond what every client does, declared so that the
 * session picks its way by reading them rather than probing for methods.
 * Every method is there on every client; where a capability is false, its
 * method gives the plain answer.
 */
export interface ClientCapabilities {
  /** countQuery counts without building the records (else it is the length of dbQuery's answer). */
  readonly count: boolean;
  /** pagedQuery may keep a large answer in the store (else it answers null). */
  readonly paged: boolean;
  /** streamQueryTexts may give each record's JSON text (else it answers null). */
  readonly texts: boolean;
  /** createIndexes indexes the store (else it raises a StoreError saying why not). */
  readonly indexes: boolean;
  /** changeStamp tells when a writer may have changed the records (else it answers ''). */
  readonly changes: boolean;
  /** taskColumns may read an answer's tasks as columns (else it answers null: %stats and %timeline read records). */
  readonly columns: boolean;
}

/**
 * The `rc` object: one interface, a store-backed and a hub-backed
 * implementation. Method names are ipyparallel's Client methods in camelCase;
 * the shell maps `rc.db_query` to `dbQuery` and so on.
 */
export interface Client {
  readonly mode: 'store' | 'hub';
  readonly capabilities: ClientCapabilities;
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
  /** `signal` stops the decoding of derived keys when the statement is stopped. */
  dbQuery(query: QueryInput, keys?: KeysInput, signal?: AbortSignal): Promise<RecordList>;
  /**
   * The keys of an answer: those asked for (msg_id first), or without keys
   * the store's own (a 7.x table has no `label` column, so its records have
   * no `label` key).
   */
  answerKeys(keys?: KeysInput): readonly string[];
  /**
   * `len(db_query(query, keys))`, without building the records where the
   * client can count (capabilities.count; bad keys fail as db_query's do).
   */
  countQuery(query: QueryInput, keys?: KeysInput, signal?: AbortSignal): Promise<number>;
  /** `%index`: asks for a confirmation, then indexes the store's tables (a SQLite store opened with --write). */
  createIndexes(): Promise<IndexReport>;
  /**
   * db_query's answer kept in the store and read a page at a time (the
   * interactive viewer of a large answer), or null when the store cannot.
   */
  pagedQuery(query: QueryInput, keys?: KeysInput): Promise<RecordList | null>;
  /**
   * db_query's tasks as columns, for the readers that count, sum and place
   * them (%stats, %timeline): null when this client or its store reads
   * records only (capabilities.columns), or the query names a derived key.
   */
  taskColumns(query: QueryInput, request: TaskColumnsRequest): Promise<TaskColumns | null>;
  /** Makes ready, ahead of one, what a large column read takes (an interactive session calls it at its start); nothing where there is none. */
  readyColumnReads(): void;
  /** Streams the answer, for script mode and very large answers. */
  streamQuery(query: QueryInput, keys?: KeysInput, options?: StreamOptions): AsyncIterable<TaskRecord>;
  /**
   * Streams the answer as each record's JSON text (script mode's json and
   * jsonl output), or null when the client can only give the records.
   */
  streamQueryTexts(query: QueryInput, keys?: KeysInput): AsyncIterable<string> | null;
  getResult(msgIds: readonly string[]): Promise<TaskResult[]>;
  hubHistory(): Promise<string[]>;
  purgeResults(msgIds: readonly string[] | 'all', targets?: readonly number[]): Promise<number>;
  /** Every engine when `targets` is null. */
  queueStatus(targets?: readonly number[] | null, verbose?: boolean): Promise<QueueStatus>;
  /** Engine id → uuid, when known. */
  engines(): Promise<Map<number, string>>;
  /** What derived keys (engine_id) need from the client: the engine map, by uuid. */
  deriveContext(): Promise<DeriveContext>;
  resubmit(msgIds: readonly string[]): Promise<Record<string, string>>;
  /**
   * `rc.abort(jobs, targets)`: asks the engines (every registered one when
   * targets is null) not to run these tasks, through the hub's control
   * queue. Each engine's answer is awaited at most `waitMs`: an engine busy
   * with a task reads the request only when that task ends (so this never
   * hangs on one). A store says it needs a running hub.
   */
  abort(msgIds: readonly string[], targets: readonly number[] | null, waitMs?: number): Promise<EngineAnswers>;
  /** `rc.send_signal(sig, targets)`: the engines' nannies signal their engine processes (ipyparallel 7 and newer). */
  sendSignal(sig: number | string, targets: readonly number[] | null, waitMs?: number): Promise<EngineAnswers>;
  /** The tasks this client resubmitted and has not seen finish (what rc.abort() without jobs aborts). */
  outstandingTasks(): string[];
  /**
   * Asked before %abort and %retry act on the cluster: false is "no". A
   * client opened without a way to ask takes the call as its own consent.
   */
  confirmAction(question: string): Promise<boolean>;
  /**
   * `rc.result_status(msg_ids)` with status_only=True: which tasks are
   * pending and which completed, sorted, without fetching any result. A
   * task nobody knows is a KeyError, as the hub answers it.
   */
  resultStatus(msgIds: readonly string[]): Promise<ResultStatus>;
  /**
   * Resolves true when every task completed within `timeoutSeconds` (or
   * forever with null). null ids are this client's outstanding tasks, as
   * ipyparallel's `Client.wait()` without jobs: those it resubmitted and
   * has not yet seen finish (none at all on a store).
   */
  wait(msgIds: readonly string[] | null, timeoutSeconds: number | null, options?: WaitOptions): Promise<boolean>;
  /** The hub's IOPub relay and engine notifications; absent on a store. */
  readonly live?: LiveFeed;
  /** Changes when a writer may have changed the store (a SQLite file); '' where nothing cheap tells. */
  changeStamp(): string;
  /** Where the records added since a moment can be read without the others (a SQLite store): for views that follow a cluster. */
  readonly follow?: RecordFollow;
  close(): Promise<void>;
}

/**
 * What a view that follows a running cluster (%top) reads instead of asking
 * for everything again, in one read of the store (one snapshot): the
 * records added since a mark, found without reading the others, and the
 * records of the tasks it follows, by msg_id.
 */
export interface RecordFollow {
  /**
   * db_query's records among those added since `mark` (none without one),
   * and those of `ids` with `idKeys` (the ones still there); with the mark
   * of now, for the next call.
   */
  changes(mark: string | null, query: QueryInput, keys: KeysInput, ids: readonly string[], idKeys: KeysInput): Promise<FollowedChanges>;
}

export interface FollowedChanges {
  readonly mark: string;
  readonly added: TaskRecord[];
  readonly known: TaskRecord[];
}

/** How each engine answered a control request (abort, signal). */
export interface EngineAnswers {
  /** Engines that answered ok. */
  readonly ok: number[];
  /** Engines that did not answer in time (busy with a task, or unable to take the request). */
  readonly silent: number[];
  /** Engines that answered with an error: its name and value. */
  readonly failed: { readonly engine: number; readonly ename: string; readonly evalue: string }[];
}

/** What result_status answers with status_only=True, as the hub's result_reply: msg_ids sorted. */
export interface ResultStatus {
  readonly pending: string[];
  readonly completed: string[];
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
export type { QueueStatus } from './queue-status.js';
export type { LiveFeed, IopubEvent, EngineEvent } from './live.js';
