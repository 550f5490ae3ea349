import type Database from 'better-sqlite3';
import type { SqlFilter } from './sql-filter.js';

/**
 * A slice's bytes columns read as one aggregate: SQLite concatenates a
 * slice's blobs of a column into one blob, with their lengths, and each
 * row's is a view of it. Node makes a Buffer of each blob it hands over (an
 * allocation, a copy and a finalizer each, about 2 µs), which cost more than
 * all the rest of reading a row; one blob a slice costs one.
 *
 * The rows are read as by `SELECT items` (the bytes columns at `blobAt`),
 * with the rowid after them, in one read transaction with the aggregate, so
 * both see the same rows; where the two do not agree (a column holds other
 * than bytes or None), the slice is read row by row, as by the plain
 * statement. Only for a file in UTF-8 (SQLite's bytes-as-text cast is then
 * the bytes themselves). `itemParams` are the parameters of the items'
 * own SQL (a flag computed in SQL), bound before the slice's.
 */
export function blobSlices(
  db: Database.Database, table: string, filter: SqlFilter, items: readonly string[], blobAt: readonly number[], itemParams: readonly unknown[] = [],
): ((lo: number, hi: number) => unknown[][]) | null {
  if (blobAt.length === 0) return null;
  const encoding = db.pragma('encoding', { simple: true });
  if (encoding !== 'UTF-8') return null;
  const range = `FROM ${table} NOT INDEXED WHERE rowid > ? AND rowid <= ? AND (${filter.where}) ORDER BY rowid`;
  const plain = db.prepare(`SELECT ${items.join(', ')}, rowid ${range}`).raw();
  const scalars = db.prepare(`SELECT ${items.map((x, i) => (blobAt.includes(i) ? 'NULL' : x)).join(', ')}, rowid ${range}`).raw();
  const blobs = blobAt.map((i) => items[i]!);
  const names = blobs.map((_, j) => `b${j}`);
  const aggregate = db
    .prepare(
      `SELECT group_concat(rowid), ` +
        names.map((b) => `group_concat(ifnull(octet_length(${b}), -1)), CAST(group_concat(CASE WHEN typeof(${b}) = 'blob' THEN CAST(${b} AS TEXT) ELSE '' END, '') AS BLOB)`).join(', ') +
        `, max(${names.map((b) => `typeof(${b}) NOT IN ('blob', 'null')`).join(' OR ')}) ` +
        `FROM (SELECT rowid, ${blobs.map((b, j) => `${b} AS ${names[j]}`).join(', ')} ${range})`,
    )
    .raw();
  const rowidAt = items.length;
  const read = db.transaction((lo: number, hi: number): unknown[][] => {
    const range = [lo, hi, ...filter.params];
    // the items' own parameters (a flag's) come before the slice's
    const args = itemParams.length === 0 ? range : [...itemParams, ...range];
    const rows = scalars.all(args) as unknown[][];
    if (rows.length === 0) return rows;
    const agg = aggregate.get(range) as unknown[];
    if (agg[agg.length - 1] !== 0 || typeof agg[0] !== 'string') return plain.all(args) as unknown[][];
    const rowids = numbers(agg[0]);
    if (rowids.length !== rows.length) return plain.all(args) as unknown[][];
    for (let i = 0; i < rows.length; i++) if (rows[i]![rowidAt] !== rowids[i]) return plain.all(args) as unknown[][];
    for (let j = 0; j < blobAt.length; j++) {
      const views = viewsOf(agg[2 + 2 * j] as Uint8Array, numbers(agg[1 + 2 * j] as string));
      if (!views || views.length !== rows.length) return plain.all(args) as unknown[][];
      const at = blobAt[j]!;
      // a row without bytes keeps the None the scalars gave it
      for (let i = 0; i < rows.length; i++) if (views[i] !== null) rows[i]![at] = views[i];
    }
    return rows;
  });
  return (lo, hi) => read(lo, hi);
}

/**
 * Each row's bytes as a view of a slice's (`lengths`: each row's, -1 for
 * None, as the aggregate gives them), None for a row without; null when
 * the lengths do not account for the bytes exactly.
 */
function viewsOf(bytes: Uint8Array, lengths: readonly number[]): (Uint8Array | null)[] | null {
  const views = new Array<Uint8Array | null>(lengths.length);
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    const n = lengths[i]!;
    if (n < 0) views[i] = null;
    else {
      views[i] = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, n);
      offset += n;
    }
  }
  return offset === bytes.length ? views : null;
}

/** The integers of a comma-separated list (group_concat's). */
function numbers(text: string): number[] {
  const out: number[] = [];
  let n = 0;
  let negative = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) {
      out.push(negative ? -n : n);
      n = 0;
      negative = false;
    } else if (c === 45) negative = true;
    else n = n * 10 + (c - 48);
  }
  out.push(negative ? -n : n);
  return out;
}

/**
 * A slice's packed rows (packed-rows.ts) and a bytes column beside them as
 * one aggregate, in one walk of the rows where blobSlices takes two:
 * SQLite joins the slice's packed texts (a line each), the bytes' lengths
 * and the bytes themselves. Each row comes as [its packed text, or its
 * rowid where SQLite did not pack it; its bytes, a view of the slice's, or
 * None]. A slice whose texts hold a line break (an engine uuid may), or
 * whose bytes column holds other than bytes or None, is read row by row,
 * as by `SELECT packed, bytes`. Only for a file in UTF-8; to be run in the
 * slice's read transaction. `itemParams`: the packed text's own (a flag's).
 */
export function packedBlobSlices(
  db: Database.Database, table: string, filter: SqlFilter, packedSql: string, bytesSql: string, itemParams: readonly unknown[] = [],
): ((lo: number, hi: number) => unknown[][]) | null {
  if (db.pragma('encoding', { simple: true }) !== 'UTF-8') return null;
  const range = `FROM ${table} NOT INDEXED WHERE rowid > ? AND rowid <= ? AND (${filter.where}) ORDER BY rowid`;
  const plain = db.prepare(`SELECT ${packedSql}, ${bytesSql} ${range}`).raw();
  const aggregate = db
    .prepare(
      `SELECT count(*), group_concat(p, char(10)), group_concat(ifnull(octet_length(b), -1)), ` +
        `CAST(group_concat(CASE WHEN typeof(b) = 'blob' THEN CAST(b AS TEXT) ELSE '' END, '') AS BLOB), max(typeof(b) NOT IN ('blob', 'null')) ` +
        `FROM (SELECT ${packedSql} AS p, ${bytesSql} AS b ${range})`,
    )
    .raw();
  return (lo, hi) => {
    const args = [...itemParams, lo, hi, ...filter.params];
    const [count, texts, lengthsText, bytes, odd] = aggregate.get(args) as [number, unknown, unknown, Uint8Array, number];
    if (count === 0) return [];
    if (odd !== 0 || typeof texts !== 'string' || typeof lengthsText !== 'string') return plain.all(args) as unknown[][];
    const lines = texts.split('\n');
    if (lines.length !== count) return plain.all(args) as unknown[][];
    const views = viewsOf(bytes, numbers(lengthsText));
    if (!views || views.length !== count) return plain.all(args) as unknown[][];
    const rows = new Array<unknown[]>(count);
    for (let i = 0; i < count; i++) {
      const line = lines[i]!;
      // a packed text holds commas; a row SQLite did not pack is its rowid alone
      rows[i] = [line.includes(',') ? line : Number(line), views[i]];
    }
    return rows;
  };
}
