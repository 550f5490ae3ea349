import { typeError } from '../errors.js';
import { MAX_JSON_DEPTH, PyFloat, PyValue, Timestamp, TimeDelta, floatRepr, isDict, setOwn, type Value } from '../records/index.js';
import { pythonJSON } from './python-json.js';

export { MAX_JSON_DEPTH };
export const tooDeep = () => typeError('the value is circular or nested more than 1000 levels deep, so it has no JSON text');

/** Bytes as base64 text, without copying them. */
export function base64Text(v: Uint8Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

/**
 * A value as plain JSON: datetimes as ISO 8601 UTC with six fractional digits
 * and `Z`, buffers as base64 strings, timedeltas as seconds.
 */
export function toPlainJSON(v: unknown, depth = 0): unknown {
  if (depth > MAX_JSON_DEPTH) throw tooDeep();
  if (v === null || v === undefined) return null;
  // JSON.stringify refuses bigints; a number keeps what a double can hold, jsonText writes them exactly.
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof PyValue || v instanceof Map) return toPlainJSON(pythonJSON(v), depth + 1);
  if (v instanceof Timestamp) return v.toISOString();
  if (v instanceof TimeDelta) return v.seconds;
  if (v instanceof Uint8Array) return base64Text(v);
  if (Array.isArray(v)) return v.map((x) => toPlainJSON(x, depth + 1));
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (isDict(v as Value)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as object)) setOwn(out, k, toPlainJSON(x, depth + 1));
    return out;
  }
  if (typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return (v as { toJSON(): unknown }).toJSON();
  }
  return v;
}

/**
 * One compact JSON text: `JSON.stringify(toPlainJSON(v))` written directly,
 * without building the plain copy first (the hot path of streaming records
 * out as JSON).
 */
export function jsonText(v: unknown): string {
  return valueText(v, 0) ?? 'null';
}

/** jsonText under the name the library first exported it by (src/index.ts); ipc itself calls jsonText. */
export const formatJSON = jsonText;

/** JSON text of a value; undefined where JSON.stringify leaves a key out. */
function valueText(v: unknown, depth: number): string | undefined {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return JSON.stringify(toPlainJSON(v));
  }
  if (v instanceof Timestamp) return '"' + v.toISOString() + '"';
  // a float as Python's json writes it, its repr: 2.0 keeps its point, 1e-07 its exponent's two digits
  if (v instanceof PyFloat && Number.isFinite(v.value)) return floatRepr(v.value);
  if (v instanceof PyValue || v instanceof Map) return valueText(pythonJSON(v), depth + 1);
  if (Array.isArray(v)) {
    let s = '[';
    if (depth >= MAX_JSON_DEPTH) throw tooDeep();
    for (let i = 0; i < v.length; i++) s += (i === 0 ? '' : ',') + (valueText(v[i], depth + 1) ?? 'null');
    return s + ']';
  }
  if (v instanceof TimeDelta || v instanceof Uint8Array || !isDict(v as Value) || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return JSON.stringify(toPlainJSON(v));
  }
  let s = '';
  let first = true;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (depth >= MAX_JSON_DEPTH) throw tooDeep();
    const x = valueText(o[k], depth + 1);
    if (x === undefined) continue;
    s += (first ? '{' : ',') + keyText(k) + x;
    first = false;
  }
  return first ? '{}' : s + '}';
}

/** `"key":` for the keys seen so far (record keys and the keys of their dicts repeat endlessly). */
const KEYS = new Map<string, string>();

function keyText(k: string): string {
  let t = KEYS.get(k);
  if (t === undefined) {
    t = JSON.stringify(k) + ':';
    if (KEYS.size < 4096) KEYS.set(k, t);
  }
  return t;
}
