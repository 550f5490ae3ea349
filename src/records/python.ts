/**
 * Python values decoded from a task's pickles, as inert data: nothing here
 * imports or runs anything. Each knows its Python repr (`pyRepr`, given the
 * repr of its items) and its class name (`pyClass`, for JSON output).
 * Plain values stay plain: None → null, bool, int → number (bigint beyond
 * 2^53), str, bytes → Uint8Array, list → array, tuple → tuple-marked array,
 * dict with str keys → object, any other dict → Map.
 */
import { TimeDelta } from './timestamp.js';

type Inner = (v: unknown) => string;

const fallback: Inner = (v) => (typeof v === 'object' && v !== null && 'pyRepr' in v ? (v as PyValue).pyRepr(fallback) : String(v));

/**
 * What every decoded value answers, so that printing, JSON, queries and
 * the language ask the value rather than test its class: a new Python type
 * is one subclass (and its pickle class), not a case in each of them.
 */
export abstract class PyValue {
  abstract readonly pyClass: string;
  abstract pyRepr(inner?: Inner): string;
  toString(): string {
    return this.pyRepr(fallback);
  }
  /** Its JSON form where JSON has one, items left for the caller to encode; undefined: `{"$repr", "$class"}`. */
  jsonForm(): unknown {
    return undefined;
  }
  /** How the query engine compares it, `item` turning each item; undefined: by its repr. */
  queryForm(_item: (x: unknown) => unknown): unknown {
    return undefined;
  }
  /** The items it iterates over (a mapping: its keys); undefined when it is no container of its own items. */
  pyItems(): unknown[] | undefined {
    return undefined;
  }
  /** len() of it; undefined when it has none of its own. */
  pyLen(): number | undefined {
    return undefined;
  }
}

const exponential = (x: number): string => x.toExponential();

/** Python's repr of a float: the shortest text that reads back, exponent outside 1e-4 ≤ |x| < 1e16. */
export function floatRepr(x: number, shortest?: (x: number) => string): string {
  if (shortest === undefined) {
    // here both write the shortest digits that read back, without an exponent: JavaScript's text is Python's but for the point
    const a = Math.abs(x);
    if (a >= 1e-4 && a < 1e16) {
      const s = String(x);
      return s.includes('.') ? s : s + '.0';
    }
    shortest = exponential;
  }
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = shortest(x).split('e') as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** A Python float (kept apart from ints so that `1.0` prints as Python prints it). */
export class PyFloat extends PyValue {
  readonly pyClass = 'float';
  constructor(readonly value: number) {
    super();
  }
  pyRepr(): string {
    return floatRepr(this.value);
  }
  override jsonForm(): unknown {
    return Number.isFinite(this.value) ? this.value : undefined;
  }
  override queryForm(): unknown {
    return this.value;
  }
  override valueOf(): number {
    return this.value;
  }
}

function complexPart(x: number): string {
  const r = floatRepr(x);
  return r.endsWith('.0') ? r.slice(0, -2) : r;
}

export class PyComplex extends PyValue {
  readonly pyClass = 'complex';
  constructor(
    readonly real: number,
    readonly imag: number,
  ) {
    super();
  }
  pyRepr(): string {
    const im = complexPart(this.imag);
    if (this.real === 0 && !Object.is(this.real, -0)) return `${im}j`;
    const sign = this.imag < 0 || Object.is(this.imag, -0) || (Number.isNaN(this.imag) && im.startsWith('-')) ? '' : '+';
    return `(${complexPart(this.real)}${sign}${im}j)`;
  }
}

export class PyBytearray extends PyValue {
  readonly pyClass = 'bytearray';
  constructor(readonly bytes: Uint8Array) {
    super();
  }
  pyRepr(inner: Inner = fallback): string {
    return `bytearray(${inner(this.bytes)})`;
  }
  override jsonForm(): unknown {
    return this.bytes;
  }
  override queryForm(): unknown {
    return this.bytes;
  }
}

/** A value that is a list of items to JSON, queries, iteration and len(): a set, a deque. */
abstract class PyItemsValue extends PyValue {
  abstract readonly items: unknown[];
  override jsonForm(): unknown {
    return this.items;
  }
  override queryForm(item: (x: unknown) => unknown): unknown {
    return this.items.map(item);
  }
  override pyItems(): unknown[] {
    return this.items;
  }
  override pyLen(): number {
    return this.items.length;
  }
}

export class PySet extends PyItemsValue {
  readonly pyClass: string;
  constructor(
    readonly items: unknown[],
    readonly frozen = false,
  ) {
    super();
    this.pyClass = frozen ? 'frozenset' : 'set';
  }
  pyRepr(inner: Inner = fallback): string {
    if (this.items.length === 0) return `${this.pyClass}()`;
    const body = `{${this.items.map(inner).join(', ')}}`;
    return this.frozen ? `frozenset(${body})` : body;
  }
}

export class PyTimezone extends PyValue {
  readonly pyClass = 'datetime.timezone';
  constructor(
    readonly offset: TimeDelta,
    readonly name: string | null = null,
  ) {
    super();
  }
  pyRepr(inner: Inner = fallback): string {
    if (this.offset.us === 0 && this.name === null) return 'datetime.timezone.utc';
    return `datetime.timezone(${inner(this.offset)}${this.name === null ? '' : `, ${inner(this.name)}`})`;
  }
}

/** datetime.datetime / date / time as their fields (a naive datetime has no instant). */
export class PyDatetime extends PyValue {
  readonly pyClass: string;
  constructor(
    readonly kind: 'datetime' | 'date' | 'time',
    /** year, month, day, hour, minute, second, microsecond (date: the first three; time: the last four). */
    readonly fields: readonly number[],
    readonly tzinfo: unknown = null,
    readonly fold = 0,
  ) {
    super();
    this.pyClass = `datetime.${kind}`;
  }
  pyRepr(inner: Inner = fallback): string {
    const parts = [...this.fields];
    const keep = this.kind === 'date' ? 3 : this.kind === 'time' ? 2 : 5;
    while (parts.length > keep && parts[parts.length - 1] === 0) parts.pop();
    let text = parts.join(', ');
    if (this.fold) text += ', fold=1';
    if (this.tzinfo !== null) text += `, tzinfo=${inner(this.tzinfo)}`;
    return `datetime.${this.kind}(${text})`;
  }
}

export class PyDecimal extends PyValue {
  readonly pyClass = 'decimal.Decimal';
  constructor(readonly text: string) {
    super();
  }
  pyRepr(): string {
    return `Decimal('${this.text}')`;
  }
}

export class PyFraction extends PyValue {
  readonly pyClass = 'fractions.Fraction';
  constructor(
    readonly numerator: bigint,
    readonly denominator: bigint,
  ) {
    super();
  }
  pyRepr(): string {
    return `Fraction(${this.numerator}, ${this.denominator})`;
  }
}

export class PyRange extends PyValue {
  readonly pyClass = 'range';
  constructor(
    readonly start: unknown,
    readonly stop: unknown,
    readonly step: unknown,
  ) {
    super();
  }
  pyRepr(inner: Inner = fallback): string {
    const step = this.step === 1 ? '' : `, ${inner(this.step)}`;
    return `range(${inner(this.start)}, ${inner(this.stop)}${step})`;
  }
}

/** OrderedDict, defaultdict and Counter: a dict whose keys may be anything, in order. */
export class PyMapping extends PyValue {
  readonly pyClass: string;
  constructor(
    readonly kind: 'OrderedDict' | 'defaultdict' | 'Counter',
    readonly entries: [unknown, unknown][] = [],
    readonly factory: unknown = null,
  ) {
    super();
    this.pyClass = `collections.${kind}`;
  }
  pyRepr(inner: Inner = fallback): string {
    const dict = (es: [unknown, unknown][]) => `{${es.map(([k, v]) => `${inner(k)}: ${inner(v)}`).join(', ')}}`;
    switch (this.kind) {
      case 'OrderedDict':
        return this.entries.length === 0 ? 'OrderedDict()' : `OrderedDict([${this.entries.map(([k, v]) => `(${inner(k)}, ${inner(v)})`).join(', ')}])`;
      case 'defaultdict':
        return `defaultdict(${inner(this.factory)}, ${dict(this.entries)})`;
      case 'Counter': {
        if (this.entries.length === 0) return 'Counter()';
        // most_common(): by count, highest first, ties in insertion order
        const sorted = this.entries.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => {
          const x = Number(a[1]);
          const y = Number(b[1]);
          return x === y ? i - j : y - x;
        });
        return `Counter(${dict(sorted.map(([e]) => e))})`;
      }
    }
  }
  // its JSON form needs the JSON text of its keys, which format/ writes (pythonJSON)
  override queryForm(item: (x: unknown) => unknown): unknown {
    return Object.fromEntries(this.entries.map(([k, x]) => [typeof k === 'string' ? k : String(k), item(x)]));
  }
  override pyItems(): unknown[] {
    return this.entries.map(([k]) => k);
  }
  override pyLen(): number {
    return this.entries.length;
  }
}

export class PyDeque extends PyItemsValue {
  readonly pyClass = 'collections.deque';
  constructor(
    readonly items: unknown[] = [],
    readonly maxlen: unknown = null,
  ) {
    super();
  }
  pyRepr(inner: Inner = fallback): string {
    return `deque([${this.items.map(inner).join(', ')}]${this.maxlen === null ? '' : `, maxlen=${inner(this.maxlen)}`})`;
  }
}

/** A class or function named by a pickle (`module.name`), never imported. */
export class PyGlobal extends PyValue {
  readonly pyClass = 'type';
  readonly qualified: string;
  constructor(
    readonly module: string,
    readonly name: string,
  ) {
    super();
    this.qualified = `${module}.${name}`;
  }
  pyRepr(): string {
    return `<class '${this.module === 'builtins' || this.module === '__builtin__' ? this.name : this.qualified}'>`;
  }
}

/** A function as shipped by a client: its name and where its code was written. */
export class PyFunctionRef extends PyValue {
  readonly pyClass = 'function';
  constructor(
    readonly name: string,
    readonly filename: string | null,
    readonly line: number | null,
    /** A function pickled by reference (importable where it runs): its module, in place of a file. */
    readonly module: string | null = null,
  ) {
    super();
  }
  pyRepr(): string {
    if (this.module === 'builtins') return `<built-in function ${this.name}>`;
    if (this.module !== null) return `<function ${this.module}.${this.name}>`;
    return this.filename === null ? `<function ${this.name}>` : `<function ${this.name} at ${this.filename}:${this.line}>`;
  }
}

/**
 * Any other object: its class (or the callable that would have built it),
 * the arguments it was built with and the state it was given, never run.
 */
export class PyOpaque extends PyValue {
  state: unknown = undefined;
  /** Items appended (a list subclass) or set (a dict subclass) after building. */
  readonly items: unknown[] = [];
  readonly entries: [unknown, unknown][] = [];
  constructor(
    readonly cls: PyGlobal | PyOpaque | PyValue,
    public args: unknown[],
    /** Built by a call of a function (REDUCE) rather than by instantiating a class. */
    readonly called = false,
  ) {
    super();
  }
  get pyClass(): string {
    return this.cls instanceof PyGlobal ? this.cls.qualified : 'object';
  }
  pyRepr(inner: Inner = fallback): string {
    const name = this.cls instanceof PyGlobal ? this.cls.qualified : inner(this.cls);
    // made by a call (REDUCE): the call, then what BUILD gave it, if anything
    let text = this.called ? `<${name}(${this.args.map(inner).join(', ')})` : `<${name} object`;
    if (this.state !== undefined && this.state !== null) text += ` ${inner(this.state)}`;
    if (this.items.length) text += ` [${this.items.map(inner).join(', ')}]`;
    if (this.entries.length) text += ` {${this.entries.map(([k, v]) => `${inner(k)}: ${inner(v)}`).join(', ')}}`;
    return text + '>';
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A decoded int as a number when a double holds it exactly, else as a bigint. */
export function safeInteger(v: bigint): number | bigint {
  return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
}
