/**
 * The collections a task returned or the collections module made:
 * OrderedDict, defaultdict and Counter (PyMapping), deque, and range. Each
 * adds to what every decoded value answers (`decoded.ts`: its items and
 * len); a set or frozenset needs nothing more.
 */
import { indexError, keyError, typeError } from '../../errors.js';
import { repr } from '../../format/index.js';
import { PyDeque, PyMapping, PyRange, tuple } from '../../records/index.js';
import { isInt, rangeItems } from '../numbers.js';
import { pyEquals } from '../compare.js';
import { method } from '../objects.js';
import type { PyType } from './type.js';

/** A decoded or shell-made mapping's `m[key] = value`. */
export function setMappingItem(m: PyMapping, key: unknown, value: unknown): void {
  const entry = m.entries.find(([k]) => pyEquals(k, key));
  if (entry) entry[1] = value;
  else m.entries.push([key, value]);
}

/** Whether `m[key]` would be found. */
function hasMappingItem(m: PyMapping, key: unknown): boolean {
  return m.entries.some(([k]) => pyEquals(k, key));
}

export const MAPPING: Partial<PyType<PyMapping>> = {
  item(v, key) {
    for (const [k, x] of v.entries) if (pyEquals(k, key)) return x;
    if (v.kind === 'Counter') return 0;
    throw keyError(`${repr(key)} is not a key of the ${v.kind}`);
  },
  // a defaultdict's missing key starts as factory(), and stays
  missing: (v, key) => (v.kind === 'defaultdict' && v.factory !== null && !hasMappingItem(v, key) ? v.factory : undefined),
  setItem: setMappingItem,
  entries: (v) => v.entries.map(([k, x]) => [k, x]),
  attributeNames: (v) => (v.kind === 'Counter' ? ['get', 'items', 'keys', 'most_common', 'values'] : ['get', 'items', 'keys', 'values']),
  attribute(v, name) {
    const owner = v.pyClass;
    switch (name) {
      case 'keys': return method(owner, name, () => v.entries.map(([k]) => k));
      case 'values': return method(owner, name, () => v.entries.map(([, x]) => x));
      case 'items': return method(owner, name, () => v.entries.map((e) => tuple([...e])));
      case 'get': return method(owner, name, (c) => {
        const entry = v.entries.find(([k]) => pyEquals(k, c.args[0]));
        return entry ? entry[1] : (c.args[1] ?? null);
      });
      case 'most_common':
        if (v.kind !== 'Counter') return undefined;
        return method(owner, name, (c) => {
          const sorted = v.entries.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => Number(b[1]) - Number(a[1]) || i - j).map(([e]) => e);
          const n = c.args[0];
          return (typeof n === 'number' ? sorted.slice(0, Math.max(0, n)) : sorted).map((e) => tuple([...e]));
        });
      default: return undefined;
    }
  },
};

/** `items[key]` of a sequence a task returned (a deque, a range, an array's items): an int index. */
export function sequenceItem(pyClass: string, items: readonly unknown[], key: unknown): unknown {
  if (!isInt(key) || typeof key === 'bigint') throw typeError(`${pyClass} indices must be integers, not ${repr(key)}`);
  const i = key < 0 ? key + items.length : key;
  if (i < 0 || i >= items.length) throw indexError(`index ${key} is out of range: the ${pyClass} has ${items.length} item${items.length === 1 ? '' : 's'}`);
  return items[i];
}

export const DEQUE: Partial<PyType<PyDeque>> = {
  item: (v, key) => sequenceItem(v.pyClass, v.items, key),
};

/** A decoded range's ints (its bounds are the ints the pickle held). */
function rangeOf(r: PyRange): number[] {
  const int = (x: unknown) => (typeof x === 'bigint' ? x : Number(x));
  const step = int(r.step);
  return step == 0 ? [] : rangeItems(int(r.start), int(r.stop), step);
}

// its items are made here, under the statement's budget
export const RANGE: Partial<PyType<PyRange>> = {
  len: (v) => rangeOf(v).length,
  items: rangeOf,
  item: (v, key) => sequenceItem(v.pyClass, rangeOf(v), key),
};
