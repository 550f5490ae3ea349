import { didYouMean, queryError } from '../errors.js';
import { DEFAULT_KEYS, KEY_NAMES, isTaskKey, type TaskRecord, type Value } from '../records/index.js';
import { describe } from './compile.js';

/** What a caller may pass as `keys`: a list, one key, or nothing (the default keys). */
export type KeysInput = readonly string[] | string | null | undefined;

/**
 * The keys an answer holds: msg_id first and always; without `keys`, every
 * key but the two buffer keys.
 */
export function normalizeKeys(keys: KeysInput | unknown): readonly string[] {
  if (keys === undefined || keys === null) return DEFAULT_KEYS;
  const list = typeof keys === 'string' ? [keys] : keys;
  if (!Array.isArray(list)) {
    throw queryError(`keys is a list of TaskRecord keys or one key, such as keys=['msg_id', 'started'], not ${describe(keys)}`);
  }
  if (list.length === 0) return DEFAULT_KEYS;
  const out = ['msg_id'];
  for (const k of list) {
    if (typeof k !== 'string') throw queryError(`keys holds key names, not ${describe(k)}`);
    if (!isTaskKey(k)) {
      throw queryError(`unknown key '${k}' in keys${didYouMean(k, KEY_NAMES)}; a TaskRecord has ${KEY_NAMES.join(', ')}`);
    }
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
