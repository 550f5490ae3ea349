import { valueError, type IpcError } from '../errors.js';
import { StoredColumn, columnValue, taskCode, taskStatus, Unreadable, unreadable, type TaskRecord, type Value } from '../records/index.js';
import { callArgs, callName, decodeApply, decodeApplyFunction, decodeResult, functionName, isParallelMap, type TaskCall } from './apply-message.js';
import { PickleError } from './pickle-classes.js';
import { SLICED_PICKLE_BYTES, firstBufferAt, firstBufferLength, firstBufferSpan } from './pickle.js';
import type { DerivedKey } from './derived-keys.js';
import { FramesByBytes } from './by-bytes.js';

/**
 * The decoding half of the derived keys: a record's call (function,
 * arguments) and result decoded from its pickled buffers, once per record,
 * with function names kept by the bytes of their pickles.
 */

/**
 * A payload that cannot be decoded: the sentence that `.get()`, the record
 * view and taskCall raise, and the reason its derived keys' marker shows.
 * `announced` when a stored column was already unreadable, so the store has
 * said so once and the marker adds no note of its own.
 */
class Failure {
  constructor(readonly error: IpcError, readonly reason: string, readonly announced: boolean) {}
}

const calls = new WeakMap<TaskRecord, TaskCall | null | Failure>();
const results = new WeakMap<TaskRecord, unknown>();

/** The buffers of a key, an unreadable column, or null when there are none. */
function buffersOf(rec: TaskRecord, key: 'buffers' | 'result_buffers'): Uint8Array[] | Unreadable | null {
  const v: unknown = columnValue(rec, key);
  if (v instanceof Unreadable) return v;
  if (!Array.isArray(v) || v.length === 0 || !v.every((b) => b instanceof Uint8Array)) return null;
  return v as Uint8Array[];
}

function taskName(rec: TaskRecord): string {
  return String(rec['msg_id'] ?? '?');
}

function decodeFailure(rec: TaskRecord, what: string, e: unknown): Failure {
  if (!(e instanceof PickleError)) throw e;
  return new Failure(valueError(`cannot decode the ${what} of task '${taskName(rec)}': ${e.message}`), `cannot be decoded: ${e.message}`, false);
}

/** A buffer column decoded, or the Failure that says why it cannot be (its column unreadable, its pickle bad). */
function decodeBuffers<T>(rec: TaskRecord, what: string, bufs: Uint8Array[] | Unreadable, decode: (bufs: Uint8Array[]) => T): T | Failure {
  if (bufs instanceof Unreadable) return columnFailure(rec, what, bufs);
  try {
    return decode(bufs);
  } catch (e) {
    return decodeFailure(rec, what, e);
  }
}

function columnFailure(rec: TaskRecord, what: string, column: Unreadable): Failure {
  const why = `its ${column.key} ${column.reason}`;
  return new Failure(valueError(`cannot decode the ${what} of task '${taskName(rec)}': ${why}`), why, true);
}

function callOf(rec: TaskRecord): TaskCall | null | Failure {
  if (calls.has(rec)) return calls.get(rec)!;
  const bufs = buffersOf(rec, 'buffers');
  let call: TaskCall | null | Failure = null;
  if (bufs && taskCode(rec) === null) call = decodeBuffers(rec, 'call', bufs, decodeApply);
  calls.set(rec, call);
  return call;
}

/** The function, arguments and keyword arguments of an apply request; null for other requests. Raises a ValueError naming the task when they cannot be decoded. */
export function taskCall(rec: TaskRecord): TaskCall | null {
  const call = callOf(rec);
  if (call instanceof Failure) throw call.error;
  return call;
}

/**
 * Function names by the bytes of the pickle that holds the function: a
 * client submits the same function many times, so a timeline or stats over
 * many tasks decodes each distinct function once. The pickle of
 * ipyparallel's map lambda, the same in every `view.map` task, holds MAPS:
 * such a task's name is kept by the pickles of its info dict and first
 * argument (the mapped function) instead.
 */
const NAME_CACHE_SIZE = 512;
const MAPS = '\0maps';

const namesByPickle = new FramesByBytes<string | null>(NAME_CACHE_SIZE);

function remember(key: string | null, frames: readonly Uint8Array[], name: string | null): string | null {
  namesByPickle.set(key, frames, name);
  return name;
}

/**
 * The name of an apply request's function (`add`, `<lambda>`), decoding only
 * the function; for a `view.map` task, the mapped function's name; null for
 * other requests.
 */
function functionNameOf(rec: TaskRecord): string | null | Failure {
  const stored: unknown = rec['buffers'];
  if (stored instanceof StoredColumn && stored.raw instanceof Uint8Array && !calls.has(rec)) {
    const known = knownName(rec, stored.raw);
    if (known !== undefined) return known;
  }
  const bufs = buffersOf(rec, 'buffers');
  if (calls.has(rec) || bufs instanceof Unreadable) {
    const call = callOf(rec);
    return call instanceof Failure ? call : call ? callName(call) : null;
  }
  if (!bufs || taskCode(rec) !== null) return null;
  const first = bufs.slice(0, 1);
  const key = namesByPickle.key(first);
  const known = namesByPickle.get(key, first);
  if (known === MAPS) return mappedName(rec, bufs);
  if (known !== undefined) return known;
  let fn: unknown;
  try {
    fn = decodeApplyFunction(bufs);
  } catch (e) {
    // the call holds the function, so it cannot be decoded either
    const failure = decodeFailure(rec, 'function', e);
    calls.set(rec, failure);
    return failure;
  }
  // a view.map task: every one sends the same function, which maps the one named in its arguments
  if (isParallelMap(fn)) {
    remember(key, first, MAPS);
    return mappedName(rec, bufs);
  }
  return remember(key, first, functionName(fn));
}

/**
 * The name functionNameOf gives a record whose buffers are still as stored,
 * when the name of its function's pickle is known, read from the stored
 * bytes without unpickling the list (most records of a query on `function`
 * are never decoded further); undefined when it is not known that way.
 */
function knownName(rec: TaskRecord, raw: Uint8Array): string | null | undefined {
  const first = firstBufferSpan(raw);
  if (!first || taskCode(rec) !== null) return undefined;
  return nameOfSpan(raw, first[0], first[1]);
}

/**
 * The name functionNameOf gives an apply request's record (its code,
 * taskCode, None) whose buffers are `raw` as stored, when the name of its
 * function's pickle is known, without a record (a column read names most
 * of its rows so); undefined when it is not known that way.
 */
export function knownFunctionName(raw: Uint8Array): string | null | undefined {
  const first = firstBufferSpan(raw);
  return first ? nameOfSpan(raw, first[0], first[1]) : undefined;
}

/** knownFunctionName of the buffers `data[begin, end)` as stored, a part of a slice's bytes (blob-slices.ts), read in place. */
export function knownFunctionNameAt(data: Uint8Array, begin: number, end: number): string | null | undefined {
  const start = firstBufferAt(data, begin, end);
  return start < 0 ? undefined : nameOfSpan(data, start, firstBufferLength());
}

/** The known name of the function pickle `data[start, start + length)`; undefined when it is not known (or is the map lambda's). */
function nameOfSpan(data: Uint8Array, start: number, length: number): string | null | undefined {
  const known = namesByPickle.getSpan(data, start, length);
  return known === MAPS ? undefined : known;
}

/** The function's name (see functionNameOf); raises a ValueError naming the task when it cannot be decoded. */
export function taskFunctionName(rec: TaskRecord): string | null {
  const name = functionNameOf(rec);
  if (name instanceof Failure) throw name.error;
  return name;
}

/** The name of a `view.map` task's mapped function, which its info dict and first argument's pickle decide. */
function mappedName(rec: TaskRecord, bufs: readonly Uint8Array[]): string | null | Failure {
  const frames = bufs.slice(1, 3);
  const key = namesByPickle.key(frames);
  const known = namesByPickle.get(key, frames);
  if (known !== undefined) return known;
  const call = callOf(rec);
  if (call instanceof Failure) return call;
  return remember(key, frames, call ? callName(call) : null);
}

function resultOf(rec: TaskRecord): unknown {
  if (results.has(rec)) return results.get(rec);
  let value: unknown = null;
  const bufs = buffersOf(rec, 'result_buffers');
  if (bufs && taskStatus(rec) === 'ok') value = decodeBuffers(rec, 'result', bufs, decodeResult);
  results.set(rec, value);
  return value;
}

/** The value the task returned: None while it is pending or when it failed. Raises a ValueError naming the task when it cannot be decoded. */
export function taskResultValue(rec: TaskRecord): unknown {
  const value = resultOf(rec);
  if (value instanceof Failure) throw value.error;
  return value;
}

/** A derived key of a payload that cannot be decoded: the inert marker, with a note unless the store gave one. */
function marker(rec: TaskRecord, key: string, f: Failure): Value {
  const record = `record ${taskName(rec)}`;
  return f.announced ? (new Unreadable(key, record, f.reason, 'ValueError') as unknown as Value) : unreadable(key, record, f.reason, 'ValueError');
}

/** A decoding derived key of a record as shown: its value, or the inert marker when its payload cannot be decoded. */
export function decodedKey(rec: TaskRecord, key: 'function' | 'args' | 'kwargs' | 'result'): unknown {
  switch (key) {
    case 'function': {
      const name = functionNameOf(rec);
      return name instanceof Failure ? marker(rec, key, name) : name;
    }
    case 'args':
    case 'kwargs': {
      const call = callOf(rec);
      if (call instanceof Failure) return marker(rec, key, call);
      if (!call) return null;
      return key === 'args' ? callArgs(call) : call.kwargs;
    }
    case 'result': {
      const value = resultOf(rec);
      return value instanceof Failure ? marker(rec, key, value) : value;
    }
  }
}

/**
 * The large pickles a derived key's value decodes from a record: the
 * function's frame, every frame of the call, or of the result. Decoding
 * them beforehand with `unpickleInSlices` keeps a long decode from holding
 * the event loop (and Ctrl-C) for more than a few milliseconds.
 */
export function largePickles(rec: TaskRecord, keys: Iterable<DerivedKey>): Uint8Array[] {
  let call = 0;
  let result = false;
  for (const k of keys) {
    if (k === 'function') call = Math.max(call, 1);
    else if (k === 'args' || k === 'kwargs') call = Infinity;
    else if (k === 'result') result = true;
  }
  let out: Uint8Array[] | null = null;
  if (call) out = addLarge(rec, 'buffers', call, out);
  if (result) out = addLarge(rec, 'result_buffers', Infinity, out);
  return out ?? NO_PICKLES;
}

const NO_PICKLES: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

/** `out` with the large pickles among the first `n` frames of a buffer column added. */
function addLarge(rec: TaskRecord, key: string, n: number, out: Uint8Array[] | null): Uint8Array[] | null {
  // a column left as stored bytes shorter than a large pickle holds none: it stays undecoded
  const stored: unknown = rec[key];
  if (stored instanceof StoredColumn && stored.raw instanceof Uint8Array && stored.raw.length < SLICED_PICKLE_BYTES) return out;
  const v: unknown = columnValue(rec, key);
  if (!Array.isArray(v)) return out;
  for (let i = 0; i < v.length && i < n; i++) {
    const f: unknown = v[i];
    // a pickle starts with its protocol (a raw buffer of numpy data may not be one at all)
    if (f instanceof Uint8Array && f.length >= SLICED_PICKLE_BYTES && f[0] === 0x80) (out ??= []).push(f);
  }
  return out;
}
