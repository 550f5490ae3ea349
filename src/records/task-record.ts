import { PyValue } from './python.js';
import { Timestamp, isIsoDateString } from './timestamp.js';
import { Unreadable } from './unreadable.js';
import { StoredColumn } from './stored-text.js';

/** A value a TaskRecord can hold: what JSON holds, plus instants and bytes. */
export type Value =
  | null
  | boolean
  | number
  | string
  | Timestamp
  | Uint8Array
  | Value[]
  | { [key: string]: Value };

/**
 * Past this depth a value is circular (a dict that holds itself) or deeper
 * than any record: JSON output raises, as Python's json.dumps does, rather
 * than overflowing the stack; a store refuses to read a column nested so deep.
 */
export const MAX_JSON_DEPTH = 1000;

export type Dict = { [key: string]: Value };

/** A task record: msg_id plus any of the TaskRecord keys. */
export type TaskRecord = { [key: string]: Value };

export function isDict(v: unknown): v is Dict {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Timestamp) && !(v instanceof Uint8Array) &&
    !(v instanceof PyValue) && !(v instanceof Map) && !(v instanceof Unreadable) && !(v instanceof StoredColumn)
  );
}

/** Value equality as MongoDB and Python see it for query purposes. */
export function valuesEqual(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (a instanceof Timestamp) return b instanceof Timestamp && a.us === b.us;
  if (a instanceof Uint8Array) {
    return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  }
  if (isDict(a)) {
    if (!isDict(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && valuesEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Orders two values of the same kind (numbers, strings by code point,
 * instants, booleans); undefined when they are of different kinds, which
 * for a query means "does not match" (MongoDB's type bracketing).
 */
export function compareValues(a: Value, b: Value): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (a instanceof Timestamp && b instanceof Timestamp) return a.us < b.us ? -1 : a.us > b.us ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return undefined;
}

/** Code-point order (as SQLite's BINARY collation over UTF-8 and MongoDB order strings). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

/**
 * Sets an own, enumerable key on a plain object. A plain assignment of
 * `__proto__` would change the object's prototype instead of adding the key,
 * and a dict read from a store or a reply may hold any key.
 */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * Turns ISO 8601 strings into instants, recursively, as the hub's
 * `extract_dates` does for everything it receives.
 */
export function extractDates(v: unknown): Value {
  if (typeof v === 'string') return isIsoDateString(v) ? Timestamp.parse(v) ?? v : v;
  if (Array.isArray(v)) return v.map(extractDates);
  if (isDict(v)) {
    const out: Dict = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, extractDates(x));
    return out;
  }
  return v as Value;
}

/** A deep copy, so that a caller cannot change what a store holds. */
export function copyValue<T extends Value>(v: T): T {
  if (v === null || typeof v !== 'object' || v instanceof Timestamp) return v;
  if (v instanceof Uint8Array) return new Uint8Array(v) as T;
  if (Array.isArray(v)) {
    const list = new Array<Value>(v.length);
    for (let i = 0; i < v.length; i++) list[i] = copyValue(v[i]!);
    return list as T;
  }
  const out: Dict = {};
  for (const k of Object.keys(v)) setOwn(out, k, copyValue((v as Dict)[k]!));
  return out as T;
}

/**
 * A deep copy whose dicts and lists are frozen, so that it can be handed out
 * without copying again: every frozen container holds only immutable values.
 * Bytes cannot be frozen, so a container holding bytes stays unfrozen and is
 * copied when handed out (see `shareValue`).
 */
export function frozenCopy<T extends Value>(v: T): T {
  if (v === null || typeof v !== 'object' || v instanceof Timestamp) return v;
  if (v instanceof Uint8Array) return new Uint8Array(v) as T;
  let immutable = true;
  let out: Value[] | Dict;
  if (Array.isArray(v)) {
    const list = new Array<Value>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = frozenCopy(v[i]!);
      if (!isShareable(x)) immutable = false;
      list[i] = x;
    }
    out = list;
  } else {
    const dict: Dict = {};
    for (const k of Object.keys(v)) {
      const x = frozenCopy((v as Dict)[k]!);
      if (!isShareable(x)) immutable = false;
      setOwn(dict, k, x);
    }
    out = dict;
  }
  return (immutable ? Object.freeze(out) : out) as T;
}

function isShareable(v: Value): boolean {
  return v === null || typeof v !== 'object' || v instanceof Timestamp || Object.isFrozen(v);
}

/** A value to hand out from a store: itself when frozen (or scalar), else a copy. */
export function shareValue<T extends Value>(v: T): T {
  return isShareable(v) ? v : copyValue(v);
}

/** A short name for the kind of a value, for error messages. */
export function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v instanceof Timestamp) return 'datetime';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'dict';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  return 'str';
}
