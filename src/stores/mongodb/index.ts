import { MongoClient, type TopologyType } from 'mongodb';
import { didYouMean, storeError } from '../../errors.js';
import type { Store } from '../store.js';
import { mongoFailure, redactUrl } from './errors.js';
import { MongoStore, TASK_COLLECTION } from './store.js';

export { MongoStore, TASK_COLLECTION } from './store.js';
export { decodeDocument, encodeRecord, precisionLoss } from './codec.js';
export { toMongo, queryToMongo, toBson, MONGO_FIELD_OPERATORS, MONGO_TOP_OPERATORS, MONGO_JS_OPERATORS, type MongoFilter, type MongoFilterOptions } from './mongo-filter.js';

export const MONGO_DEFAULT_URL = 'mongodb://localhost:27017';
/** ipyparallel's MongoDB.database default. */
export const MONGO_DEFAULT_DATABASE = 'ipython-tasks';
export const MONGO_DEFAULT_TIMEOUT_MS = 5000;

export interface MongoOptions {
  /** Default mongodb://localhost:27017 */
  readonly url?: string;
  /** Default 'ipython-tasks' */
  readonly database?: string;
  readonly write?: boolean;
  readonly serverSelectionTimeoutMs?: number;
  /** Allow $where, $function, $accumulator. */
  readonly allowJs?: boolean;
  /**
   * Told when a write loses something, such as the microseconds of a
   * datetime (BSON dates keep milliseconds).
   */
  readonly onNote?: (note: string) => void;
}

/**
 * Opens the database that `ipcontroller --mongodb` writes. An unreachable
 * server, refused credentials or a missing database fail with a StoreError
 * within the server-selection timeout; opened for writing, it creates
 * ipyparallel's indexes (msg_id unique, submitted).
 */
export async function openMongoStore(options: MongoOptions): Promise<Store> {
  const url = options.url ?? MONGO_DEFAULT_URL;
  const database = options.database ?? MONGO_DEFAULT_DATABASE;
  const timeoutMs = options.serverSelectionTimeoutMs ?? MONGO_DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw storeError(`the server-selection timeout must be a positive number of milliseconds, not ${timeoutMs}`);
  checkDatabaseName(database);

  let client: MongoClient;
  try {
    client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, appName: 'ipc' });
  } catch (e) {
    throw mongoFailure(e, url, timeoutMs);
  }
  let topologyType: TopologyType = 'Unknown';
  client.on('topologyDescriptionChanged', (e) => {
    topologyType = e.newDescription.type;
  });
  const location = `${database}.${TASK_COLLECTION} at ${redactUrl(url)}`;
  const store = new MongoStore(
    {
      client,
      collection: client.db(database).collection(TASK_COLLECTION),
      url,
      writable: options.write === true,
      allowJs: options.allowJs === true,
      timeoutMs,
      topologyType: () => topologyType,
      ...(options.onNote ? { onNote: options.onNote } : {}),
    },
    location,
  );

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    // Connecting is bounded by the server-selection timeout; the checks after
    // it get a little more, so that a server that stops answering cannot hang us.
    timer = setTimeout(
      () => reject(storeError(`MongoDB at ${redactUrl(url)} did not answer within ${timeoutMs / 1000} s; check the URL, or allow more time with the server-selection timeout`)),
      timeoutMs + 1000,
    );
  });
  try {
    await Promise.race([prepare(client, database, options.write === true, url, timeoutMs), deadline]);
    return store;
  } catch (e) {
    await client.close().catch(() => undefined);
    throw mongoFailure(e, url, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

async function prepare(client: MongoClient, database: string, write: boolean, url: string, timeoutMs: number): Promise<void> {
  await client.connect();
  if (write) {
    const coll = client.db(database).collection(TASK_COLLECTION);
    try {
      await coll.createIndex({ msg_id: 1 }, { unique: true });
    } catch (e) {
      if ((e as { code?: unknown }).code === 11000) {
        throw storeError(`${database}.${TASK_COLLECTION} at ${redactUrl(url)} holds two records with one msg_id, so the unique msg_id index that ipyparallel expects cannot be made`);
      }
      throw mongoFailure(e, url, timeoutMs);
    }
    await coll.createIndex({ submitted: 1 });
    return;
  }
  if ((await hasTaskCollection(client, database)) === false) {
    const names = await databaseNames(client);
    const withTasks = names.filter((n) => n !== 'admin' && n !== 'local' && n !== 'config');
    const near = didYouMean(database, withTasks);
    const others = withTasks.length > 0 ? `; databases there: ${withTasks.join(', ')}` : '';
    throw storeError(
      `MongoDB at ${redactUrl(url)} has no database '${database}' with a ${TASK_COLLECTION} collection${near}${others}; name the one ipcontroller --mongodb wrote (MongoDB.database) with --database`,
    );
  }
}

/** Whether the task collection exists; undefined when the user may not list collections. */
async function hasTaskCollection(client: MongoClient, database: string): Promise<boolean | undefined> {
  try {
    const found = await client.db(database).listCollections({ name: TASK_COLLECTION }, { nameOnly: true }).toArray();
    return found.length > 0;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 13) return undefined;
    throw e;
  }
}

async function databaseNames(client: MongoClient): Promise<string[]> {
  try {
    const list = await client.db('admin').admin().listDatabases({ nameOnly: true });
    return list.databases.map((d) => d.name);
  } catch {
    return [];
  }
}

/** MongoDB's rules for database names, checked before anything is sent. */
function checkDatabaseName(name: string): void {
  if (name === '' || /[/\\. "$*<>:|?\0]/.test(name) || Buffer.byteLength(name) >= 64) {
    throw storeError(`'${name}' cannot be a MongoDB database name (it must be 1 to 63 bytes without / \\ . " $ * < > : | ? or spaces); ipcontroller --mongodb uses 'ipython-tasks'`);
  }
}
