import { Binary, Decimal128, Double, Int32, Long, ObjectId } from 'mongodb';
import { Timestamp, isDict, setOwn, type Dict, type TaskRecord, type Value } from '../../records/index.js';

/**
 * TaskRecords as pymongo writes them for ipyparallel's MongoDB backend: one
 * document per record, datetimes as BSON dates (milliseconds), buffers as
 * arrays of BSON Binary, dicts as embedded documents.
 */

/**
 * A stored document as an ipc TaskRecord: BSON dates become Timestamps,
 * Binary becomes bytes; `_id` is dropped. With `keys`, the record holds
 * those keys in that order, None where the document lacks one.
 */
export function decodeDocument(doc: Record<string, unknown>, keys?: readonly string[]): TaskRecord {
  const out: TaskRecord = {};
  if (keys) for (const k of keys) out[k] = decodeValue(doc[k]);
  else for (const k of Object.keys(doc)) if (k !== '_id') setOwn(out, k, decodeValue(doc[k]));
  return out;
}

export function decodeValue(v: unknown): Value {
  if (typeof v !== 'object') {
    if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    return v === undefined ? null : String(v);
  }
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(decodeValue);
  // A BSON date beyond the range of JS dates has no instant here.
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : Timestamp.fromDate(v);
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if ('_bsontype' in v) return decodeBsonValue(v);
  if (v instanceof RegExp) return v.source;
  const out: Dict = {};
  for (const k of Object.keys(v)) setOwn(out, k, decodeValue((v as Record<string, unknown>)[k]));
  return out;
}

/** The BSON types that have no plain JS form. */
function decodeBsonValue(v: object): Value {
  if (v instanceof Binary) return new Uint8Array(v.value());
  if (v instanceof Long) return v.toNumber();
  if (v instanceof Int32 || v instanceof Double) return v.valueOf();
  if (v instanceof Decimal128 || v instanceof ObjectId) return v.toString();
  return String(v);
}

/** A TaskRecord (or the changes of an update) as the document pymongo would write. */
export function encodeRecord(record: TaskRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) setOwn(out, k, encodeValue(v));
  return out;
}

export function encodeValue(v: Value): unknown {
  if (v instanceof Timestamp) return new Date(v.millis);
  if (v instanceof Uint8Array) return new Binary(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(encodeValue);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) setOwn(out, k, encodeValue(x));
  return out;
}

/**
 * The keys (dotted for nested values) whose datetimes have microseconds,
 * which a BSON date cannot keep: what a record loses when written here.
 */
export function precisionLoss(record: TaskRecord): string[] {
  const out: string[] = [];
  const walk = (v: Value, path: string): void => {
    if (v instanceof Timestamp) {
      if (v.subMillis !== 0) out.push(path);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}.${i}`));
    else if (isDict(v)) for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  for (const [k, v] of Object.entries(record)) walk(v, k);
  return out;
}
