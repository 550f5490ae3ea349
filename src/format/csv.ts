import { PyFloat, TimeDelta, Timestamp, Unreadable, isDict } from '../records/index.js';
import { PyNumpyScalar } from '../payload/index.js';
import { base64Text, jsonText } from './json.js';

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A value as CSV text: None (and a column that could not be read, as in JSON) empty, datetimes ISO 8601 UTC, dicts and lists as JSON. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined || v instanceof Unreadable) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (v instanceof Timestamp) return v.toISOString();
  if (v instanceof TimeDelta) return String(v.seconds);
  // as Python's csv writes them: str() of a float or a numpy scalar (2.0, False), bytes as base64 text
  if (v instanceof PyFloat || v instanceof PyNumpyScalar) return v.pyRepr();
  if (v instanceof Uint8Array) return base64Text(v);
  return jsonText(v);
}

export function csvLine(cells: readonly unknown[]): string {
  return cells.map((c) => csvField(csvCell(c))).join(',');
}

/** Records as CSV with a header line, the columns in `keys` order or by first appearance. */
export function renderCSV(records: readonly unknown[], keys: readonly string[] | null): string {
  const columns = keys ? [...keys] : [];
  if (!keys) {
    for (const r of records) if (isDict(r)) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  }
  const lines = [csvLine(columns)];
  for (const r of records) lines.push(csvLine(columns.map((k) => (isDict(r) ? r[k] : undefined))));
  return lines.join('\n');
}
