/** list and tuple (a JS array, a tuple marked as one), db_query's record list, and slices of them. */
import { indexError, keyError, typeError } from '../../errors.js';
import { repr } from '../../format/index.js';
import { RecordList, isTuple, tuple } from '../../records/index.js';
import { chargeString } from '../budget.js';
import { pyEquals } from '../compare.js';
import { method, stringItems, type CallArgs } from '../objects.js';
import { typeName } from './protocol.js';
import type { PyType } from './type.js';

/** `a[lower:upper:step]`, applied to a list, a string or an array's rows. */
export class SliceValue {
  constructor(
    readonly lower: number | null,
    readonly upper: number | null,
    readonly step: number | null,
  ) {}
  apply<T>(items: readonly T[]): T[] {
    const { start, stop, step } = this.bounds(items.length);
    const out: T[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(items[i]!);
    return out;
  }

  /** The slice of a string; one without surrogate pairs is cut by position, never split into characters. */
  applyToString(s: string): string {
    if (SURROGATE.test(s)) return this.apply(stringItems(s)).join('');
    const { start, stop, step } = this.bounds(s.length);
    if (step === 1) return s.slice(start, Math.max(start, stop));
    const count = Math.max(0, Math.ceil((stop - start) / step));
    chargeString(count);
    const out: string[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(s[i]!);
    return out.join('');
  }

  private bounds(n: number): { start: number; stop: number; step: number } {
    const step = this.step ?? 1;
    if (step === 0) throw typeError('slice step cannot be zero');
    const norm = (i: number | null, dflt: number) => {
      if (i === null) return dflt;
      if (i < 0) i += n;
      return step > 0 ? Math.min(Math.max(i, 0), n) : Math.min(Math.max(i, -1), n - 1);
    };
    return { start: norm(this.lower, step > 0 ? 0 : n - 1), stop: norm(this.upper, step > 0 ? n : -1), step };
  }
}

export const SURROGATE = /[\ud800-\udfff]/;

/** The position `key` names in a list of `length` items, or Python's TypeError or IndexError. */
export function listIndex(length: number, key: unknown): number {
  if (typeof key !== 'number' || !Number.isInteger(key)) throw typeError(`list indices must be integers or slices, not ${typeName(key)}`);
  const i = key < 0 ? key + length : key;
  if (i < 0 || i >= length) throw indexError(`index ${key} is out of range: the list has ${length} item${length === 1 ? '' : 's'}`);
  return i;
}

function one(c: CallArgs, fn: string): unknown {
  if (c.args.length !== 1 || c.kwargs.size) throw typeError(`${fn}() takes exactly one argument`);
  return c.args[0];
}

const LIST_METHODS = ['count', 'index', 'append', 'copy'];

/** A list's methods, over `items`. */
function listMethod(items: unknown[], name: string): unknown {
  switch (name) {
    case 'count': return method('list', name, (c) => items.filter((x) => pyEquals(x, one(c, 'count'))).length);
    case 'index': return method('list', name, (c) => {
      const x = one(c, 'index');
      const i = items.findIndex((y) => pyEquals(x, y));
      if (i < 0) throw keyError(`${repr(x)} is not in the list`);
      return i;
    });
    case 'append': return method('list', name, (c) => {
      items.push(one(c, 'append'));
      return null;
    });
    case 'copy': return method('list', name, () => [...items]);
    default: return undefined;
  }
}

/** A list, or a tuple: an array marked as one. */
export const LIST: PyType<unknown[]> = {
  name: (v) => (isTuple(v) ? 'tuple' : 'list'),
  truth: (v) => v.length > 0,
  len: (v) => v.length,
  items: (v) => v,
  item(v, key) {
    if (key instanceof SliceValue) return isTuple(v) ? tuple(key.apply(v)) : key.apply(v);
    return v[listIndex(v.length, key)];
  },
  setItem(v, key, x) {
    if (isTuple(v)) throw typeError(`'tuple' object does not support item assignment`);
    v[listIndex(v.length, key)] = x;
  },
  delItem(v, key) {
    if (isTuple(v)) throw typeError(`'tuple' object does not support item deletion`);
    v.splice(listIndex(v.length, key), 1);
  },
  attributeNames: () => [...LIST_METHODS],
  attribute: listMethod,
};

/** What db_query answers: a list of records (a slice of it is one too). */
export const RECORD_LIST: PyType<RecordList> = {
  name: () => 'list',
  truth: (v) => v.length > 0,
  len: (v) => v.length,
  items: (v) => v.records,
  item(v, key) {
    if (key instanceof SliceValue) return new RecordList(v.keys, key.apply(v.records));
    return v.records[listIndex(v.length, key)];
  },
  attributeNames: () => [...LIST_METHODS],
  attribute: (v, name) => listMethod(v.records, name),
};

/** A JS Set, as a Python set of its items. */
export const SET: PyType<Set<unknown>> = {
  name: () => 'set',
  truth: (v) => v.size > 0,
  len: (v) => v.size,
  items: (v) => [...v],
};
