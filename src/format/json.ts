import { Timestamp, TimeDelta, isDict, type Value } from '../records/index.js';

/**
 * A value as plain JSON: datetimes as ISO 8601 UTC with six fractional digits
 * and `Z`, buffers as base64 strings, timedeltas as seconds.
 */
export function toPlainJSON(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Timestamp) return v.toISOString();
  if (v instanceof TimeDelta) return v.seconds;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return v.map(toPlainJSON);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (isDict(v as Value)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as object)) out[k] = toPlainJSON(x);
    return out;
  }
  if (typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return (v as { toJSON(): unknown }).toJSON();
  }
  return v;
}

/** One compact JSON text. */
export function formatJSON(v: unknown): string {
  return JSON.stringify(toPlainJSON(v));
}
