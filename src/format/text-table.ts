import { isDict } from '../records/index.js';
import { cellText } from './cell-text.js';
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
  const widths = columnWidths(columns, rows);
  return [tableLine(columns, widths), ruleLine(widths), ...rows.map((r) => tableLine(r, widths))].join('\n');
}

function columnWidths(columns: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return columns.map((c, i) => rows.reduce((w, r) => Math.max(w, textWidth(r[i] ?? '')), textWidth(c)));
}

function tableLine(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : padEnd(c, widths[i]!))).join('  ').trimEnd();
}

function ruleLine(widths: readonly number[]): string {
  return tableLine(widths.map((w) => '-'.repeat(w)), widths);
}

/** Columns of ids: copied from tables into the next query, so never cut (`sample`: a msg_id in the %errors table). */
export const ID_KEYS: ReadonlySet<string> = new Set(['msg_id', 'client_uuid', 'engine_uuid', 'resubmitted', 'sample']);

/**
 * Records (dicts) as a table, the columns in `keys` order or by first
 * appearance; widths as a streamed table takes them, so both print alike.
 */
export function renderRecordTable(records: readonly unknown[], keys: readonly string[] | null, options: DisplayOptions = {}): string {
  const columns = keys ? [...keys] : [];
  if (!keys) {
    for (const r of records) if (isDict(r)) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  }
  const rows = records.map(recordCells(columns, options));
  const widths = columnWidths(columns, rows.length > TABLE_PAGE ? rows.slice(0, TABLE_PAGE) : rows);
  const lines = [tableLine(columns, widths), ruleLine(widths)];
  for (let i = 0; i < rows.length; i++) lines.push(tableLine(i < TABLE_PAGE ? rows[i]! : fitRow(rows[i]!, columns, widths), widths));
  return lines.join('\n');
}

/** A row past the first page, its cells cut to the page's widths (ids are never cut). */
function fitRow(row: string[], columns: readonly string[], widths: readonly number[]): string[] {
  for (let i = 0; i < row.length - 1; i++) {
    if (!ID_KEYS.has(columns[i]!) && textWidth(row[i]!) > widths[i]!) row[i] = cutText(row[i]!, widths[i]!);
  }
  return row;
}

function recordCells(columns: readonly string[], options: DisplayOptions): (r: unknown) => string[] {
  // Ids are copied from tables into the next query, so they are never cut.
  const whole = { ...options, maxColumnWidth: Infinity };
  const each = columns.map((k) => (ID_KEYS.has(k) ? whole : options));
  return (r) => columns.map((k, i) => tableCell(isDict(r) ? r[k] : undefined, each[i]!));
}

/** Records a table takes its column widths from; an answer this long prints exactly as renderRecordTable. */
export const TABLE_PAGE = 1000;

/**
 * A streamed answer as a table, in pieces of whole lines: the column widths
 * come from the header and the first TABLE_PAGE records, which print at
 * once; later records follow as they arrive, each cell padded to its
 * column, a wider one cut with … (ids are never cut). Only one page is ever
 * held, however long the answer. An empty answer prints `[]`.
 */
export async function* streamRecordTable(
  records: AsyncIterable<unknown>, columns: readonly string[], options: DisplayOptions = {}, page = TABLE_PAGE, piece = 1 << 16,
): AsyncGenerator<string> {
  const cells = recordCells(columns, options);
  const first: string[][] = [];
  let widths: number[] | null = null;
  let text = '';
  for await (const r of records) {
    if (!widths) {
      first.push(cells(r));
      if (first.length < page) continue;
      widths = columnWidths(columns, first);
      text = renderTable(columns, first) + '\n';
      first.length = 0;
      continue;
    }
    text += tableLine(fitRow(cells(r), columns, widths), widths) + '\n';
    if (text.length >= piece) {
      yield text;
      text = '';
    }
  }
  if (!widths) text = first.length === 0 ? '[]\n' : renderTable(columns, first) + '\n';
  if (text !== '') yield text;
}
