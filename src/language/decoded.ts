/**
 * What a task returned, decoded from its pickle, used as Python would use
 * it: sets, deques, OrderedDict/defaultdict/Counter, ranges and numpy arrays
 * are iterated, measured and indexed; numpy scalars are numbers; a
 * datetime.datetime takes part in datetime arithmetic. Only reading: nothing
 * here changes a decoded value.
 */
import { indexError, keyError, typeError } from '../errors.js';
import { repr } from '../format/index.js';
import { PyValue, PyDatetime, PyDeque, PyMapping, PyRange, PySet, PyTimezone, Timestamp, tuple, wallClockMillis } from '../records/index.js';
import { PyNdarray } from '../payload/index.js';
import { chargeItems } from './budget.js';
import { floatValue, isInt, rangeItems } from './numbers.js';

/** A decoded datetime.datetime as an instant (naive: local time, as the shell's own datetimes); undefined for other values. */
export function datetimeInstant(v: unknown): Timestamp | undefined {
  if (!(v instanceof PyDatetime) || v.kind !== 'datetime') return undefined;
  const [y, mo, d, h, mi, s, us] = v.fields as [number, number, number, number, number, number, number];
  if (v.tzinfo !== null && !(v.tzinfo instanceof PyTimezone)) return undefined;
  const ms = wallClockMillis([y, mo, d, h, mi, s], v.tzinfo !== null);
  if (ms === null) return undefined;
  return new Timestamp((ms - (v.tzinfo === null ? 0 : v.tzinfo.offset.us / 1000)) * 1000 + us);
}

/** The items a decoded container iterates over (a mapping: its keys); undefined when `v` is not one. */
export function decodedItems(v: unknown): unknown[] | undefined {
  if (!(v instanceof PyValue)) return undefined;
  const own = v.pyItems();
  if (own) return own;
  // an array's and a range's items are made here, under the statement's budget
  if (v instanceof PyNdarray) return arrayItems(v);
  if (v instanceof PyRange) return rangeOf(v);
  return undefined;
}

/** len() of a decoded container; undefined when `v` is not one. */
export function decodedLength(v: unknown): number | undefined {
  if (!(v instanceof PyValue)) return undefined;
  if (v instanceof PyRange) return rangeOf(v).length;
  return v.pyLen();
  return undefined;
}

const NOT_FOUND = Symbol('not found');

/** `v[key]` of a decoded container; NOT_FOUND when `v` is not one. */
export function decodedSubscript(v: unknown, key: unknown, equals: (a: unknown, b: unknown) => boolean): unknown {
  if (v instanceof PyMapping) {
    for (const [k, x] of v.entries) if (equals(k, key)) return x;
    if (v.kind === 'Counter') return 0;
    throw keyError(`${repr(key)} is not a key of the ${v.kind}`);
  }
  if (v instanceof PyDeque || v instanceof PyNdarray || v instanceof PyRange) {
    const items = v instanceof PyDeque ? v.items : v instanceof PyRange ? rangeOf(v) : arrayItems(v);
    if (!isInt(key) || typeof key === 'bigint') throw typeError(`${v.pyClass} indices must be integers, not ${repr(key)}`);
    const i = key < 0 ? key + items.length : key;
    if (i < 0 || i >= items.length) throw indexError(`index ${key} is out of range: the ${v.pyClass} has ${items.length} item${items.length === 1 ? '' : 's'}`);
    return items[i];
  }
  if (v instanceof PySet) throw typeError(`'${v.pyClass}' object is not subscriptable`);
  return NOT_FOUND;
}

export function isFound(x: unknown): boolean {
  return x !== NOT_FOUND;
}

/** The names of a decoded date, time or datetime's fields, in the order PyDatetime holds them. */
function fieldNames(v: PyDatetime): readonly string[] {
  const date = ['year', 'month', 'day'];
  const time = ['hour', 'minute', 'second', 'microsecond'];
  return v.kind === 'date' ? date : v.kind === 'time' ? time : [...date, ...time];
}

/** The attribute names decodedAttribute answers for `v`, for completion and suggestions. */
export function decodedAttributeNames(v: unknown): string[] {
  if (v instanceof PyMapping) return v.kind === 'Counter' ? ['get', 'items', 'keys', 'most_common', 'values'] : ['get', 'items', 'keys', 'values'];
  if (v instanceof PyDatetime) return v.kind === 'date' ? [...fieldNames(v)] : [...fieldNames(v), 'tzinfo'];
  if (v instanceof PyNdarray) return ['dtype', 'ndim', 'shape', 'size', 'tolist'];
  return [];
}

/** Attributes of decoded values: a mapping's keys/values/items/get, a datetime's fields, an array's shape and tolist. */
export function decodedAttribute(
  v: unknown,
  name: string,
  method: (name: string, body: (args: unknown[]) => unknown) => unknown,
  equals: (a: unknown, b: unknown) => boolean,
): unknown {
  if (v instanceof PyMapping) {
    switch (name) {
      case 'keys': return method(name, () => v.entries.map(([k]) => k));
      case 'values': return method(name, () => v.entries.map(([, x]) => x));
      case 'items': return method(name, () => v.entries.map((e) => tuple([...e])));
      case 'get': return method(name, (args) => {
        const entry = v.entries.find(([k]) => equals(k, args[0]));
        return entry ? entry[1] : (args[1] ?? null);
      });
      case 'most_common':
        if (v.kind === 'Counter') {
          return method(name, (args) => {
            const sorted = v.entries.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => Number(b[1]) - Number(a[1]) || i - j).map(([e]) => e);
            const n = args[0];
            return (typeof n === 'number' ? sorted.slice(0, Math.max(0, n)) : sorted).map((e) => tuple([...e]));
          });
        }
    }
  }
  if (v instanceof PyDatetime) {
    const i = fieldNames(v).indexOf(name);
    if (i >= 0) return v.fields[i];
    if (name === 'tzinfo') return v.tzinfo;
  }
  if (v instanceof PyNdarray) {
    switch (name) {
      case 'shape': return tuple([...v.shape]);
      case 'ndim': return v.shape.length;
      case 'size': return v.size;
      case 'dtype': return v.dtype;
      case 'tolist': return method(name, () => arrayItems(v));
    }
  }
  return undefined;
}

/** What V8 takes for an empty list, beyond the pointer to it. */
const EMPTY_LIST_BYTES = 24;

/** The items of an array as Python's tolist() gives them: nested lists for more than one dimension, floats as floats. */
function arrayItems(a: PyNdarray): unknown[] {
  if (a.shape.length === 0) throw typeError('iteration over a 0-d array');
  // the items, and the lists that hold them: (10**9, 0) is a billion empty lists
  chargeItems(a.size, 'the items of an array');
  chargeItems(a.listCount, 'the lists of an array', EMPTY_LIST_BYTES);
  const items = a.tolist(a.dtype.kind === 'f' ? (x) => floatValue(x as number) : undefined, Infinity);
  if (!items) throw typeError(`the items of a ${a.dtype.name} array are not readable here`);
  return items;
}

/** A decoded range's ints (its bounds are the ints the pickle held). */
function rangeOf(r: PyRange): number[] {
  const int = (x: unknown) => (typeof x === 'bigint' ? x : Number(x));
  const step = int(r.step);
  return step == 0 ? [] : rangeItems(int(r.start), int(r.stop), step);
}
