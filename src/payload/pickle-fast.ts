/**
 * A second decoder for the pickles task results are: None, bools, ints,
 * floats, text and bytes, in tuples, lists, sets and dicts, and the classes
 * of the whitelist (datetimes, Decimal, numpy arrays, canned objects, ...)
 * named by GLOBAL or STACK_GLOBAL and built by REDUCE, NEWOBJ and BUILD
 * through the same builders the full VM uses (pickle-classes.ts). It builds
 * the same values the full VM of pickle.ts builds, in one loop that counts
 * the budget as it goes, so it needs no finishing pass. The memo is kept,
 * but only text, numbers and classes may be fetched back from it: a
 * container reached twice is sharing, which only the full VM's last pass
 * tracks and counts. On anything else (an opcode it does not know, a
 * container fetched from the memo, a malformed or over-budget pickle, a
 * builder's error) it gives up and answers NOT_FAST; the full VM then
 * decodes the pickle, or raises the error, from the start.
 */
import { PyNdarray } from './numpy.js';
import { INDEX_LIKE, append, build, isNdarray, longFromBytes, newObject, pickleClass, reduce, setItems } from './pickle-classes.js';
import { PyBytearray, PyFloat, PyGlobal, PyOpaque, PySet, PyValue, isMarkedTuple, newTuple, setOwn } from '../records/index.js';

export interface FastLimits {
  readonly maxDepth: number;
  readonly maxItems: number;
  readonly maxBytes: number;
}

export const NOT_FAST: unique symbol = Symbol('not fast');

const utf8 = new TextDecoder('utf-8');
/** Where each open MARK starts in the stack: reused from call to call, its height a local of the loop. */
const marks: number[] = [];
/** Whether the last pickle built an inert instance (a PyOpaque): only those can be canned objects or code. */
let opaque = false;

/** The value the pickle holds, or NOT_FAST when the full VM must decide. */
export function fastUnpickle(data: Uint8Array, limits: FastLimits): unknown {
  opaque = false;
  try {
    return loop(data, limits);
  } catch {
    // a builder refused its arguments: the full VM raises the error itself
    return NOT_FAST;
  } finally {
    // a huge pickle leaves a huge array, which is not kept for the next one
    if (marks.length > 65536) marks.length = 0;
  }
}

/** Whether the pickle the last fastUnpickle decoded built an inert instance. */
export function builtOpaque(): boolean {
  return opaque;
}

function loop(data: Uint8Array, limits: FastLimits): unknown {
  // the stack and the memo are new for each pickle: young arrays, which take
  // young values without the bookkeeping an old array needs for them
  // (room for a task's usual pickle from the start, rather than grown at its first values)
  const stack: unknown[] = new Array<unknown>(16);
  /** The memo, dense: a pickler numbers its entries 0, 1, 2, ... */
  const memo: unknown[] = new Array<unknown>(16);
  const end = data.length;
  const maxItems = limits.maxItems;
  let pos = 0;
  /** The height of the stack, the number of open marks, the bottom of the region above the last mark. */
  let sp = 0;
  let mp = 0;
  let floor = 0;
  let memoTop = 0;
  /** Where the last FRAME's bytes end: another FRAME before it is not a pickler's. */
  let frameEnd = 0;
  let items = 0;
  let bytes = 0;
  // Every container counts as one level: an upper bound on the nesting, so
  // that a pickle it lets through is never one the full VM would refuse.
  let containers = 0;
  for (;;) {
    if (pos >= end) return NOT_FAST;
    const op = data[pos++]!;
    switch (op) {
      // Every opcode below that makes no value is bounded by those that do:
      // PROTO comes first, frames follow one another, marks open one level
      // each, and the memo takes each value at most once, in order. So the
      // loop ends within a few steps per item of the budget, however long
      // the pickle.
      case 0x80: // PROTO
        if (pos !== 1 || pos >= end || data[pos++]! > 5) return NOT_FAST;
        continue;
      case 0x95: { // FRAME: the frames hold the rest of the pickle in order, none empty
        if (pos < frameEnd || pos + 8 > end) return NOT_FAST;
        const n = u32(data, pos);
        // a length past the whole pickle is the full VM's error to raise
        if (n === 0 || n > end || data[pos + 4]! | data[pos + 5]! | data[pos + 6]! | data[pos + 7]!) return NOT_FAST;
        pos += 8;
        frameEnd = pos + n;
        continue;
      }
      case 0x94: // MEMOIZE
        if (sp === floor || memoTop >= items) return NOT_FAST;
        memo[memoTop++] = stack[sp - 1];
        continue;
      case 0x71: // BINPUT
      case 0x72: { // LONG_BINPUT
        const wide = op === 0x72;
        if (sp === floor || pos + (wide ? 4 : 1) > end) return NOT_FAST;
        const i = wide ? u32(data, pos) : data[pos]!;
        pos += wide ? 4 : 1;
        // a gap in the memo, or an entry stored again, which a pickler never makes, is the full VM's to read
        if (i !== memoTop || memoTop >= items) return NOT_FAST;
        memo[memoTop++] = stack[sp - 1];
        continue;
      }
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const wide = op === 0x6a;
        if (pos + (wide ? 4 : 1) > end) return NOT_FAST;
        const i = wide ? u32(data, pos) : data[pos]!;
        pos += wide ? 4 : 1;
        if (i >= memoTop) return NOT_FAST;
        const v = memo[i];
        if (typeof v === 'string') bytes += v.length;
        else if (typeof v === 'object' && v !== null && !(v instanceof PyGlobal)) return NOT_FAST;
        stack[sp++] = v;
        break;
      }
      case 0x63: { // GLOBAL: module and name, each on a line
        const eol = data.indexOf(0x0a, pos);
        const eol2 = eol < 0 ? -1 : data.indexOf(0x0a, eol + 1);
        if (eol2 < 0) return NOT_FAST;
        const module = ascii(data, pos, eol);
        const name = ascii(data, eol + 1, eol2);
        if (module === null || name === null) return NOT_FAST;
        stack[sp++] = pickleClass(module, name);
        pos = eol2 + 1;
        break;
      }
      case 0x93: // STACK_GLOBAL
      case 0x52: // REDUCE
      case 0x81: // NEWOBJ
      case 0x62: { // BUILD
        if (sp - 2 < floor) return NOT_FAST;
        const added = classStep(op, stack, sp);
        if (added < 0) return NOT_FAST;
        sp -= 1;
        bytes += added;
        if (op !== 0x62) items++;
        if (op === 0x52 || op === 0x81) containers++;
        continue;
      }
      case 0x2e: // STOP
        if (sp !== 1 || mp !== 0 || pos > end) return NOT_FAST;
        if (items > maxItems || bytes > limits.maxBytes || containers > limits.maxDepth) return NOT_FAST;
        return stack[0];
      case 0x28: // MARK
        if (mp > limits.maxDepth) return NOT_FAST;
        marks[mp++] = sp;
        floor = sp;
        continue;
      case 0x4e: // NONE
        stack[sp++] = null;
        break;
      case 0x88: // NEWTRUE
        stack[sp++] = true;
        break;
      case 0x89: // NEWFALSE
        stack[sp++] = false;
        break;
      case 0x4b: // BININT1
        if (pos + 1 > end) return NOT_FAST;
        stack[sp++] = data[pos++]!;
        break;
      case 0x4d: // BININT2
        if (pos + 2 > end) return NOT_FAST;
        stack[sp++] = data[pos]! | (data[pos + 1]! << 8);
        pos += 2;
        break;
      case 0x4a: // BININT
        if (pos + 4 > end) return NOT_FAST;
        stack[sp++] = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24);
        pos += 4;
        break;
      case 0x8a: { // LONG1
        if (pos + 1 > end) return NOT_FAST;
        const n = data[pos]!;
        if (pos + 1 + n > end) return NOT_FAST;
        stack[sp++] = longFromBytes(data, pos + 1, n);
        pos += 1 + n;
        break;
      }
      case 0x47: { // BINFLOAT
        if (pos + 8 > end) return NOT_FAST;
        stack[sp++] = new PyFloat(float64(data, pos));
        pos += 8;
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
      case 0x58: { // BINUNICODE
        const wide = op === 0x58;
        if (pos + (wide ? 4 : 1) > end) return NOT_FAST;
        const n = wide ? u32(data, pos) : data[pos]!;
        pos += wide ? 4 : 1;
        if (n > end - pos) return NOT_FAST;
        if ((bytes += n) > limits.maxBytes) return NOT_FAST;
        const s = text(data, pos, n);
        pos += n;
        stack[sp++] = s;
        break;
      }
      case 0x43: // SHORT_BINBYTES
      case 0x42: { // BINBYTES
        const wide = op === 0x42;
        if (pos + (wide ? 4 : 1) > end) return NOT_FAST;
        const n = wide ? u32(data, pos) : data[pos]!;
        pos += wide ? 4 : 1;
        if (n > end - pos) return NOT_FAST;
        if ((bytes += n) > limits.maxBytes) return NOT_FAST;
        stack[sp++] = new Uint8Array(data.buffer, data.byteOffset + pos, n);
        pos += n;
        break;
      }
      case 0x96: { // BYTEARRAY8
        if (pos + 8 > end) return NOT_FAST;
        const n = u32(data, pos);
        if (n > end - pos - 8 || data[pos + 4]! | data[pos + 5]! | data[pos + 6]! | data[pos + 7]!) return NOT_FAST;
        pos += 8;
        if ((bytes += n) > limits.maxBytes) return NOT_FAST;
        stack[sp++] = new PyBytearray(new Uint8Array(data.buffer, data.byteOffset + pos, n));
        pos += n;
        break;
      }
      case 0x29: // EMPTY_TUPLE
        containers++;
        stack[sp++] = newTuple([]);
        break;
      case 0x85: // TUPLE1
        if (sp - 1 < floor) return NOT_FAST;
        containers++;
        stack[sp - 1] = newTuple([stack[sp - 1]]);
        items++;
        continue;
      case 0x86: { // TUPLE2
        if (sp - 2 < floor) return NOT_FAST;
        containers++;
        const t = newTuple([stack[sp - 2], stack[sp - 1]]);
        sp -= 1;
        stack[sp - 1] = t;
        items++;
        continue;
      }
      case 0x87: { // TUPLE3
        if (sp - 3 < floor) return NOT_FAST;
        containers++;
        const t = newTuple([stack[sp - 3], stack[sp - 2], stack[sp - 1]]);
        sp -= 2;
        stack[sp - 1] = t;
        items++;
        continue;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
      case 0x91: { // FROZENSET
        if (mp === 0) return NOT_FAST;
        containers++;
        const region = stack.slice(floor, sp);
        sp = floor;
        floor = --mp ? marks[mp - 1]! : 0;
        stack[sp++] = op === 0x74 ? newTuple(region) : op === 0x6c ? region : new PySet(region, true);
        break;
      }
      case 0x5d: // EMPTY_LIST
        containers++;
        stack[sp++] = [];
        break;
      case 0x7d: // EMPTY_DICT
        containers++;
        stack[sp++] = {};
        break;
      case 0x8f: // EMPTY_SET
        containers++;
        stack[sp++] = new PySet([]);
        break;
      case 0x61: { // APPEND
        if (sp - 2 < floor) return NOT_FAST;
        const list = stack[sp - 2];
        if (Array.isArray(list) && !isMarkedTuple(list)) list.push(stack[sp - 1]);
        else append(list, stack, sp - 1, sp);
        sp -= 1;
        continue;
      }
      case 0x73: { // SETITEM
        if (sp - 3 < floor) return NOT_FAST;
        const dict = fill(stack[sp - 3], stack, sp - 2, sp);
        if (dict === NOT_FAST) return NOT_FAST;
        stack[sp - 3] = dict;
        sp -= 2;
        continue;
      }
      case 0x65: // APPENDS
      case 0x75: // SETITEMS
      case 0x90: { // ADDITEMS
        // the items above the last mark go into what lies just below it
        const m = floor;
        if (mp === 0 || m - 1 < (mp > 1 ? marks[mp - 2]! : 0)) return NOT_FAST;
        const target = stack[m - 1];
        if (op === 0x65) {
          if (Array.isArray(target) && !isMarkedTuple(target)) for (let i = m; i < sp; i++) target.push(stack[i]);
          else append(target, stack, m, sp);
        } else if (op === 0x75) {
          const dict = (sp - m) % 2 === 0 ? fill(target, stack, m, sp) : NOT_FAST;
          if (dict === NOT_FAST) return NOT_FAST;
          stack[m - 1] = dict;
        } else {
          if (!(target instanceof PySet) || target.frozen) return NOT_FAST;
          for (let i = m; i < sp; i++) target.items.push(stack[i]);
        }
        sp = m;
        floor = --mp ? marks[mp - 1]! : 0;
        continue;
      }
      default:
        return NOT_FAST;
    }
    // every value pushed ends up in the result once: nothing here shares or discards one
    if (++items > maxItems) return NOT_FAST;
  }
}

/**
 * STACK_GLOBAL, REDUCE, NEWOBJ and BUILD, out of the loop, which stays
 * small enough to be compiled early: the two values on top of the stack
 * become one, in place of the lower. Answers the bytes the new value adds to
 * the budget (a built value may hold what its arguments held: counted again,
 * an upper bound), or -1 when the full VM must decide.
 */
function classStep(op: number, stack: unknown[], sp: number): number {
  const below = stack[sp - 2];
  const top = stack[sp - 1];
  switch (op) {
    case 0x93:
      if (typeof below !== 'string' || typeof top !== 'string') return -1;
      stack[sp - 2] = pickleClass(below, top);
      return 0;
    case 0x52: {
      if (!Array.isArray(top)) return -1;
      const v = reduce(below, top);
      if (v instanceof PyOpaque) opaque = true;
      stack[sp - 2] = v;
      return byteSize(v);
    }
    case 0x81: {
      const v = newObject(below, Array.isArray(top) ? top : [top]);
      if (v instanceof PyOpaque) opaque = true;
      stack[sp - 2] = v;
      return 0;
    }
  }
  build(below, top);
  if (below instanceof PyOpaque && below.state instanceof PyNdarray) {
    // the full VM's last pass puts an array built by numpy's _reconstruct in
    // place of its instance; with any other class it does so too, which is
    // left to it, being too odd to copy here
    if (!isNdarray(below)) return -1;
    stack[sp - 2] = below.state;
    return below.state.data.length;
  }
  return 0;
}

function byteSize(v: unknown): number {
  if (v instanceof Uint8Array) return v.length;
  if (v instanceof PyBytearray) return v.bytes.length;
  return v instanceof PyNdarray ? v.data.length : 0;
}

/**
 * The items `stack[from..to)`, keys and values in turn, set in a dict: a
 * dict with text keys only is an object, as the full VM makes it; the first
 * key of another type turns it into a Map, keys in the order the pickle gave
 * them. An object whose keys JavaScript has reordered (index-like text such
 * as '1') cannot give that order back. A mapping or an instance takes the
 * items as the full VM gives them. Answers the dict, which may be a new Map.
 */
function fill(dict: unknown, stack: unknown[], from: number, to: number): unknown {
  if (dict instanceof Map) {
    for (let i = from; i < to; i += 2) dict.set(stack[i], stack[i + 1]);
    return dict;
  }
  if (dict instanceof PyValue) {
    setItems(dict, stack, from, to);
    return dict;
  }
  if (!isDict(dict)) return NOT_FAST;
  for (let i = from; i < to; i += 2) {
    const key = stack[i];
    if (typeof key !== 'string') {
      const keys = Object.keys(dict);
      if (keys.some((k) => INDEX_LIKE.test(k))) return NOT_FAST;
      const map = new Map<unknown, unknown>();
      for (const k of keys) map.set(k, dict[k]);
      for (let j = i; j < to; j += 2) map.set(stack[j], stack[j + 1]);
      return map;
    }
    setOwn(dict, key, stack[i + 1]);
  }
  return dict;
}

/** A dict this decoder made: only those have the plain object prototype. */
function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** A protocol 0 line when it is ASCII (the full VM reads others with its latin-1 decoder). */
function ascii(data: Uint8Array, from: number, to: number): string | null {
  let s = '';
  for (let i = from; i < to; i++) {
    const c = data[i]!;
    if (c >= 0x80) return null;
    s += String.fromCharCode(c);
  }
  return s;
}

function u32(data: Uint8Array, pos: number): number {
  return (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16)) + data[pos + 3]! * 0x1000000;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A big-endian IEEE double, as BINFLOAT holds it. */
function float64(data: Uint8Array, pos: number): number {
  if (littleEndian) for (let i = 0; i < 8; i++) f64Bytes[i] = data[pos + 7 - i]!;
  else for (let i = 0; i < 8; i++) f64Bytes[i] = data[pos + i]!;
  return f64[0]!;
}

/**
 * Short text read before: the same keys, class and module names come back
 * in every pickle, and handing out the string made the first time spares
 * building it again and lets the lookups keyed by it (classes, object keys)
 * find its hash already computed. Each slot keeps the bytes of its text, to
 * compare with the pickle's.
 */
const seen: string[] = new Array<string>(1024).fill('');
const seenBytes: Uint8Array[] = new Array<Uint8Array>(1024).fill(new Uint8Array(0));
const seenTwice = new Uint8Array(1024);

/**
 * UTF-8 text; short text seen before is found in `seen` by its length and
 * three of its bytes, in either slot of a pair (two texts alike in those
 * would otherwise keep pushing each other out), and compared whole.
 */
function text(data: Uint8Array, pos: number, n: number): string {
  if (n === 0) return '';
  const end = pos + n;
  if (n >= 32) return utf8.decode(data.subarray(pos, end));
  // the four bytes as one word, spread over the table by a multiplicative hash, to a pair of slots
  const slot = (Math.imul(n | (data[pos]! << 8) | (data[end - 1]! << 16) | (data[pos + (n >> 1)]! << 24), 0x9e3779b1) >>> 22) & ~1;
  if (sameBytes(seenBytes[slot]!, data, pos, n)) return again(slot);
  if (sameBytes(seenBytes[slot + 1]!, data, pos, n)) return again(slot + 1);
  const s = utf8.decode(data.subarray(pos, end));
  // the newest in the first slot of the pair, the one it displaces in the second
  seen[slot + 1] = seen[slot]!;
  seenBytes[slot + 1] = seenBytes[slot]!;
  seenTwice[slot + 1] = seenTwice[slot]!;
  seen[slot] = s;
  seenBytes[slot] = new Uint8Array(data.subarray(pos, end));
  seenTwice[slot] = 0;
  return s;
}

/** A text met again: from its second time on, the engine's own copy (text met once, a unique value, is not worth it). */
function again(slot: number): string {
  if (seenTwice[slot] === 0) {
    seen[slot] = internalized(seen[slot]!);
    seenTwice[slot] = 1;
  }
  return seen[slot]!;
}

function sameBytes(known: Uint8Array, data: Uint8Array, pos: number, n: number): boolean {
  if (known.length !== n) return false;
  let i = 0;
  while (i < n && known[i] === data[pos + i]) i++;
  return i === n;
}

/**
 * The engine's own copy of a text, the one property names use: an object's
 * key set with it, a class compared with it, need no look-up of that copy.
 * (An index-like text comes back as a new string, which is as good.)
 */
function internalized(s: string): string {
  const o: Record<string, number> = {};
  o[s] = 0;
  return Object.keys(o)[0] ?? s;
}
