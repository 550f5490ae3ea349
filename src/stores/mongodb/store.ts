import type { Collection, Db, Document, MongoClient, TopologyType } from 'mongodb';
import { keyError, storeError, throwIfStopped } from '../../errors.js';
import { normalizeKeys, type KeysInput, type QueryInput } from '../../query/index.js';
import { toMongo } from './mongo-filter.js';
import { Timestamp, type TaskRecord } from '../../records/index.js';
import { StoreBase, checkRecordDates, type FindOptions, type Store, type StoreInfo, type StoreSummary } from '../store.js';
import { CommandAnswer, type FindSpec } from './answer.js';
import { ReadPlan, readDocument } from './bson-read.js';
import { decodeDocument, encodeRecord, precisionLoss } from './codec.js';
import { mongoFailure } from './errors.js';

/** ipyparallel's collection name. */
export const TASK_COLLECTION = 'task_records';

/** The order of every answer: submitted (None first), then msg_id. */
const ANSWER_ORDER = { submitted: 1, msg_id: 1 } as const;

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
export class MongoStore extends StoreBase implements Store {
  readonly info: StoreInfo;
  private readonly parts: MongoStoreParts;
  private readonly db: Db;

  constructor(parts: MongoStoreParts, location: string) {
    super();
    this.parts = parts;
    this.db = parts.client.db(parts.collection.dbName);
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

  findRecords(query: QueryInput, keys?: KeysInput, options: FindOptions = {}): AsyncIterable<TaskRecord> {
    const prepare = (): FindSpec => {
      const filter = this.filterFor(query);
      const ks = normalizeKeys(keys);
      const projection: Document = { _id: 0 };
      for (const k of ks) projection[k] = 1;
      return { filter, projection, sort: ANSWER_ORDER, keys: ks };
    };
    if (!this.commandsReachCursor()) return this.findByCursor(prepare, options.signal);
    return new CommandAnswer(this.parts.client, this.db, this.parts.collection, prepare, (e) => this.failure(e), options.signal);
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

  private async *findByCursor(prepare: () => FindSpec, signal?: AbortSignal): AsyncIterable<TaskRecord> {
    const { filter, projection, sort, keys } = prepare();
    const cursor = this.parts.collection.find(filter, { projection, sort, allowDiskUse: true, raw: true });
    const plan = new ReadPlan(keys);
    try {
      // a batch at a time: one round of the event loop per batch, not per document
      for (;;) {
        // Ctrl-C: seen between two batches
        throwIfStopped(signal);
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
