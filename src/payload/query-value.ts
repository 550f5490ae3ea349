import { PyValue, TimeDelta, Timestamp, Unreadable, isDict, setOwn, type Dict, type Value } from '../records/index.js';

/**
 * A decoded value as the query engine compares it: Python numbers as
 * numbers, tuples, sets and deques as lists, dicts with other keys by their
 * repr'd keys, datetimes with a date as instants; anything else (timedeltas too) by its repr.
 */
export function queryValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'object') return v as Value;
  if (v instanceof Uint8Array || v instanceof Timestamp || v instanceof Unreadable) return v as Value;
  if (Array.isArray(v)) return v.map(queryValue);
  // each decoded class says its own query form (numbers, lists, bytes, dicts); the rest compare by repr
  if (v instanceof PyValue) return (v.queryForm(queryValue) as Value | undefined) ?? v.toString();
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [typeof k === 'string' ? k : String(k), queryValue(x)]));
  // a timedelta is no dict of its fields: by its repr, as other values
  if (v instanceof TimeDelta) return v.repr();
  if (isDict(v)) {
    const out: Dict = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, queryValue(x));
    return out;
  }
  return String(v);
}
