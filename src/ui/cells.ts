import { formatJSON } from '../format/index.js';
import { TimeDelta, Timestamp } from '../records/index.js';
import { stripAnsi } from './style.js';

/**
 * One value as the text of a table cell: datetimes in local time with
 * milliseconds, None as `None` (drawn dimmed), strings on one line, dicts
 * and lists as compact JSON, buffers by their sizes.
 */
export interface CellText {
  readonly text: string;
  readonly none: boolean;
}

const NONE: CellText = { text: 'None', none: true };

/** How a table shows values: datetimes in local time (ipyparallel's naive datetimes) or in UTC. */
export interface CellOptions {
  readonly utc?: boolean;
}

export function cellText(v: unknown, options: CellOptions = {}): CellText {
  if (v === null || v === undefined) return NONE;
  return { text: inlineText(v, options), none: false };
}

export function inlineText(v: unknown, options: CellOptions = {}): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return oneLine(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pythonNumber(v);
  if (v instanceof Timestamp) return v.toLocalString(3, options.utc ?? false);
  if (v instanceof TimeDelta) return formatDuration(v.us);
  if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof Uint8Array)) {
    const total = v.reduce((n: number, b: Uint8Array) => n + b.byteLength, 0);
    return `[${v.length} buffer${v.length === 1 ? '' : 's'}, ${total} bytes]`;
  }
  return oneLine(formatJSON(v));
}

export function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

/** Control characters shown as escapes, so a cell stays one line; ANSI colours dropped. */
export function oneLine(s: string): string {
  const plain = s.includes('\x1b') ? stripAnsi(s) : s;
  return /[\x00-\x1f\x7f]/.test(plain) ? plain.replace(/[\x00-\x1f\x7f]/g, escapeControl) : plain;
}

function escapeControl(ch: string): string {
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
  }
}

/** A duration for queue wait and run time: `0.012 s`, `75.300 s`, `2h05m07s`. */
export function formatDuration(us: number): string {
  const sign = us < 0 ? '-' : '';
  const a = Math.abs(us);
  if (a < 600e6) return `${sign}${(a / 1e6).toFixed(3)} s`;
  const total = Math.round(a / 1e6);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${sign}${h}h${String(m).padStart(2, '0')}m${String(s).padStart(2, '0')}s` : `${sign}${m}m${String(s).padStart(2, '0')}s`;
}

/** `later − earlier` in microseconds when both are instants. */
export function span(earlier: unknown, later: unknown): number | null {
  return earlier instanceof Timestamp && later instanceof Timestamp ? later.us - earlier.us : null;
}
