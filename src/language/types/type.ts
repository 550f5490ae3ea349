/**
 * What the language does with the values of one Python type. Each slot is
 * one of Python's protocols; an absent slot is the TypeError Python raises
 * (not iterable, no len(), not subscriptable, …). The table (`table.ts`)
 * gives each value its type; the operations (`protocol.ts`) ask the type,
 * never the value's class.
 */
import type { Timestamp } from '../../records/index.js';
import type { CallBody } from '../objects.js';

export interface PyType<T = unknown> {
  /** Its name, as `type()` and error messages give it (`int`, `datetime.timedelta`, `collections.Counter`). */
  name(v: T): string;
  /** `bool(v)`; absent: always true. */
  truth?(v: T): boolean;
  /** `len(v)`; absent, or undefined: it has no len(). */
  len?(v: T): number | undefined;
  /** What `for x in v` gives (a mapping: its keys); absent, or undefined: not iterable. */
  items?(v: T): unknown[] | undefined;
  /** `x in v`, where it is not a search of the items. */
  contains?(v: T, x: unknown): boolean;
  /** `v[key]` (key may be a slice); absent: not subscriptable. */
  item?(v: T, key: unknown): unknown;
  /** The factory whose call makes `v[key]` when the key is missing (a defaultdict's), or undefined. */
  missing?(v: T, key: unknown): unknown;
  /** `v[key] = x`; absent: no item assignment. */
  setItem?(v: T, key: unknown, x: unknown): void;
  /** `del v[key]`; absent: no item deletion. */
  delItem?(v: T, key: unknown): void;
  /** A mapping's (key, value) pairs, as `dict(v)` takes them; absent: not a mapping. */
  entries?(v: T): [unknown, unknown][];
  /** The attribute names, for completion, `dir()` and suggestions. */
  attributeNames?(v: T): string[];
  /** `v.name`; undefined when it has no such attribute. */
  attribute?(v: T, name: string): unknown;
  /** What calling `v` runs; absent, or undefined: not callable. */
  call?(v: T): CallBody | undefined;
  /** `int(v)` of a value that is no plain number or text. */
  toInt?(v: T): number | bigint;
  /** `float(v)` of a value that is no plain number or text. */
  toFloat?(v: T): number;
  /** The instant it stands for in datetime arithmetic and comparisons, or undefined. */
  instant?(v: T): Timestamp | undefined;
}

/** A class whose instances a type describes. */
export type Class = abstract new (...args: never[]) => unknown;
