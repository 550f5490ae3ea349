import { TimeDelta, Timestamp, isDict, isTuple } from '../records/index.js';
import { repr, type DisplayOptions } from './repr.js';
import { cutText, textWidth } from './width.js';

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

export { charWidth, textWidth } from './width.js';

function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - textWidth(s)));
}

/** A value as one table cell: datetimes in local (or UTC) time, buffers summarized, text on one line. */
export function cellText(v: unknown, options: DisplayOptions = {}): string {
  let s: string;
  if (v === null || v === undefined) s = 'None';
  else if (typeof v === 'string') s = v;
  else if (v instanceof Timestamp) s = v.toLocalString(3, options.timezone === 'utc');
  else if (v instanceof TimeDelta) s = v.toString();
  else if (Array.isArray(v) && v.length > 0 && !isTuple(v) && v.every((x) => x instanceof Uint8Array)) {
    const bytes = v.reduce((n, b: Uint8Array) => n + b.byteLength, 0);
    s = `[${v.length} buffer${v.length === 1 ? '' : 's'}, ${bytes} B]`;
  } else if (v instanceof Uint8Array) s = `[${v.byteLength} B]`;
  else s = repr(v, options);
  s = stripAnsi(s).replace(/\r?\n/g, '↵').replace(/[\u0000-\u001f\u007f]/g, ' ');
  return cutText(s, options.maxColumnWidth ?? 40);
}

/** Aligned columns under a header and a rule; no colour. */
export function renderTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(textWidth(c), ...rows.map((r) => textWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : padEnd(c, widths[i]!))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const ID_KEYS = new Set(['msg_id', 'client_uuid', 'engine_uuid', 'resubmitted']);

/** Records (dicts) as a table, the columns in `keys` order or by first appearance. */
export function renderRecordTable(records: readonly unknown[], keys: readonly string[] | null, options: DisplayOptions = {}): string {
  const columns = keys ? [...keys] : [];
  if (!keys) {
    for (const r of records) if (isDict(r)) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  }
  // Ids are copied from tables into the next query, so they are never cut.
  const whole = { ...options, maxColumnWidth: Infinity };
  const rows = records.map((r) => columns.map((k) => cellText(isDict(r) ? r[k] : undefined, ID_KEYS.has(k) ? whole : options)));
  return renderTable(columns, rows);
}
