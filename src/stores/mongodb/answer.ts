import { MongoNetworkError, type ClientSession, type Collection, type Db, type Document, type Long, type MongoClient } from 'mongodb';
import { storeError, throwIfStopped } from '../../errors.js';
import type { TaskRecord } from '../../records/index.js';
import { CursorBatch, ReadPlan } from './bson-read.js';

/** What a find asks for. */
export interface FindSpec {
  readonly filter: Document;
  readonly projection: Document;
  readonly sort: Document;
  readonly keys: readonly string[];
}

/** As many documents as fit in one reply: the server ends a batch at 16 MiB. */
const WHOLE_BATCH = 2 ** 31 - 1;

const DONE: IteratorResult<TaskRecord> = { value: undefined, done: true };

/**
 * One answer read with find and getMore run as raw commands, each reply's
 * batch read straight into records: the driver's cursor would first cut the
 * batch into one buffer per document, which costs more than reading the
 * records. All that fits in one reply comes in the first batch. An iterator
 * of its own rather than an async generator: a record of a batch already
 * read is handed out at once, without resuming a generator for each one.
 *
 * The query is prepared at the first `next()`, so that a bad query is a
 * rejected promise, as from a generator; an early stop (`return()`) or a
 * failure kills the cursor on the server and ends the session.
 */
export class CommandAnswer implements AsyncIterableIterator<TaskRecord> {
  private plan: ReadPlan | null = null;
  private batch: CursorBatch | null = null;
  private session: ClientSession | null = null;
  /** The server's cursor while it holds more. */
  private open: Long | null = null;
  private finished = false;

  constructor(
    private readonly client: MongoClient,
    /** The collection's database, made once per store (making one costs more than a small query). */
    private readonly db: Db,
    private readonly collection: Collection<Document>,
    private readonly prepare: () => FindSpec,
    private readonly failure: (e: unknown) => unknown,
    /** The statement's Ctrl-C: looked at before each round trip (a batch's records come without one). */
    private readonly signal?: AbortSignal,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<TaskRecord>> {
    if (this.batch) {
      let value: TaskRecord | undefined;
      try {
        value = this.batch.read();
      } catch (e) {
        return this.fail(e);
      }
      if (value !== undefined) return Promise.resolve({ value, done: false });
    }
    return this.fetch();
  }

  async return(): Promise<IteratorResult<TaskRecord>> {
    await this.finish();
    return DONE;
  }

  private async fetch(): Promise<IteratorResult<TaskRecord>> {
    try {
      for (;;) {
        if (this.finished) return DONE;
        throwIfStopped(this.signal);
        let reply: Document;
        if (!this.batch) reply = await this.find();
        else if (this.open) reply = await this.command({ getMore: this.open, collection: this.collection.collectionName });
        else {
          await this.finish();
          return DONE;
        }
        this.batch = new CursorBatch(cursorOf(reply), this.plan!);
        this.open = this.batch.id.isZero() ? null : this.batch.id;
        const value = this.batch.read();
        if (value !== undefined) return { value, done: false };
      }
    } catch (e) {
      return this.fail(e);
    }
  }

  private async find(): Promise<Document> {
    const spec = this.prepare();
    this.plan = new ReadPlan(spec.keys);
    this.session = this.client.startSession({ causalConsistency: false });
    const level = this.collection.readConcern?.level;
    const find = {
      find: this.collection.collectionName,
      filter: spec.filter,
      projection: spec.projection,
      sort: spec.sort,
      allowDiskUse: true,
      batchSize: WHOLE_BATCH,
      ...(level ? { readConcern: { level } } : {}),
    };
    try {
      return await this.command(find);
    } catch (e) {
      // once more after a network error, as the driver retries a read (a pooled connection may have gone stale)
      if (e instanceof MongoNetworkError) return this.command(find);
      throw e;
    }
  }

  private command(command: Document): Promise<Document> {
    const readPreference = this.collection.readPreference;
    return this.db.command(command, { raw: true, session: this.session!, ...(readPreference ? { readPreference } : {}) });
  }

  private async fail(e: unknown): Promise<never> {
    await this.finish();
    throw this.failure(e);
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.batch = null;
    const { open, session } = this;
    this.open = null;
    if (open && session) {
      await this.db
        .command({ killCursors: this.collection.collectionName, cursors: [open] }, { session })
        .catch(() => undefined);
    }
    await session?.endSession().catch(() => undefined);
  }
}

/** The raw `cursor` document of a find or getMore reply. */
function cursorOf(reply: Document): Uint8Array {
  const cursor = reply['cursor'];
  if (!(cursor instanceof Uint8Array)) throw storeError('MongoDB answered a query without a cursor; the server may not be MongoDB');
  return cursor;
}
