/**
 * The answers a client gives — db_query's record list or stream, and what
 * get_result shows of a task — as plain values, so that format/ can render
 * them without depending on client/.
 */
import type { Dict, TaskRecord } from './task-record.js';
import type { Timestamp } from './timestamp.js';

/**
 * A store answer whose rows stay in the store until they are used: the
 * store keeps only where each row is (SQLite: its rowid, in answer order).
 */
export interface RecordPages {
  readonly length: number;
  /** The records from `start` to `end` (excluded) in answer order, as the store holds them now. */
  read(start: number, end: number): TaskRecord[];
  /** The same rows in another order, sorted where they are kept (SQL); ties keep the answer's order. */
  sorted?(sort: RecordSort): RecordPages;
}

/**
 * What a viewer sorts an answer by: a key's value (datetimes in time
 * order), the time between two datetimes (run time, queue wait), the
 * engine's integer id, or the task's status as the table shows it.
 */
export type SortKey =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'span'; readonly from: string; readonly to: string }
  /** Engine ids by engine uuid (what the table shows); a uuid without one sorts by its text after them. */
  | { readonly kind: 'engine'; readonly ids: ReadonlyMap<string, number> }
  | { readonly kind: 'status' };

/** None sorts last in both directions, and rows that tie keep the order they had. */
export interface RecordSort {
  readonly by: SortKey;
  readonly descending: boolean;
}

/** Rows read at once from a paged answer, and how many such pages are kept. */
const PAGE_ROWS = 128;
const KEPT_PAGES = 32;

/**
 * The answer of db_query: a list of records (as Python's list of dicts),
 * with the keys asked for, msg_id first. The shell treats it as a list.
 * A paged answer reads its records from the store: `at` a page at a time
 * (what the viewer draws or searches), `records` all of them, once.
 */
export class RecordList {
  private held: TaskRecord[] | null;
  private pages: RecordPages | null;
  private readonly kept = new Map<number, TaskRecord[]>();

  constructor(
    readonly keys: readonly string[],
    records: TaskRecord[] | RecordPages,
  ) {
    this.held = Array.isArray(records) ? records : null;
    this.pages = Array.isArray(records) ? null : records;
  }

  /** Every record: a paged answer is read whole the first time it is asked for. */
  get records(): TaskRecord[] {
    if (this.held === null) {
      this.held = this.pages!.read(0, this.pages!.length);
      this.pages = null;
      this.kept.clear();
    }
    return this.held;
  }

  get length(): number {
    return this.held !== null ? this.held.length : this.pages!.length;
  }

  /** Whether the records are still in the store. */
  get paged(): boolean {
    return this.held === null;
  }

  /** The answer sorted where it is kept (a paged answer, in SQL), or null when its records are in memory or the store cannot. */
  sortedInStore(sort: RecordSort): RecordList | null {
    if (this.held !== null || !this.pages!.sorted) return null;
    return new RecordList(this.keys, this.pages!.sorted(sort));
  }

  /** Record i; a paged answer reads its page, keeping the few pages last used. */
  at(i: number): TaskRecord | undefined {
    if (this.held !== null) return this.held[i];
    const pages = this.pages!;
    if (!Number.isInteger(i) || i < 0 || i >= pages.length) return undefined;
    const k = Math.floor(i / PAGE_ROWS);
    let page = this.kept.get(k);
    if (page) this.kept.delete(k);
    else {
      page = pages.read(k * PAGE_ROWS, Math.min(pages.length, (k + 1) * PAGE_ROWS));
      if (this.kept.size >= KEPT_PAGES) this.kept.delete(this.kept.keys().next().value!);
    }
    this.kept.set(k, page);
    return page[i - k * PAGE_ROWS];
  }
}

/**
 * An answer that may come a batch of records at a time: a reader that takes
 * batches (script mode's writers) then turns the event loop once a batch
 * rather than once a record; read record by record, it is any answer.
 */
export interface BatchedAnswer<T = TaskRecord> extends AsyncIterable<T> {
  /** The answer's batches when it comes in batches, else null (it is read record by record). */
  batchSource(): Promise<AsyncIterable<readonly T[]> | null>;
}

export function isBatchedAnswer<T>(x: AsyncIterable<T>): x is BatchedAnswer<T> {
  return typeof (x as Partial<BatchedAnswer<T>>).batchSource === 'function';
}

/** An answer that comes a batch of records at a time (see BatchedAnswer). */
export class RecordBatches<T = TaskRecord> implements BatchedAnswer<T> {
  constructor(private readonly source: AsyncIterable<readonly T[]>) {}

  batches(): AsyncIterable<readonly T[]> {
    return this.source;
  }

  async batchSource(): Promise<AsyncIterable<readonly T[]>> {
    return this.source;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const batch of this.source) yield* batch;
  }
}

/**
 * A db_query answer read as it arrives, for script mode to write record by
 * record (a million records never sit in memory at once). It can be read once.
 * Its items are the records, or (for json and jsonl output, where the store
 * can write them) each record's JSON text as `jsonText` writes it.
 */
export class RecordStream<T extends TaskRecord | string = TaskRecord | string> implements AsyncIterable<T> {
  private started = false;
  /** The source gives batches: `iterator` yields lists of records, `head` the first list. */
  private batched = false;

  constructor(
    /** The keys asked for, msg_id first (and `table` when the store reads several task tables). */
    readonly keys: readonly string[],
    private readonly iterator: AsyncIterator<T>,
    /** The first result, already read (so that a bad query fails before anything is written). */
    private readonly head: IteratorResult<T>,
  ) {}

  /** A stream whose source gives its records a batch at a time; `head` is the first batch, already read. */
  static ofBatches<T extends TaskRecord | string>(keys: readonly string[], iterator: AsyncIterator<readonly T[]>, head: IteratorResult<readonly T[]>): RecordStream<T> {
    const s = new RecordStream<T>(keys, iterator as unknown as AsyncIterator<T>, head as unknown as IteratorResult<T>);
    s.batched = true;
    return s;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    if (this.batched) {
      for await (const batch of this.batches()) yield* batch;
      return;
    }
    if (this.started) throw new Error('a record stream can be read once');
    this.started = true;
    try {
      for (let r = this.head; !r.done; r = await this.iterator.next()) yield r.value;
    } finally {
      await this.close();
    }
  }

  /** The records a batch at a time (a source that gives one record at a time: batches of one). */
  async *batches(): AsyncGenerator<readonly T[]> {
    if (this.started) throw new Error('a record stream can be read once');
    this.started = true;
    try {
      if (this.batched) {
        const it = this.iterator as unknown as AsyncIterator<readonly T[]>;
        for (let r = this.head as unknown as IteratorResult<readonly T[]>; !r.done; r = await it.next()) if (r.value.length) yield r.value;
      } else {
        for (let r = this.head; !r.done; r = await this.iterator.next()) yield [r.value];
      }
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

/**
 * Text written as it is made (an HTML report of a db_query answer): script
 * mode writes its pieces as they come. It can be read once.
 */
export class TextStream implements AsyncIterable<string> {
  constructor(
    /** What it is, for a message: "an HTML report of 1000 tasks". */
    readonly what: string,
    private readonly pieces: AsyncIterable<string>,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return this.pieces[Symbol.asyncIterator]();
  }
}
