import { IpcError, valueError } from '../errors.js';
import { PyNumpyScalar } from './numpy.js';
import { callArgs, callName, decodeApply, decodeApplyFunction, decodeResult, functionName, isParallelMap, type TaskCall } from './payload.js';
import { FAILURE_NEEDS, taskFailure, tracebackText } from './failure.js';
import { PickleError } from './pickle-classes.js';
import { SLICED_PICKLE_BYTES } from './pickle.js';
import { PyBytearray, PyDeque, PyFloat, PyMapping, PySet, PyValue } from './python.js';
import { TimeDelta, Timestamp } from './timestamp.js';
import { Unreadable, unreadable } from './unreadable.js';
import { EMPTY_DICT_TEXT, OK_REPLY_TEXT, columnValue, storedText } from './stored-text.js';
import { isDict, setOwn, type Dict, type TaskRecord, type Value } from './values.js';

/**
 * ipc's own keys: computed on the client from a TaskRecord, never stored.
 * They are accepted wherever a key is (keys=[...], queries, tables, JSON);
 * a query on them is the residual after the stored keys are pushed down.
 */
export const DERIVED_KEYS = [
  'function',
  'args',
  'kwargs',
  'result',
  'code',
  'status',
  'engine_id',
  'queue_wait',
  'run_time',
  'ename',
  'evalue',
  'traceback',
] as const;

export type DerivedKey = (typeof DERIVED_KEYS)[number];

export function isDerivedKey(name: string): name is DerivedKey {
  return (DERIVED_KEYS as readonly string[]).includes(name);
}

/** What the state of a task is, as far as its record tells. */
export type RecordStatus = 'ok' | 'error' | 'aborted' | 'pending';

/** What a derivation may know beyond the record itself. */
export interface DeriveContext {
  /** The integer engine id of an engine uuid, when an engine map is known. */
  engineId?(uuid: string): number | undefined;
}

/**
 * The task's status: the reply's status once a result has arrived, else
 * pending. A 7.x hub fills `started` only at completion, so a record says
 * nothing about whether a pending task has started running.
 */
export function taskStatus(rec: TaskRecord): RecordStatus {
  // the content every successful reply has decides without being parsed
  if (storedText(rec, 'result_content') === OK_REPLY_TEXT) return 'ok';
  const fromReply =
    statusText(columnValue(rec, 'result_content')) ?? statusText(columnValue(rec, 'result_header')) ?? statusText(columnValue(rec, 'result_metadata'));
  if (fromReply === 'ok' || fromReply === 'error' || fromReply === 'aborted') return fromReply;
  if (isDict(columnValue(rec, 'error'))) return 'error';
  return rec['completed'] instanceof Timestamp ? 'ok' : 'pending';
}

function statusText(v: Value | undefined): string | undefined {
  if (!isDict(v)) return undefined;
  const s = v['status'];
  return typeof s === 'string' ? s : undefined;
}

/**
 * The integer id of the engine that ran the task: from the engine map when
 * known, else from the `engine_info` an error reply carries.
 */
export function engineIdOf(rec: TaskRecord, ctx: DeriveContext = {}): number | null {
  const uuid = rec['engine_uuid'];
  if (typeof uuid === 'string' && ctx.engineId) {
    const id = ctx.engineId(uuid);
    if (id !== undefined) return id;
  }
  const md = columnValue(rec, 'result_metadata');
  if (isDict(md) && typeof md['engine_id'] === 'number') return md['engine_id'];
  // 7.x puts engine_id -1 in the error content's engine_info; result_metadata's has the real one.
  for (const key of ENGINE_INFO_HOLDERS) {
    const holder = columnValue(rec, key);
    if (!isDict(holder)) continue;
    const info = holder['engine_info'];
    if (isDict(info) && typeof info['engine_id'] === 'number' && info['engine_id'] >= 0 && (typeof uuid !== 'string' || info['engine_uuid'] === uuid)) {
      return info['engine_id'];
    }
  }
  return null;
}

const ENGINE_INFO_HOLDERS = ['result_metadata', 'result_content', 'error'] as const;

function seconds(from: Value | undefined, to: Value | undefined): number | null {
  if (!(from instanceof Timestamp) || !(to instanceof Timestamp)) return null;
  return (to.us - from.us) / 1e6;
}

/** Seconds from submission to start, or None when either time is missing. */
export function queueWait(rec: TaskRecord): number | null {
  return seconds(rec['submitted'], rec['started']);
}

/** Seconds from start to completion, or None when either time is missing. */
export function runTime(rec: TaskRecord): number | null {
  return seconds(rec['started'], rec['completed']);
}

/** The stored keys each derived key is computed from: what a store must fetch for it. */
export const DERIVED_NEEDS: Readonly<Record<DerivedKey, readonly string[]>> = {
  function: ['buffers', 'header', 'content', 'execute_input'],
  args: ['buffers', 'header', 'content', 'execute_input'],
  kwargs: ['buffers', 'header', 'content', 'execute_input'],
  result: ['result_buffers', 'result_content', 'result_header', 'result_metadata', 'error', 'completed'],
  code: ['execute_input', 'header', 'content'],
  status: ['result_content', 'result_header', 'result_metadata', 'error', 'completed'],
  engine_id: ['engine_uuid', 'result_metadata', 'result_content', 'error'],
  queue_wait: ['submitted', 'started'],
  run_time: ['started', 'completed'],
  ename: FAILURE_NEEDS,
  evalue: FAILURE_NEEDS,
  traceback: FAILURE_NEEDS,
};

/** Derived keys whose values are containers, so that a dotted path reaches inside (`kwargs.scale`). */
export const DERIVED_PATH_KEYS: readonly DerivedKey[] = ['args', 'kwargs', 'result'];

/** The code an execute request ran: `execute_input`, else the request's `content.code`. */
export function taskCode(rec: TaskRecord): string | null {
  const input = rec['execute_input'];
  if (typeof input === 'string') return input;
  // an apply request's content is empty: no code, whatever the header says
  if (storedText(rec, 'content') === EMPTY_DICT_TEXT) return null;
  const header = columnValue(rec, 'header');
  const content = columnValue(rec, 'content');
  const isExecute = isDict(header) && header['msg_type'] === 'execute_request';
  if (isDict(content) && typeof content['code'] === 'string' && (isExecute || !isDict(header))) return content['code'];
  return null;
}

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
  const v: unknown = rec[key];
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

/**
 * Function names by the bytes of some frames of a request, found by their
 * lengths and then compared byte for byte (no text is made of the bytes:
 * comparing is a memcmp, where a text key cost a string of each pickle).
 */
class NamesByPickle {
  private readonly byLengths = new Map<string, { frames: Buffer[]; name: string | null }[]>();
  private size = 0;

  /** The lengths key of frames, or null when they are too large to keep. */
  key(frames: readonly Uint8Array[]): string | null {
    let key = '';
    let total = 0;
    for (const f of frames) {
      total += f.length;
      key += `${f.length},`;
    }
    return total > 4096 ? null : key;
  }

  get(key: string | null, frames: readonly Uint8Array[]): string | null | undefined {
    if (key === null) return undefined;
    const list = this.byLengths.get(key);
    if (!list) return undefined;
    for (const e of list) if (sameFrames(e.frames, frames)) return e.name;
    return undefined;
  }

  set(key: string | null, frames: readonly Uint8Array[], name: string | null): void {
    if (key === null) return;
    if (this.size >= NAME_CACHE_SIZE) {
      this.byLengths.clear();
      this.size = 0;
    }
    let list = this.byLengths.get(key);
    if (!list) this.byLengths.set(key, (list = []));
    // copies: the cache outlives the record's buffers
    list.push({ frames: frames.map((f) => Buffer.from(f)), name });
    this.size++;
  }
}

function sameFrames(kept: readonly Buffer[], frames: readonly Uint8Array[]): boolean {
  for (let i = 0; i < kept.length; i++) {
    const f = frames[i]!;
    if (!kept[i]!.equals(f)) return false;
  }
  return true;
}

const namesByPickle = new NamesByPickle();

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
  const out: Uint8Array[] = [];
  const add = (v: unknown, n: number) => {
    if (!Array.isArray(v)) return;
    for (let i = 0; i < v.length && i < n; i++) {
      const f: unknown = v[i];
      // a pickle starts with its protocol (a raw buffer of numpy data may not be one at all)
      if (f instanceof Uint8Array && f.length >= SLICED_PICKLE_BYTES && f[0] === 0x80) out.push(f);
    }
  };
  if (call) add(rec['buffers'], call);
  if (result) add(rec['result_buffers'], Infinity);
  return out;
}

/** A derived key of a payload that cannot be decoded: the inert marker, with a note unless the store gave one. */
function marker(rec: TaskRecord, key: DerivedKey, f: Failure): Value {
  const record = `record ${taskName(rec)}`;
  return f.announced ? (new Unreadable(key, record, f.reason, 'ValueError') as unknown as Value) : unreadable(key, record, f.reason, 'ValueError');
}

/** A derived key's value for a record, as shown (decoded Python values keep their classes). */
export function derivedValue(rec: TaskRecord, key: DerivedKey, ctx: DeriveContext = {}): unknown {
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
    case 'code':
      return taskCode(rec);
    case 'status':
      return taskStatus(rec);
    case 'engine_id':
      return engineIdOf(rec, ctx);
    case 'queue_wait':
      return queueWait(rec);
    case 'run_time':
      return runTime(rec);
    case 'ename':
      return taskFailure(rec)?.ename ?? null;
    case 'evalue':
      return taskFailure(rec)?.evalue ?? null;
    case 'traceback':
      return tracebackText(rec);
  }
}

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
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyNumpyScalar) return typeof v.value === 'bigint' ? Number(v.value) : v.value;
  if (v instanceof PySet || v instanceof PyDeque) return v.items.map(queryValue);
  if (v instanceof PyBytearray) return v.bytes;
  if (v instanceof PyMapping) return Object.fromEntries(v.entries.map(([k, x]) => [typeof k === 'string' ? k : String(k), queryValue(x)]));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [typeof k === 'string' ? k : String(k), queryValue(x)]));
  if (v instanceof PyValue) return v.toString();
  // a timedelta is no dict of its fields: by its repr, as other values
  if (v instanceof TimeDelta) return v.repr();
  if (isDict(v)) {
    const out: Dict = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, queryValue(x));
    return out;
  }
  return String(v);
}
