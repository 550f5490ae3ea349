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
import { append, build, isNdarray, newObject, pickleClass, reduce, setItems } from './pickle-classes.js';
import { PyBytearray, PyFloat, PyGlobal, PyOpaque, PySet } from './python.js';
import { isTuple, tuple } from './pyvalues.js';
import { setOwn } from './values.js';

export interface FastLimits {
  readonly maxDepth: number;
  readonly maxItems: number;
  readonly maxBytes: number;
}

export const NOT_FAST: unique symbol = Symbol('not fast');

const utf8 = new TextDecoder('utf-8');
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/*
 * The stack and the marks are reused from call to call with their own
 * heights: setting an array's length is a runtime call, too slow here.
 */
const stack: unknown[] = [];
let sp = 0;
/** The highest `sp` of this call: what must be let go of at the end. */
let high = 0;
/** Where each open MARK starts in `stack`. */
const marks: number[] = [];
let mp = 0;
/** The memo, dense: `memoTop` slots in use, `memoSize` of them set (what MEMOIZE numbers the next one). */
const memo: unknown[] = [];
let memoTop = 0;
let memoSize = 0;
/** Whether the last pickle built an inert instance (a PyOpaque): only those can be canned objects or code. */
let opaque = false;

/** The value the pickle holds, or NOT_FAST when the full VM must decide. */
export function fastUnpickle(data: Uint8Array, limits: FastLimits): unknown {
  sp = 0;
  mp = 0;
  high = 0;
  memoTop = 0;
  memoSize = 0;
  opaque = false;
  let value: unknown;
  try {
    value = loop(data, limits);
  } catch {
    // a builder refused its arguments: the full VM raises the error itself
    value = NOT_FAST;
  }
  for (let i = 0; i < high; i++) stack[i] = undefined;
  for (let i = 0; i < memoTop; i++) memo[i] = undefined;
  return value;
}

/** Whether the pickle the last fastUnpickle decoded built an inert instance. */
export function builtOpaque(): boolean {
  return opaque;
}

function loop(data: Uint8Array, limits: FastLimits): unknown {
  const end = data.length;
  const maxItems = limits.maxItems;
  let pos = 0;
  let items = 0;
  let bytes = 0;
  // Every container counts as one level: an upper bound on the nesting, so
  // that a pickle it lets through is never one the full VM would refuse.
  let containers = 0;
  for (;;) {
    if (pos >= end) return NOT_FAST;
    const op = data[pos++]!;
    switch (op) {
      case 0x80: // PROTO
        if (pos >= end || data[pos++]! > 5) return NOT_FAST;
        continue;
      case 0x95: // FRAME: the frames hold the rest of the pickle in order
        pos += 8;
        continue;
      case 0x94: // MEMOIZE
        if (emptyRegion()) return NOT_FAST;
        put(memoSize);
        continue;
      case 0x71: // BINPUT
        if (emptyRegion() || pos + 1 > end || !put(data[pos++]!)) return NOT_FAST;
        continue;
      case 0x72: // LONG_BINPUT
        if (emptyRegion() || pos + 4 > end || !put(u32(data, pos))) return NOT_FAST;
        pos += 4;
        continue;
      case 0x68: { // BINGET
        if (pos + 1 > end) return NOT_FAST;
        const v = fetch(data[pos++]!);
        if (v === NOT_FAST) return NOT_FAST;
        if (typeof v === 'string') bytes += v.length;
        push(v);
        break;
      }
      case 0x6a: { // LONG_BINGET
        if (pos + 4 > end) return NOT_FAST;
        const v = fetch(u32(data, pos));
        pos += 4;
        if (v === NOT_FAST) return NOT_FAST;
        if (typeof v === 'string') bytes += v.length;
        push(v);
        break;
      }
      case 0x63: { // GLOBAL: module and name, each on a line
        const eol = data.indexOf(0x0a, pos);
        const eol2 = eol < 0 ? -1 : data.indexOf(0x0a, eol + 1);
        if (eol2 < 0) return NOT_FAST;
        const module = ascii(data, pos, eol);
        const name = ascii(data, eol + 1, eol2);
        if (module === null || name === null) return NOT_FAST;
        push(pickleClass(module, name));
        pos = eol2 + 1;
        break;
      }
      case 0x93: { // STACK_GLOBAL
        if (sp < 2 || (mp && marks[mp - 1]! > sp - 2)) return NOT_FAST;
        const module = stack[sp - 2];
        const name = stack[sp - 1];
        if (typeof module !== 'string' || typeof name !== 'string') return NOT_FAST;
        sp -= 1;
        stack[sp - 1] = pickleClass(module, name);
        items++;
        continue;
      }
      case 0x52: { // REDUCE
        if (sp < 2 || (mp && marks[mp - 1]! > sp - 2)) return NOT_FAST;
        const args = stack[sp - 1];
        if (!Array.isArray(args)) return NOT_FAST;
        const v = reduce(stack[sp - 2], args);
        if (v instanceof PyOpaque) opaque = true;
        sp -= 1;
        stack[sp - 1] = v;
        // a built value may hold what its arguments held: counted again, an upper bound
        items++;
        containers++;
        bytes += byteSize(v);
        continue;
      }
      case 0x81: { // NEWOBJ
        if (sp < 2 || (mp && marks[mp - 1]! > sp - 2)) return NOT_FAST;
        const args = stack[sp - 1];
        const v = newObject(stack[sp - 2], Array.isArray(args) ? args : [args]);
        if (v instanceof PyOpaque) opaque = true;
        sp -= 1;
        stack[sp - 1] = v;
        items++;
        containers++;
        continue;
      }
      case 0x62: { // BUILD
        if (sp < 2 || (mp && marks[mp - 1]! > sp - 2)) return NOT_FAST;
        const target = stack[sp - 2];
        build(target, stack[sp - 1]);
        sp -= 1;
        if (target instanceof PyOpaque && target.state instanceof PyNdarray) {
          // the full VM's last pass puts an array built by numpy's _reconstruct in
          // place of its instance; with any other class it does so too, which is
          // left to it, being too odd to copy here
          if (!isNdarray(target)) return NOT_FAST;
          stack[sp - 1] = target.state;
          bytes += target.state.data.length;
        }
        continue;
      }
      case 0x2e: // STOP
        if (sp !== 1 || mp !== 0 || pos > end) return NOT_FAST;
        if (items > maxItems || bytes > limits.maxBytes || containers > limits.maxDepth) return NOT_FAST;
        return stack[0];
      case 0x28: // MARK
        marks[mp++] = sp;
        continue;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4b: // BININT1
        if (pos + 1 > end) return NOT_FAST;
        push(data[pos++]!);
        break;
      case 0x4d: // BININT2
        if (pos + 2 > end) return NOT_FAST;
        push(data[pos]! | (data[pos + 1]! << 8));
        pos += 2;
        break;
      case 0x4a: // BININT
        if (pos + 4 > end) return NOT_FAST;
        push(data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24));
        pos += 4;
        break;
      case 0x8a: { // LONG1: up to 6 bytes exact as a number, beyond as a BigInt unless it fits one
        if (pos + 1 > end) return NOT_FAST;
        const n = data[pos]!;
        if (pos + 1 + n > end) return NOT_FAST;
        if (n <= 6) {
          let v = 0;
          for (let i = pos + n; i > pos; i--) v = v * 256 + data[i]!;
          if (n > 0 && data[pos + n]! & 0x80) v -= 2 ** (8 * n);
          push(v);
        } else {
          let v = 0n;
          for (let i = pos + n; i > pos; i--) v = (v << 8n) | BigInt(data[i]!);
          if (data[pos + n]! & 0x80) v -= 1n << BigInt(8 * n);
          push(v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v);
        }
        pos += 1 + n;
        break;
      }
      case 0x47: { // BINFLOAT
        if (pos + 8 > end) return NOT_FAST;
        push(new PyFloat(float64(data, pos)));
        pos += 8;
        break;
      }
      case 0x8c: { // SHORT_BINUNICODE
        if (pos + 1 > end) return NOT_FAST;
        const n = data[pos++]!;
        if (pos + n > end) return NOT_FAST;
        const s = text(data, pos, n);
        pos += n;
        bytes += s.length;
        push(s);
        break;
      }
      case 0x58: { // BINUNICODE
        if (pos + 4 > end) return NOT_FAST;
        const n = u32(data, pos);
        pos += 4;
        if (n > end - pos) return NOT_FAST;
        const s = text(data, pos, n);
        pos += n;
        bytes += s.length;
        push(s);
        break;
      }
      case 0x43: { // SHORT_BINBYTES
        if (pos + 1 > end) return NOT_FAST;
        const n = data[pos++]!;
        if (pos + n > end) return NOT_FAST;
        push(new Uint8Array(data.buffer, data.byteOffset + pos, n));
        pos += n;
        bytes += n;
        break;
      }
      case 0x42: { // BINBYTES
        if (pos + 4 > end) return NOT_FAST;
        const n = u32(data, pos);
        pos += 4;
        if (n > end - pos) return NOT_FAST;
        push(new Uint8Array(data.buffer, data.byteOffset + pos, n));
        pos += n;
        bytes += n;
        break;
      }
      case 0x96: { // BYTEARRAY8
        if (pos + 8 > end) return NOT_FAST;
        const n = u32(data, pos);
        if (n > end - pos - 8 || data[pos + 4]! | data[pos + 5]! | data[pos + 6]! | data[pos + 7]!) return NOT_FAST;
        pos += 8;
        push(new PyBytearray(new Uint8Array(data.buffer, data.byteOffset + pos, n)));
        pos += n;
        bytes += n;
        break;
      }
      case 0x29: // EMPTY_TUPLE
        containers++;
        push(tuple([]));
        break;
      case 0x85: { // TUPLE1
        if (sp < 1 || (mp && marks[mp - 1]! > sp - 1)) return NOT_FAST;
        containers++;
        stack[sp - 1] = tuple([stack[sp - 1]]);
        items++;
        continue;
      }
      case 0x86: { // TUPLE2
        if (sp < 2 || (mp && marks[mp - 1]! > sp - 2)) return NOT_FAST;
        containers++;
        const t = tuple([stack[sp - 2], stack[sp - 1]]);
        sp -= 1;
        stack[sp - 1] = t;
        items++;
        continue;
      }
      case 0x87: { // TUPLE3
        if (sp < 3 || (mp && marks[mp - 1]! > sp - 3)) return NOT_FAST;
        containers++;
        const t = tuple([stack[sp - 3], stack[sp - 2], stack[sp - 1]]);
        sp -= 2;
        stack[sp - 1] = t;
        items++;
        continue;
      }
      case 0x74: { // TUPLE
        if (mp === 0) return NOT_FAST;
        containers++;
        push(tuple(popMark()));
        break;
      }
      case 0x5d: // EMPTY_LIST
        containers++;
        push([]);
        break;
      case 0x6c: // LIST
        if (mp === 0) return NOT_FAST;
        containers++;
        push(popMark());
        break;
      case 0x7d: // EMPTY_DICT
        containers++;
        push({});
        break;
      case 0x61: { // APPEND
        if (sp < 2 || (mp && marks[mp - 1]! > sp - 2)) return NOT_FAST;
        const list = stack[sp - 2];
        if (Array.isArray(list) && !isTuple(list)) list.push(stack[sp - 1]);
        else append(list, stack, sp - 1, sp);
        sp -= 1;
        continue;
      }
      case 0x65: { // APPENDS
        const m = mp ? marks[mp - 1]! : -1;
        if (m < 1 || (mp > 1 && marks[mp - 2]! > m - 1)) return NOT_FAST;
        const list = stack[m - 1];
        if (Array.isArray(list) && !isTuple(list)) for (let i = m; i < sp; i++) list.push(stack[i]);
        else append(list, stack, m, sp);
        sp = m;
        mp--;
        continue;
      }
      case 0x73: { // SETITEM
        if (sp < 3 || (mp && marks[mp - 1]! > sp - 3)) return NOT_FAST;
        const dict = setItem(stack[sp - 3], stack[sp - 2], stack[sp - 1]);
        if (dict === NOT_FAST) return NOT_FAST;
        stack[sp - 3] = dict;
        sp -= 2;
        continue;
      }
      case 0x75: { // SETITEMS
        const m = mp ? marks[mp - 1]! : -1;
        if (m < 1 || (mp > 1 && marks[mp - 2]! > m - 1) || (sp - m) % 2 !== 0) return NOT_FAST;
        let dict = stack[m - 1];
        for (let i = m; i < sp; i += 2) {
          dict = setItem(dict, stack[i], stack[i + 1]);
          if (dict === NOT_FAST) return NOT_FAST;
        }
        stack[m - 1] = dict;
        sp = m;
        mp--;
        continue;
      }
      case 0x8f: // EMPTY_SET
        containers++;
        push(new PySet([]));
        break;
      case 0x91: // FROZENSET
        if (mp === 0) return NOT_FAST;
        containers++;
        push(new PySet(popMark(), true));
        break;
      case 0x90: { // ADDITEMS
        const m = mp ? marks[mp - 1]! : -1;
        if (m < 1 || (mp > 1 && marks[mp - 2]! > m - 1)) return NOT_FAST;
        const set = stack[m - 1];
        if (!(set instanceof PySet) || set.frozen) return NOT_FAST;
        for (let i = m; i < sp; i++) set.items.push(stack[i]);
        sp = m;
        mp--;
        continue;
      }
      default:
        return NOT_FAST;
    }
    // every value pushed ends up in the result once: nothing here shares or discards one
    if (++items > maxItems) return NOT_FAST;
  }
}

/** Whether the stack above the last MARK is empty. */
function emptyRegion(): boolean {
  return sp === (mp ? marks[mp - 1]! : 0);
}

/** Stores the top of the stack; false when the memo would have a gap, which a pickler never leaves. */
function put(i: number): boolean {
  if (i > memoTop) return false;
  if (i === memoTop) memoTop++;
  if (memo[i] === undefined) memoSize++;
  memo[i] = stack[sp - 1];
  return true;
}

/** A value of the memo, when it is one that may be reached twice: text, a number, a class. */
function fetch(i: number): unknown {
  const v = i < memoTop ? memo[i] : undefined;
  if (v === undefined) return NOT_FAST;
  return typeof v !== 'object' || v === null || v instanceof PyGlobal ? v : NOT_FAST;
}

function byteSize(v: unknown): number {
  if (v instanceof Uint8Array) return v.length;
  if (v instanceof PyBytearray) return v.bytes.length;
  return v instanceof PyNdarray ? v.data.length : 0;
}

function push(v: unknown): void {
  stack[sp++] = v;
  if (sp > high) high = sp;
}

function popMark(): unknown[] {
  const m = marks[--mp]!;
  const items = stack.slice(m, sp);
  sp = m;
  return items;
}

/**
 * One item of a dict: a dict with text keys only is an object, as the full
 * VM makes it; the first key of another type turns it into a Map, keys in
 * the order the pickle gave them. An object whose keys JavaScript has
 * reordered (index-like text such as '1') cannot give that order back.
 * A mapping or an instance takes the item as the full VM gives it.
 */
function setItem(dict: unknown, key: unknown, value: unknown): unknown {
  if (dict instanceof Map) {
    dict.set(key, value);
    return dict;
  }
  if (!isDict(dict)) {
    setItems(dict, [key, value], 0, 2);
    return dict;
  }
  if (typeof key === 'string') {
    setOwn(dict, key, value);
    return dict;
  }
  const keys = Object.keys(dict);
  if (keys.some((k) => INDEX_LIKE.test(k))) return NOT_FAST;
  const map = new Map<unknown, unknown>();
  for (const k of keys) map.set(k, dict[k]);
  map.set(key, value);
  return map;
}

const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

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
 * Short ASCII text read before: the same keys, class and module names come
 * back in every pickle, and handing out the string made the first time
 * spares building it again and lets the lookups keyed by it (classes,
 * object keys) find its hash already computed.
 */
const seen: string[] = new Array<string>(1024).fill('');

/**
 * UTF-8 text; short text seen before is found in `seen` by its length and
 * three of its bytes, and compared whole, without building a string.
 */
function text(data: Uint8Array, pos: number, n: number): string {
  if (n === 0) return '';
  if (n < 32) {
    const end = pos + n;
    const slot = (n * 61 + data[pos]! * 31 + data[end - 1]! * 7 + data[pos + (n >> 1)]!) & 1023;
    const known = seen[slot]!;
    if (known.length === n) {
      let i = 0;
      while (i < n && known.charCodeAt(i) === data[pos + i]) i++;
      if (i === n) return known;
    }
    const s = utf8.decode(data.subarray(pos, end));
    // as long as its bytes, the text is ASCII but for U+FFFD, which no byte equals: a later match is exact
    if (s.length === n) seen[slot] = s;
    return s;
  }
  return utf8.decode(data.subarray(pos, pos + n));
}
