/**
 * The commands a MongoDB driver sends, answered over an in-memory set of
 * databases. Filters, projections, sorts, updates and pipelines are evaluated
 * by mingo, an implementation of MongoDB's query language.
 */
import { BSON, Long, ObjectId, type Document } from 'bson';
import { Aggregator, find, update } from 'mingo';

export interface IndexSpec {
  readonly name: string;
  readonly key: Document;
  readonly unique: boolean;
}

export interface CollectionData {
  docs: Document[];
  indexes: IndexSpec[];
  /** The keys held by each unique index, rebuilt after updates and deletes. */
  taken?: Map<string, Set<string>>;
}

export type Databases = Map<string, Map<string, CollectionData>>;

interface CursorState {
  readonly ns: string;
  readonly docs: Document[];
  position: number;
}

export interface StandInOptions {
  /** Reported as maxWireVersion (21 = MongoDB 7.0). */
  readonly maxWireVersion?: number;
  /** Commands never answered, as by a server that stalls. */
  readonly unanswered?: readonly string[];
  /**
   * Ends a batch before its documents pass this many bytes, as MongoDB ends
   * every batch at 16 MiB; unset, only the batch size counts.
   */
  readonly maxBatchBytes?: number;
  /** Says it is a mongos router, so that the driver sees a sharded cluster. */
  readonly mongos?: boolean;
}

const ID_INDEX: IndexSpec = { name: '_id_', key: { _id: 1 }, unique: true };

class CommandError extends Error {
  constructor(readonly code: number, readonly codeName: string, message: string) {
    super(message);
  }
}

export class CommandEngine {
  readonly databases: Databases = new Map();
  /** Every command received, in order: [name, command document]. */
  readonly log: [string, Document][] = [];
  private readonly cursors = new Map<number, CursorState>();
  private nextCursorId = 1000;
  private connectionIds = 0;

  constructor(readonly options: StandInOptions = {}) {}

  newConnectionId(): number {
    return ++this.connectionIds;
  }

  /** Milliseconds spent evaluating and encoding answers, so that a benchmark can tell the server's work from its client's. */
  busyMs = 0;

  run(command: Document, db: string, connectionId: number): Document {
    const name = Object.keys(command)[0] ?? '';
    this.log.push([name, command]);
    try {
      return { ...this.dispatch(name, command, db, connectionId), ok: 1 };
    } catch (e) {
      if (e instanceof CommandError) return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName };
      return { ok: 0, errmsg: e instanceof Error ? e.message : String(e), code: 2, codeName: 'BadValue' };
    }
  }

  private dispatch(name: string, cmd: Document, db: string, connectionId: number): Document {
    switch (name) {
      case 'hello':
      case 'isMaster':
      case 'ismaster':
        return this.hello(cmd, name !== 'hello', connectionId);
      case 'ping':
      case 'endSessions':
      case 'getLastError':
        return {};
      case 'buildInfo':
      case 'buildinfo':
        return { version: '7.0.0-stand-in', versionArray: [7, 0, 0, 0], maxBsonObjectSize: 16 * 1024 * 1024 };
      case 'saslStart':
      case 'saslContinue':
      case 'authenticate':
        // The stand-in has no users: every credential is refused, as by a mongod that does not know the user.
        throw new CommandError(18, 'AuthenticationFailed', 'Authentication failed.');
      case 'listDatabases':
        return {
          databases: [...this.databases.keys()].map((n) => ({ name: n, sizeOnDisk: 8192, empty: false })),
          totalSize: 8192 * this.databases.size,
        };
      case 'listCollections':
        return this.listCollections(cmd, db);
      case 'create':
        this.collection(db, String(cmd[name]), true);
        return {};
      case 'drop': {
        const colls = this.databases.get(db);
        if (!colls?.delete(String(cmd[name]))) throw new CommandError(26, 'NamespaceNotFound', 'ns not found');
        return {};
      }
      case 'dropDatabase':
        this.databases.delete(db);
        return {};
      case 'createIndexes':
        return this.createIndexes(cmd, db);
      case 'listIndexes': {
        const coll = this.collection(db, String(cmd[name]), false);
        if (!coll) throw new CommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${cmd[name]}`);
        const specs = coll.indexes.map((i) => ({ v: 2, key: i.key, name: i.name, ...(i.unique && i.name !== '_id_' ? { unique: true } : {}) }));
        return this.cursorReply(`${db}.${cmd[name]}`, specs, cmd['cursor']?.batchSize);
      }
      case 'insert':
        return this.insert(cmd, db);
      case 'update':
        return this.update(cmd, db);
      case 'delete':
        return this.delete(cmd, db);
      case 'find':
        return this.find(cmd, db);
      case 'getMore':
        return this.getMore(cmd);
      case 'killCursors': {
        const ids = (cmd['cursors'] as unknown[]).map(Number);
        for (const id of ids) this.cursors.delete(id);
        return { cursorsKilled: ids.map((id) => Long.fromNumber(id)), cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [] };
      }
      case 'count': {
        const docs = this.collection(db, String(cmd[name]), false)?.docs ?? [];
        return { n: find(docs, cmd['query'] ?? {}).all().length };
      }
      case 'aggregate': {
        const docs = this.collection(db, String(cmd[name]), false)?.docs ?? [];
        const out = new Aggregator(cmd['pipeline'] as Document[]).run(docs);
        return this.cursorReply(`${db}.${cmd[name]}`, out as Document[], cmd['cursor']?.batchSize);
      }
      default:
        throw new CommandError(59, 'CommandNotFound', `no such command: '${name}'`);
    }
  }

  private hello(cmd: Document, legacy: boolean, connectionId: number): Document {
    return {
      ...(legacy || cmd['helloOk'] ? { helloOk: true } : {}),
      ismaster: true,
      isWritablePrimary: true,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId,
      minWireVersion: 0,
      maxWireVersion: this.options.maxWireVersion ?? 21,
      readOnly: false,
      ...(this.options.mongos ? { msg: 'isdbgrid' } : {}),
      ...(cmd['saslSupportedMechs'] ? { saslSupportedMechs: ['SCRAM-SHA-256', 'SCRAM-SHA-1'] } : {}),
    };
  }

  private collection(db: string, name: string, create: true): CollectionData;
  private collection(db: string, name: string, create: false): CollectionData | undefined;
  private collection(db: string, name: string, create: boolean): CollectionData | undefined {
    let colls = this.databases.get(db);
    if (!colls) {
      if (!create) return undefined;
      colls = new Map();
      this.databases.set(db, colls);
    }
    let coll = colls.get(name);
    if (!coll && create) {
      coll = { docs: [], indexes: [ID_INDEX] };
      colls.set(name, coll);
    }
    return coll;
  }

  private listCollections(cmd: Document, db: string): Document {
    const colls = this.databases.get(db) ?? new Map<string, CollectionData>();
    const entries = [...colls.keys()].map((n) => ({ name: n, type: 'collection', options: {}, info: { readOnly: false } }));
    const filtered = find(entries, cmd['filter'] ?? {}).all() as Document[];
    return this.cursorReply(`${db}.$cmd.listCollections`, filtered, cmd['cursor']?.batchSize);
  }

  private createIndexes(cmd: Document, db: string): Document {
    const coll = this.collection(db, String(cmd['createIndexes']), true);
    const before = coll.indexes.length;
    for (const spec of cmd['indexes'] as Document[]) {
      if (coll.indexes.some((i) => i.name === spec['name'])) continue;
      const index: IndexSpec = { name: String(spec['name']), key: spec['key'] as Document, unique: spec['unique'] === true };
      if (index.unique) {
        const seen = new Set<string>();
        for (const doc of coll.docs) {
          const k = indexKey(doc, index);
          if (seen.has(k)) throw new CommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${db}.${cmd['createIndexes']} index: ${index.name} dup key: ${k}`);
          seen.add(k);
        }
      }
      coll.indexes.push(index);
      delete coll.taken;
    }
    return { numIndexesBefore: before, numIndexesAfter: coll.indexes.length, createdCollectionAutomatically: before === 0 };
  }

  private insert(cmd: Document, db: string): Document {
    const name = String(cmd['insert']);
    const coll = this.collection(db, name, true);
    const writeErrors: Document[] = [];
    let n = 0;
    const docs = (cmd['documents'] as Document[]) ?? [];
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      if (doc['_id'] === undefined) doc['_id'] = new ObjectId();
      const clash = this.uniqueClash(coll, doc);
      if (clash) {
        writeErrors.push({ index: i, code: 11000, errmsg: `E11000 duplicate key error collection: ${db}.${name} index: ${clash.name} dup key: ${indexKey(doc, clash)}` });
        if (cmd['ordered'] !== false) break;
        continue;
      }
      coll.docs.push(doc);
      n++;
    }
    return writeErrors.length > 0 ? { n, writeErrors } : { n };
  }

  private update(cmd: Document, db: string): Document {
    const coll = this.collection(db, String(cmd['update']), true);
    let n = 0;
    let nModified = 0;
    delete coll.taken;
    for (const spec of cmd['updates'] as Document[]) {
      const hits = find(coll.docs, spec['q'] ?? {}).all() as Document[];
      const targets = spec['multi'] ? hits : hits.slice(0, 1);
      for (const doc of targets) {
        const u = spec['u'] as Document;
        if (Object.keys(u).some((k) => k.startsWith('$'))) {
          if (update(doc, u).length > 0) nModified++;
        } else {
          const id = doc['_id'];
          for (const k of Object.keys(doc)) delete doc[k];
          Object.assign(doc, { _id: id }, u);
          nModified++;
        }
        n++;
      }
    }
    return { n, nModified };
  }

  private delete(cmd: Document, db: string): Document {
    const coll = this.collection(db, String(cmd['delete']), false);
    if (!coll) return { n: 0 };
    let n = 0;
    for (const spec of cmd['deletes'] as Document[]) {
      const hits = new Set(find(coll.docs, spec['q'] ?? {}).all() as Document[]);
      let doomed = [...hits];
      if (Number(spec['limit']) === 1) doomed = doomed.slice(0, 1);
      const drop = new Set(doomed);
      coll.docs = coll.docs.filter((d) => !drop.has(d));
      delete coll.taken;
      n += drop.size;
    }
    return { n };
  }

  private find(cmd: Document, db: string): Document {
    const name = String(cmd['find']);
    const docs = this.collection(db, name, false)?.docs ?? [];
    const projection = cmd['projection'] as Document | undefined;
    let cursor = find(docs, cmd['filter'] ?? {}, projection && Object.keys(projection).length > 0 ? projection : undefined);
    if (cmd['sort'] && Object.keys(cmd['sort']).length > 0) cursor = cursor.sort(cmd['sort']);
    if (cmd['skip']) cursor = cursor.skip(Number(cmd['skip']));
    const limit = Math.abs(Number(cmd['limit'] ?? 0));
    if (limit) cursor = cursor.limit(limit);
    const all = cursor.all() as Document[];
    const batch = cmd['singleBatch'] ? all.length : cmd['batchSize'];
    return this.cursorReply(`${db}.${name}`, all, batch);
  }

  private cursorReply(ns: string, docs: Document[], batchSize: unknown): Document {
    const size = this.fitting(docs, 0, typeof batchSize === 'number' && batchSize > 0 ? batchSize : 101);
    const firstBatch = docs.slice(0, size);
    let id = 0;
    if (docs.length > size) {
      id = this.nextCursorId++;
      this.cursors.set(id, { ns, docs, position: size });
    }
    return { cursor: { firstBatch, id: Long.fromNumber(id), ns } };
  }

  private getMore(cmd: Document): Document {
    const id = Number(cmd['getMore']);
    const state = this.cursors.get(id);
    if (!state) throw new CommandError(43, 'CursorNotFound', `cursor id ${id} not found`);
    const size = this.fitting(state.docs, state.position, typeof cmd['batchSize'] === 'number' && cmd['batchSize'] > 0 ? cmd['batchSize'] : state.docs.length);
    const nextBatch = state.docs.slice(state.position, state.position + size);
    state.position += nextBatch.length;
    let outId = id;
    if (state.position >= state.docs.length) {
      this.cursors.delete(id);
      outId = 0;
    }
    return { cursor: { nextBatch, id: Long.fromNumber(outId), ns: state.ns } };
  }

  /** How many of the documents from `start` on go in one batch of at most `count`: at least one. */
  private fitting(docs: Document[], start: number, count: number): number {
    const limit = this.options.maxBatchBytes;
    if (limit === undefined) return count;
    let bytes = 0;
    let n = 0;
    while (n < count && start + n < docs.length) {
      bytes += BSON.calculateObjectSize(docs[start + n]!);
      if (n > 0 && bytes > limit) break;
      n++;
    }
    return n;
  }

  /** The unique index a new document would break, if any; otherwise its keys are taken. */
  private uniqueClash(coll: CollectionData, doc: Document): IndexSpec | undefined {
    if (!coll.taken) {
      coll.taken = new Map();
      for (const index of coll.indexes) {
        if (index.unique) coll.taken.set(index.name, new Set(coll.docs.map((d) => indexKey(d, index))));
      }
    }
    const unique = coll.indexes.filter((i) => i.unique);
    const clash = unique.find((i) => coll.taken!.get(i.name)?.has(indexKey(doc, i)));
    if (!clash) for (const i of unique) coll.taken.get(i.name)?.add(indexKey(doc, i));
    return clash;
  }
}

/** A comparable text of the indexed fields of a document. */
function indexKey(doc: Document, index: IndexSpec): string {
  const parts = Object.keys(index.key).map((k) => {
    const v = k.split('.').reduce<unknown>((o, s) => (o && typeof o === 'object' ? (o as Document)[s] : undefined), doc);
    return `${k}: ${v === undefined ? 'null' : JSON.stringify(v instanceof ObjectId ? v.toHexString() : v)}`;
  });
  return `{ ${parts.join(', ')} }`;
}
