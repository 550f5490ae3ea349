const tuples = new WeakSet<readonly unknown[]>();

/** Marks a list as a Python tuple, so that it prints as `(3, 4)`. */
export function tuple<T>(items: T[]): T[] {
  tuples.add(items);
  return items;
}

export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && tuples.has(v);
}
