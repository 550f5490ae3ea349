import { storeError, typeError } from '../errors.js';
import { describe, type KeysInput, type QueryInput } from '../query/index.js';
import { DATETIME_KEYS, Timestamp, type RecordPages, type StoredTextIs, type TaskRecord } from '../records/index.js';
import type { ColumnRead, ColumnRequest } from '../analytics/index.js';

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

/** What `%index` would make (`missing`) and finds made (`present`), `table.column` each. */
export interface IndexPlan {
  readonly missing: readonly string[];
  readonly present: readonly string[];
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
   * Columns among the keys that the caller reads only through
   * `columnValue` (to derive something from them, never to show them): a
   * store may hand them over as it stores them (StoredText for text,
   * StoredColumn for bytes), decoded on first read. A store is free to
   * decode them at once. Those among the answer's keys are dict columns.
   */
  readonly lazy?: readonly string[];
  /**
   * Columns the caller does not read in a record whose column `key` is
   * handed over as StoredText equal to `text` (DerivedPlan.sparse): a store
   * that hands `key` over so may give None for them there, and is free not
   * to. Never a column its own tests read.
   */
  readonly sparse?: Readonly<Record<string, StoredTextIs>>;
  /** The statement's Ctrl-C: a store that reads in slices stops between two, raising Interrupted (else it reads on; the caller stops taking records). */
  readonly signal?: AbortSignal;
}

/**
 * What a store does beyond the hub's DB interface, declared as booleans (as
 * a SQL dialect declares what it supports) so that callers read them rather
 * than probe for methods. Every method is there on every store; where a
 * capability is false, its method gives the plain answer (StoreBase).
 */
export interface StoreCapabilities {
  /** countRecords counts in the store, without reading the records (else it counts what findRecords gives). */
  readonly count: boolean;
  /** scanRecords reads in the store's own order, in one pass (else it is findRecords). */
  readonly scan: boolean;
  /** pagedRecords keeps an answer in the store, read a page at a time (else it answers null). */
  readonly paged: boolean;
  /** recordTexts writes each record's JSON text from the stored text (else it answers null). */
  readonly texts: boolean;
  /** createIndexes makes indexes for `%index` (else it raises a StoreError saying so). */
  readonly indexes: boolean;
  /** changeStamp tells cheaply when a writer may have changed the records (else it answers ''). */
  readonly changes: boolean;
  /** taskColumns reads an answer's tasks as columns for %stats and %timeline (else it answers null: they read records). */
  readonly columns: boolean;
}

/** A store that does nothing beyond the hub's DB interface. */
export const NO_CAPABILITIES: StoreCapabilities = { count: false, scan: false, paged: false, texts: false, indexes: false, changes: false, columns: false };

/**
 * The hub's DB interface (add_record, get_record, update_record, drop_record,
 * drop_matching_records, find_records, get_history), asynchronous so that
 * every backend fits. Answers of findRecords stream in the order of
 * compareRecords: submitted, then msg_id.
 */
export interface Store {
  readonly info: StoreInfo;
  readonly capabilities: StoreCapabilities;
  addRecord(msgId: string, record: TaskRecord): Promise<void>;
  /** Raises a KeyError when there is no such record (or it was culled). */
  getRecord(msgId: string): Promise<TaskRecord>;
  updateRecord(msgId: string, changes: TaskRecord): Promise<void>;
  dropRecord(msgId: string): Promise<void>;
  /** Returns how many records were dropped. */
  dropMatchingRecords(query: QueryInput): Promise<number>;
  findRecords(query: QueryInput, keys?: KeysInput, options?: FindOptions): AsyncIterable<TaskRecord>;
  /** findRecords' records in no particular order (SQLite: in one pass, the order not looked for), for readers whose answer does not depend on it. */
  scanRecords(query: QueryInput, keys?: KeysInput, options?: FindOptions): AsyncIterable<TaskRecord>;
  /** scanRecords' records a slice at a time, each slice taken whole before the next is asked for (fewer turns of the event loop per record). */
  scanSlices(query: QueryInput, keys?: KeysInput, options?: FindOptions): AsyncIterable<Iterable<TaskRecord>>;
  /**
   * The answer's tasks as columns, for readers that count, sum and place
   * them (%stats, %timeline), in no particular order; null when the store
   * reads this query's records only (capabilities.columns).
   */
  taskColumns(query: QueryInput, request: ColumnRequest): ColumnRead | null;
  /** Makes ready, ahead of one, what a large column read takes (SQLite: a worker thread for a large table); nothing elsewhere. */
  readyColumnReads(): void;
  /** `%index`: indexes on the columns queries scan for (capabilities.indexes). */
  createIndexes(): Promise<IndexReport>;
  /** What `%index` would do (capabilities.indexes); raises what createIndexes would refuse with, before anyone is asked. */
  planIndexes(): Promise<IndexPlan>;
  /** How many records findRecords would give (capabilities.count: without reading them). */
  countRecords(query: QueryInput): Promise<number>;
  /** The answer kept in the store and read a page at a time, or null when it cannot be (capabilities.paged). */
  pagedRecords(query: QueryInput, keys?: KeysInput): Promise<RecordPages | null>;
  /** findRecords' answer as the JSON text of each record (what `write`, the JSON writer, writes), or null when it cannot be (capabilities.texts). */
  recordTexts(query: QueryInput, keys: KeysInput | undefined, write: (rec: TaskRecord) => string): AsyncIterable<string> | null;
  /**
   * SQLite: in one read (one snapshot of the file), the query's records
   * added since a mark, found by rowid without reading the others (a
   * controller appends each task it records), and the records of some
   * msg_ids; with the mark of now (alone, without a mark).
   */
  readChanges?(mark: string | null, query: QueryInput, keys: KeysInput, ids: readonly string[], idKeys: KeysInput): StoreChanges;
  /** Every msg_id with a submitted time, oldest first. */
  getHistory(): Promise<string[]>;
  /**
   * Why pending tasks may never finish here, said while waiting on them (a
   * file no process on this machine has open), or null when nothing says so.
   */
  idleNote(): string | null;
  /**
   * Changes whenever a writer may have changed the records (a SQLite file's
   * size and time, its -wal's): a view that refreshes asks again only then.
   * '' where nothing cheap tells (capabilities.changes).
   */
  changeStamp(): string;
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

/**
 * The plain answers of a store without capabilities: a backend extends this
 * and overrides what it does its own way, declaring it in `capabilities`.
 */
export abstract class StoreBase {
  abstract readonly info: StoreInfo;
  readonly capabilities: StoreCapabilities = NO_CAPABILITIES;
  abstract findRecords(query: QueryInput, keys?: KeysInput, options?: FindOptions): AsyncIterable<TaskRecord>;

  scanRecords(query: QueryInput, keys?: KeysInput, options?: FindOptions): AsyncIterable<TaskRecord> {
    return this.findRecords(query, keys, options);
  }

  /** scanRecords' records as slices of one record. */
  async *scanSlices(query: QueryInput, keys?: KeysInput, options?: FindOptions): AsyncIterable<Iterable<TaskRecord>> {
    for await (const r of this.scanRecords(query, keys, options)) yield [r];
  }

  async countRecords(query: QueryInput): Promise<number> {
    let n = 0;
    for await (const _ of this.findRecords(query, ['msg_id'])) n++;
    return n;
  }

  async pagedRecords(_query: QueryInput, _keys?: KeysInput): Promise<RecordPages | null> {
    return null;
  }

  recordTexts(_query: QueryInput, _keys: KeysInput | undefined, _write: (rec: TaskRecord) => string): AsyncIterable<string> | null {
    return null;
  }

  taskColumns(_query: QueryInput, _request: ColumnRequest): ColumnRead | null {
    return null;
  }

  readyColumnReads(): void {}

  async createIndexes(): Promise<IndexReport> {
    throw this.noIndexes();
  }

  async planIndexes(): Promise<IndexPlan> {
    throw this.noIndexes();
  }

  private noIndexes() {
    return storeError(`%index makes indexes in a SQLite file; ${this.info.location} is a ${this.info.kind}`);
  }

  idleNote(): string | null {
    return null;
  }

  changeStamp(): string {
    return '';
  }
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
