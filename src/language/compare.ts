/**
 * Python's == and ordering (<, <=, >, >=) between the shell's values:
 * numbers of every form, datetimes and timedeltas, lists and tuples item by
 * item, dicts key by key.
 */
import { RecordList, TimeDelta, Timestamp, isDict, isTuple } from '../records/index.js';
import { typeError } from '../errors.js';
import { compareNumbers, isNumeric, unbox } from './numbers.js';
import { PyObject } from './objects.js';
import { datetimeInstant, typeName } from './types/index.js';

export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (isNumeric(a) && isNumeric(b)) {
    return compareNumbers(typeof a === 'boolean' ? Number(a) : unbox(a), typeof b === 'boolean' ? Number(b) : unbox(b)) === 0;
  }
  if (a instanceof Timestamp) return b instanceof Timestamp && a.us === b.us;
  if (a instanceof TimeDelta) return b instanceof TimeDelta && a.us === b.us;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (a instanceof RecordList) return pyEquals(a.records, b instanceof RecordList ? b.records : b);
  if (b instanceof RecordList) return pyEquals(a, b.records);
  if (Array.isArray(a)) {
    return Array.isArray(b) && isTuple(a) === isTuple(b) && a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  }
  if (a instanceof Map || b instanceof Map) {
    const entries = (d: unknown): [unknown, unknown][] | null =>
      d instanceof Map ? [...d] : isDict(d) && Object.getPrototypeOf(d) === Object.prototype ? Object.entries(d) : null;
    const ea = entries(a);
    const eb = entries(b);
    return ea !== null && eb !== null && ea.length === eb.length && ea.every(([k, v]) => eb.some(([k2, v2]) => pyEquals(k, k2) && pyEquals(v, v2)));
  }
  if (isDict(a) && isDict(b) && !(a instanceof PyObject) && !(b instanceof PyObject)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEquals(a[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** Orders two values as Python does, or raises the TypeError Python raises. */
export function pyCompare(a: unknown, b: unknown, op: string): number {
  const num = (x: unknown) => (typeof x === 'boolean' ? Number(x) : datetimeInstant(x) ?? unbox(x));
  const x = num(a);
  const y = num(b);
  if ((typeof x === 'number' || typeof x === 'bigint') && (typeof y === 'number' || typeof y === 'bigint')) {
    const c = compareNumbers(x, y);
    return Number.isNaN(c) ? NaN : c;
  }
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if (x instanceof Timestamp && y instanceof Timestamp) return Math.sign(x.us - y.us);
  if (x instanceof TimeDelta && y instanceof TimeDelta) return Math.sign(x.us - y.us);
  if (Array.isArray(x) && Array.isArray(y)) {
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (!pyEquals(x[i], y[i])) return pyCompare(x[i], y[i], op);
    }
    return Math.sign(x.length - y.length);
  }
  throw typeError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}
