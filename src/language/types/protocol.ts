/**
 * What the language does with any value, asked of its type (`typeOf`):
 * its name, truth, len(), iteration, `in`, indexing, item assignment and
 * deletion, attributes, calling, int()/float(), and its instant in datetime
 * arithmetic. Each raises the TypeError Python raises when the type has no
 * such slot.
 */
import { attributeError, didYouMean, typeError } from '../../errors.js';
import type { Timestamp } from '../../records/index.js';
import { pyEquals } from '../compare.js';
import type { CallBody } from '../objects.js';
import { typeOf } from './table.js';

/** Python's type name of a value, for type() and error messages. */
export function typeName(v: unknown): string {
  return typeOf(v).name(v);
}

export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === 0n || v === '') return false;
  const t = typeOf(v);
  return t.truth ? t.truth(v) : true;
}

/** The items of something iterable: lists, tuples, record lists, dict keys, string characters. */
export function iterate(v: unknown, what = 'value'): unknown[] {
  const items = typeOf(v).items?.(v);
  if (items) return items;
  throw typeError(`'${typeName(v)}' object is not iterable (${what})`);
}

/** len(v). */
export function pyLen(v: unknown): number {
  const n = typeOf(v).len?.(v);
  if (n !== undefined) return n;
  throw typeError(`object of type '${typeName(v)}' has no len()`);
}

/** `x in container`: a search of its items, unless its type says otherwise (text, dict keys). */
export function contains(container: unknown, x: unknown, what: string): boolean {
  const t = typeOf(container);
  return t.contains ? t.contains(container, x) : iterate(container, what).some((y) => pyEquals(x, y));
}

/** `value[key]`; key may be a slice. */
export function subscript(obj: unknown, key: unknown): unknown {
  const t = typeOf(obj);
  if (!t.item) throw typeError(`'${typeName(obj)}' object is not subscriptable`);
  return t.item(obj, key);
}

/** The factory whose call makes a missing `obj[key]` (a defaultdict's), or undefined. */
export function missingItem(obj: unknown, key: unknown): unknown {
  return typeOf(obj).missing?.(obj, key);
}

/** `obj[key] = value`. */
export function setItem(obj: unknown, key: unknown, value: unknown): void {
  const t = typeOf(obj);
  if (!t.setItem) throw typeError(`'${typeName(obj)}' object does not support item assignment`);
  t.setItem(obj, key, value);
}

/** `del obj[key]`. */
export function delItem(obj: unknown, key: unknown): void {
  const t = typeOf(obj);
  if (!t.delItem) throw typeError(`'${typeName(obj)}' object does not support item deletion`);
  t.delItem(obj, key);
}

/** A mapping's (key, value) pairs (dict(m), Counter(m)); undefined when `v` is no mapping. */
export function mappingEntries(v: unknown): [unknown, unknown][] | undefined {
  return typeOf(v).entries?.(v);
}

/** What calling `v` runs; undefined when it is not callable. */
export function callBody(v: unknown): CallBody | undefined {
  return typeOf(v).call?.(v);
}

/** `int(v)` of a value that is no plain number or text; undefined when its type has none. */
export function intOf(v: unknown): number | bigint | undefined {
  return typeOf(v).toInt?.(v);
}

/** `float(v)` of a value that is no plain number or text; undefined when its type has none. */
export function floatOf(v: unknown): number | undefined {
  return typeOf(v).toFloat?.(v);
}

/** The instant a value stands for in datetime arithmetic (a decoded datetime.datetime); undefined for other values. */
export function datetimeInstant(v: unknown): Timestamp | undefined {
  return typeOf(v).instant?.(v);
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
  for (const p of PROVIDERS) {
    const names = p.names(v);
    if (names) return names;
  }
  return typeOf(v).attributeNames?.(v) ?? [];
}

/** `value.name`: attributes and methods of the shell's values. */
export async function getAttribute(v: unknown, name: string): Promise<unknown> {
  let provided: unknown;
  for (const p of PROVIDERS) {
    provided = p.get(v, name);
    if (provided !== undefined) break;
  }
  if (provided !== undefined && provided !== MISSING) return provided;
  if (provided === undefined) {
    const own = typeOf(v).attribute?.(v, name);
    if (own !== undefined) return own;
  }
  throw attributeError(`'${typeName(v)}' object has no attribute '${name}'${didYouMean(name, attributeNames(v))}`);
}
