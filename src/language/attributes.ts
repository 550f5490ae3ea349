import { attributeError, didYouMean, keyError, typeError } from '../errors.js';
import { repr } from '../format/index.js';
import { strFormat } from './format-spec.js';
import { RecordList, TimeDelta, Timestamp, isDict, tuple } from '../records/index.js';
import { chargeItems, chargeString } from './budget.js';
import { floatValue } from './numbers.js';
import { decodedAttribute, decodedAttributeNames } from './decoded.js';
import { dictKey, mapKey } from './dicts.js';
import { bindArgs, strftime } from './time.js';
import { PyFunction, PyObject, iterate, pyEquals, typeName, type CallArgs } from './objects.js';


/** A built-in method of a value, as `owner.name`. */
export function method(owner: string, name: string, body: (c: CallArgs) => unknown, doc = ''): PyFunction {
  return new PyFunction(`${owner}.${name}`, body, doc, 'built-in method');
}

/**
 * The attributes of a kind of value the language does not make itself
 * (what a client answers, such as get_result's AsyncHubResult), consulted
 * before the language's own. `get` answers the attribute, `MISSING` when
 * the value is of this kind but has no such attribute (the error follows),
 * or undefined when the value is not of this kind or the language's own
 * attributes of it apply.
 */
export interface AttributeProvider {
  names(v: unknown): string[] | undefined;
  get(v: unknown, name: string): unknown;
}

/** A provider's answer: the value is its kind, but has no such attribute. */
export const MISSING: unique symbol = Symbol('missing attribute');

const PROVIDERS: AttributeProvider[] = [];

/** Adds the attributes of a kind of value (once per provider). */
export function provideAttributes(p: AttributeProvider): void {
  if (!PROVIDERS.includes(p)) PROVIDERS.push(p);
}

/** Attribute names a value offers, for completion and error suggestions. */
export function attributeNames(v: unknown): string[] {
  if (v instanceof PyObject) return v.names();
  if (v instanceof Timestamp) return ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'isoformat', 'timestamp', 'strftime', 'date'];
  if (v instanceof TimeDelta) return ['days', 'seconds', 'microseconds', 'total_seconds'];
  if (typeof v === 'string') return ['startswith', 'endswith', 'upper', 'lower', 'strip', 'split', 'splitlines', 'join', 'replace', 'count', 'find', 'format'];
  if (v instanceof Map) return ['get', 'keys', 'values', 'items', 'copy'];
  for (const p of PROVIDERS) {
    const names = p.names(v);
    if (names) return names;
  }
  if (Array.isArray(v) || v instanceof RecordList) return ['count', 'index', 'append', 'copy'];
  if (isDict(v)) return ['get', 'keys', 'values', 'items', 'copy'];
  return decodedAttributeNames(v);
}

/** `value.name`: attributes and methods of the shell's values. */
export async function getAttribute(v: unknown, name: string): Promise<unknown> {
  let provided: unknown;
  for (const p of PROVIDERS) {
    provided = p.get(v, name);
    if (provided !== undefined) break;
  }
  if (provided === MISSING) {
    // the value's kind has no such attribute: only what a decoded value offers
  } else if (provided !== undefined) {
    return provided;
  } else if (v instanceof PyObject) {
    if (v.has(name)) return v.get(name);
  } else if (v instanceof Timestamp) {
    const a = timestampAttribute(v, name);
    if (a !== undefined) return a;
  } else if (v instanceof TimeDelta) {
    const days = Math.floor(v.us / 86_400_000_000);
    const rest = v.us - days * 86_400_000_000;
    switch (name) {
      case 'days': return days;
      case 'seconds': return Math.floor(rest / 1e6);
      case 'microseconds': return rest % 1e6;
      case 'total_seconds': return method('timedelta', name, () => floatValue(v.us / 1e6));
    }
  } else if (typeof v === 'string') {
    const a = stringMethod(v, name);
    if (a) return a;
  } else if (v instanceof Map) {
    const a = mapMethod(v, name);
    if (a) return a;
  } else if (Array.isArray(v) || v instanceof RecordList) {
    const items = v instanceof RecordList ? v.records : v;
    switch (name) {
      case 'count': return method('list', name, (c) => items.filter((x) => pyEquals(x, one(c, 'count'))).length);
      case 'index': return method('list', name, (c) => {
        const x = one(c, 'index');
        const i = items.findIndex((y) => pyEquals(x, y));
        if (i < 0) throw keyError(`${repr(x)} is not in the list`);
        return i;
      });
      case 'append': return method('list', name, (c) => {
        items.push(one(c, 'append'));
        return null;
      });
      case 'copy': return method('list', name, () => [...items]);
    }
  } else if (isDict(v)) {
    const a = dictMethod(v as Record<string, unknown>, name);
    if (a) return a;
  }
  const decoded = decodedAttribute(v, name, (n, body) => method(typeName(v), n, (c) => body(c.args)), pyEquals);
  if (decoded !== undefined) return decoded;
  const names = attributeNames(v);
  throw attributeError(`'${typeName(v)}' object has no attribute '${name}'${didYouMean(name, names)}`);
}

function one(c: CallArgs, fn: string): unknown {
  if (c.args.length !== 1 || c.kwargs.size) throw typeError(`${fn}() takes exactly one argument`);
  return c.args[0];
}

function timestampAttribute(t: Timestamp, name: string): unknown {
  const d = t.toDate();
  switch (name) {
    case 'year': return d.getFullYear();
    case 'month': return d.getMonth() + 1;
    case 'day': return d.getDate();
    case 'hour': return d.getHours();
    case 'minute': return d.getMinutes();
    case 'second': return d.getSeconds();
    case 'microsecond': return ((t.us % 1e6) + 1e6) % 1e6;
    case 'timestamp': return method('datetime', name, () => t.us / 1e6);
    case 'isoformat': return method('datetime', name, (c) => {
      const sep = bindArgs('isoformat', ['sep', 'timespec'], c).get('sep') ?? 'T';
      return t.toLocalString(6).replace(' ', String(sep)).replace(/\.000000$/, '');
    });
    case 'strftime': return method('datetime', name, (c) => strftime(t, String(bindArgs('strftime', ['format'], c, 1).get('format'))));
    case 'date': return method('datetime', name, () => {
      const x = new Date(d.getFullYear(), d.getMonth(), d.getDate());
      return Timestamp.fromMillis(x.getTime());
    });
    default: return undefined;
  }
}

function stringMethod(s: string, name: string): PyFunction | undefined {
  const arg = (c: CallArgs, i: number, dflt?: unknown) => (c.args.length > i ? c.args[i] : dflt);
  const text = (v: unknown, fn: string) => {
    if (typeof v !== 'string') throw typeError(`str.${fn}() takes a string, not ${typeName(v)}`);
    return v;
  };
  switch (name) {
    case 'startswith':
    case 'endswith':
      return method('str', name, (c) => {
        const p = arg(c, 0);
        const options = Array.isArray(p) ? p : [p];
        return options.some((o) => (name === 'startswith' ? s.startsWith(text(o, name)) : s.endsWith(text(o, name))));
      });
    case 'upper': return method('str', name, () => s.toUpperCase());
    case 'lower': return method('str', name, () => s.toLowerCase());
    case 'strip': return method('str', name, () => s.trim());
    case 'splitlines': return method('str', name, () => splitCharged(s, '\n', /\r?\n/).filter((l, i, a) => i < a.length - 1 || l !== ''));
    case 'split': return method('str', name, (c) => {
      const sep = arg(c, 0, null);
      return sep === null ? splitCharged(s, ' ', /\s+/).filter(Boolean) : splitCharged(s, text(sep, name));
    });
    case 'join': return method('str', name, (c) => joined(iterate(arg(c, 0), 'join').map((x) => text(x, name)), s));
    case 'replace': return method('str', name, (c) => joined(splitCharged(s, text(arg(c, 0), name)), text(arg(c, 1), name)));
    case 'count': return method('str', name, (c) => occurrences(s, text(arg(c, 0), name)));
    case 'find': return method('str', name, (c) => s.indexOf(text(arg(c, 0), name)));
    case 'format': return method('str', name, (c) => strFormat(s, c.args, c.kwargs));
    default: return undefined;
  }
}

function mapMethod(m: Map<unknown, unknown>, name: string): PyFunction | undefined {
  const find = (k: unknown) => {
    const key = mapKey(m, k);
    return key !== undefined ? { v: m.get(key) } : undefined;
  };
  switch (name) {
    case 'get': return method('dict', name, (c) => {
      const found = find(c.args[0]);
      return found ? found.v : c.args.length > 1 ? c.args[1] : null;
    });
    case 'keys': return method('dict', name, () => [...m.keys()]);
    case 'values': return method('dict', name, () => [...m.values()]);
    case 'items': return method('dict', name, () => [...m].map(([k, v]) => tuple([k, v])));
    case 'copy': return method('dict', name, () => new Map(m));
    default: return undefined;
  }
}

function dictMethod(d: Record<string, unknown>, name: string): PyFunction | undefined {
  switch (name) {
    case 'get': return method('dict', name, (c) => {
      if (c.args.length < 1 || c.args.length > 2) throw typeError('get() takes a key and an optional default');
      const k = dictKey(c.args[0]);
      return Object.prototype.hasOwnProperty.call(d, k) ? d[k] : c.args.length > 1 ? c.args[1] : null;
    });
    case 'keys': return method('dict', name, () => Object.keys(d));
    case 'values': return method('dict', name, () => Object.values(d));
    case 'items': return method('dict', name, () => Object.entries(d).map(([k, v]) => tuple([k, v])));
    case 'copy': return method('dict', name, () => ({ ...d }));
    default: return undefined;
  }
}

/** parts.join(sep), charged to the memory budget first. */
function joined(parts: string[], sep: string): string {
  let length = sep.length * Math.max(0, parts.length - 1);
  for (const p of parts) length += p.length;
  chargeString(length, 'the joined string');
  return parts.join(sep);
}

/** Bytes one part of a split string may take (its slot and the small string object). */
const PART_BYTES = 32;

/** s.split(by), charged first for the most parts `sep` could cut `s` into. */
function splitCharged(s: string, sep: string, by: string | RegExp = sep): string[] {
  chargeItems(Math.floor(s.length / Math.max(1, sep.length)) + 1, 'the parts of the string', PART_BYTES);
  return s.split(by);
}

/** str.count: non-overlapping occurrences, counted without splitting. */
function occurrences(s: string, sub: string): number {
  if (sub === '') return s.length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}
