/**
 * A second decoder for the pickles most task results are: None, bools,
 * ints, floats, text and bytes, in tuples, lists, sets and dicts, nothing
 * named by class and nothing shared through the memo. It
 * builds the same values the full VM of pickle.ts builds, in one loop that
 * counts the budget as it goes, so it needs no finishing pass. On anything
 * else (an opcode it does not know, a malformed or over-budget pickle) it
 * gives up and answers NOT_FAST; the full VM then decodes the pickle, or
 * raises the error, from the start.
 */
import { PyFloat, PySet } from './python.js';
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

/** The value the pickle holds, or NOT_FAST when the full VM must decide. */
export function fastUnpickle(data: Uint8Array, limits: FastLimits): unknown {
  sp = 0;
  mp = 0;
  high = 0;
  const value = loop(data, limits);
  for (let i = 0; i < high; i++) stack[i] = undefined;
  return value;
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
        continue;
      case 0x71: // BINPUT
        if (emptyRegion()) return NOT_FAST;
        pos += 1;
        continue;
      case 0x72: // LONG_BINPUT
        if (emptyRegion()) return NOT_FAST;
        pos += 4;
        continue;
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
        if (!Array.isArray(list) || isTuple(list)) return NOT_FAST;
        list.push(stack[--sp]);
        continue;
      }
      case 0x65: { // APPENDS
        const m = mp ? marks[mp - 1]! : -1;
        if (m < 1 || (mp > 1 && marks[mp - 2]! > m - 1)) return NOT_FAST;
        const list = stack[m - 1];
        if (!Array.isArray(list) || isTuple(list)) return NOT_FAST;
        for (let i = m; i < sp; i++) list.push(stack[i]);
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
 */
function setItem(dict: unknown, key: unknown, value: unknown): unknown {
  if (dict instanceof Map) {
    dict.set(key, value);
    return dict;
  }
  if (!isDict(dict)) return NOT_FAST;
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

/** UTF-8 text; short ASCII, what most keys and names are, without a TextDecoder call. */
function text(data: Uint8Array, pos: number, n: number): string {
  if (n < 32) {
    const end = pos + n;
    let s = '';
    for (let i = pos; i < end; i++) {
      const c = data[i]!;
      if (c >= 0x80) return utf8.decode(data.subarray(pos, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(data.subarray(pos, pos + n));
}
