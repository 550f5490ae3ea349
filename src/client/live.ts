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

export interface EngineEvent {
  readonly kind: 'registered' | 'unregistered' | 'shutdown';
  readonly id: number | null;
  readonly uuid: string | null;
}
