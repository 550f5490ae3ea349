/**
 * The standard modules the shell knows besides datetime: `collections`
 * (Counter, defaultdict, OrderedDict, over the same values a decoded result
 * holds) and `math` (the functions and constants people reach for).
 */
import { overflowError, typeError, valueError } from '../errors.js';
import { PyFloat, PyMapping } from '../records/index.js';
import { chargeItems } from './budget.js';
import { mapKey, mapSet } from './dicts.js';
import { floatValue, isInt, isNumeric, normalize, toFloat, unbox } from './numbers.js';
import { PyFunction, PyObject, type CallArgs } from './objects.js';
import { callBody, iterate, mappingEntries, typeName } from './types/index.js';

/** A mapping's pairs: a dict's or a decoded mapping's entries, or an iterable of pairs. */
function pairsOf(v: unknown, who: string): [unknown, unknown][] {
  const entries = mappingEntries(v);
  if (entries) return entries;
  return iterate(v, who).map((p) => {
    const pair = iterate(p, who);
    if (pair.length !== 2) throw valueError(`${who}: each item must be a (key, value) pair, not ${pair.length} values`);
    return [pair[0], pair[1]];
  });
}

/** Pairs with equal keys merged as `merge(old, new)` (the last value wins by default), in first-seen order. */
function merged(pairs: Iterable<[unknown, unknown]>, merge: (old: unknown, v: unknown) => unknown = (_o, v) => v): [unknown, unknown][] {
  const index = new Map<unknown, number>();
  const out: [unknown, unknown][] = [];
  for (const [k, v] of pairs) {
    const found = mapKey(index, k);
    if (found !== undefined) {
      const i = index.get(found)!;
      out[i]![1] = merge(out[i]![1], v);
    } else {
      mapSet(index, k, out.length);
      out.push([k, v]);
    }
  }
  return out;
}

function only(c: CallArgs, name: string, max: number): unknown[] {
  if (c.args.length > max) throw typeError(`${name}() takes at most ${max} argument${max === 1 ? '' : 's'} (${c.args.length} given)`);
  return c.args;
}

function counter(c: CallArgs): PyMapping {
  const [source] = only(c, 'Counter', 1);
  const out = new PyMapping('Counter');
  if (source === undefined || source === null) {
    for (const kv of c.kwargs) out.entries.push(kv);
    return out;
  }
  const pairs = mappingEntries(source) ?? iterate(source, 'Counter').map((x): [unknown, unknown] => [x, 1]);
  chargeItems(pairs.length, 'the Counter');
  for (const kv of merged(pairs, (a, b) => (a as number) + (b as number))) out.entries.push(kv);
  return out;
}

function orderedDict(c: CallArgs): PyMapping {
  const [source] = only(c, 'OrderedDict', 1);
  const pairs = source === undefined ? [] : pairsOf(source, 'OrderedDict');
  return new PyMapping('OrderedDict', merged([...pairs, ...c.kwargs]));
}

function defaultdict(c: CallArgs): PyMapping {
  const [factory, source] = only(c, 'defaultdict', 2);
  if (factory !== undefined && factory !== null && !callBody(factory)) {
    throw typeError('first argument must be callable or None');
  }
  const pairs = source === undefined ? [] : pairsOf(source, 'defaultdict');
  return new PyMapping('defaultdict', merged([...pairs, ...c.kwargs]), factory ?? null);
}

export const COLLECTIONS_MODULE = new PyObject(
  'module',
  {
    Counter: new PyFunction('Counter', counter, 'Counter(iterable): how many times each item occurs; .most_common(n)', 'class'),
    OrderedDict: new PyFunction('OrderedDict', orderedDict, 'OrderedDict(pairs): a dict that keeps its order', 'class'),
    defaultdict: new PyFunction('defaultdict', defaultdict, 'defaultdict(factory): a dict whose missing keys start as factory()', 'class'),
  },
  "<module 'collections'>",
);

function real(v: unknown): number {
  const x = unbox(v as never);
  if (!isNumeric(x)) throw typeError(`must be real number, not ${typeName(v)}`);
  return toFloat(x as number | bigint | boolean | PyFloat);
}

function domain(ok: boolean): void {
  if (!ok) throw valueError('math domain error');
}

const float1 = (name: string, f: (x: number) => number, valid: (x: number) => boolean = () => true, doc = '') =>
  new PyFunction(name, (c) => {
    const [x] = only(c, name, 1);
    const n = real(x);
    domain(valid(n));
    return floatValue(f(n));
  }, doc || `math.${name}(x)`);

const toInt = (name: string, f: (x: number) => number) =>
  new PyFunction(name, (c) => {
    const [x] = only(c, name, 1);
    const v = unbox(x as never);
    if (isInt(v)) return v;
    const n = real(x);
    if (!Number.isFinite(n)) throw (Number.isNaN(n) ? valueError('cannot convert float NaN to integer') : overflowError('cannot convert float infinity to integer'));
    const r = f(n);
    return Number.isSafeInteger(r) ? r : normalize(BigInt(r));
  }, `math.${name}(x): an int`);

export const MATH_MODULE = new PyObject(
  'module',
  {
    pi: Math.PI,
    e: Math.E,
    tau: 2 * Math.PI,
    inf: Infinity,
    nan: NaN,
    sqrt: float1('sqrt', Math.sqrt, (x) => x >= 0),
    exp: float1('exp', Math.exp),
    log: new PyFunction('log', (c) => {
      const [x, base] = only(c, 'log', 2);
      const n = real(x);
      domain(n > 0);
      if (base === undefined) return floatValue(Math.log(n));
      const b = real(base);
      domain(b > 0 && b !== 1);
      return floatValue(Math.log(n) / Math.log(b));
    }, 'math.log(x[, base])'),
    log2: float1('log2', Math.log2, (x) => x > 0),
    log10: float1('log10', Math.log10, (x) => x > 0),
    fabs: float1('fabs', Math.abs),
    floor: toInt('floor', Math.floor),
    ceil: toInt('ceil', Math.ceil),
    trunc: toInt('trunc', Math.trunc),
    pow: new PyFunction('pow', (c) => {
      const [x, y] = only(c, 'pow', 2);
      return floatValue(Math.pow(real(x), real(y)));
    }, 'math.pow(x, y): a float'),
    isnan: new PyFunction('isnan', (c) => Number.isNaN(real(only(c, 'isnan', 1)[0])), 'math.isnan(x)'),
    isinf: new PyFunction('isinf', (c) => {
      const n = real(only(c, 'isinf', 1)[0]);
      return n === Infinity || n === -Infinity;
    }, 'math.isinf(x)'),
    isfinite: new PyFunction('isfinite', (c) => Number.isFinite(real(only(c, 'isfinite', 1)[0])), 'math.isfinite(x)'),
  },
  "<module 'math'>",
);
