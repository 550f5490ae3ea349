/**
 * Where MongoDB tests run: a real mongod when IPC_TEST_MONGODB_URL is set,
 * else the wire-protocol stand-in. Each target gets databases of its own
 * names, dropped on close.
 */
import { MongoClient } from 'mongodb';
import { Timestamp, type Value } from '../../src/records/index.js';
import { startMongoStandIn, type MongoStandIn } from './mongo-standin/index.js';

export interface MongoTarget {
  readonly url: string;
  /** "a real mongod" or "the stand-in", for test names. */
  readonly label: string;
  /** The stand-in, when the tests run against it (for looking at what the driver sent). */
  readonly standIn: MongoStandIn | undefined;
  /** A database name no other test uses. */
  freshDatabase(): string;
  close(): Promise<void>;
}

export const REAL_MONGODB_URL = process.env['IPC_TEST_MONGODB_URL'] || undefined;
export const TARGET_LABEL = REAL_MONGODB_URL ? 'a real mongod' : 'the MongoDB stand-in';

let counter = 0;

export async function startMongoTarget(): Promise<MongoTarget> {
  const standIn = REAL_MONGODB_URL ? undefined : await startMongoStandIn();
  const url = REAL_MONGODB_URL ?? standIn!.url;
  const used: string[] = [];
  const prefix = `ipc-test-${process.pid}-${Date.now() % 100000}`;
  return {
    url,
    label: TARGET_LABEL,
    standIn,
    freshDatabase() {
      const name = `${prefix}-${++counter}`;
      used.push(name);
      return name;
    },
    async close() {
      if (standIn) {
        await standIn.close();
        return;
      }
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
      try {
        for (const name of used) await client.db(name).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

/** Records as MongoDB keeps them: every datetime cut to whole milliseconds. */
export function atMillis<T extends Value>(v: T): T {
  if (v instanceof Timestamp) return new Timestamp(v.millis * 1000) as T;
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(atMillis) as T;
  const out: Record<string, Value> = {};
  for (const [k, x] of Object.entries(v)) out[k] = atMillis(x);
  return out as T;
}
