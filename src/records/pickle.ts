/**
 * The `bufs blob` columns of ipyparallel's SQLiteDB hold a Python pickle of a
 * list of bytes (`pickle.dumps(list_of_bytes, -1)`): protocol 5 from Python
 * 3.8 on, 3 or 4 from older Pythons, 2 from Python 2 or when asked for. This
 * reads exactly that shape, and writes a pickle Python 3 reads back equal.
 */

export class PickleError extends Error {}

interface Global {
  readonly global: string;
}
interface Call {
  readonly call: Global;
  readonly args: readonly PickleValue[];
}
type PickleValue = null | boolean | number | string | Uint8Array | PickleValue[] | Global | Call | Mark;
interface Mark {
  readonly mark: true;
}
const MARK: Mark = { mark: true };

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** Reads a pickled list of bytes; raises PickleError on anything else. */
export function unpickleBuffers(data: Uint8Array): Uint8Array[] {
  const value = unpickle(data);
  if (!Array.isArray(value)) throw new PickleError(`the pickle holds ${describe(value)}, not a list of buffers`);
  return value.map((v, i) => {
    if (v instanceof Uint8Array) return v;
    throw new PickleError(`item ${i} of the pickled list is ${describe(v)}, not bytes`);
  });
}

function describe(v: PickleValue): string {
  if (v === null) return 'None';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

function unpickle(data: Uint8Array): PickleValue {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: PickleValue[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;

  const need = (n: number) => {
    if (pos + n > data.length) throw new PickleError('the pickle is truncated');
  };
  const u8 = () => {
    need(1);
    return data[pos++]!;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError('a pickled length is too large');
    return Number(v);
  };
  const bytes = (n: number) => {
    need(n);
    const out = new Uint8Array(data.subarray(pos, pos + n));
    pos += n;
    return out;
  };
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError('the pickle is truncated');
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw new PickleError('the pickle pops an empty stack');
    return stack.pop()!;
  };
  const popMark = () => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) throw new PickleError('the pickle has no mark');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError('the pickle has an empty stack');
    return stack[stack.length - 1]!;
  };
  const append = (list: PickleValue, items: PickleValue[]) => {
    if (!Array.isArray(list)) throw new PickleError('the pickle appends to something that is not a list');
    for (const item of items) list.push(item);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError('the pickle uses a protocol newer than 5');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) throw new PickleError('the pickle ends with a malformed stack');
        return stack[0]!;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const i = op === 0x68 ? u8() : u32();
        if (!memo.has(i)) throw new PickleError('the pickle refers to a memo it never stored');
        stack.push(memo.get(i)!);
        break;
      }
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(bytes(u64()));
        break;
      case 0x55: // SHORT_BINSTRING: a Python 2 str is bytes
        stack.push(bytes(u8()));
        break;
      case 0x54: // BINSTRING
        stack.push(bytes(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(bytes(u8())));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(bytes(u32())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(bytes(u64())));
        break;
      case 0x63: { // GLOBAL
        const module = line();
        stack.push({ global: `${module}.${line()}` });
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        stack.push({ global: `${String(module)}.${String(name)}` });
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!Array.isArray(args) || typeof fn !== 'object' || fn === null || !('global' in fn)) {
          throw new PickleError('the pickle calls something that is not a known function');
        }
        stack.push(reduce(fn, args));
        break;
      }
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
      case 0x4d: { // BININT2
        need(2);
        stack.push(view.getUint16(pos, true));
        pos += 2;
        break;
      }
      case 0x4a: { // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      }
      default:
        throw new PickleError(`the pickle uses opcode 0x${op.toString(16)}, which a list of buffers never needs`);
    }
  }
}

/** The few calls protocol 2 makes to rebuild bytes and bytearrays. */
function reduce(fn: Global, args: PickleValue[]): PickleValue {
  switch (fn.global) {
    case '_codecs.encode': {
      const [text, encoding] = args;
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) break;
      return latin1Bytes(text);
    }
    case '__builtin__.bytes':
    case 'builtins.bytes':
    case '__builtin__.bytearray':
    case 'builtins.bytearray': {
      if (args.length === 0) return new Uint8Array(0);
      const [arg, encoding] = args;
      if (arg instanceof Uint8Array) return arg;
      if (typeof arg === 'string' && (encoding === 'latin1' || encoding === 'latin-1')) return latin1Bytes(arg);
      if (Array.isArray(arg) && arg.every((x) => typeof x === 'number')) return Uint8Array.from(arg as number[]);
      break;
    }
  }
  throw new PickleError(`the pickle calls ${fn.global}, which a list of buffers never needs`);
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
