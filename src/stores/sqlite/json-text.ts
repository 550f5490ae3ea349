import { ISO8601_PATTERN } from '../../records/index.js';
import { fastMicros } from './codec.js';

/**
 * A stored column straight to the JSON text that `jsonText` writes for its
 * decoded value, for the forms where the two are known to agree: the
 * canonical UTC timestamp text, and Python's json.dumps text of a dict
 * whose dates are already in ipc's own form. Undefined for anything else,
 * which then goes through decoding.
 */
export type ColumnText = (raw: unknown) => string | undefined;

/** Below this length a JSON text cannot nest deep enough to meet jsonText's depth limit. */
const SHALLOW = 1900;

export const textColumn: ColumnText = (raw) => (raw === null ? 'null' : typeof raw === 'string' ? JSON.stringify(raw) : undefined);

/** Buffers always decode (pickled bytes become base64 lists). */
export const buffersColumn: ColumnText = (raw) => (raw === null ? 'null' : undefined);

/** `…SS.ffffff+00:00` (isoformat) or `…SS.ffffffZ`: the instant's toISOString, with `Z`. */
export const timestampColumn: ColumnText = (raw) => {
  if (raw === null) return 'null';
  if (typeof raw !== 'string' || raw.charCodeAt(19) !== 0x2e || fastMicros(raw) === undefined) return undefined;
  if (raw.length === 32) return '"' + raw.slice(0, 26) + 'Z"';
  return raw.length === 27 ? '"' + raw + '"' : undefined;
};

/**
 * A string of 19 to 32 characters with `-` at 4 and `T` at 10: what
 * decoding tests against the ISO 8601 pattern (outside strings, valid JSON
 * holds no `T`, so every match starts at an opening quote).
 */
const DATE_CANDIDATE = /"([^"]{4}-[^"]{5}T[^"]{8,21})"/g;

/** Would decoding turn this string into an instant whose text differs from it? */
function foreignDate(s: string): boolean {
  if (!ISO8601_PATTERN.test(s)) return false;
  return !(s.length === 27 && s.charCodeAt(26) === 0x5a && s.charCodeAt(19) === 0x2e && fastMicros(s) !== undefined);
}

/**
 * A `dict text` column: its dates become instants on decoding, so the text
 * is copied only when every date in it is already in ipc's form. A backslash
 * could spell a date in escapes, so text with one always decodes; so does
 * text naming `__proto__`, which a decoded dict treats apart.
 */
export const dictColumn: ColumnText = (raw) => {
  if (raw === null) return 'null';
  if (typeof raw !== 'string' || raw.length >= SHALLOW || raw.includes('\\') || raw.includes('__proto__')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  DATE_CANDIDATE.lastIndex = 0;
  for (let m = DATE_CANDIDATE.exec(raw); m !== null; m = DATE_CANDIDATE.exec(raw)) if (foreignDate(m[1]!)) return undefined;
  return JSON.stringify(value);
};

/** A `text` column holding JSON of a dict (error, execute_result): decoded without dates. */
export const jsonColumn: ColumnText = (raw) => {
  if (raw === null) return 'null';
  if (typeof raw !== 'string') return undefined;
  if (!raw.startsWith('{')) return JSON.stringify(raw);
  if (raw.length >= SHALLOW || raw.includes('__proto__')) return undefined;
  try {
    return JSON.stringify(JSON.parse(raw));
  } catch {
    return undefined;
  }
};
