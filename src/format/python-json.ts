import { PyFloat, PyMapping, PyValue, floatRepr, setOwn } from '../records/index.js';
import { repr } from './repr.js';

/**
 * A decoded Python value in JSON: its natural form where JSON has one, as
 * Python's json writes it (floats and numpy scalars as numbers, numpy arrays
 * as their tolist(), OrderedDict, defaultdict and Counter as objects, dict
 * keys that are ints, floats, bools or None as their JSON text), and more
 * (sets and deques as arrays, bytearrays as bytes); else
 * `{"$repr": "…", "$class": "module.Name"}`. Items are left for the caller
 * to encode (big ints as exact number text, bytes as base64).
 */
export function pythonJSON(v: PyValue | Map<unknown, unknown>): unknown {
  if (v instanceof Map) return mapJSON(v, (x) => x);
  // an OrderedDict, defaultdict or Counter is a dict to Python's json too
  if (v instanceof PyMapping) return entriesJSON(v.entries, (x) => x) ?? tagged(v);
  return v.jsonForm() ?? tagged(v);
}

/**
 * A dict with keys other than text, as Python's json writes it: int, float,
 * bool and None keys as their JSON text (1 → "1", True → "true", None →
 * "null"); a dict with any other key (a tuple) has no JSON object, so it is
 * its repr. `item` turns each value into what the caller writes.
 */
export function mapJSON(m: Map<unknown, unknown>, item: (x: unknown) => unknown): unknown {
  return entriesJSON(m, item) ?? { $repr: repr(m), $class: 'dict' };
}

/** The object of `mapJSON` from key-value pairs; null when a key has no JSON text. */
function entriesJSON(entries: Iterable<readonly [unknown, unknown]>, item: (x: unknown) => unknown): Record<string, unknown> | null {
  const pairs: [string, unknown][] = [];
  for (const [k, x] of entries) {
    const text = keyText(k);
    if (text === null) return null;
    pairs.push([text, x]);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of pairs) setOwn(out, k, item(x));
  return out;
}

function keyText(k: unknown): string | null {
  if (typeof k === 'string') return k;
  if (typeof k === 'number') return Number.isInteger(k) ? String(k) : jsonFloat(k);
  if (typeof k === 'bigint') return k.toString();
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (k === null) return 'null';
  if (k instanceof PyFloat) return jsonFloat(k.value);
  return null;
}

/** A float key as Python's json writes it: its repr, or NaN, Infinity, -Infinity. */
function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return floatRepr(x);
}

function tagged(v: PyValue): { $repr: string; $class: string } {
  return { $repr: repr(v), $class: v.pyClass };
}

