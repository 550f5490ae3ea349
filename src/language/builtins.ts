import { PyFloat, Text, TimeDelta, tuple } from '../records/index.js';
import { LoopTurns, clip, typeError } from '../errors.js';
import { repr, str, type DisplayOptions } from '../format/index.js';
import { asciiRepr, formatValue } from './format-spec.js';
import { dictOf } from './dicts.js';
import { chargeItems } from './budget.js';
import { arithmetic, floatValue, isFloat, isInt, isNumeric, normalize, plainScalar, rangeItemsTurning, toFloat, truncToInt } from './numbers.js';
import { bindArgs } from './time.js';
import { pyCompare } from './compare.js';
import { PyFunction, type CallArgs } from './objects.js';
import { attributeNames, floatOf, intOf, iterate, mappingEntries, pyLen, truthy, typeName } from './types/index.js';

/** Bytes a small tuple takes beyond its slot: the array and its mark as a tuple. */
const TUPLE_BYTES = 100;

type Invoke = (fn: unknown, args: unknown[]) => Promise<unknown>;

function only(fn: string, c: CallArgs, min: number, max: number): unknown[] {
  if (c.args.length < min || c.args.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw typeError(`${fn}() takes ${want} argument${max === 1 ? '' : 's'} (${c.args.length} given)`);
  }
  return c.args;
}

/** The Python builtins the task-database documentation and everyday queries use. */
export function makeBuiltins(invoke: Invoke, print: (text: string) => void, display: () => DisplayOptions): Map<string, unknown> {
  const b = new Map<string, unknown>();
  const def = (name: string, doc: string, body: (c: CallArgs) => unknown) => b.set(name, new PyFunction(name, body, doc));
  /** key(item) for each item, one call after another (as Python calls them, and so that call depth means depth). */
  const keysOf = async (items: readonly unknown[], key: unknown): Promise<unknown[]> => {
    const out: unknown[] = [];
    for (const x of items) out.push(await invoke(key, [x]));
    return out;
  };

  def('print', 'print(*values, sep=" ", end="\\n"): writes the values as text', (c) => {
    const sep = c.kwargs.has('sep') ? String(c.kwargs.get('sep')) : ' ';
    const end = c.kwargs.has('end') ? String(c.kwargs.get('end')) : '\n';
    print(c.args.map((v) => str(v, display())).join(sep) + end);
    return null;
  });
  def('len', 'len(x): how many items (records, keys, characters)', (c) => {
    const [x] = only('len', c, 1, 1);
    return pyLen(x);
  });
  def('map', 'map(function, items): the function applied to each item, as a list', async (c) => {
    if (c.args.length < 2) throw typeError('map() takes a function and at least one list of items');
    const [fn, ...lists] = c.args;
    const cols = lists.map((l) => iterate(l, 'map'));
    const n = cols.reduce((m, l) => Math.min(m, l.length), Infinity);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(await invoke(fn, cols.map((l) => l[i])));
    return out;
  });
  def('filter', 'filter(function, items): the items for which the function is true', async (c) => {
    const [fn, items] = only('filter', c, 2, 2);
    const out: unknown[] = [];
    for (const x of iterate(items, 'filter')) if (truthy(fn === null ? x : await invoke(fn, [x]))) out.push(x);
    return out;
  });
  def('list', 'list(items): a list', (c) => {
    const [x] = only('list', c, 0, 1);
    if (x === undefined) return [];
    const items = iterate(x, 'list');
    chargeItems(items.length);
    return [...items];
  });
  def('tuple', 'tuple(items): a tuple', (c) => {
    const [x] = only('tuple', c, 0, 1);
    if (x === undefined) return tuple([]);
    const items = iterate(x, 'tuple');
    chargeItems(items.length, 'a tuple');
    return tuple([...items]);
  });
  def('set', 'set(items): the distinct items, as a list', (c) => {
    const [x] = only('set', c, 0, 1);
    const items = x === undefined ? [] : iterate(x, 'set');
    const seen = new Set<string>();
    return items.filter((v) => {
      const k = repr(v);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  });
  def('sorted', 'sorted(items, key=None, reverse=False): a sorted list', async (c) => {
    const a = bindArgs('sorted', ['iterable', 'key', 'reverse'], c, 1);
    if (c.args.length > 1) throw typeError('sorted() takes key= and reverse= as keyword arguments');
    const items = [...iterate(a.get('iterable'), 'sorted')];
    const key = a.get('key') ?? null;
    const keys = key === null ? items : await keysOf(items, key);
    const order = await mergeSort(items.map((_, i) => i), (i, j) => {
      const ki = keys[i];
      const kj = keys[j];
      // None sorts first, as the answers of db_query do, rather than raising as Python would.
      if (ki === null || kj === null) return ki === kj ? 0 : ki === null ? -1 : 1;
      return pyCompare(ki, kj, '<');
    }, c.signal);
    if (truthy(a.get('reverse'))) order.reverse();
    return order.map((i) => items[i]);
  });
  def('reversed', 'reversed(items): the items in reverse order', (c) => [...iterate(only('reversed', c, 1, 1)[0], 'reversed')].reverse());
  def('enumerate', 'enumerate(items, start=0): (index, item) pairs', (c) => {
    const a = bindArgs('enumerate', ['iterable', 'start'], c, 1);
    const start = Number(a.get('start') ?? 0);
    const items = iterate(a.get('iterable'), 'enumerate');
    chargeItems(items.length, 'enumerate()', TUPLE_BYTES);
    return items.map((x, i) => tuple([i + start, x]));
  });
  def('zip', 'zip(a, b, ...): tuples of the items side by side', (c) => {
    const cols = c.args.map((l) => iterate(l, 'zip'));
    const n = cols.length ? cols.reduce((m, l) => Math.min(m, l.length), Infinity) : 0;
    chargeItems(n, 'zip()', TUPLE_BYTES + 8 * cols.length);
    return Array.from({ length: n }, (_, i) => tuple(cols.map((l) => l[i])));
  });
  def('range', 'range(stop) or range(start, stop, step): a list of integers', async (c) => {
    const args = only('range', c, 1, 3).map((x) => {
      if (typeof x === 'boolean') return Number(x);
      if (!isInt(x)) throw typeError(`'${typeName(x)}' object cannot be interpreted as an integer`);
      return x;
    });
    const [start, stop, step] = args.length === 1 ? [0, args[0]!, 1] : [args[0]!, args[1]!, args[2] ?? 1];
    if (step == 0) throw typeError('range() arg 3 must not be zero');
    return rangeItemsTurning(start, stop, step, new LoopTurns(c.signal, TURN_MS));
  });
  def('str', 'str(x): the text of a value', (c) => {
    const [x] = only('str', c, 0, 1);
    return x === undefined ? '' : x instanceof Text ? x.text : str(x, display());
  });
  def('repr', 'repr(x): the Python representation of a value', (c) => repr(only('repr', c, 1, 1)[0], display()));
  def('ascii', 'ascii(x): repr(x) with every non-ASCII character escaped', (c) => asciiRepr(repr(only('ascii', c, 1, 1)[0], display())));
  def('format', "format(x, spec=''): x formatted as an f-string field {x:spec} would be", (c) => {
    const [x, spec] = only('format', c, 1, 2);
    if (spec !== undefined && typeof spec !== 'string') throw typeError(`format() argument 2 must be str, not ${typeName(spec)}`);
    return formatValue(x, spec ?? '');
  });
  def('int', 'int(x): an integer', (c) => {
    const x = plainScalar(only('int', c, 0, 2)[0]);
    if (x === undefined) return 0;
    if (typeof x === 'boolean') return Number(x);
    if (typeof x === 'bigint') return x;
    if (typeof x === 'number' || x instanceof PyFloat) return truncToInt(x instanceof PyFloat ? x.value : x);
    if (typeof x === 'string') return parseInt10(x, c.args[1] === undefined ? 10 : Number(c.args[1]));
    const n = intOf(x);
    if (n !== undefined) return n;
    throw typeError(`int() takes a number or a string, not ${typeName(x)}`);
  });
  def('float', 'float(x): a number', (c) => {
    const x = plainScalar(only('float', c, 0, 1)[0]);
    if (x === undefined) return floatValue(0);
    if (typeof x === 'number' || typeof x === 'bigint' || typeof x === 'boolean' || x instanceof PyFloat) return floatValue(toFloat(x));
    if (typeof x === 'string') {
      const t = x.trim().toLowerCase();
      if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
      if (t === '-inf' || t === '-infinity') return -Infinity;
      if (t === 'nan') return NaN;
      if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return floatValue(Number(t));
      throw typeError(`could not convert string to float: ${repr(x)}`);
    }
    // a Decimal or Fraction a task returned: its value as the nearest float, as Python's float() gives it
    const f = floatOf(x);
    if (f !== undefined) return floatValue(f);
    throw typeError(`float() takes a number or a string, not ${typeName(x)}`);
  });
  def('bool', 'bool(x): True or False', (c) => truthy(only('bool', c, 0, 1)[0] ?? false));
  def('dict', 'dict(pairs or key=value ...): a dict', (c) => {
    const [x] = only('dict', c, 0, 1);
    const entries = x === undefined ? [] : mappingEntries(x);
    const pairs: [unknown, unknown][] = entries ?? [];
    if (!entries) {
      for (const pair of iterate(x, 'dict')) {
        const kv = iterate(pair, 'dict');
        if (kv.length !== 2) throw typeError('dict() takes pairs (key, value)');
        pairs.push([kv[0], kv[1]]);
      }
    }
    for (const kv of c.kwargs) pairs.push(kv);
    return dictOf(pairs);
  });
  const numbers = (fn: string, c: CallArgs): unknown[] => (c.args.length === 1 ? iterate(c.args[0], fn) : c.args);
  const extreme = (fn: 'min' | 'max') => async (c: CallArgs) => {
    const items = numbers(fn, c);
    if (!items.length) throw typeError(`${fn}() of an empty list`);
    const key = c.kwargs.get('key') ?? null;
    const keys = key === null ? items : await keysOf(items, key);
    let best = 0;
    for (let i = 1; i < items.length; i++) {
      const cmp = pyCompare(keys[i], keys[best], fn === 'min' ? '<' : '>');
      if (fn === 'min' ? cmp < 0 : cmp > 0) best = i;
    }
    return items[best];
  };
  def('min', 'min(items, key=None): the smallest item', extreme('min'));
  def('max', 'max(items, key=None): the largest item', extreme('max'));
  def('sum', 'sum(items, start=0): the total (numbers or timedeltas)', (c) => {
    const items = iterate(only('sum', c, 1, 2)[0], 'sum');
    let total: unknown = c.args[1] ?? (items[0] instanceof TimeDelta ? new TimeDelta(0) : 0);
    for (const x of items) {
      if (total instanceof TimeDelta && x instanceof TimeDelta) total = new TimeDelta(total.us + x.us);
      else if (isNumeric(total) && isNumeric(x)) total = arithmetic('+', total, x);
      else throw typeError(`sum() adds numbers or timedeltas, not ${typeName(x)}`);
    }
    return total;
  });
  def('abs', 'abs(x): the absolute value', (c) => {
    const x = plainScalar(only('abs', c, 1, 1)[0]);
    if (typeof x === 'number') return Math.abs(x);
    if (x instanceof PyFloat) return floatValue(Math.abs(x.value));
    if (typeof x === 'bigint') return x < 0n ? -x : x;
    if (x instanceof TimeDelta) return new TimeDelta(Math.abs(x.us));
    throw typeError(`bad operand type for abs(): '${typeName(x)}'`);
  });
  def('round', 'round(x, ndigits=0): x rounded, halves to even as Python does', (c) => {
    const [raw, d] = only('round', c, 1, 2);
    const x = plainScalar(raw);
    const whole = d === undefined || d === null;
    if (typeof x === 'bigint' && whole) return x;
    if (typeof x !== 'number' && !(x instanceof PyFloat)) throw typeError(`round() takes a number, not ${typeName(x)}`);
    const r = pyRound(x instanceof PyFloat ? x.value : x, whole ? 0 : Number(d));
    // round(x) is an int; round(x, n) keeps x's kind
    return whole || !isFloat(x) ? r : floatValue(r);
  });
  def('any', 'any(items): whether any item is true', (c) => iterate(only('any', c, 1, 1)[0], 'any').some(truthy));
  def('all', 'all(items): whether every item is true', (c) => iterate(only('all', c, 1, 1)[0], 'all').every(truthy));
  def('dir', "dir(x): the names of x's attributes and methods, sorted", (c) => [...new Set(attributeNames(only('dir', c, 1, 1)[0]))].sort());
  def('type', 'type(x): the name of the kind of a value', (c) => new Text(`<class '${typeName(only('type', c, 1, 1)[0])}'>`));
  return b;
}

/** Comparisons a sort makes between looks at the clock and the signal. */
const COMPARISONS_PER_LOOK = 50_000;
/** The longest a sort compares before the event loop turns. */
const TURN_MS = 10;

/**
 * A stable merge sort that lets the event loop turn every few milliseconds,
 * so that Ctrl-C stops a sort of millions of items (Array.prototype.sort
 * runs to its end once started).
 */
async function mergeSort(items: number[], cmp: (a: number, b: number) => number, signal?: AbortSignal): Promise<number[]> {
  let src = items;
  let dst = new Array<number>(items.length);
  let made = 0;
  const turns = new LoopTurns(signal, TURN_MS);
  for (let width = 1; width < src.length; width *= 2) {
    for (let lo = 0; lo < src.length; lo += 2 * width) {
      const mid = Math.min(lo + width, src.length);
      const hi = Math.min(lo + 2 * width, src.length);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        dst[k++] = cmp(src[j]!, src[i]!) < 0 ? src[j++]! : src[i++]!;
        if (++made % COMPARISONS_PER_LOOK === 0 && turns.due()) await turns.turn();
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/** int(text, base) as Python reads it: underscores between digits, any size (big ones as bigint). */
function parseInt10(x: string, base: number): number | bigint {
  const bad = () => typeError(`invalid literal for int() with base ${base}: ${clip(repr(x))}`);
  if (!Number.isInteger(base) || base < 2 || base > 36) throw typeError('int() base must be >= 2 and <= 36');
  let text = x.trim();
  let sign = 1n;
  if (text[0] === '+' || text[0] === '-') {
    if (text[0] === '-') sign = -1n;
    text = text.slice(1);
  }
  const prefix = { 16: /^0x/i, 8: /^0o/i, 2: /^0b/i }[base as 16 | 8 | 2];
  if (prefix) text = text.replace(prefix, '');
  if (!/^[0-9a-z]+(_[0-9a-z]+)*$/i.test(text)) throw bad();
  text = text.replace(/_/g, '').toLowerCase();
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  for (const ch of text) if (!digits.includes(ch)) throw bad();
  if (base === 10) return normalize(sign * BigInt(text));
  let value = 0n;
  const b = BigInt(base);
  for (const ch of text) value = value * b + BigInt(digits.indexOf(ch));
  return normalize(sign * value);
}

/** Python's round: on the exact decimal value of the double, exact halves to even. */
export function pyRound(x: number, digits: number): number {
  if (!Number.isFinite(x) || !Number.isInteger(digits)) return x;
  if (digits < 0) {
    const f = 10 ** -digits;
    return pyRound(x / f, 0) * f;
  }
  if (digits > 20) return x;
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 60));
  const cut = exact.indexOf('.') + (digits > 0 ? digits + 1 : 0);
  const kept = exact.slice(0, digits > 0 ? cut : exact.indexOf('.'));
  const rest = exact.slice(digits > 0 ? cut : exact.indexOf('.') + 1);
  let up = rest[0] !== undefined && rest[0] > '5';
  if (rest[0] === '5') {
    if (/[1-9]/.test(rest.slice(1))) up = true;
    else up = Number(kept[kept.length - 1]) % 2 === 1;
  }
  const unit = 10 ** -digits;
  const magnitude = Number(kept) + (up ? unit : 0);
  return Math.sign(x) * Number(magnitude.toFixed(digits));
}
