import { TimeDelta, Timestamp, isDict, isTuple } from '../records/index.js';
import { formatDuration } from './duration.js';
import { repr, reprNumber, type DisplayOptions } from './repr.js';
import { safeText } from './sanitize.js';

/**
 * A value as the text of one table cell, the same in script-mode tables and
 * on screen, where the ui draws it (dimming None, colouring, fitting ids and
 * cutting cells to its own column widths): datetimes in local (or UTC) time
 * with milliseconds, text on one line with its control characters escaped,
 * buffers by their sizes, an error content by its `ename: evalue` (its
 * traceback is for the record view), dicts and lists as Python writes them.
 */
export function cellText(v: unknown, options: DisplayOptions = {}): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return oneLine(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return reprNumber(v);
  if (v instanceof Timestamp) return v.toLocalString(3, options.timezone === 'utc');
  if (v instanceof TimeDelta) return formatDuration(v.us);
  if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
  if (Array.isArray(v) && v.length > 0 && !isTuple(v) && v.every((x) => x instanceof Uint8Array)) {
    const total = v.reduce((n: number, b: Uint8Array) => n + b.byteLength, 0);
    return `[${v.length} buffer${v.length === 1 ? '' : 's'}, ${total} bytes]`;
  }
  if (isErrorContent(v)) return oneLine(`${v['ename']}: ${String(v['evalue'] ?? '')}`);
  return oneLine(repr(v, options));
}

/** The shape ipyparallel gives a task's `error`: ename, evalue and a traceback of lines. */
function isErrorContent(v: unknown): v is Record<string, unknown> {
  return isDict(v) && typeof v['ename'] === 'string' && Array.isArray(v['traceback']);
}

/**
 * Control characters shown as escapes (`\n`, `\x1b`, `\u202e`), so a cell
 * stays one line and two ids that differ only in a control still look
 * different; colour sequences are shown too, never silently dropped.
 */
export function oneLine(s: string): string {
  return safeText(s, { oneLine: true, sgr: 'show' });
}
