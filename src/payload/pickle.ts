/**
 * The one pickle codec of ipc: a pickle VM (protocols 0 to 5) that never
 * imports or runs anything. GLOBAL names a class by text; REDUCE, NEWOBJ and
 * BUILD on a known standard type (datetime, Decimal, OrderedDict, numpy
 * arrays, ...) build that value, and on anything else build an inert
 * PyOpaque that shows what it would have been. A decoded value is then held
 * to a budget (depth, items and bytes, counting every memo reference as a
 * copy), so that a small hostile pickle cannot become a huge value.
 *
 * `unpickleBuffers` reads the `bufs blob` columns of ipyparallel's SQLiteDB
 * (a pickled list of bytes); `pickleBuffers` writes one Python reads back.
 */
import { PyNdarray } from './numpy.js';
import { append, build, DictBuilder, describe, integerText, longFromBytes, MAX_DIGITS, tooManyDigits, newObject, PickleError, pickleClass, reduce, setItems } from './pickle-classes.js';
import { builtOpaque, fastUnpickle, NOT_FAST } from './pickle-fast.js';
import { PyBytearray, PyDatetime, PyDeque, PyFloat, PyGlobal, PyMapping, PyOpaque, PyRange, PySet, isTuple, tuple, setOwn } from '../records/index.js';

export interface PickleLimits {
  /** Deepest nesting of containers. */
  readonly maxDepth: number;
  /** Most values in all (a value reached twice through the memo counts twice). */
  readonly maxItems: number;
  /** Most bytes of text and bytes in all (memo references counted). */
  readonly maxBytes: number;
}

export const DEFAULT_LIMITS: PickleLimits = { maxDepth: 100, maxItems: 100_000, maxBytes: 64 * 1024 * 1024 };

export interface UnpickleOptions {
  readonly limits?: PickleLimits;
  /** The out-of-band buffers of a protocol 5 pickle, read by NEXT_BUFFER in order. */
  readonly buffers?: readonly Uint8Array[];
  /** False to skip the fast decoder of pickle-fast.ts: what the test comparing the two needs. */
  readonly fast?: boolean;
}

/** Python ints are exact: digits past this many bytes are refused (Python's own limit is 4300 digits). */
const MAX_LONG_BYTES = 2048;
/**
 * Opcodes a pickle may run per item of its budget: a value within the
 * budget never needs as many (a numpy scalar takes six, a datetime with its
 * timezone six for two items), and a pickle that runs more is refused before
 * it has built more than a bounded heap, however long it is: no decode runs
 * for more than a few tens of milliseconds.
 */
export const STEPS_PER_ITEM = 16;

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** Reads a pickled list of bytes; raises PickleError on anything else. */
export function unpickleBuffers(data: Uint8Array): Uint8Array[] {
  const plain = predecodedCount > 0 && predecoded.has(data) ? null : bufferList(data);
  if (plain) return plain;
  const value = unpickle(data);
  if (!Array.isArray(value) || isTuple(value)) throw new PickleError(`the pickle holds ${describe(value)}, not a list of buffers`);
  return value.map((v, i) => {
    if (v instanceof Uint8Array) return v;
    if (v instanceof PyBytearray) return v.bytes;
    throw new PickleError(`item ${i} of the pickled list is ${describe(v)}, not bytes`);
  });
}

/** Items and bytes up to which bufferList reads a list; a larger one goes through the VM, which counts its budget. */
const PLAIN_LIST_ITEMS = 1000;
const PLAIN_LIST_BYTES = 16 * 1024 * 1024;

/**
 * A pickled list of bytes exactly as SQLiteDB's `pickle.dumps(list, -1)`
 * writes it (protocol 3 to 5: PROTO, FRAME, EMPTY_LIST, the items as
 * SHORT_BINBYTES or BINBYTES under MARK/APPENDS or one APPEND, memo entries
 * made and never read, STOP at the end), read without the VM: each item a
 * view of the pickle's bytes, as the VM makes it. Null for anything else
 * (other opcodes, a large list), which the VM then reads, so the answer and
 * any error are the VM's.
 */
function bufferList(data: Uint8Array): Uint8Array[] | null {
  const n = listSpans(data);
  if (n < 0) return null;
  const out = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) out[i] = new Uint8Array(data.buffer, data.byteOffset + spans[2 * i]!, spans[2 * i + 1]!);
  return out;
}

/** Where listSpans leaves the items it found: start and length of each, in turn. */
let spans = new Int32Array(64);

/**
 * How many items a pickled list of bytes of the plain form bufferList reads
 * holds (each item's start and length left in `spans`), or -1 when it is of
 * another form. The pickle is `data[begin, end)`; the starts are within `data`.
 */
function listSpans(data: Uint8Array, begin = 0, end = data.length): number {
  if (end - begin < 4 || data[begin] !== 0x80 || data[begin + 1]! < 3 || data[begin + 1]! > 5) return -1;
  let pos = begin + 2;
  if (data[pos] === 0x95) {
    // FRAME: the length it announces is checked as the VM checks it, and otherwise not read
    if (pos + 9 > end) return -1;
    const high = data[pos + 5]! | (data[pos + 6]! << 8) | (data[pos + 7]! << 16) | (data[pos + 8]! << 24);
    const low = (data[pos + 1]! | (data[pos + 2]! << 8) | (data[pos + 3]! << 16)) + data[pos + 4]! * 0x1000000;
    if (high < 0 || high >= 0x200000 || high * 0x100000000 + low > end - begin) return -1;
    pos += 9;
  }
  if (pos >= end || data[pos++] !== 0x5d) return -1;
  pos = afterMemo(data, pos);
  let count = 0;
  let bytes = 0;
  let open = false;
  /** An item pushed outside a mark, which the next APPEND takes. */
  let pending = false;
  while (pos < end) {
    const op = data[pos++]!;
    if (op === 0x2e) return !open && pos === end ? count : -1;
    if (op === 0x28) {
      if (open) return -1;
      open = true;
      continue;
    }
    if (op === 0x65) {
      if (!open) return -1;
      open = false;
      continue;
    }
    if (op === 0x61) {
      // APPEND: the one item just pushed without a mark
      if (!pending) return -1;
      pending = false;
      continue;
    }
    let n: number;
    if (op === 0x43) {
      if (pos + 1 > end) return -1;
      n = data[pos]!;
      pos += 1;
    } else if (op === 0x42) {
      if (pos + 4 > end) return -1;
      n = (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16)) + data[pos + 3]! * 0x1000000;
      pos += 4;
    } else {
      return -1;
    }
    if (n > end - pos || (bytes += n) > PLAIN_LIST_BYTES || count >= PLAIN_LIST_ITEMS) return -1;
    if (2 * count + 2 > spans.length) {
      const more = new Int32Array(spans.length * 2);
      more.set(spans);
      spans = more;
    }
    spans[2 * count] = pos;
    spans[2 * count + 1] = n;
    count++;
    pos = afterMemo(data, pos + n);
    // an item outside a mark is the one APPEND takes next
    if (!open) {
      if (data[pos] !== 0x61) return -1;
      pending = true;
    }
  }
  return -1;
}

/** The position after a memo opcode at `pos` (MEMOIZE, BINPUT, LONG_BINPUT), if there is one; past the end when it is cut short. */
function afterMemo(data: Uint8Array, pos: number): number {
  const op = data[pos];
  return op === 0x94 ? pos + 1 : op === 0x71 ? pos + 2 : op === 0x72 ? pos + 5 : pos;
}

/**
 * The first item of a pickled list of bytes, as [start, length] within
 * `data`, when `unpickleBuffers(data)` would read the list without the VM
 * and find at least one item there (its items then are those views); null
 * otherwise. Nothing is built: a reader that only compares the first item's
 * bytes (a function's name, known by its pickle) need not make the list.
 */
export function firstBufferSpan(data: Uint8Array): readonly [number, number] | null {
  if (predecodedCount > 0 && predecoded.has(data)) return null;
  const n = listSpans(data);
  return n > 0 ? [spans[0]!, spans[1]!] : null;
}

/**
 * firstBufferSpan of the pickle `data[begin, end)`, a part of a larger
 * buffer (a slice's bytes as one: no pickle decoded ahead is ever one):
 * the first item's start within `data`, its length then given by
 * firstBufferLength(); -1 where firstBufferSpan gives null.
 */
export function firstBufferAt(data: Uint8Array, begin: number, end: number): number {
  return listSpans(data, begin, end) > 0 ? spans[0]! : -1;
}

/** The length of the item the last firstBufferAt found. */
export function firstBufferLength(): number {
  return spans[1]!;
}

/** Decodes one pickle into inert values; raises PickleError when it is malformed or over budget. */
export function unpickle(input: Uint8Array, options: UnpickleOptions = {}): unknown {
  if (predecodedCount > 0 && !options.buffers) {
    const pre = takePredecoded(input, options.limits ?? DEFAULT_LIMITS);
    if (pre) {
      if ('error' in pre) throw pre.error;
      return pre.value;
    }
  }
  if (options.fast !== false && !options.buffers) {
    const quick = fastUnpickle(input, options.limits ?? DEFAULT_LIMITS);
    if (quick !== NOT_FAST) return quick;
  }
  const limits = options.limits ?? DEFAULT_LIMITS;
  const value = run(input, options.buffers ?? [], limits);
  return finish(value, limits, shared);
}

/*
 * The VM's state lives at module level rather than in closures: a task's
 * pickles are small and many, and per-call closures and views cost more than
 * the decoding itself. `run` is never re-entered (nothing it calls unpickles).
 */
const EMPTY = new Uint8Array(0);
let data: Uint8Array = EMPTY;
let dataView: DataView | null = null;
let pos = 0;
let stack: unknown[] = [];
let marks: unknown[][] = [];
/** The memo: entries numbered 0, 1, 2, ... in order (as a pickler numbers them) in a list, any others in a Map. */
let memoList: unknown[] = [];
let memoOther = new Map<number, unknown>();
let outOfBand: readonly Uint8Array[] = [];
let nextBuffer = 0;
/** Whether a value was reached twice (GET, DUP): only then does the last pass need to track sharing. */
let shared = false;
/** The budget as the VM goes: opcodes run, bytes of text and bytes made, and the most marks open at once. */
let steps = 0;
let maxSteps = 0;
/** Where the loop stops: maxSteps, or the end of a slice when a large pickle is decoded in slices. */
let stepLimit = 0;
let built = 0;
let limits: PickleLimits = DEFAULT_LIMITS;

function view(): DataView {
  return (dataView ??= new DataView(data.buffer, data.byteOffset, data.byteLength));
}
function need(n: number): void {
  if (n > data.length - pos) throw new PickleError(`the pickle is truncated (it announces ${n} bytes where ${data.length - pos} remain)`);
}
function u8(): number {
  if (pos >= data.length) need(1);
  return data[pos++]!;
}
function u16(): number {
  need(2);
  pos += 2;
  return data[pos - 2]! | (data[pos - 1]! << 8);
}
function u32(): number {
  need(4);
  pos += 4;
  return (data[pos - 4]! | (data[pos - 3]! << 8) | (data[pos - 2]! << 16)) + data[pos - 1]! * 0x1000000;
}
function i32(): number {
  need(4);
  pos += 4;
  return data[pos - 4]! | (data[pos - 3]! << 8) | (data[pos - 2]! << 16) | (data[pos - 1]! << 24);
}
function u64(): number {
  const low = u32();
  const high = u32();
  const v = high * 0x100000000 + low;
  if (high >= 0x200000 || v > data.length) throw new PickleError(`the pickle is truncated (it announces ${high >= 0x200000 ? 'more than 2^53' : v} bytes where ${data.length - pos} remain)`);
  return v;
}
/** Counts `n` bytes of text or bytes against the budget as they are made. */
function charge(n: number): void {
  built += n;
  if (built > limits.maxBytes) throw new PickleError(`the value exceeds the limit of ${limits.maxBytes.toLocaleString('en-US')} bytes`);
}
function bytes(n: number): Uint8Array {
  need(n);
  charge(n);
  pos += n;
  // A plain view, not a copy (the value keeps the task's buffer alive rather
  // than doubling it), and not a Buffer's subarray, which would be a Buffer.
  return new Uint8Array(data.buffer, data.byteOffset + pos - n, n);
}
function text(n: number): string {
  need(n);
  if (n >= BIG_TEXT && slicing) {
    // decoded in slices, then this opcode runs again and finds it
    if (bigText?.at === pos) {
      const s = bigText.value;
      bigText = null;
      charge(n);
      pos += n;
      return s;
    }
    if (built + n > limits.maxBytes) charge(n);
    throw new NeedText(pos, n);
  }
  charge(n);
  if (n < 64) {
    let s = '';
    let i = pos;
    const end = pos + n;
    for (; i < end; i++) {
      const c = data[i]!;
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === end) {
      pos = end;
      return s;
    }
  }
  pos += n;
  return utf8.decode(data.subarray(pos - n, pos));
}
/** A protocol 0 argument: at most `max` bytes (the text of a STRING or UNICODE is charged as bytes instead). */
function line(max = 4096): string {
  const end = data.indexOf(0x0a, pos);
  if (end < 0) throw new PickleError('the pickle is truncated');
  if (end - pos > max) throw new PickleError(`the pickle holds a protocol 0 argument of ${(end - pos).toLocaleString('en-US')} bytes, more than its ${max.toLocaleString('en-US')}`);
  const s = latin1.decode(data.subarray(pos, end));
  pos = end + 1;
  return s;
}
function pop(): unknown {
  if (stack.length === 0) throw new PickleError('the pickle pops an empty stack');
  return stack.pop();
}
function top(): unknown {
  if (stack.length === 0) throw new PickleError('the pickle has an empty stack');
  return stack[stack.length - 1];
}
function popMark(): unknown[] {
  const items = stack;
  const outer = marks.pop();
  if (!outer) throw new PickleError('the pickle has no mark');
  stack = outer;
  return items;
}
function get(i: number): void {
  if (i < memoList.length) stack.push(memoList[i]);
  else if (memoOther.has(i)) stack.push(memoOther.get(i));
  else throw new PickleError('the pickle refers to a memo it never stored');
  shared = true;
}
function put(i: number): void {
  const v = top();
  if (i === memoList.length) memoList.push(v);
  else if (i < memoList.length) memoList[i] = v;
  else memoOther.set(i, v);
}
function start(input: Uint8Array, buffers: readonly Uint8Array[], budget: PickleLimits): void {
  limits = budget;
  steps = 0;
  maxSteps = STEPS_PER_ITEM * budget.maxItems;
  stepLimit = maxSteps;
  built = 0;
  data = input;
  dataView = null;
  pos = 0;
  stack = [];
  if (marks.length) marks.length = 0;
  memoList = [];
  if (memoOther.size) memoOther.clear();
  outOfBand = buffers;
  nextBuffer = 0;
  shared = false;
}

/** Lets go of the pickle and what it built. */
function release(): void {
  data = EMPTY;
  dataView = null;
  memoList = [];
  if (memoOther.size) memoOther.clear();
  if (marks.length) marks.length = 0;
}

function run(input: Uint8Array, buffers: readonly Uint8Array[], budget: PickleLimits): unknown {
  start(input, buffers, budget);
  try {
    return loop();
  } finally {
    release();
  }
}

/** Where the opcode being run starts: a slice that stops for a long text runs it again from there. */
let opStart = 0;
/** Text of at least this many bytes is decoded in slices of its own when a pickle is (see unpickleInSlices). */
const BIG_TEXT = 1024 * 1024;
/** Whether the VM runs a pickle in slices (unpickleInSlices): only then is a long text decoded apart. */
let slicing = false;
/** A long text decoded beforehand for the opcode at `at` (the text's offset in the pickle). */
let bigText: { readonly at: number; readonly value: string } | null = null;

/** Raised by `text` in a sliced decode: the text at `at` is long, decode it in slices first. */
class NeedText {
  constructor(readonly at: number, readonly length: number) {}
}

/** UTF-8 text decoded a megabyte at a time, `between` awaited after each. */
async function decodeInSlices(bytes: Uint8Array, between: () => Promise<void>): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  let out = '';
  const step = BIG_TEXT;
  for (let i = 0; i < bytes.length; i += step) {
    out += decoder.decode(bytes.subarray(i, Math.min(bytes.length, i + step)), { stream: i + step < bytes.length });
    await between();
  }
  return out;
}

/** What `loop` returns when it reached the end of its slice: the state is kept to go on from there. */
const PAUSED: unique symbol = Symbol('paused');

/** The VM's state between two slices of one pickle, while others may be decoded meanwhile. */
interface Suspended {
  readonly data: Uint8Array;
  readonly pos: number;
  readonly stack: unknown[];
  readonly marks: unknown[][];
  readonly memoList: unknown[];
  readonly memoOther: Map<number, unknown>;
  readonly outOfBand: readonly Uint8Array[];
  readonly nextBuffer: number;
  readonly shared: boolean;
  readonly steps: number;
  readonly built: number;
  readonly limits: PickleLimits;
}

function suspend(): Suspended {
  const s: Suspended = { data, pos, stack, marks, memoList, memoOther, outOfBand, nextBuffer, shared, steps, built, limits };
  // the next pickle decoded meanwhile starts from empty structures of its own
  marks = [];
  memoOther = new Map();
  stack = [];
  memoList = [];
  data = EMPTY;
  dataView = null;
  return s;
}

function resumeFrom(s: Suspended): void {
  ({ data, pos, stack, marks, memoList, memoOther, outOfBand, nextBuffer, shared, steps, built, limits } = s);
  dataView = null;
  maxSteps = STEPS_PER_ITEM * limits.maxItems;
}

/** Opcodes a slice runs before the event loop turns: a few milliseconds' worth. */
const SLICE_STEPS = 20_000;

/** Pickles up to this long are first tried with the fast decoder, whose time is bounded by their length. */
const FAST_AT_ONCE_BYTES = 2 * 1024 * 1024;

/** Pickles at least this long are decoded in slices by `unpickleInSlices`; shorter ones take well under a millisecond. */
export const SLICED_PICKLE_BYTES = 64 * 1024;

/**
 * Decoded pickles waiting to be read by `unpickle`, by the very buffer they
 * were decoded from: a large pickle is decoded in slices beforehand (the
 * event loop turning between them, so that Ctrl-C is seen within
 * milliseconds however long the pickle takes), then read once.
 */
const predecoded = new WeakMap<Uint8Array, { readonly limits: PickleLimits; readonly value?: unknown; readonly error?: unknown }>();
let predecodedCount = 0;

/** Whether `data` was decoded beforehand, so that the fast decoder need not run over it again. */
export function isPredecoded(data: Uint8Array): boolean {
  return predecodedCount > 0 && predecoded.has(data);
}

/**
 * Decodes a pickle as `unpickle` does, in slices of a few milliseconds with
 * `between` awaited after each (it turns the event loop, and raises to stop);
 * the value, or the error, is then what the next `unpickle` of the same
 * buffer returns or raises, at once.
 */
export async function unpickleInSlices(input: Uint8Array, between: () => Promise<void>, limits: PickleLimits = DEFAULT_LIMITS): Promise<void> {
  if (predecoded.has(input)) return;
  predecoded.set(input, await decodeEntry(input, between, limits));
  predecodedCount++;
}

/** What `unpickle` of `input` gives, its value or its PickleError, decoded in slices. */
async function decodeEntry(input: Uint8Array, between: () => Promise<void>, limits: PickleLimits): Promise<{ limits: PickleLimits; value?: unknown; error?: unknown }> {
  // the fast decoder reads a few megabytes within milliseconds: most large results are plain lists and numbers
  const quick = input.length <= FAST_AT_ONCE_BYTES ? fastUnpickle(input, limits) : NOT_FAST;
  if (quick !== NOT_FAST && !builtOpaque()) return { limits, value: quick };
  try {
    start(input, [], limits);
    slicing = true;
    let state: Suspended | null = null;
    let value: unknown = PAUSED;
    try {
      for (;;) {
        stepLimit = Math.min(maxSteps, steps + SLICE_STEPS);
        let long: NeedText | null = null;
        try {
          value = loop();
        } catch (e) {
          if (!(e instanceof NeedText)) throw e;
          // the opcode runs again once its text is decoded
          long = e;
          pos = opStart;
          steps--;
        }
        if (value !== PAUSED) break;
        state = suspend();
        slicing = false;
        const textValue = long ? await decodeInSlices(state.data.subarray(long.at, long.at + long.length), between) : null;
        if (!long) await between();
        resumeFrom(state);
        slicing = true;
        state = null;
        if (long) bigText = { at: long.at, value: textValue! };
      }
      return { limits, value: finish(value, limits, shared) };
    } finally {
      slicing = false;
      stepLimit = maxSteps;
      bigText = null;
      if (state === null) release();
    }
  } catch (e) {
    if (!(e instanceof PickleError)) throw e;
    return { limits, error: e };
  }
}

/** The value (or the error) a pickle decoded beforehand gave, once; undefined when it was not. */
function takePredecoded(input: Uint8Array, limits: PickleLimits): { value?: unknown; error?: unknown } | undefined {
  const entry = predecoded.get(input);
  if (!entry || entry.limits !== limits) return undefined;
  predecoded.delete(input);
  predecodedCount--;
  return entry;
}

function loop(): unknown {
  for (;;) {
    if (++steps > stepLimit) {
      if (steps > maxSteps) throw tooManySteps();
      steps--;
      return PAUSED;
    }
    opStart = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError('the pickle uses a protocol newer than 5');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) throw new PickleError('the pickle ends with a malformed stack');
        return stack[0];
      case 0x28: // MARK
        // each open mark is a container being filled, one level deeper
        if (marks.length > limits.maxDepth) throw new PickleError(`the value exceeds the limit of ${limits.maxDepth} levels of nesting`);
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        shared = true;
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x49: { // INT
        const text = integerLine();
        stack.push(text === '01' ? true : text === '00' ? false : parseInteger(text));
        break;
      }
      case 0x4c: // LONG
        stack.push(parseInteger(integerLine().replace(/L$/, '')));
        break;
      case 0x8a: { // LONG1
        const b = bytes(u8());
        stack.push(longFromBytes(b, 0, b.length));
        break;
      }
      case 0x8b: { // LONG4
        const n = u32();
        if (n > MAX_LONG_BYTES) throw new PickleError(`an integer of ${n} bytes exceeds the ${MAX_LONG_BYTES}-byte limit`);
        const b = bytes(n);
        stack.push(longFromBytes(b, 0, b.length));
        break;
      }
      case 0x46: // FLOAT
        stack.push(new PyFloat(parseFloatText(line(512))));
        break;
      case 0x47: // BINFLOAT
        need(8);
        pos += 8;
        stack.push(new PyFloat(view().getFloat64(pos - 8, false)));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()));
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()));
        break;
      case 0x96: // BYTEARRAY8
        stack.push(new PyBytearray(bytes(u64())));
        break;
      case 0x55: // SHORT_BINSTRING: a Python 2 str is bytes
        stack.push(bytes(u8()));
        break;
      case 0x54: // BINSTRING
        stack.push(bytes(u32()));
        break;
      case 0x53: // STRING
        stack.push(unquote(textLine()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x56: // UNICODE
        stack.push(rawUnicodeEscape(textLine()));
        break;
      case 0x97: { // NEXT_BUFFER
        const b = outOfBand[nextBuffer++];
        if (!b) throw new PickleError('the pickle reads an out-of-band buffer that was not given');
        stack.push(b);
        break;
      }
      case 0x98: // READONLY_BUFFER
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x74: { // TUPLE
        const items = popMark();
        stack.push(tuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(tuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(tuple([pop(), b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: { // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new DictBuilder());
        break;
      case 0x64: { // DICT
        const items = popMark();
        const d = new DictBuilder();
        for (let i = 0; i + 1 < items.length; i += 2) d.entries.push([items[i], items[i + 1]]);
        stack.push(d);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new PySet([]));
        break;
      case 0x91: { // FROZENSET
        const items = popMark();
        stack.push(new PySet(items, true));
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        append(top(), [v], 0, 1);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        append(top(), items, 0, items.length);
        break;
      }
      case 0x90: { // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof PySet)) throw new PickleError('the pickle adds items to something that is not a set');
        for (const x of items) set.items.push(x);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v], 0, 2);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items, 0, items.length);
        break;
      }
      case 0x70: // PUT
        put(Number(line()));
        break;
      case 0x71: // BINPUT
        put(u8());
        break;
      case 0x72: // LONG_BINPUT
        put(u32());
        break;
      case 0x94: // MEMOIZE
        put(memoList.length + memoOther.size);
        break;
      case 0x67: // GET
        get(Number(line()));
        break;
      case 0x68: // BINGET
        get(u8());
        break;
      case 0x6a: // LONG_BINGET
        get(u32());
        break;
      case 0x63: { // GLOBAL
        const module = line();
        stack.push(pickleClass(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('the pickle names a class with something that is not text');
        stack.push(pickleClass(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!Array.isArray(args)) throw new PickleError('the pickle calls a function without an argument tuple');
        stack.push(reduce(fn, args));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(newObject(cls, Array.isArray(args) ? args : [args]));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        pop();
        const args = pop();
        const cls = pop();
        stack.push(newObject(cls, Array.isArray(args) ? args : [args]));
        break;
      }
      case 0x69: { // INST
        const module = line();
        const cls = pickleClass(module, line());
        const args = popMark();
        stack.push(newObject(cls, args));
        break;
      }
      case 0x6f: { // OBJ
        const items = popMark();
        const cls = items.shift();
        stack.push(newObject(cls, items));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      case 0x50: // PERSID
      case 0x51: // BINPERSID
        throw new PickleError('the pickle refers to a persistent object, which only the program that wrote it can resolve');
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        throw new PickleError('the pickle uses an extension code, which only the program that wrote it can resolve');
      default:
        throw new PickleError(`the pickle uses opcode 0x${op.toString(16)}, which is not a pickle opcode`);
    }
  }
}

/**
 * The text of a STRING or UNICODE line, charged as bytes; every escape in it
 * is a step of the budget, so that a line of millions of escapes is refused
 * before the replacing.
 */
function textLine(): string {
  const end = data.indexOf(0x0a, pos);
  if (end < 0) throw new PickleError('the pickle is truncated');
  charge(end - pos);
  for (let i = data.indexOf(0x5c, pos); i >= 0 && i < end; i = data.indexOf(0x5c, i + 2)) {
    if (++steps > maxSteps) throw tooManySteps();
  }
  return line(Infinity);
}

function tooManySteps(): PickleError {
  return new PickleError(`the pickle runs more than ${maxSteps.toLocaleString('en-US')} opcodes, more than a value within the limit of ${limits.maxItems.toLocaleString('en-US')} items needs`);
}

/** The text of an INT or LONG: refused by its length before it is read, past the digit limit. */
function integerLine(): string {
  const end = data.indexOf(0x0a, pos);
  if (end - pos > MAX_DIGITS + 2) throw tooManyDigits('an integer', end - pos);
  return line(Infinity);
}

function parseInteger(text: string): number | bigint {
  return integerText(text, 'integer');
}

function parseFloatText(text: string): number {
  const t = text.trim();
  if (t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan') return NaN;
  const v = Number(t);
  if (Number.isNaN(v)) throw new PickleError(`the pickle holds the float text '${t.slice(0, 20)}'`);
  return v;
}

/** A protocol 0 STRING: a quoted Python 2 literal. */
function unquote(text: string): string {
  const q = text[0];
  if ((q !== "'" && q !== '"') || text[text.length - 1] !== q || text.length < 2) throw new PickleError('the pickle holds an unquoted STRING');
  return text.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v' } as Record<string, string>)[e] ?? e;
  });
}

function rawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u?: string, w?: string) => String.fromCodePoint(parseInt(u ?? w!, 16)));
}

/**
 * The last pass: dicts become objects (str keys) or Maps, an ndarray
 * rebuilt by BUILD becomes the array itself, and the whole value is
 * measured against the limits: every path to a value counts, so a value
 * the memo shares a thousand times weighs a thousand copies.
 */
function finish(root: unknown, limits: PickleLimits, sharing: boolean): unknown {
  if (root === null || typeof root !== 'object') {
    if (typeof root === 'string' && root.length > limits.maxBytes) throw new PickleError(`the value exceeds the limit of ${limits.maxBytes.toLocaleString('en-US')} bytes`);
    return root;
  }
  return new Finisher(limits, sharing).visit(root, 0);
}

interface Done {
  readonly value: unknown;
  readonly items: number;
  readonly bytes: number;
}

class Finisher {
  items = 0;
  bytes = 0;
  /** Only when the pickle shares values (GET, DUP): without, every value is reached once, a tree. */
  private readonly done: Map<object, Done> | null;
  private readonly inProgress: Map<object, unknown> | null;

  constructor(
    private readonly limits: PickleLimits,
    sharing: boolean,
  ) {
    this.done = sharing ? new Map() : null;
    this.inProgress = sharing ? new Map() : null;
  }

  private add(items: number, bytes: number): void {
    this.items += items;
    this.bytes += bytes;
    if (this.items > this.limits.maxItems) throw new PickleError(`the value exceeds the limit of ${this.limits.maxItems.toLocaleString('en-US')} items`);
    if (this.bytes > this.limits.maxBytes) throw new PickleError(`the value exceeds the limit of ${this.limits.maxBytes.toLocaleString('en-US')} bytes`);
  }

  visit(v: unknown, depth: number): unknown {
    if (v === null || typeof v !== 'object') {
      this.add(1, typeof v === 'string' ? v.length : 0);
      return v;
    }
    if (this.done) {
      const seen = this.done.get(v);
      if (seen) {
        this.add(seen.items, seen.bytes);
        return seen.value;
      }
      if (this.inProgress!.has(v)) {
        this.add(1, 0);
        return this.inProgress!.get(v);
      }
    }
    if (depth > this.limits.maxDepth) throw new PickleError(`the value exceeds the limit of ${this.limits.maxDepth} levels of nesting`);
    const items = this.items;
    const bytes = this.bytes;
    this.inProgress?.set(v, v);
    this.add(1, v instanceof Uint8Array ? v.length : 0);
    const value = this.convert(v, depth + 1);
    if (this.done) {
      this.inProgress!.delete(v);
      this.done.set(v, { value, items: this.items - items, bytes: this.bytes - bytes });
    }
    return value;
  }

  private convert(v: object, depth: number): unknown {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = this.visit(v[i], depth);
      return v;
    }
    if (v instanceof DictBuilder) {
      const keys = v.entries.map(([k]) => this.visit(k, depth));
      const out = keys.every((k) => typeof k === 'string') ? ({} as Record<string, unknown>) : new Map<unknown, unknown>();
      this.inProgress?.set(v, out);
      for (let i = 0; i < keys.length; i++) {
        const x = this.visit(v.entries[i]![1], depth);
        if (out instanceof Map) out.set(keys[i], x);
        else setOwn(out, keys[i] as string, x);
      }
      return out;
    }
    if (v instanceof PyOpaque) {
      v.args = v.args.map((x) => this.visit(x, depth));
      // numpy's _reconstruct makes an ndarray object that BUILD fills: it is the array; any other class keeps its instance
      if (v.state instanceof PyNdarray && v.cls instanceof PyGlobal && v.cls.qualified === 'numpy.ndarray') return this.visit(v.state, depth);
      if (v.state !== undefined) v.state = this.visit(v.state, depth);
      for (let i = 0; i < v.items.length; i++) v.items[i] = this.visit(v.items[i], depth);
      this.entries(v.entries, depth);
      if (v.cls instanceof PyOpaque) this.visit(v.cls, depth);
    } else if (v instanceof PySet || v instanceof PyDeque) {
      for (let i = 0; i < v.items.length; i++) v.items[i] = this.visit(v.items[i], depth);
    } else if (v instanceof PyMapping) {
      this.entries(v.entries, depth);
      (v as { factory: unknown }).factory = this.visit(v.factory, depth);
    } else if (v instanceof PyDatetime) {
      (v as { tzinfo: unknown }).tzinfo = this.visit(v.tzinfo, depth);
    } else if (v instanceof PyRange) {
      Object.assign(v, { start: this.visit(v.start, depth), stop: this.visit(v.stop, depth), step: this.visit(v.step, depth) });
    } else if (v instanceof PyBytearray) {
      this.add(0, v.bytes.length);
    } else if (v instanceof PyNdarray) {
      this.add(0, v.data.length);
    }
    return v;
  }

  private entries(entries: [unknown, unknown][], depth: number): void {
    for (const e of entries) {
      e[0] = this.visit(e[0], depth);
      e[1] = this.visit(e[1], depth);
    }
  }
}

/**
 * Pickles a list of bytes with protocol 4, which Python 3.4 and later read:
 * the list, then each buffer as SHORT_BINBYTES, BINBYTES or BINBYTES8.
 */
export function pickleBuffers(buffers: readonly Uint8Array[]): Uint8Array {
  let size = 2 + 1 + 1 + 1 + 1;
  for (const b of buffers) size += headerSize(b.length) + b.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = 0;
  out[pos++] = 0x80;
  out[pos++] = 4;
  out[pos++] = 0x5d; // EMPTY_LIST
  out[pos++] = 0x28; // MARK
  for (const b of buffers) {
    const n = b.length;
    if (n < 256) {
      out[pos++] = 0x43;
      out[pos++] = n;
    } else if (n < 2 ** 32) {
      out[pos++] = 0x42;
      view.setUint32(pos, n, true);
      pos += 4;
    } else {
      out[pos++] = 0x8e;
      view.setBigUint64(pos, BigInt(n), true);
      pos += 8;
    }
    out.set(b, pos);
    pos += n;
  }
  out[pos++] = 0x65; // APPENDS
  out[pos++] = 0x2e; // STOP
  return out;
}

function headerSize(n: number): number {
  return n < 256 ? 2 : n < 2 ** 32 ? 5 : 9;
}
