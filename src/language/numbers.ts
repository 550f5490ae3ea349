import { overflowError, typeError, zeroDivisionError, type LoopTurns } from '../errors.js';
import { PyFloat } from '../records/index.js';
import { PyNumpyScalar } from '../payload/index.js';
import { charge, chargeItems, memoryError } from './budget.js';

/**
 * Python numbers over JS values: an int is a safe-integer number or, beyond
 * 2^53, a bigint (so that `2**64` and sums of squares stay exact); a float is
 * a number that is not a safe integer, or a PyFloat (the decoder's floats,
 * and a whole float such as `7/7` or `2.0`, which would otherwise read as an
 * int and print as `1`). A bigint that comes back into the safe range becomes
 * a number again, so every int has one form.
 */
export type PyNumber = number | bigint | PyFloat;

/** A float result in its one form: boxed when its value is whole (so it prints as `1.0`), a number otherwise. */
export function floatValue(x: number): number | PyFloat {
  return Number.isSafeInteger(x) ? new PyFloat(x) : x;
}

/** The number a PyFloat or a numpy scalar holds; anything else as it is. */
export function unbox<T>(v: T | PyFloat | PyNumpyScalar): T | number | bigint {
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyNumpyScalar) return typeof v.value === 'boolean' ? Number(v.value) : v.value;
  return v;
}

/** A numpy scalar as the shell's own number (a float stays a float); anything else as it is. */
export function plainScalar<T>(v: T | PyNumpyScalar): T | number | bigint | boolean | PyFloat {
  if (!(v instanceof PyNumpyScalar)) return v;
  return typeof v.value === 'number' && v.dtype.kind === 'f' ? floatValue(v.value) : v.value;
}

function isNumpyNumber(v: unknown): v is PyNumpyScalar {
  return v instanceof PyNumpyScalar && (typeof v.value !== 'number' || 'biuf'.includes(v.dtype.kind));
}

/** Whether a value is a Python float. */
export function isFloat(v: unknown): v is number | PyFloat {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isSafeInteger(v));
}

export function isInt(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v));
}

export function isNumeric(v: unknown): v is number | bigint | boolean | PyFloat | PyNumpyScalar {
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof PyFloat || isNumpyNumber(v);
}

/** A bigint in its one form: a number when it is a safe integer. */
export function normalize(b: bigint): number | bigint {
  return b >= -0x1fffffffffffffn && b <= 0x1fffffffffffffn ? Number(b) : b;
}

/** An int as Python's float() takes it, raising as Python does when it is too large. */
export function toFloat(v: number | bigint | boolean | PyFloat): number {
  if (v instanceof PyFloat) return v.value;
  if (typeof v !== 'bigint') return Number(v);
  const f = Number(v);
  if (!Number.isFinite(f)) throw overflowError('int too large to convert to float');
  return f;
}

/** A float's integral value as an int (int(1e20) is exact in Python). */
export function truncToInt(f: number): number | bigint {
  if (!Number.isFinite(f)) throw overflowError(Number.isNaN(f) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer');
  const t = Math.trunc(f);
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

function big(v: number | bigint | boolean): bigint {
  return typeof v === 'bigint' ? v : BigInt(Number(v));
}

function bitLength(b: bigint): number {
  return (b < 0n ? -b : b).toString(16).length * 4;
}

function floorDivBig(x: bigint, y: bigint): bigint {
  const q = x / y;
  return x % y !== 0n && (x < 0n) !== (y < 0n) ? q - 1n : q;
}

function modBig(x: bigint, y: bigint): bigint {
  const r = x % y;
  return r !== 0n && (r < 0n) !== (y < 0n) ? r + y : r;
}

/** Python's float divmod: the remainder takes the divisor's sign, the quotient is floored. */
function floatDivmod(x: number, y: number): [number, number] {
  let mod = x % y;
  let div = (x - mod) / y;
  if (mod) {
    if (y < 0 !== mod < 0) {
      mod += y;
      div -= 1;
    }
  } else mod = y < 0 ? -0 : 0;
  let floordiv: number;
  if (div) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else floordiv = x / y < 0 ? -0 : 0;
  return [floordiv, mod];
}

/** Arithmetic between two Python numbers (bools count as ints); undefined when Python has no such operator for them. */
export function arithmetic(op: string, a: number | bigint | boolean | PyFloat | PyNumpyScalar, b: number | bigint | boolean | PyFloat | PyNumpyScalar): PyNumber | undefined {
  const pa = plainScalar(a);
  const pb = plainScalar(b);
  const x = typeof pa === 'boolean' ? Number(pa) : pa;
  const y = typeof pb === 'boolean' ? Number(pb) : pb;
  if (isInt(x) && isInt(y)) {
    const r = intArithmetic(op, x, y);
    // int / int, and int ** negative int, are floats in Python
    return typeof r === 'number' && (op === '/' || (op === '**' && y < 0)) ? floatValue(r) : r;
  }
  if (op === '|' || op === '&') return undefined;
  const r = floatArithmetic(op, toFloat(x), toFloat(y));
  return r === undefined ? undefined : floatValue(r);
}

function intArithmetic(op: string, x: number | bigint, y: number | bigint): PyNumber | undefined {
  const small = typeof x === 'number' && typeof y === 'number';
  switch (op) {
    case '+':
    case '-':
    case '*': {
      if (small) {
        const r = op === '+' ? x + y : op === '-' ? x - y : x * y;
        if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
      }
      const bx = big(x);
      const by = big(y);
      if (op === '*') charge((bitLength(bx) + bitLength(by)) / 8, 'an int');
      return normalize(op === '+' ? bx + by : op === '-' ? bx - by : bx * by);
    }
    case '/': {
      if (y == 0) throw zeroDivisionError('division by zero');
      if (small) return x / y;
      const r = toFloat(x) / toFloat(y);
      if (!Number.isFinite(r)) throw overflowError('integer division result too large for a float');
      return r;
    }
    case '//':
    case '%': {
      if (y == 0) throw zeroDivisionError(op === '//' ? 'integer division or modulo by zero' : 'integer modulo by zero');
      if (small && Math.abs(x) < 2 ** 52) {
        const q = Math.floor(x / y);
        return op === '//' ? q : x - q * y || 0;
      }
      return normalize(op === '//' ? floorDivBig(big(x), big(y)) : modBig(big(x), big(y)));
    }
    case '**': {
      if (y < 0) {
        if (x == 0) throw zeroDivisionError('0.0 cannot be raised to a negative power');
        return toFloat(x) ** toFloat(y);
      }
      if (small) {
        const r = x ** y;
        if (Number.isSafeInteger(r)) return r;
      }
      const bx = big(x);
      const by = big(y);
      if (bx === 0n || bx === 1n) return Number(bx);
      if (bx === -1n) return by % 2n === 0n ? 1 : -1;
      charge((bitLength(bx) * Number(by)) / 8, 'an int');
      return normalize(bx ** by);
    }
    case '|':
      return normalize(big(x) | big(y));
    case '&':
      return normalize(big(x) & big(y));
  }
  return undefined;
}

function floatArithmetic(op: string, x: number, y: number): number | undefined {
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/':
      if (y === 0) throw zeroDivisionError('float division by zero');
      return x / y;
    case '//':
      if (y === 0) throw zeroDivisionError('float floor division by zero');
      return floatDivmod(x, y)[0];
    case '%':
      if (y === 0) throw zeroDivisionError('float modulo');
      return floatDivmod(x, y)[1];
    case '**': {
      if (x === 0 && y < 0) throw zeroDivisionError('0.0 cannot be raised to a negative power');
      const r = x ** y;
      if (Number.isNaN(r) && x < 0 && !Number.isNaN(y)) throw typeError('a negative number raised to a fractional power is a complex number, which the shell does not support');
      if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) throw overflowError('(34, \'Numerical result out of range\')');
      return r;
    }
  }
  return undefined;
}

export function negate(v: number | bigint | PyFloat): PyNumber {
  if (v instanceof PyFloat) return floatValue(-v.value);
  if (typeof v === 'bigint') return normalize(-v);
  // -0 is the int 0; only a float keeps its sign at zero
  return Number.isSafeInteger(v) ? -v || 0 : -v;
}

/** Exact order across ints and floats; NaN when either is NaN. */
export function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint') return -compareNumbers(b, a);
  const f = a as number;
  const i = b as bigint;
  if (Number.isNaN(f)) return NaN;
  if (!Number.isFinite(f)) return f > 0 ? 1 : -1;
  const fl = Math.floor(f);
  const bf = BigInt(fl);
  if (bf !== i) return bf < i ? -1 : 1;
  return f > fl ? 1 : 0;
}

/** The ints of range(start, stop, step) (step not 0), charged to the memory budget; one past 2^53 is a MemoryError. */
export function rangeItems(start: number | bigint, stop: number | bigint, step: number | bigint): number[] {
  const n = rangeLength(start, stop, step);
  return Array.from({ length: n }, (_, i) => (start as number) + i * (step as number));
}

/**
 * rangeItems made a piece at a time, `turns` letting the event loop turn
 * between pieces (raising the statement's interruption when it was
 * stopped): a list of 10**8 ints takes seconds to fill.
 */
export async function rangeItemsTurning(start: number | bigint, stop: number | bigint, step: number | bigint, turns: LoopTurns): Promise<number[]> {
  const n = rangeLength(start, stop, step);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push((start as number) + i * (step as number));
    if ((i & 0xffff) === 0xffff && turns.due()) await turns.turn();
  }
  return out;
}

/** How many ints range(start, stop, step) holds, charged to the memory budget (any at all is a MemoryError where one is past 2^53). */
function rangeLength(start: number | bigint, stop: number | bigint, step: number | bigint): number {
  const span = arithmetic('//', arithmetic('-', arithmetic('+', stop, step)!, arithmetic('+', start, step > 0 ? 1 : -1)!)!, step) as number | bigint;
  if (typeof span === 'bigint' || typeof start === 'bigint' || typeof step === 'bigint' || typeof stop === 'bigint') {
    if (span > 0) throw memoryError('range()');
    return 0;
  }
  const n = Math.max(0, span);
  chargeItems(n, 'range()');
  return n;
}
