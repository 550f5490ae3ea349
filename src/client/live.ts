import type { KeysInput, QueryInput } from '../query/index.js';
import type { Dict, RecordList, Timestamp } from '../records/index.js';

/**
 * What a live hub says as it happens: the engines' IOPub messages (relayed
 * by the controller) and the notification channel's engine registrations.
 * A store has neither.
 */
export interface LiveFeed {
  /**
   * Subscribes to every engine's IOPub messages; resolves once the
   * subscription has reached the hub, with the function that ends it.
   */
  iopub(listener: (e: IopubEvent) => void): Promise<() => void>;
  /**
   * What each engine is doing as its IOPub status said since ipc began to
   * watch (the session's first live view, or this call: the watch goes on
   * for the session). An engine not heard from since is absent.
   */
  engineActivity(): Promise<ReadonlyMap<number, EngineActivity>>;
  /** Engines registering and unregistering, as the hub announces them; answers the function that stops listening. */
  engineEvents(listener: (e: EngineEvent) => void): () => void;
  /**
   * db_query for records the running hub wrote a moment ago (its datetime
   * bounds near now): a SQLiteDB hub compares dates as text, and gets such
   * a bound as it is rather than two days wider (it writes every date in the
   * UTC text it makes of the bound), so the answer holds what changed, not
   * two days of tasks.
   */
  recentQuery(query: QueryInput, keys: KeysInput): Promise<RecordList>;
}

/** One IOPub message of an engine. */
export interface IopubEvent {
  /** The engine id of the topic (`engine.3.stdout`), when it has one. */
  readonly engine: number | null;
  /** `status`, `stream`, `error`, `execute_result`, `execute_input`, … */
  readonly msgType: string;
  /** The task the message belongs to: its parent's msg_id. */
  readonly parentId: string | null;
  /** When the engine sent it (its header's date), else when it arrived. */
  readonly date: Timestamp;
  readonly content: Dict;
}

/** An engine's last IOPub status: busy with a task (its msg_id) since a time, or idle since then. */
export interface EngineActivity {
  readonly busy: boolean;
  readonly task: string | null;
  readonly since: Timestamp;
}

export interface EngineEvent {
  readonly kind: 'registered' | 'unregistered' | 'shutdown';
  readonly id: number | null;
  readonly uuid: string | null;
}
