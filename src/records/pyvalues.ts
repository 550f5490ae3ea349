/**
 * The shell's value model beyond plain JSON-like values: which lists are Python
 * tuples, text shown as it is, and objects that know their own repr. It sits in
 * records/ so that format/ (which prints these) and shell/ (which makes them)
 * both import it downwards.
 */

const tuples = new WeakSet<readonly unknown[]>();

/** Marks a list as a Python tuple, so that it prints as `(3, 4)`. */
export function tuple<T>(items: T[]): T[] {
  tuples.add(items);
  return items;
}

export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && tuples.has(v);
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
