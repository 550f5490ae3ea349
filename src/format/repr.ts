import { Text, TimeDelta, Timestamp, hasRepr, isDict, isTuple } from '../records/index.js';

/** How datetimes are shown: in local time (as ipyparallel's naive datetimes) or in UTC. */
export interface DisplayOptions {
  readonly timezone?: 'local' | 'utc';
  /** Widest a table cell gets before it is cut with '…'. */
  readonly maxColumnWidth?: number;
}

/** What Python's repr escapes in a string, besides the quote it chose. */
const STRING_ESCAPES = /[\\\n\r\t\x00-\x1f\x7f-\x9f\xad]/g;

function escapeChar(ch: string): string {
  if (ch === '\\') return '\\\\';
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  return '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
}

/**
 * Python's repr of a string: single quotes unless the text holds one and no
 * double quote. Built with one replace, so that a string of hundreds of
 * millions of characters costs one copy, not a character-by-character chain.
 */
export function reprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let body = s.replace(STRING_ESCAPES, escapeChar);
  if (q === "'" && body.includes("'")) body = body.replace(/'/g, "\\'");
  return q + body + q;
}

export function reprBytes(b: Uint8Array): string {
  let out = "b'";
  for (const c of b) {
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x27) out += "\\'";
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
  }
  return out + "'";
}

/**
 * Python's repr of a number. Integers beyond 2^53 are bigints in the shell,
 * so an integral number past that range is a float and prints as one
 * (`1e+16`, `9007199254740994.0`).
 */
export function reprNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Object.is(n, -0)) return '-0.0';
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
    return Math.abs(n) < 1e16 ? `${n}.0` : n.toExponential();
  }
  const s = String(n);
  // Python writes exponents with two digits at least: 1e-07, 1e+21.
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

export function reprDatetime(t: Timestamp, options: DisplayOptions = {}): string {
  const d = t.toDate();
  const utc = options.timezone === 'utc';
  const parts = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const micros = ((t.us % 1_000_000) + 1_000_000) % 1_000_000;
  while (parts.length > 5 && parts[parts.length - 1] === 0 && micros === 0) parts.pop();
  if (micros) parts.push(micros);
  return `datetime.datetime(${parts.join(', ')}${utc ? ', tzinfo=datetime.timezone.utc' : ''})`;
}

export function reprTimedelta(d: TimeDelta): string {
  return d.repr();
}

/**
 * Containers deeper than this print as `...`: repr must never overflow the
 * JS stack, whatever a store or a statement built.
 */
export const MAX_REPR_DEPTH = 1000;

/** Python's repr, as IPython shows a value after `Out[n]:`. */
export function repr(v: unknown, options: DisplayOptions = {}): string {
  return reprIn(v, options, new Set());
}

/**
 * repr of `v` inside the containers of `path` (those being printed): a
 * container met again inside itself prints as Python prints it, `[...]` or
 * `{...}`.
 */
function reprIn(v: unknown, options: DisplayOptions, path: Set<object>): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return reprNumber(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return reprString(v);
  if (v instanceof Text) return v.text;
  if (v instanceof Timestamp) return reprDatetime(v, options);
  if (v instanceof TimeDelta) return reprTimedelta(v);
  if (v instanceof Uint8Array) return reprBytes(v);
  if (hasRepr(v)) return v.pyRepr((x) => reprIn(x, options, path));
  if (typeof v === 'function') return `<function ${v.name || 'anonymous'}>`;
  if (!Array.isArray(v) && !(v instanceof Map) && !isDict(v)) return String(v);
  const container = v as object;
  if (path.has(container)) return Array.isArray(v) ? (isTuple(v) ? '(...)' : '[...]') : '{...}';
  if (path.size >= MAX_REPR_DEPTH) return '...';
  path.add(container);
  try {
    const inner = (x: unknown) => reprIn(x, options, path);
    if (Array.isArray(v)) {
      const items = v.map(inner);
      if (isTuple(v)) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
      return `[${items.join(', ')}]`;
    }
    if (v instanceof Map) return `{${Array.from(v, ([k, x]) => `${inner(k)}: ${inner(x)}`).join(', ')}}`;
    return `{${Object.entries(v).map(([k, x]) => `${reprString(k)}: ${inner(x)}`).join(', ')}}`;
  } finally {
    path.delete(container);
  }
}

/**
 * repr, but a long list or dict goes one item per line, as IPython's pretty
 * printer does, so that queue_status() and lists of ids stay readable.
 */
export function prettyRepr(v: unknown, options: DisplayOptions = {}, width = 80): string {
  const flat = repr(v, options);
  if (flat.length <= width) return flat;
  if (Array.isArray(v) && !isTuple(v) && v.length > 1) {
    return '[' + v.map((x) => repr(x, options)).join(',\n ') + ']';
  }
  if (v instanceof Map && v.size > 1) {
    return '{' + [...v].map(([k, x]) => `${repr(k, options)}: ${repr(x, options)}`).join(',\n ') + '}';
  }
  if (isDict(v) && !hasRepr(v) && !(v instanceof Text)) {
    const entries = Object.entries(v);
    if (entries.length > 1) {
      return '{' + entries.map(([k, x]) => `${reprString(k)}: ${repr(x, options)}`).join(',\n ') + '}';
    }
  }
  return flat;
}

/** `str()` of a value: strings as they are, everything else as repr (datetimes as Python prints them). */
export function str(v: unknown, options: DisplayOptions = {}): string {
  if (typeof v === 'string') return v;
  if (v instanceof Timestamp) {
    const text = v.toLocalString(6, options.timezone === 'utc');
    return text.endsWith('.000000') ? text.slice(0, -7) : text;
  }
  if (v instanceof TimeDelta) return v.toString();
  return repr(v, options);
}
