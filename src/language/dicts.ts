/**
 * The shell's dicts: a literal or dict() with text keys is a plain object
 * (what queries and records are); one with int, float or tuple keys is a Map
 * whose keys are looked up by Python's hash equality.
 */
import { typeError } from '../errors.js';
import { PyFloat, TimeDelta, Timestamp, isDict, isTuple, setOwn } from '../records/index.js';
import { pyEquals } from './compare.js';
import { typeName } from './types/index.js';

/**
 * A dict from its pairs, as a literal or dict() makes it: text keys make a
 * plain object (what queries and records are); any other key (an int, a
 * tuple) makes a Map that keeps the key as it is, so `{1: 'a'}` prints as
 * Python prints it. A key equal to an earlier one replaces its value.
 */
export function dictOf(pairs: readonly (readonly [unknown, unknown])[]): Record<string, unknown> | Map<unknown, unknown> {
  if (pairs.every(([k]) => typeof k === 'string')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of pairs) setOwn(out, k as string, v);
    return out;
  }
  const out = new Map<unknown, unknown>();
  for (const [k, v] of pairs) mapSet(out, dictKeyChecked(k), v);
  return out;
}

/**
 * Python's hash equality as text: 1, 1.0 and True give one text, a tuple the
 * texts of its items; null for a key with no such text (then equality is
 * looked for item by item).
 */
function hashText(k: unknown): string | null {
  if (typeof k === 'string') return 's' + k;
  if (k === null || k === undefined) return 'N';
  if (typeof k === 'boolean') return 'n' + Number(k);
  if (typeof k === 'number' || typeof k === 'bigint') return 'n' + String(k);
  if (k instanceof PyFloat) return 'n' + String(k.value);
  if (k instanceof Timestamp) return 'd' + k.us;
  if (k instanceof TimeDelta) return 'D' + k.us;
  if (isTuple(k)) {
    const parts: string[] = [];
    for (const x of k as unknown[]) {
      const h = hashText(x);
      if (h === null) return null;
      parts.push(JSON.stringify(h));
    }
    return `t[${parts.join(',')}]`;
  }
  return null;
}

/**
 * For each Map the shell looks keys up in: hash text → the key as first
 * stored, and the Map's size when the index was last in step (a Map changed
 * elsewhere is indexed again), so a lookup is not a scan of every key.
 */
interface KeyIndex {
  readonly index: Map<string, unknown>;
  size: number;
  /** How many keys have no hash text (decoded objects): only they are compared one by one. */
  unhashed: number;
}

const KEY_INDEX = new WeakMap<Map<unknown, unknown>, KeyIndex>();

function indexOf(m: Map<unknown, unknown>): KeyIndex {
  let entry = KEY_INDEX.get(m);
  if (!entry || entry.size !== m.size) {
    const index = new Map<string, unknown>();
    let unhashed = 0;
    for (const k of m.keys()) {
      const h = hashText(k);
      if (h === null) unhashed++;
      else if (!index.has(h)) index.set(h, k);
    }
    entry = { index, size: m.size, unhashed };
    KEY_INDEX.set(m, entry);
  }
  return entry;
}

/** The key of `m` that equals `key` as Python's dict compares keys, or undefined. */
export function mapKey(m: Map<unknown, unknown>, key: unknown): unknown {
  const h = hashText(key);
  if (h !== null) {
    const entry = indexOf(m);
    const found = entry.index.get(h);
    if (found !== undefined || m.has(key)) return found ?? key;
    // only keys with no hash text (a key the decoder made) can still equal it
    if (entry.unhashed > 0) for (const k of m.keys()) if (hashText(k) === null && pyEquals(k, key)) return k;
    return undefined;
  }
  for (const k of m.keys()) if (pyEquals(k, key)) return k;
  return undefined;
}

/** `m[key] = value` with Python's key equality (1, 1.0 and True are one key). */
export function mapSet(m: Map<unknown, unknown>, key: unknown, value: unknown): void {
  const existing = mapKey(m, key);
  if (existing !== undefined) {
    m.set(existing, value);
    return;
  }
  const entry = indexOf(m);
  m.set(key, value);
  const h = hashText(key);
  if (h === null) entry.unhashed++;
  else entry.index.set(h, key);
  entry.size = m.size;
}

/** `del m[key]`; false when there is no such key. */
export function mapDelete(m: Map<unknown, unknown>, key: unknown): boolean {
  const existing = mapKey(m, key);
  if (existing === undefined) return false;
  const entry = indexOf(m);
  m.delete(existing);
  const h = hashText(existing);
  if (h === null) entry.unhashed--;
  else if (entry.index.get(h) === existing) entry.index.delete(h);
  entry.size = m.size;
  return true;
}

/** A key Python can hash: not a list, dict or set. */
function dictKeyChecked(k: unknown): unknown {
  if ((Array.isArray(k) && !isTuple(k)) || k instanceof Map || k instanceof Set || (isDict(k) && Object.getPrototypeOf(k) === Object.prototype)) {
    throw typeError(`unhashable type: '${typeName(k)}'`);
  }
  return k;
}

/** A key of a dict as the shell holds it: text; numbers become their text. */
export function dictKey(k: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' && Number.isFinite(k)) return String(k);
  if (k instanceof PyFloat && Number.isFinite(k.value)) return String(k.value);
  if (typeof k === 'bigint') return String(k);
  if (typeof k === 'boolean') return k ? 'True' : 'False';
  throw typeError(`a dict key here is a string or a number, not ${typeName(k)}`);
}
