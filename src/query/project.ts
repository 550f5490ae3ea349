import { queryError } from '../errors.js';
import { ALL_KEYS, DATETIME_KEYS, DEFAULT_KEYS, EVERY_KEY, Timestamp, isTaskKey, shareValue, type TaskRecord, type Value } from '../records/index.js';
import { isDerivedKey } from '../payload/index.js';
import { unknownKeyError } from './compile.js';
import { describe } from './describe.js';

/** What a caller may pass as `keys`: a list, one key, or nothing (the default keys). */
export type KeysInput = readonly string[] | string | null | undefined;

/**
 * The keys an answer holds: msg_id first and always; without `keys`, every
 * key but the two buffer keys; with `keys='*'` (or `['*']`), every stored
 * key, the buffers too.
 */
export function normalizeKeys(keys: KeysInput | unknown): readonly string[] {
  if (keys === undefined || keys === null) return DEFAULT_KEYS;
  const list = typeof keys === 'string' ? [keys] : keys;
  if (Array.isArray(list) && list.length === 1 && list[0] === EVERY_KEY) return ALL_KEYS;
  if (!Array.isArray(list)) {
    throw queryError(`keys is a list of TaskRecord keys or one key, such as keys=['msg_id', 'started'], not ${describe(keys)}`);
  }
  if (list.length === 0) return DEFAULT_KEYS;
  const out = ['msg_id'];
  for (const k of list) {
    if (typeof k !== 'string') throw queryError(`keys holds key names, not ${describe(k)}`);
    if (k === EVERY_KEY) throw queryError(`keys='*' asks for every key and stands alone: drop the other keys, or the '*'`);
    if (!isTaskKey(k) && !isDerivedKey(k)) throw unknownKeyError(k, ' in keys');
    if (!out.includes(k)) out.push(k);
  }
  return out;
}

/** The record cut down to `keys`, in that order; a key the record lacks is None. */
export function project(record: TaskRecord, keys: readonly string[]): TaskRecord {
  const out: TaskRecord = {};
  for (const k of keys) {
    const v: Value | undefined = record[k];
    out[k] = v === undefined ? null : v;
  }
  return out;
}

/** A compiled projection: the record cut to some keys, safe to hand out. */
export type Projector = (record: TaskRecord) => TaskRecord;

const projectors = new Map<string, Projector>();

/**
 * `project` compiled for one list of keys, for stores that answer many
 * records: the answer is built as one object literal (every answer of a query
 * then shares one shape), and each value is shared when frozen, else copied
 * (see `frozenCopy`). Keys must come from `normalizeKeys`; they reach the
 * source only as JSON string literals.
 */
export function projector(keys: readonly string[]): Projector {
  const id = keys.join('\u0000');
  let p = projectors.get(id);
  if (!p) {
    // scalars, instants and frozen containers are shared without a call; the rest is copied
    const fields = keys.map((k) => {
      const name = JSON.stringify(k);
      const instant = DATETIME_KEYS.includes(k) ? 'v instanceof Timestamp || ' : '';
      const prop = k === '__proto__' ? `[${name}]` : name;
      return `${prop}: (v = r[${name}]) === undefined ? null : ${instant}typeof v !== 'object' || v === null || isFrozen(v) ? v : share(v)`;
    });
    p = new Function(
      'share', 'isFrozen', 'Timestamp',
      `return function project(r) { let v; return { ${fields.join(', ')} }; };`,
    )(shareValue, Object.isFrozen, Timestamp) as Projector;
    if (projectors.size >= 256) projectors.clear();
    projectors.set(id, p);
  }
  return p;
}
