/**
 * What a task ran and returned, read from its buffers as ipyparallel lays
 * them out, without running anything:
 * - `buffers` = pack_apply_message(f, args, kwargs): serialize_object(f),
 *   the pickled info dict (`nargs`, `narg_bufs`, `kw_keys`), then each
 *   argument and each keyword argument (sorted by name) as serialize_object
 *   made it;
 * - `result_buffers` = serialize_object(result).
 * serialize_object pickles the "canned" object (functions as CannedFunction,
 * arrays as CannedArray, bytes as CannedBytes; a list, tuple, set or dict of
 * fewer than 64 items has each item canned) and sends the data of large
 * canned items as frames of their own, in order, after the pickle.
 */
import { PyDtype } from './numpy.js';
import { ndarray, PickleError } from './pickle-classes.js';
import { DEFAULT_LIMITS, isPredecoded, unpickle, type PickleLimits } from './pickle.js';
import { fastUnpickle, builtOpaque, NOT_FAST } from './pickle-fast.js';
import { PyFunctionRef, PyGlobal, PyOpaque, PySet, tuple, compareStrings, isDict } from '../records/index.js';
import { FramesByBytes } from './by-bytes.js';

/** jupyter_client's MAX_ITEMS: containers this long or longer are pickled whole, not item by item. */
const MAX_ITEMS = 64;
const CANNING_MODULE = 'ipyparallel.serialize.canning';
const CANNING = `${CANNING_MODULE}.`;

export interface TaskCall {
  readonly function: unknown;
  /** A tuple. */
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
}

/** A frame list read front to back, as deserialize_object pops it. */
class Frames {
  private i = 0;
  constructor(private readonly frames: readonly Uint8Array[]) {}
  next(what: string): Uint8Array {
    const f = this.frames[this.i++];
    if (!f) throw new PickleError(`the buffers end before ${what}`);
    return f;
  }
  get rest(): number {
    return this.frames.length - this.i;
  }
  /** How many frames were read. */
  get read(): number {
    return this.i;
  }
}

/**
 * The functions of apply requests by the bytes of their frame: a client
 * submits one function many times, and its canned pickle (code object,
 * names, constants) cost more to decode than most arguments. Only a frame
 * that decoded on its own into a function (no frames of data after it),
 * under the default limits; each use gets a function of its own, as a
 * decode would give.
 */
const FUNCTIONS = new FramesByBytes<{ readonly name: string; readonly filename: string | null; readonly line: number | null; readonly module: string | null }>(512);

/** An apply request's info dict, as pack_apply_message writes it. */
interface ApplyInfo {
  readonly nargs: number;
  readonly narg_bufs: number;
  readonly kw_keys: unknown[];
}

/** Info dicts by their bytes: the same for every task of a function called alike. Read only here, never handed out. */
const INFOS = new FramesByBytes<ApplyInfo>(512);

function applyInfo(frame: Uint8Array, limits: PickleLimits): ApplyInfo {
  const key = limits === DEFAULT_LIMITS && !isPredecoded(frame) ? INFOS.key([frame]) : null;
  const known = INFOS.get(key, [frame]);
  if (known) return known;
  const info = unpickle(frame, { limits });
  if (!isDict(info) || typeof info['nargs'] !== 'number' || typeof info['narg_bufs'] !== 'number' || !Array.isArray(info['kw_keys'])) {
    throw new PickleError('the second buffer is not the info dict of an apply request (nargs, narg_bufs, kw_keys)');
  }
  const checked = info as unknown as ApplyInfo;
  INFOS.set(key, [frame], checked);
  return checked;
}

/** The function of an apply request: serialize_object(f), its first frame (or frames). */
function applyFunction(frames: Frames, first: Uint8Array, limits: PickleLimits): unknown {
  const keep = limits === DEFAULT_LIMITS && !isPredecoded(first);
  const key = keep ? FUNCTIONS.key([first]) : null;
  const known = FUNCTIONS.get(key, [first]);
  if (known !== undefined) {
    frames.next('the function');
    return new PyFunctionRef(known.name, known.filename, known.line, known.module);
  }
  const fn = calledByReference(deserializeObject(frames, limits));
  if (fn instanceof PyFunctionRef && frames.read === 1) FUNCTIONS.set(key, [first], { name: fn.name, filename: fn.filename, line: fn.line, module: fn.module });
  return fn;
}

/** unpack_apply_message: the function, the positional arguments (a tuple) and the keyword arguments. */
export function decodeApply(buffers: readonly Uint8Array[], limits: PickleLimits = DEFAULT_LIMITS): TaskCall {
  if (buffers.length < 2) throw new PickleError(`an apply request has at least 2 buffers, this one ${buffers.length}`);
  const frames = new Frames(buffers);
  const fn = applyFunction(frames, buffers[0]!, limits);
  const info = applyInfo(frames.next('the info dict'), limits);
  const argFrames = new Frames(buffers.slice(2, 2 + info['narg_bufs']));
  const kwFrames = new Frames(buffers.slice(2 + info['narg_bufs']));
  const args: unknown[] = [];
  for (let i = 0; i < info['nargs']; i++) args.push(deserializeObject(argFrames, limits));
  const kwargs: Record<string, unknown> = {};
  for (const key of info['kw_keys'] as unknown[]) kwargs[String(key)] = deserializeObject(kwFrames, limits);
  return { function: fn, args: tuple(args), kwargs };
}

/** The function of an apply request alone, without decoding its arguments: what a timeline or `%stats by function` needs. */
export function decodeApplyFunction(buffers: readonly Uint8Array[], limits: PickleLimits = DEFAULT_LIMITS): unknown {
  if (buffers.length < 2) throw new PickleError(`an apply request has at least 2 buffers, this one ${buffers.length}`);
  return calledByReference(deserializeObject(new Frames(buffers), limits));
}

/** What an apply calls, when pickled by name (`time.sleep`, a library's function), is a function, not a class. */
function calledByReference(fn: unknown): unknown {
  return fn instanceof PyGlobal ? new PyFunctionRef(fn.name, null, null, fn.module) : fn;
}

/** The fast decoder's value, or NOT_FAST; a pickle decoded beforehand in slices is read from there instead. */
function quick(data: Uint8Array, limits: PickleLimits): unknown {
  return isPredecoded(data) ? NOT_FAST : fastUnpickle(data, limits);
}

/** deserialize_object of a result: the value the task returned. */
export function decodeResult(buffers: readonly Uint8Array[], limits: PickleLimits = DEFAULT_LIMITS): unknown {
  if (buffers.length === 0) return null;
  // most results: a pickle that builds no inert instance, so nothing to restore or uncan
  const value = quick(buffers[0]!, limits);
  if (value !== NOT_FAST && !builtOpaque()) return value;
  return deserializeObject(new Frames(buffers), limits, value);
}

/** The name a decoded function goes by (`add`, `<lambda>`), or null. */
export function functionName(fn: unknown): string | null {
  if (fn instanceof PyFunctionRef) return fn.name;
  if (fn instanceof PyGlobal) return fn.name;
  return null;
}

/**
 * Whether a decoded function is the one ipyparallel's `view.map` sends in
 * each task: `_map = lambda f, *sequences: list(map(f, *sequences))` of
 * ipyparallel/client/remotefunction.py (7.x; 9.x makes it `def _map(f,
 * *sequences)` there), called with the mapped function and the task's part
 * of each sequence.
 */
export function isParallelMap(fn: unknown): boolean {
  if (!(fn instanceof PyFunctionRef) || (fn.name !== '<lambda>' && fn.name !== '_map') || fn.filename === null) return false;
  const path = fn.filename.replace(/\\/g, '/');
  return path.endsWith('/ipyparallel/client/remotefunction.py');
}

/** The function a `view.map` task maps over its part of the sequences, or null for any other call. */
export function mappedFunction(call: TaskCall): unknown {
  if (!isParallelMap(call.function) || call.args.length < 2) return null;
  const f = call.args[0];
  return f instanceof PyFunctionRef ? f : f instanceof PyGlobal ? calledByReference(f) : null;
}

/** The arguments a call runs its function with: for a `view.map` task, its part of each sequence (a tuple). */
export function callArgs(call: TaskCall): unknown[] {
  return mappedFunction(call) ? tuple(call.args.slice(1)) : call.args;
}

/** The name of the function a call runs: for a `view.map` task, the mapped function's. */
export function callName(call: TaskCall): string | null {
  return functionName(mappedFunction(call) ?? call.function);
}

/** deserialize_object; `decoded` is what the fast decoder already made of the next frame, if it was asked. */
function deserializeObject(frames: Frames, limits: PickleLimits, decoded?: unknown): unknown {
  const data = frames.next('the next object');
  let canned = decoded === undefined ? quick(data, limits) : decoded;
  // canned objects and code are inert instances: without one there is nothing to restore or uncan
  if (canned !== NOT_FAST && !builtOpaque()) return canned;
  if (canned === NOT_FAST) canned = unpickle(data, { limits, fast: false });
  // an instance is neither a container nor a dict: straight to the last case
  if (canned instanceof PyOpaque) {
    restoreBuffers(canned, frames);
    return uncan(canned, limits);
  }
  if ((Array.isArray(canned) || (canned instanceof PySet && !canned.frozen)) && itemsOf(canned).length < MAX_ITEMS) {
    const items = itemsOf(canned);
    for (const c of items) restoreBuffers(c, frames);
    for (let i = 0; i < items.length; i++) items[i] = uncan(items[i], limits);
    return canned;
  }
  if (isDict(canned) && Object.keys(canned).length < MAX_ITEMS) {
    const dict = canned as Record<string, unknown>;
    for (const k of Object.keys(dict).sort(compareStrings)) {
      restoreBuffers(dict[k], frames);
      dict[k] = uncan(dict[k], limits);
    }
    return dict;
  }
  if (canned instanceof Map && canned.size < MAX_ITEMS) {
    for (const k of [...canned.keys()].sort(comparePython)) {
      restoreBuffers(canned.get(k), frames);
      canned.set(k, uncan(canned.get(k), limits));
    }
    return canned;
  }
  restoreBuffers(canned, frames);
  return uncan(canned, limits);
}

function itemsOf(v: unknown[] | PySet): unknown[] {
  return Array.isArray(v) ? v : v.items;
}

function comparePython(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareStrings(String(a), String(b));
}

function cannedState(v: unknown, name?: string): Record<string, unknown> | null {
  if (!(v instanceof PyOpaque) || !(v.cls instanceof PyGlobal) || !inCanning(v.cls)) return null;
  if (name && v.cls.name !== name) return null;
  return isDict(v.state) ? (v.state as Record<string, unknown>) : null;
}

/** Whether a class's `module.name` starts with CANNING: its module is the canning module, as every canned object's is, or begins alike. */
function inCanning(cls: PyGlobal): boolean {
  const m = cls.module;
  if (m === CANNING_MODULE) return true;
  return m.startsWith('ipyparallel') && cls.qualified.startsWith(CANNING);
}

/** _restore_buffers: a canned object's None buffers are the next frames. */
function restoreBuffers(v: unknown, frames: Frames): void {
  const state = cannedState(v);
  const bufs = state?.['buffers'];
  if (!Array.isArray(bufs)) return;
  for (let i = 0; i < bufs.length; i++) if (bufs[i] === null) bufs[i] = frames.next('the data of a canned object');
}

function uncan(v: unknown, limits: PickleLimits): unknown {
  const code = codeOf(v);
  if (code) return code;
  if (!(v instanceof PyOpaque) || !(v.cls instanceof PyGlobal)) return v;
  const state = cannedState(v);
  if (!state) return v;
  const buffer = Array.isArray(state['buffers']) ? state['buffers'][0] : undefined;
  switch (v.cls.name) {
    case 'CannedFunction': {
      const fn = codeFunction(state['code']);
      const name = typeof state['__name__'] === 'string' ? state['__name__'] : fn?.name ?? '?';
      return new PyFunctionRef(name, fn?.filename ?? null, fn?.line ?? null);
    }
    case 'CannedBytes':
    case 'CannedMemoryView':
      return buffer instanceof Uint8Array ? buffer : v;
    case 'CannedArray': {
      if (!(buffer instanceof Uint8Array)) return v;
      if (state['pickled'] === true) return unpickle(buffer, { limits });
      const dtype = typeof state['dtype'] === 'string' ? PyDtype.parse(state['dtype']) : null;
      const shape = state['shape'];
      if (!dtype || !Array.isArray(shape) || !shape.every((x) => typeof x === 'number')) return v;
      return ndarray(dtype, shape, buffer);
    }
    case 'CannedClass':
      return typeof state['name'] === 'string' ? new PyGlobal('__main__', state['name']) : v;
    case 'CannedCell':
      return uncan(state['cell_contents'], limits);
  }
  return v;
}

interface CodeInfo {
  readonly name: string;
  readonly filename: string;
  readonly line: number | null;
}

/**
 * A pickled code object: a call of ipyparallel's code_ctor (or cloudpickle's
 * CodeType) with CodeType's arguments: six ints, the bytecode, constants,
 * names, varnames, filename, name, then (3.11+) qualname and the first line.
 */
function codeFunction(v: unknown): CodeInfo | null {
  if (!(v instanceof PyOpaque) || !v.called) return null;
  const a = v.args;
  if (a.length < 14 || typeof a[0] !== 'number' || !(a[6] instanceof Uint8Array)) return null;
  if (typeof a[10] !== 'string' || typeof a[11] !== 'string') return null;
  const line = a.slice(12).find((x) => typeof x === 'number');
  return { filename: a[10], name: a[11], line: typeof line === 'number' ? line : null };
}

/** A function cloudpickle wrote: a call whose first argument is a code object. */
function codeOf(v: unknown): PyFunctionRef | null {
  if (!(v instanceof PyOpaque) || !v.called || v.args.length === 0) return null;
  const code = codeFunction(v.args[0]);
  return code ? new PyFunctionRef(code.name, code.filename, code.line) : null;
}
