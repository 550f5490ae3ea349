/**
 * What the classes a pickle names become, for both decoders (the full VM of
 * pickle.ts and the fast one of pickle-fast.ts): one table from a class's
 * name to the builder of its value, and the REDUCE, NEWOBJ, BUILD, APPEND
 * and SETITEM(S) steps that use it. A known standard type (datetime,
 * Decimal, OrderedDict, numpy arrays, ...) becomes that value; anything else
 * an inert PyOpaque that shows what it would have been. Nothing is imported
 * or run.
 */
import { PyDtype, PyNdarray, PyNumpyScalar } from './numpy.js';
import { PyBytearray, PyComplex, PyDatetime, PyDecimal, PyDeque, PyFloat, PyFraction, PyGlobal, PyMapping, PyOpaque, PyRange, PySet, PyTimezone, PyValue, safeInteger, TimeDelta, isTuple } from '../records/index.js';

export class PickleError extends Error {}

/**
 * The most digits of an int, Fraction or Decimal read from text: Python's own
 * limit on int('...') (sys.get_int_max_str_digits()). The length is checked
 * before any digit is converted, which takes time quadratic in it.
 */
export const MAX_DIGITS = 4300;

export function tooManyDigits(what: string, length: number, unit = 'digits'): PickleError {
  return new PickleError(`${what} of ${length.toLocaleString('en-US')} ${unit} exceeds the limit of ${MAX_DIGITS.toLocaleString('en-US')} digits`);
}

/** Decimal integer text (a sign, digits, spaces around) as an int; `what` names it in the sentences. */
export function integerText(text: string, what: string): number | bigint {
  if (text.length > MAX_DIGITS + 2) throw tooManyDigits(`${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what}`, text.length);
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new PickleError(`the pickle holds the ${what} text '${text.slice(0, 20)}'`);
  if (t.replace(/^[+-]/, '').length > MAX_DIGITS) throw tooManyDigits(`${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what}`, t.length);
  return safeInteger(BigInt(t));
}

/** A dict while the full VM fills it: keys may be any value until its last pass. */
export class DictBuilder {
  readonly entries: [unknown, unknown][] = [];
}

export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return isTuple(v) ? 'a tuple' : 'a list';
  if (v instanceof PyValue) return `a ${v.pyClass}`;
  if (typeof v === 'object') return 'a dict';
  return typeof v === 'bigint' ? 'int' : typeof v;
}

/** Classes are named again in every pickle; one inert PyGlobal per name serves them all. */
const globals = new Map<string, Map<string, PyGlobal>>();
/** The builder of each class of the whitelist that `globals` holds, found by the class rather than by its name. */
const builderOf = new Map<PyGlobal, number>();

/** The class or function a GLOBAL or STACK_GLOBAL names. */
export function pickleClass(module: string, name: string): PyGlobal {
  let names = globals.get(module);
  if (!names) {
    names = new Map();
    if (globals.size < 1024) globals.set(module, names);
  }
  let g = names.get(name);
  if (!g) {
    g = new PyGlobal(module === '__builtin__' ? 'builtins' : module === 'copy_reg' ? 'copyreg' : module, name);
    if (names.size < 1024 && globals.get(module) === names) {
      names.set(name, g);
      const builder = BUILDERS.get(g.qualified);
      if (builder !== undefined) builderOf.set(g, builder);
    }
  }
  return g;
}

function bytesOrBytearray(args: unknown[], fn: PyGlobal): unknown {
  const [a, b] = args;
  const wrap = (x: Uint8Array) => (fn.name === 'bytes' ? x : new PyBytearray(x));
  if (args.length === 0) return wrap(new Uint8Array(0));
  if (a instanceof Uint8Array || a instanceof PyBytearray) return wrap(bytesOf(a)!);
  if (typeof a === 'string' && (b === 'latin1' || b === 'latin-1')) return wrap(latin1Bytes(a));
  if (Array.isArray(a) && a.every((x) => typeof x === 'number' && x >= 0 && x < 256)) return wrap(Uint8Array.from(a as number[]));
  return undefined;
}

function setOrFrozenset(args: unknown[], fn: PyGlobal): unknown {
  const a = args[0];
  if (args.length === 0) return new PySet([], fn.name === 'frozenset');
  if (Array.isArray(a)) return new PySet([...a], fn.name === 'frozenset');
  return undefined;
}

function datetimeOf(args: unknown[], fn: PyGlobal): unknown {
  const raw = bytesOf(args[0]);
  return raw ? datetimeFromBytes(fn.name as 'datetime' | 'date' | 'time', raw, args[1] ?? null) : undefined;
}

/** A scalar's few bytes are copied here and read through one view, rather than through a view made for each. */
const scalarBytes = new Uint8Array(16);
const scalarView = new DataView(scalarBytes.buffer);

function numpyScalar(args: unknown[]): unknown {
  const [a, b] = args;
  if (!(a instanceof PyDtype)) return undefined;
  const raw = bytesOf(b);
  if (raw && raw.length >= a.size) {
    const view = raw.length <= scalarBytes.length ? (scalarBytes.set(raw), scalarView) : new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const v = a.read(view, 0);
    if (v !== undefined) return new PyNumpyScalar(a, v);
  }
  return undefined;
}

function numpyFromBuffer(args: unknown[]): unknown {
  const [a, b, c, d] = args;
  if (!(b instanceof PyDtype)) return undefined;
  const raw = bytesOf(a);
  return raw && Array.isArray(c) ? ndarray(b, c, raw, d === 'F') : undefined;
}

/*
 * The builders, by number. One switch calls each from its own call site, so
 * that the compiler inlines them where it compiles the switch, early; a
 * table of functions would make one call site for all, which it does not
 * inline, and a builder called once a task would run unoptimized for long.
 */
const ENCODE = 0;
const BYTES = 1;
const SET = 2;
const COMPLEX = 3;
const RANGE = 4;
const RECONSTRUCTOR = 5;
const DATETIME = 6;
const TIMEDELTA = 7;
const TIMEZONE = 8;
const DECIMAL = 9;
const FRACTION = 10;
const ORDERED_DICT = 11;
const DEFAULT_DICT = 12;
const COUNTER = 13;
const DEQUE = 14;
const DTYPE = 15;
const NDARRAY = 16;
const SCALAR = 17;
const FROM_BUFFER = 18;
const INT = 19;

/** The whitelist: each standard constructor a pickle may call, by `module.name`. */
const BUILDERS = new Map<string, number>([
  ['_codecs.encode', ENCODE],
  ['builtins.bytes', BYTES],
  ['builtins.bytearray', BYTES],
  ['builtins.set', SET],
  ['builtins.frozenset', SET],
  ['builtins.complex', COMPLEX],
  ['builtins.int', INT],
  ['builtins.range', RANGE],
  ['builtins.xrange', RANGE],
  ['copyreg._reconstructor', RECONSTRUCTOR],
  ['datetime.datetime', DATETIME],
  ['datetime.date', DATETIME],
  ['datetime.time', DATETIME],
  ['datetime.timedelta', TIMEDELTA],
  ['datetime.timezone', TIMEZONE],
  ['decimal.Decimal', DECIMAL],
  ['fractions.Fraction', FRACTION],
  ['collections.OrderedDict', ORDERED_DICT],
  ['collections.defaultdict', DEFAULT_DICT],
  ['collections.Counter', COUNTER],
  ['collections.deque', DEQUE],
  ['numpy.dtype', DTYPE],
  ['numpy.core.multiarray._reconstruct', NDARRAY],
  ['numpy._core.multiarray._reconstruct', NDARRAY],
  ['numpy.core.multiarray.scalar', SCALAR],
  ['numpy._core.multiarray.scalar', SCALAR],
  ['numpy.core.numeric._frombuffer', FROM_BUFFER],
  ['numpy._core.numeric._frombuffer', FROM_BUFFER],
]);

/** The value of a call of a class of the whitelist, or undefined when the arguments are not the ones it knows (the call then stays inert). */
function construct(builder: number, args: unknown[], fn: PyGlobal): unknown {
  const a = args[0];
  const b = args[1];
  switch (builder) {
    case ENCODE:
      return typeof a === 'string' && (b === 'latin1' || b === 'latin-1') ? latin1Bytes(a) : undefined;
    case BYTES:
      return bytesOrBytearray(args, fn);
    case SET:
      return setOrFrozenset(args, fn);
    case COMPLEX:
      return new PyComplex(floatOf(a ?? 0), floatOf(b ?? 0));
    case RANGE:
      return new PyRange(a, b, args[2]);
    case RECONSTRUCTOR:
      return newObject(a, []);
    case DATETIME:
      return datetimeOf(args, fn);
    case TIMEDELTA:
      return new TimeDelta(int(a ?? 0, 'days') * 86_400_000_000 + int(b ?? 0, 'seconds') * 1_000_000 + int(args[2] ?? 0, 'microseconds'));
    case TIMEZONE:
      return a instanceof TimeDelta ? new PyTimezone(a, typeof b === 'string' ? b : null) : undefined;
    case INT:
      // int('123') and int('123', 10); other bases and types stay inert calls
      if (typeof a === 'string' && (args.length === 1 || b === 10)) return integerText(a, 'integer');
      return (typeof a === 'number' || typeof a === 'bigint') && args.length === 1 ? a : undefined;
    case DECIMAL:
      return typeof a === 'string' ? decimal(a) : undefined;
    case FRACTION:
      if (typeof a === 'string') return fraction(a);
      if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return new PyFraction(BigInt(a), BigInt(b));
      return undefined;
    case ORDERED_DICT:
      return new PyMapping('OrderedDict');
    case DEFAULT_DICT:
      return new PyMapping('defaultdict', [], a ?? null);
    case COUNTER:
      return new PyMapping('Counter', dictEntries(a) ?? []);
    case DEQUE:
      return new PyDeque(Array.isArray(a) ? [...a] : [], b ?? null);
    case DTYPE:
      return typeof a === 'string' ? PyDtype.parse(a) ?? undefined : undefined;
    case NDARRAY:
      return new PyOpaque(pickleClass('numpy', 'ndarray'), [], false);
    case SCALAR:
      return numpyScalar(args);
    case FROM_BUFFER:
      return numpyFromBuffer(args);
  }
  return undefined;
}

/** REDUCE: a call the pickle asks for. A known standard constructor builds its value; anything else stays inert. */
export function reduce(fn: unknown, args: unknown[]): unknown {
  if (!(fn instanceof PyGlobal)) return new PyOpaque(fn instanceof PyValue ? fn : new PyGlobal('?', describe(fn)), args, true);
  // a class made while `globals` was full is not in `builderOf`
  const builder = builderOf.get(fn) ?? BUILDERS.get(fn.qualified);
  const value = builder === undefined ? undefined : construct(builder, args, fn);
  return value === undefined ? new PyOpaque(fn, args, true) : value;
}

/** NEWOBJ, INST and OBJ: an instance of a class, built without its constructor's arguments being run. */
export function newObject(cls: unknown, args: unknown[]): unknown {
  if (cls instanceof PyGlobal) {
    if (cls.module === 'collections' && (cls.name === 'OrderedDict' || cls.name === 'Counter')) return new PyMapping(cls.name);
    return new PyOpaque(cls, args);
  }
  return new PyOpaque(cls instanceof PyValue ? cls : new PyGlobal('?', describe(cls)), args);
}

/** BUILD: the state a pickled object is given after it is made. */
export function build(target: unknown, state: unknown): void {
  if (target instanceof PyOpaque) {
    if (isNdarray(target) && Array.isArray(state)) {
      target.state = ndarrayFromState(state) ?? state;
      return;
    }
    target.state = state;
    return;
  }
  if (target instanceof PyDtype) {
    if (Array.isArray(state) && typeof state[1] === 'string') target.order = state[1];
    return;
  }
  if (state === null) return;
  throw new PickleError(`the pickle gives state to ${describe(target)}`);
}

/** An ndarray made by numpy's _reconstruct, which BUILD turns into the array. */
export function isNdarray(v: PyOpaque): boolean {
  return v.cls instanceof PyGlobal && v.cls.name === 'ndarray' && v.cls.module === 'numpy' && !v.called;
}

/** APPEND and APPENDS on what is not a plain list: a deque, or an instance of a list subclass. */
export function append(target: unknown, items: readonly unknown[], from: number, to: number): void {
  const list = target instanceof PyDeque || target instanceof PyOpaque ? target.items : Array.isArray(target) && !isTuple(target) ? target : null;
  if (!list) throw new PickleError(`the pickle appends to ${describe(target)}`);
  for (let i = from; i < to; i++) list.push(items[i]);
}

/** SETITEM and SETITEMS on a dict being built, a mapping or an instance of a dict subclass: keys and values alternate in `items`. */
export function setItems(target: unknown, items: readonly unknown[], from: number, to: number): void {
  const entries = target instanceof DictBuilder || target instanceof PyMapping || target instanceof PyOpaque ? target.entries : null;
  if (!entries) throw new PickleError(`the pickle sets items of ${describe(target)}`);
  for (let i = from; i + 1 < to; i += 2) entries.push([items[i], items[i + 1]]);
}

/** Object keys JavaScript orders before the others (array indices), so that a dict keyed by them loses its order. */
export const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

/**
 * The items of a dict in the order the pickle gave them: a DictBuilder of
 * the full VM, or a finished dict of the fast decoder (a Map, or an object
 * when every key is text). An object whose keys JavaScript has reordered
 * (index-like text such as '1') cannot give that order back: that is an
 * error the fast decoder answers by leaving the pickle to the full VM.
 */
function dictEntries(v: unknown): [unknown, unknown][] | null {
  if (v instanceof DictBuilder) return v.entries;
  if (v instanceof Map) return [...v.entries()];
  if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return null;
  const keys = Object.keys(v);
  if (keys.some((k) => INDEX_LIKE.test(k))) throw new PickleError('the order of the keys of a dict is lost');
  return keys.map((k) => [k, (v as Record<string, unknown>)[k]]);
}

/**
 * A little-endian two's complement integer of `n` bytes from `from`, as LONG1
 * and LONG4 hold it: a number when a double holds it exactly, else a BigInt,
 * built six bytes per BigInt step.
 */
export function longFromBytes(data: Uint8Array, from: number, n: number): number | bigint {
  if (n <= 6) {
    let v = 0;
    for (let i = from + n - 1; i >= from; i--) v = v * 256 + data[i]!;
    return n > 0 && data[from + n - 1]! & 0x80 ? v - 2 ** (8 * n) : v;
  }
  let v = 0n;
  for (let k = n; k > 0; ) {
    const take = k >= 6 ? 6 : k;
    let chunk = 0;
    for (let i = from + k - 1; i >= from + k - take; i--) chunk = chunk * 256 + data[i]!;
    v = (v << (take === 6 ? BITS48 : BigInt(8 * take))) | BigInt(chunk);
    k -= take;
  }
  if (data[from + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
  return safeInteger(v);
}

const BITS48 = 48n;

function int(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new PickleError(`the pickle gives ${what} ${describe(v)}, not an int`);
}

function bytesOf(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (v instanceof PyBytearray) return v.bytes;
  if (typeof v === 'string') return latin1Bytes(v);
  return null;
}

function floatOf(v: unknown): number {
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'number') return v;
  throw new PickleError(`the pickle gives a complex part ${describe(v)}`);
}

/** A Decimal's text, refused by its length past the digit limit (room is left for a sign, a point and an exponent). */
function decimal(text: string): PyDecimal {
  if (text.length > MAX_DIGITS + 32) throw tooManyDigits('the text of a Decimal', text.length, 'characters');
  return new PyDecimal(text);
}

function fraction(text: string): PyFraction {
  // the numerator and the denominator have the limit each, as int() gives it to each in Python
  if (text.length > 2 * MAX_DIGITS + 8) throw tooManyDigits('the text of a Fraction', text.length, 'characters');
  const m = /^\s*([+-]?\d+)(?:\s*\/\s*(\d+))?\s*$/.exec(text);
  if (!m) throw new PickleError(`the pickle holds the fraction text '${text.slice(0, 20)}'`);
  return new PyFraction(BigInt(integerText(m[1]!, 'Fraction numerator')), BigInt(integerText(m[2] ?? '1', 'Fraction denominator')));
}

/** datetime's pickled state: year (2 bytes, big-endian), month, day, hour, minute, second, microsecond (3 bytes). */
function datetimeFromBytes(kind: 'datetime' | 'date' | 'time', raw: Uint8Array, tz: unknown): PyDatetime {
  const fold = (i: number) => (raw[i]! & 0x80 ? 1 : 0);
  if (kind === 'date' && raw.length === 4) return new PyDatetime('date', [(raw[0]! << 8) | raw[1]!, raw[2]!, raw[3]!]);
  if (kind === 'time' && raw.length === 6) {
    return new PyDatetime('time', [raw[0]! & 0x7f, raw[1]!, raw[2]!, (raw[3]! << 16) | (raw[4]! << 8) | raw[5]!], tz, fold(0));
  }
  if (kind === 'datetime' && raw.length === 10) {
    const fields = [(raw[0]! << 8) | raw[1]!, raw[2]! & 0x7f, raw[3]!, raw[4]!, raw[5]!, raw[6]!, (raw[7]! << 16) | (raw[8]! << 8) | raw[9]!];
    return new PyDatetime('datetime', fields, tz, fold(2));
  }
  throw new PickleError(`the pickle holds a ${kind} state of ${raw.length} bytes`);
}

/** ndarray.__setstate__'s tuple: (version, shape, dtype, is_fortran, raw data). */
function ndarrayFromState(state: unknown[]): PyNdarray | null {
  const [, shape, dtype, fortran, raw] = state;
  const data = bytesOf(raw);
  if (!Array.isArray(shape) || !(dtype instanceof PyDtype) || !data) return null;
  return ndarray(dtype, shape, data, fortran === true);
}

/**
 * An array whose shape fits its data, as numpy checks it when it unpickles
 * one: no negative dimension, no size past what can be addressed, and
 * exactly size × itemsize bytes of data. A zero dimension beside huge ones is
 * a valid empty array, as in numpy.
 */
export function ndarray(dtype: PyDtype, dims: readonly unknown[], data: Uint8Array, fortran = false): PyNdarray {
  // a dimension past 2**53 is a bigint: too big, or negative, in any case
  const shape = dims.map((x) => (typeof x === 'bigint' ? (x < 0n ? -1 : Infinity) : int(x, 'a dimension')));
  const text = dims.length === 1 ? `(${String(dims[0])},)` : `(${dims.map(String).join(', ')})`;
  if (shape.some((n) => n < 0)) throw new PickleError(`the pickle gives an array the shape ${text}, with a negative dimension`);
  // numpy measures the dimensions that are not zero, so that (2**40, 2**40, 0) is too big as well
  let extent = Math.max(dtype.size, 1);
  for (const n of shape) if (n > 0) extent *= n;
  if (extent > Number.MAX_SAFE_INTEGER) throw new PickleError(`the pickle gives an array the shape ${text}, too big for any memory`);
  const size = shape.reduce((a, n) => a * n, 1);
  if (size * dtype.size !== data.length) {
    throw new PickleError(`the pickle gives an array of shape ${text} and dtype ${dtype.name} ${data.length.toLocaleString('en-US')} bytes of data, where it needs ${(size * dtype.size).toLocaleString('en-US')}`);
  }
  return new PyNdarray(dtype, shape, data, fortran);
}

function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new PickleError('a latin-1 string in the pickle holds a wider character');
    out[i] = c;
  }
  return out;
}
