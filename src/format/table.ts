import { isDict } from '../records/index.js';
import { cellText } from './cells.js';
import type { DisplayOptions } from './repr.js';
import { cutText, textWidth } from './width.js';

function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - textWidth(s)));
}

/** A value as one cell of a script-mode table: the shared cell text, cut at maxColumnWidth. */
function tableCell(v: unknown, options: DisplayOptions): string {
  return cutText(cellText(v, options), options.maxColumnWidth ?? 40);
}

/** Aligned columns under a header and a rule; no colour. */
export function renderTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => rows.reduce((w, r) => Math.max(w, textWidth(r[i] ?? '')), textWidth(c)));
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
  const rows = records.map((r) => columns.map((k) => tableCell(isDict(r) ? r[k] : undefined, ID_KEYS.has(k) ? whole : options)));
  return renderTable(columns, rows);
}
