import { createRequire } from 'node:module';
import { ISO8601_PATTERN, MAX_JSON_DEPTH, TASK_KEYS, Timestamp, isDict, keySpec, unreadable, type Value } from '../../records/index.js';
import { pickleBuffers, unpickleBuffers, PickleError } from '../../payload/index.js';
import { storeError } from '../../errors.js';
import { fastMicros, sameHourMicros } from './micros.js';

export { fastMicros } from './micros.js';

/**
 * Column values as ipyparallel's SQLiteDB writes them, both ways:
 * `dict text` is JSON with ISO dates, `timestamp` is `isoformat()` text,
 * `bufs blob` is a pickled list of bytes, and the `text` columns error and
 * execute_result hold JSON text of a dict.
 */
export type SqlValue = string | number | bigint | Buffer | Uint8Array | null;

const KIND = new Map(TASK_KEYS.map((k) => [k.name, k.kind]));

/** Decodes one stored column of key `key`. */
export function decodeColumn(key: string, raw: unknown, where: () => string): Value {
  if (raw === null || raw === undefined) return null;
  const kind = KIND.get(key) ?? 'text';
  if (kind === 'text' && typeof raw === 'string') return raw;
  switch (kind) {
    case 'datetime':
      return typeof raw === 'string' ? decodeTimestamp(raw) ?? raw : plain(raw);
    case 'dict': {
      if (!(typeof raw === 'string' || raw instanceof Uint8Array)) return plain(raw);
      // Bad data in one record (not JSON, or nested past what can be read or written) becomes a marker the rest of the answer outlives.
      let parsed: unknown;
      try {
        parsed = parseJSON(textOf(raw));
        if (parsed !== undefined) return datesInPlace(parsed, 1);
      } catch (e) {
        if (e instanceof RangeError) return unreadable(key, where(), 'is nested too deeply to read');
        throw e;
      }
      const what = typeof raw === 'string' ? 'text' : 'a blob';
      return unreadable(key, where(), `holds ${what} that is not JSON where ipyparallel writes a JSON dict`);
    }
    case 'json': {
      if (typeof raw !== 'string' || !raw.startsWith('{')) return plain(raw);
      let v: unknown;
      try {
        v = parseJSON(raw);
      } catch {
        return raw;
      }
      if (!isDict(v as Value)) return raw;
      return withinDepth(v, 1) ? (v as Value) : unreadable(key, where(), 'is nested too deeply to read');
    }
    case 'buffers': {
      if (!(raw instanceof Uint8Array)) return plain(raw);
      try {
        return unpickleBuffers(raw);
      } catch (e) {
        if (e instanceof PickleError) return unreadable(key, where(), `cannot be read: ${e.message}`);
        throw e;
      }
    }
    default:
      return plain(raw);
  }
}

/**
 * A record's JSON text holds a column one level down, and JSON output stops
 * past MAX_JSON_DEPTH: a dict column nested deeper could be shown but not
 * written, so it is unreadable everywhere alike.
 */
const MAX_COLUMN_DEPTH = MAX_JSON_DEPTH - 1;

/**
 * extract_dates on freshly parsed JSON, in place: ISO 8601 strings become
 * instants. Only strings shaped like a date reach the pattern. Containers
 * nested past MAX_COLUMN_DEPTH raise RangeError.
 */
function datesInPlace(v: unknown, depth: number): Value {
  if (typeof v === 'string') return maybeDate(v);
  if (v === null || typeof v !== 'object') return v as Value;
  if (depth > MAX_COLUMN_DEPTH) throw new RangeError('nested too deeply');
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'string') v[i] = maybeDate(x);
      else if (x !== null && typeof x === 'object') datesInPlace(x, depth + 1);
    }
    return v as Value;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'string') o[k] = maybeDate(x);
    else if (x !== null && typeof x === 'object') datesInPlace(x, depth + 1);
  }
  return o as Value;
}

/** Whether JSON-parsed containers stay within MAX_COLUMN_DEPTH (the text columns' JSON, read without dates). */
function withinDepth(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (depth > MAX_COLUMN_DEPTH) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (x !== null && typeof x === 'object' && !withinDepth(x, depth + 1)) return false;
  return true;
}

function maybeDate(s: string): Value {
  const n = s.length;
  if (n < 19 || n > 32 || s.charCodeAt(4) !== 0x2d || s.charCodeAt(10) !== 0x54 || !ISO8601_PATTERN.test(s)) return s;
  return decodeTimestamp(s) ?? s;
}

function plain(raw: unknown): Value {
  if (typeof raw === 'bigint') return Number(raw);
  if (raw instanceof Uint8Array) return new Uint8Array(raw);
  return raw as Value;
}

function textOf(raw: string | Uint8Array): string {
  return typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
}

/** Python's json.dumps writes NaN and Infinity, which JSON.parse refuses and JSON5 reads; undefined when the text is not JSON. */
function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (e instanceof RangeError) throw e;
    try {
      // Loaded here, not at start-up: its tables of Unicode classes cost every run, and only odd text needs it.
      const JSON5 = createRequire(import.meta.url)('json5') as typeof import('json5');
      return JSON5.parse(text);
    } catch (e5) {
      if (e5 instanceof RangeError) throw e5;
      return undefined;
    }
  }
}

/**
 * Stored timestamp text to an instant. The 7.x form
 * `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00` takes a fast path; every other form
 * (other offsets, `Z`, a space, naive local time) goes through the parser.
 */
export function decodeTimestamp(text: string): Timestamp | undefined {
  const us = fastMicros(text);
  if (us !== undefined) return new Timestamp(us);
  return Timestamp.parse(text);
}

/** Epoch microseconds of stored text; -Infinity when it is not a timestamp (the order of None). */
export function timestampMicros(text: unknown): number {
  if (typeof text !== 'string') return -Infinity;
  const us = fastMicros(text);
  if (us !== undefined) return us;
  return Timestamp.parse(text)?.us ?? -Infinity;
}

/**
 * Epoch microseconds of a stored datetime column, NaN when it holds none:
 * the `us` of the Timestamp decodeColumn makes of it, without making one.
 */
export function datetimeMicros(raw: unknown): number {
  if (typeof raw !== 'string') return NaN;
  // sameHourMicros is fastMicros (it reads what fastMicros would, else calls it)
  const us = sameHourMicros(raw);
  if (us !== undefined) return us;
  return Timestamp.parse(raw)?.us ?? NaN;
}

/** Encodes a value for the column of key `key`, as SQLiteDB's adapters would. */
export function encodeColumn(key: string, v: Value | undefined): SqlValue {
  if (v === undefined || v === null) return null;
  const kind = keySpec(key)?.kind ?? 'text';
  switch (kind) {
    case 'datetime':
      if (v instanceof Timestamp) return v.toPythonIsoformat();
      break;
    case 'buffers':
      if (Array.isArray(v) && v.every((b) => b instanceof Uint8Array)) {
        return v.length === 0 ? null : Buffer.from(pickleBuffers(v as Uint8Array[]));
      }
      break;
    default:
      if (typeof v === 'string' || typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (v instanceof Uint8Array) return Buffer.from(v);
      return pythonJSON(v);
  }
  throw storeError(`${key} cannot hold ${describeKind(v)}`);
}

function describeKind(v: Value): string {
  if (v instanceof Timestamp) return 'a datetime';
  if (Array.isArray(v)) return 'a list of that kind (it takes a list of bytes)';
  return `the value ${JSON.stringify(v)} (it takes a datetime or None)`;
}

/**
 * `json.dumps(value, default=date_default)` as Python writes it: `, ` and
 * `: ` separators, non-ASCII escaped, datetimes as `isoformat()` with `Z`.
 */
export function pythonJSON(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return String(v);
  }
  if (typeof v === 'string') return pythonString(v);
  if (v instanceof Timestamp) return pythonString(v.toPythonIsoformat().replace('+00:00', 'Z'));
  if (v instanceof Uint8Array) return pythonString(Buffer.from(v).toString('base64') + '\n');
  if (Array.isArray(v)) return '[' + v.map(pythonJSON).join(', ') + ']';
  return '{' + Object.entries(v).map(([k, x]) => pythonString(k) + ': ' + pythonJSON(x)).join(', ') + '}';
}

const NON_ASCII = /[\u007f-\uffff]/;
const NON_ASCII_ALL = /[\u007f-\uffff]/g;

function pythonString(s: string): string {
  const json = JSON.stringify(s);
  return NON_ASCII.test(json)
    ? json.replace(NON_ASCII_ALL, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
    : json;
}
