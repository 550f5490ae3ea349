import { typeError } from '../errors.js';
import { describe, type KeysInput, type QueryInput } from '../query/index.js';
import { DATETIME_KEYS, Timestamp, type RecordPages, type TaskRecord } from '../records/index.js';

export type StoreKind = 'DictDB' | 'NoDB' | 'SQLiteDB' | 'MongoDB';

export interface StoreInfo {
  readonly kind: StoreKind;
  /** Where the records live, in the user's words: a file and table, a URL, "memory". */
  readonly location: string;
  /** False when opened read-only: every write raises a StoreError that says how to allow it. */
  readonly writable: boolean;
  /** Records may change under us (a controller writes the same file or database). */
  readonly live: boolean;
}

/** What `%index` did. */
export interface IndexReport {
  /** `table.column` of each index made now. */
  readonly created: readonly string[];
  /** `table.column` of each one that was there already. */
  readonly present: readonly string[];
  readonly seconds: number;
  /** How much the file grew, in bytes. */
  readonly bytesAdded: number;
}

export interface StoreSummary {
  readonly count: number;
  readonly firstSubmitted: Timestamp | null;
  readonly lastSubmitted: Timestamp | null;
  /** The client_uuid of the most recently submitted record. */
  readonly latestClient: string | null;
}

/** How a caller inside ipc reads an answer. */
export interface FindOptions {
  /**
   * Dict columns among the keys that the caller reads only through
   * `columnValue` (to derive something from them, never to show them): a
   * store may hand them over as their stored text (StoredText), decoded on
   * first read. A store is free to decode them at once.
   */
  readonly lazy?: readonly string[];
}

/**
 * The hub's DB interface (add_record, get_record, update_record, drop_record,
 * drop_matching_records, find_records, get_history), asynchronous so that
 * every backend fits. Answers of findRecords stream in the order of
 * compareRecords: submitted, then msg_id.
 */
export interface Store {
  readonly info: StoreInfo;
  addRecord(msgId: string, record: TaskRecord): Promise<void>;
  /** Raises a KeyError when there is no such record (or it was culled). */
  getRecord(msgId: string): Promise<TaskRecord>;
  updateRecord(msgId: string, changes: TaskRecord): Promise<void>;
  dropRecord(msgId: string): Promise<void>;
  /** Returns how many records were dropped. */
  dropMatchingRecords(query: QueryInput): Promise<number>;
  findRecords(query: QueryInput, keys?: KeysInput, options?: FindOptions): AsyncIterable<TaskRecord>;
  /** findRecords' records in no particular order (SQLite: in one pass, the order not looked for), for readers whose answer does not depend on it. */
  scanRecords?(query: QueryInput, keys?: KeysInput, options?: FindOptions): AsyncIterable<TaskRecord>;
  /**
   * SQLite: in one read (one snapshot of the file), the query's records
   * added since a mark, found by rowid without reading the others (a
   * controller appends each task it records), and the records of some
   * msg_ids; with the mark of now (alone, without a mark).
   */
  readChanges?(mark: string | null, query: QueryInput, keys: KeysInput, ids: readonly string[], idKeys: KeysInput): StoreChanges;
  /** SQLite only (`%index`): indexes on the columns queries scan for. */
  createIndexes?(): Promise<IndexReport>;
  /** How many records findRecords would give, where the store can count without reading them. */
  countRecords?(query: QueryInput): Promise<number>;
  /** SQLite: the answer kept in the store and read a page at a time, or null when it cannot be. */
  pagedRecords?(query: QueryInput, keys?: KeysInput): Promise<RecordPages | null>;
  /** SQLite: findRecords' answer as the JSON text of each record (what `write`, the JSON writer, writes), or null when it cannot be. */
  recordTexts?(query: QueryInput, keys: KeysInput | undefined, write: (rec: TaskRecord) => string): AsyncIterable<string> | null;
  /** Every msg_id with a submitted time, oldest first. */
  getHistory(): Promise<string[]>;
  /**
   * Why pending tasks may never finish here, said while waiting on them (a
   * file no process on this machine has open), or null when nothing says so.
   */
  idleNote?(): string | null;
  /**
   * Changes whenever a writer may have changed the records (a SQLite file's
   * size and time, its -wal's): a view that refreshes asks again only then.
   * Absent where nothing cheap tells.
   */
  changeStamp?(): string;
  summary(): Promise<StoreSummary>;
  close(): Promise<void>;
}

/** What readChanges read. */
export interface StoreChanges {
  /** Where the records stand now: give it to the next readChanges. */
  readonly mark: string;
  /** The query's records added since the mark given. */
  readonly added: TaskRecord[];
  /** The records of the msg_ids given (those still there). */
  readonly known: TaskRecord[];
}

/** Collects a streamed answer into a list. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * What every store checks before it writes a record or changes: each
 * datetime key holds None or a datetime (a text date would be stored as text
 * and never compare as an instant).
 */
export function checkRecordDates(rec: TaskRecord): void {
  for (const key of DATETIME_KEYS) {
    const v = rec[key];
    if (v !== undefined && v !== null && !(v instanceof Timestamp)) {
      throw typeError(`${key} must be None or a datetime, not ${describe(v)}`);
    }
  }
}
