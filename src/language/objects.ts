import { RecordList, PyValue, Text, TimeDelta, Timestamp, isDict, isTuple } from '../records/index.js';
import { typeError } from '../errors.js';
import { chargeItems } from './budget.js';
import { datetimeInstant, decodedItems } from './decoded.js';
import { compareNumbers, isNumeric, unbox } from './numbers.js';

/** Arguments of a call as the shell passes them: positional, then keyword. */
export interface CallArgs {
  readonly args: unknown[];
  readonly kwargs: Map<string, unknown>;
  readonly signal?: AbortSignal;
}

export type CallBody = (call: CallArgs) => unknown | Promise<unknown>;

/** A callable of the shell: a builtin, a helper, an rc method, a lambda. */
export class PyFunction {
  constructor(
    readonly name: string,
    readonly body: CallBody,
    /** One line for %help and completion. */
    readonly doc = '',
    /** How it prints: `<built-in function len>`, `<bound method Client.db_query>`. */
    readonly kindName = 'built-in function',
  ) {}
  pyRepr(): string {
    return `<${this.kindName} ${this.name}>`;
  }
}

/**
 * An object with named attributes (rc, rc.session, the datetime class):
 * attributes are values or getters evaluated on access.
 */
export class PyObject {
  constructor(
    readonly typeName: string,
    private readonly attrs: Record<string, unknown | (() => unknown | Promise<unknown>)>,
    private readonly reprText: string,
    /** Names that are computed on access (getters). */
    private readonly getters: ReadonlySet<string> = new Set(),
    /** When the object itself can be called (the datetime class). */
    readonly call?: CallBody,
  ) {}

  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.attrs, name);
  }

  async get(name: string): Promise<unknown> {
    const v = this.attrs[name];
    return this.getters.has(name) ? await (v as () => unknown)() : v;
  }

  /** An attribute that is a plain value (not a getter), without waiting. */
  peek(name: string): unknown {
    return this.getters.has(name) ? undefined : this.attrs[name];
  }

  names(): string[] {
    return Object.keys(this.attrs);
  }

  pyRepr(): string {
    return this.reprText;
  }
}


/** Python's type name of a value, for error messages. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Timestamp) return 'datetime.datetime';
  if (v instanceof TimeDelta) return 'datetime.timedelta';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof RecordList) return 'list';
  if (v instanceof Text) return 'str';
  if (v instanceof PyFunction) return 'function';
  if (v instanceof PyObject) return v.typeName;
  if (Array.isArray(v)) return isTuple(v) ? 'tuple' : 'list';
  if (v instanceof Set) return 'set';
  if (v instanceof PyValue) return v.pyClass;
  if (isDict(v)) return 'dict';
  return 'object';
}

export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === 0n || v === '') return false;
  if (isNumeric(v)) return unbox(v) != 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof RecordList) return v.length > 0;
  if (v instanceof TimeDelta) return v.us !== 0;
  if (v instanceof Set) return v.size > 0;
  if (v instanceof Uint8Array) return v.length > 0;
  // a decoded container (set, deque, OrderedDict, …) is true when it holds items
  const items = v instanceof PyValue ? v.pyItems() : undefined;
  if (items) return items.length > 0;
  if (isDict(v) && Object.getPrototypeOf(v) === Object.prototype) return Object.keys(v).length > 0;
  return true;
}

/** The items of something iterable: lists, tuples, record lists, dict keys, string characters. */
export function iterate(v: unknown, what = 'value'): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RecordList) return v.records;
  if (typeof v === 'string') return stringItems(v);
  if (v instanceof Set) return [...v];
  if (v instanceof Map) return [...v.keys()];
  if (isDict(v) && Object.getPrototypeOf(v) === Object.prototype) return Object.keys(v);
  const decoded = decodedItems(v);
  if (decoded) return decoded;
  throw typeError(`'${typeName(v)}' object is not iterable (${what})`);
}

/** The characters of a string (code points, as Python counts them), charged to the memory budget. */
export function stringItems(s: string): string[] {
  chargeItems(s.length, 'the characters of a string');
  return [...s];
}

/** len() of a string: code points, counted without building them. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n--;
        i++;
      }
    }
  }
  return n;
}

export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (isNumeric(a) && isNumeric(b)) {
    return compareNumbers(typeof a === 'boolean' ? Number(a) : unbox(a), typeof b === 'boolean' ? Number(b) : unbox(b)) === 0;
  }
  if (a instanceof Timestamp) return b instanceof Timestamp && a.us === b.us;
  if (a instanceof TimeDelta) return b instanceof TimeDelta && a.us === b.us;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (a instanceof RecordList) return pyEquals(a.records, b instanceof RecordList ? b.records : b);
  if (b instanceof RecordList) return pyEquals(a, b.records);
  if (Array.isArray(a)) {
    return Array.isArray(b) && isTuple(a) === isTuple(b) && a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  }
  if (a instanceof Map || b instanceof Map) {
    const entries = (d: unknown): [unknown, unknown][] | null =>
      d instanceof Map ? [...d] : isDict(d) && Object.getPrototypeOf(d) === Object.prototype ? Object.entries(d) : null;
    const ea = entries(a);
    const eb = entries(b);
    return ea !== null && eb !== null && ea.length === eb.length && ea.every(([k, v]) => eb.some(([k2, v2]) => pyEquals(k, k2) && pyEquals(v, v2)));
  }
  if (isDict(a) && isDict(b) && !(a instanceof PyObject) && !(b instanceof PyObject)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEquals(a[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** Orders two values as Python does, or raises the TypeError Python raises. */
export function pyCompare(a: unknown, b: unknown, op: string): number {
  const num = (x: unknown) => (typeof x === 'boolean' ? Number(x) : datetimeInstant(x) ?? unbox(x));
  const x = num(a);
  const y = num(b);
  if ((typeof x === 'number' || typeof x === 'bigint') && (typeof y === 'number' || typeof y === 'bigint')) {
    const c = compareNumbers(x, y);
    return Number.isNaN(c) ? NaN : c;
  }
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if (x instanceof Timestamp && y instanceof Timestamp) return Math.sign(x.us - y.us);
  if (x instanceof TimeDelta && y instanceof TimeDelta) return Math.sign(x.us - y.us);
  if (Array.isArray(x) && Array.isArray(y)) {
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (!pyEquals(x[i], y[i])) return pyCompare(x[i], y[i], op);
    }
    return Math.sign(x.length - y.length);
  }
  throw typeError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}
