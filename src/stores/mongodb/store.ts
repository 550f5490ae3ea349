import { MongoNetworkError, type Collection, type Document, type Long, type MongoClient, type TopologyType } from 'mongodb';
import { keyError, storeError } from '../../errors.js';
import { normalizeKeys, toMongo, type KeysInput, type QueryInput } from '../../query/index.js';
import { Timestamp, type TaskRecord } from '../../records/index.js';
import { checkRecordDates, type Store, type StoreInfo, type StoreSummary } from '../store.js';
import { CursorBatch, ReadPlan, readDocument } from './bson-read.js';
import { decodeDocument, encodeRecord, precisionLoss } from './codec.js';
import { mongoFailure } from './errors.js';

/** ipyparallel's collection name. */
export const TASK_COLLECTION = 'task_records';

/** The order of every answer: submitted (None first), then msg_id. */
const ANSWER_ORDER = { submitted: 1, msg_id: 1 } as const;

/** As many documents as fit in one reply: the server ends a batch at 16 MiB. */
const WHOLE_BATCH = 2 ** 31 - 1;

export interface MongoStoreParts {
  readonly client: MongoClient;
  readonly collection: Collection<Document>;
  readonly url: string;
  readonly writable: boolean;
  readonly allowJs: boolean;
  readonly timeoutMs: number;
  /** What the driver last learnt the deployment to be. */
  readonly topologyType: () => TopologyType;
  readonly onNote?: (note: string) => void;
}

/**
 * The task database that `ipcontroller --mongodb` writes: queries are relayed
 * to MongoDB after the shared engine's normalisation, answers stream from a
 * cursor sorted by submitted then msg_id.
 */
export class MongoStore implements Store {
  readonly info: StoreInfo;
  private readonly parts: MongoStoreParts;

  constructor(parts: MongoStoreParts, location: string) {
    this.parts = parts;
    this.info = { kind: 'MongoDB', location, writable: parts.writable, live: true };
  }

  /** The filter document a query becomes, as sent to MongoDB. */
  filterFor(query: QueryInput): Document {
    return toMongo(query, { allowJs: this.parts.allowJs });
  }

  async addRecord(msgId: string, record: TaskRecord): Promise<void> {
    this.checkWritable('add a record');
    checkRecordDates(record);
    const doc = encodeRecord({ ...record, msg_id: msgId });
    try {
      await this.parts.collection.insertOne(doc);
    } catch (e) {
      if ((e as { code?: unknown }).code === 11000) throw keyError(`already have a record with msg_id '${msgId}'`);
      throw this.failure(e);
    }
    this.notePrecision(msgId, record);
  }

  async getRecord(msgId: string): Promise<TaskRecord> {
    const doc = await this.run(() => this.parts.collection.findOne({ msg_id: msgId }, { promoteBuffers: true }));
    if (!doc) throw keyError(`no record with msg_id '${msgId}'`);
    return decodeDocument(doc);
  }

  async updateRecord(msgId: string, changes: TaskRecord): Promise<void> {
    this.checkWritable('update a record');
    checkRecordDates(changes);
    const set = encodeRecord(Object.fromEntries(Object.entries(changes).filter(([k]) => k !== 'msg_id')));
    if (Object.keys(set).length === 0) {
      await this.getRecord(msgId);
      return;
    }
    const result = await this.run(() => this.parts.collection.updateOne({ msg_id: msgId }, { $set: set }));
    if (result.matchedCount === 0) throw keyError(`no record with msg_id '${msgId}'`);
    this.notePrecision(msgId, changes);
  }

  async dropRecord(msgId: string): Promise<void> {
    this.checkWritable('drop a record');
    const result = await this.run(() => this.parts.collection.deleteOne({ msg_id: msgId }));
    if (result.deletedCount === 0) throw keyError(`no record with msg_id '${msgId}'`);
  }

  async dropMatchingRecords(query: QueryInput): Promise<number> {
    this.checkWritable('drop records');
    const filter = this.filterFor(query);
    const result = await this.run(() => this.parts.collection.deleteMany(filter));
    return result.deletedCount;
  }

  async *findRecords(query: QueryInput, keys?: KeysInput): AsyncIterable<TaskRecord> {
    const filter = this.filterFor(query);
    const ks = normalizeKeys(keys);
    const projection: Document = { _id: 0 };
    for (const k of ks) projection[k] = 1;
    yield* this.commandsReachCursor() ? this.findByCommands(filter, projection, ks) : this.findByCursor(filter, projection, ks);
  }

  /**
   * Whether a getMore sent as a command of its own is sure to reach the
   * server that holds the cursor: one server, or a replica set read from its
   * primary. Behind mongos routers or a load balancer, or reading from
   * secondaries, the driver's cursor keeps to its server instead.
   */
  private commandsReachCursor(): boolean {
    const type = this.parts.topologyType();
    return type === 'Single' || (type === 'ReplicaSetWithPrimary' && (this.parts.collection.readPreference?.mode ?? 'primary') === 'primary');
  }

  /**
   * The find and getMore commands run with `raw: true`, each reply's batch
   * read straight into records: the driver's cursor would first cut the
   * batch into one buffer per document, which costs more than reading the
   * records. All that fits in one reply (16 MiB) comes in the first batch.
   */
  private async *findByCommands(filter: Document, projection: Document, keys: readonly string[]): AsyncIterable<TaskRecord> {
    const { client, collection } = this.parts;
    const db = client.db(collection.dbName);
    const session = client.startSession({ causalConsistency: false });
    const readPreference = collection.readPreference;
    const options = { raw: true, session, ...(readPreference ? { readPreference } : {}) };
    const readConcern = collection.readConcern?.level ? { readConcern: { level: collection.readConcern.level } } : {};
    const plan = new ReadPlan(keys);
    let open: Long | null = null;
    try {
      const find = () =>
        db.command(
          { find: collection.collectionName, filter, projection, sort: ANSWER_ORDER, allowDiskUse: true, batchSize: WHOLE_BATCH, ...readConcern },
          options,
        );
      // once more after a network error, as the driver retries a read (a pooled connection may have gone stale)
      let reply = await this.run(() => find().catch((e: unknown) => (e instanceof MongoNetworkError ? find() : Promise.reject(e))));
      for (;;) {
        const batch = new CursorBatch(cursorOf(reply), plan);
        open = batch.id.isZero() ? null : batch.id;
        yield* batch;
        if (!open) return;
        const id = open;
        reply = await this.run(() => db.command({ getMore: id, collection: collection.collectionName }, options));
      }
    } finally {
      if (open) await db.command({ killCursors: collection.collectionName, cursors: [open] }, { session }).catch(() => undefined);
      await session.endSession().catch(() => undefined);
    }
  }

  private async *findByCursor(filter: Document, projection: Document, keys: readonly string[]): AsyncIterable<TaskRecord> {
    const cursor = this.parts.collection.find(filter, { projection, sort: ANSWER_ORDER, allowDiskUse: true, raw: true });
    const plan = new ReadPlan(keys);
    try {
      // a batch at a time: one round of the event loop per batch, not per document
      for (;;) {
        let more: boolean;
        try {
          more = await cursor.hasNext();
        } catch (e) {
          throw this.failure(e);
        }
        if (!more) return;
        for (const doc of cursor.readBufferedDocuments()) yield readDocument(doc as unknown as Uint8Array, plan);
      }
    } finally {
      await cursor.close().catch(() => undefined);
    }
  }

  /**
   * Ties in submitted come in order of arrival, as the hub's own history
   * has them: the `_id` that pymongo (or the driver) gives each insert grows.
   */
  async getHistory(): Promise<string[]> {
    const docs = await this.run(() =>
      this.parts.collection
        .find({ submitted: { $type: 'date' } }, { projection: { _id: 0, msg_id: 1 }, sort: { submitted: 1, _id: 1 }, allowDiskUse: true })
        .toArray(),
    );
    return docs.map((d) => String(d['msg_id']));
  }

  async summary(): Promise<StoreSummary> {
    const coll = this.parts.collection;
    const dated = { submitted: { $type: 'date' } };
    const edge = (order: 1 | -1) =>
      coll.findOne(dated, { projection: { _id: 0, submitted: 1 }, sort: { submitted: order, msg_id: order } });
    const [count, first, last, latest] = await this.run(() =>
      Promise.all([
        // The collection's own count: exact on a standalone server or replica set, and it needs no scan.
        coll.estimatedDocumentCount(),
        edge(1),
        edge(-1),
        coll.findOne(
          { client_uuid: { $type: 'string', $ne: '' } },
          { projection: { _id: 0, client_uuid: 1 }, sort: { submitted: -1, msg_id: -1 } },
        ),
      ]),
    );
    const when = (d: Document | null): Timestamp | null => (d?.['submitted'] instanceof Date ? Timestamp.fromDate(d['submitted']) : null);
    return {
      count,
      firstSubmitted: when(first),
      lastSubmitted: when(last),
      latestClient: typeof latest?.['client_uuid'] === 'string' ? latest['client_uuid'] : null,
    };
  }

  async close(): Promise<void> {
    await this.parts.client.close().catch(() => undefined);
  }

  private checkWritable(what: string): void {
    if (!this.parts.writable) {
      throw storeError(`cannot ${what}: the MongoDB store ${this.info.location} is open read-only; start ipc with --write to allow it`);
    }
  }

  private notePrecision(msgId: string, record: TaskRecord): void {
    const lost = precisionLoss(record);
    if (lost.length === 0 || !this.parts.onNote) return;
    this.parts.onNote(
      `record '${msgId}': MongoDB keeps datetimes to the millisecond, so the microseconds of ${lost.join(', ')} were dropped`,
    );
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw this.failure(e);
    }
  }

  private failure(e: unknown) {
    return mongoFailure(e, this.parts.url, this.parts.timeoutMs);
  }
}

/** The raw `cursor` document of a find or getMore reply. */
function cursorOf(reply: Document): Uint8Array {
  const cursor = reply['cursor'];
  if (!(cursor instanceof Uint8Array)) throw storeError('MongoDB answered a query without a cursor; the server may not be MongoDB');
  return cursor;
}
