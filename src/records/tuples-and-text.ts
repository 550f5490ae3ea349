/**
 * The shell's value model beyond plain JSON-like values: which lists are Python
 * tuples, text shown as it is, and objects that know their own repr. It sits in
 * records/ so that format/ (which prints these) and shell/ (which makes them)
 * both import it downwards.
 */

/** Gives back the object it is given, so that a subclass's fields are stamped onto that object. */
class Stamp {
  constructor(target: object) {
    return target;
  }
}

/**
 * The tuple mark: a private field stamped on the array. Not a WeakSet:
 * decoding a task database makes millions of tuples, and a WeakSet that
 * large makes every garbage collection slow. Not a property of a symbol
 * either, which only Object.defineProperty could keep hidden, a runtime
 * call six times dearer than the stamp. A private field is seen by nothing
 * but this class: copies, JSON and equality ignore it.
 */
class TupleMark extends Stamp {
  readonly #tuple = true;
  static has(v: object): boolean {
    return #tuple in v;
  }
}

/** A frozen list cannot take the mark: those few are remembered here. */
const frozenTuples = new WeakSet<readonly unknown[]>();

/** Marks a list as a Python tuple, so that it prints as `(3, 4)`. */
export function tuple<T>(items: T[]): T[] {
  // a field is stamped once: a second stamp would throw
  if (TupleMark.has(items)) return items;
  if (Object.isExtensible(items)) new TupleMark(items);
  else frozenTuples.add(items);
  return items;
}

export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && (TupleMark.has(v) || frozenTuples.has(v));
}

/** `tuple` for an array just made, hence extensible and unmarked: what a decoder makes by the million. */
export function newTuple<T>(items: T[]): T[] {
  new TupleMark(items);
  return items;
}

/** `isTuple` for an array a decoder made, never frozen: the mark alone tells. */
export function isMarkedTuple(v: unknown[]): boolean {
  return TupleMark.has(v);
}

/** Text printed as it is, not quoted: what %stdout, %tb and %help answer. */
export class Text {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

/**
 * Something that knows its own Python-like repr (functions, rc, modules,
 * decoded Python values); a container is given the repr of its items.
 */
export interface HasRepr {
  pyRepr(inner?: (v: unknown) => string): string;
}

export function hasRepr(v: unknown): v is HasRepr {
  return typeof v === 'object' && v !== null && typeof (v as { pyRepr?: unknown }).pyRepr === 'function';
}
