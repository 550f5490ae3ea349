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
    const rowids = integers(agg[0], new Float64Array(rows.length));
    if (!rowids) return plain.all(args) as unknown[][];
    for (let i = 0; i < rows.length; i++) if (rows[i]![rowidAt] !== rowids[i]) return plain.all(args) as unknown[][];
    for (let j = 0; j < blobAt.length; j++) {
      const lengths = integers(agg[1 + 2 * j] as string, new Int32Array(rows.length));
      const views = lengths && viewsOf(agg[2 + 2 * j] as Uint8Array, lengths);
      if (!views) return plain.all(args) as unknown[][];
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
function viewsOf(bytes: Uint8Array, lengths: Int32Array): (Uint8Array | null)[] | null {
  const starts = spansOf(lengths, bytes.length);
  if (!starts) return null;
  return Array.from(lengths, (n, i) => (n < 0 ? null : new Uint8Array(bytes.buffer, bytes.byteOffset + starts[i]!, n)));
}

/**
 * A slice of packed rows (packed-rows.ts) and their bytes, as a few
 * values rather than a pair a row: Node made a string, an array and a view
 * a row of them, whose making and collecting cost more than reading them.
 * Row i's packed text is `text[starts[i], starts[i + 1])`, less the line
 * break after it (`breaks`: 1 where the texts are lines, the last one's
 * start past the end as if the text ended with one; else 0),
 * or its rowid alone where SQLite did not pack it; its bytes are
 * `bytes[byteStart[i], byteStart[i] + byteLength[i])`, byteLength -1 where
 * the column holds None or other than bytes (nothing is named from those:
 * call-names.ts).
 */
export interface PackedSlice {
  readonly length: number;
  readonly text: string;
  readonly starts: Int32Array;
  readonly breaks: number;
  readonly bytes: Uint8Array;
  readonly byteStart: Int32Array;
  readonly byteLength: Int32Array;
}

/** The end of row i's packed text in `s` (before the line break after it, where they are joined by one). */
export function packedEnd(s: PackedSlice, i: number): number {
  return s.starts[i + 1]! - s.breaks;
}

/**
 * A slice's packed rows (packed-rows.ts) and a bytes column beside them as
 * one aggregate, in one walk of the rows where blobSlices takes two:
 * SQLite joins the slice's packed texts (a line each), the bytes' lengths
 * and the bytes themselves. A slice whose texts hold a line break (an
 * engine uuid may), or whose bytes column holds other than bytes or None,
 * is read row by row, as by `SELECT packed, bytes`, and laid out the same
 * way. Only for a file in UTF-8; to be run in the slice's read transaction.
 * `itemParams`: the packed text's own (a flag's).
 */
export function packedBlobSlices(
  db: Database.Database, table: string, filter: SqlFilter, packedSql: string, bytesSql: string, itemParams: readonly unknown[] = [],
): ((lo: number, hi: number) => PackedSlice) | null {
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
    const [count, text, lengthsText, bytes, odd] = aggregate.get(args) as [number, unknown, unknown, Uint8Array, number];
    if (count === 0) return { length: 0, text: '', starts: new Int32Array(1), breaks: 0, bytes: new Uint8Array(0), byteStart: new Int32Array(0), byteLength: new Int32Array(0) };
    if (odd !== 0 || typeof text !== 'string' || typeof lengthsText !== 'string') return packedSliceOf(plain.all(args) as unknown[][]);
    const starts = new Int32Array(count + 1);
    let lines = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
      if (lines === count) return packedSliceOf(plain.all(args) as unknown[][]);
      starts[lines++] = at + 1;
    }
    if (lines !== count) return packedSliceOf(plain.all(args) as unknown[][]);
    starts[count] = text.length + 1;
    const byteLength = integers(lengthsText, new Int32Array(count));
    const byteStart = byteLength && spansOf(byteLength, bytes.length);
    if (!byteLength || !byteStart) return packedSliceOf(plain.all(args) as unknown[][]);
    return { length: count, text, starts, breaks: 1, bytes, byteStart, byteLength };
  };
}

/**
 * The integers of a comma-separated list (group_concat's) in `out`, which
 * they fill (rowids in a Float64Array; lengths, small, in an Int32Array:
 * positions read as doubles slow every read of the bytes); null when the
 * list holds another number of them.
 */
function integers<A extends Int32Array | Float64Array>(text: string, out: A): A | null {
  const count = out.length;
  let k = 0;
  let n = 0;
  let negative = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) {
      if (k === count) return null;
      out[k++] = negative ? -n : n;
      n = 0;
      negative = false;
    } else if (c === 45) negative = true;
    else n = n * 10 + (c - 48);
  }
  if (k !== count - 1) return null;
  out[k] = negative ? -n : n;
  return out;
}

/** Each row's start in a slice's bytes (`lengths`: -1 for none), or null when the lengths do not account for the bytes exactly. */
function spansOf(lengths: Int32Array, total: number): Int32Array | null {
  const starts = new Int32Array(lengths.length);
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    starts[i] = offset;
    if (lengths[i]! > 0) offset += lengths[i]!;
  }
  return offset === total ? starts : null;
}

/** Rows as `SELECT packed, bytes` gives them, laid out as a PackedSlice (a rowid SQLite did not pack as its digits). */
export function packedSliceOf(rows: readonly unknown[][]): PackedSlice {
  const n = rows.length;
  const texts = rows.map((r) => String(r[0]));
  const starts = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) starts[i + 1] = starts[i]! + texts[i]!.length;
  const byteStart = new Int32Array(n);
  const byteLength = new Int32Array(n).fill(-1);
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const b = rows[i]![1];
    if (!(b instanceof Uint8Array)) continue;
    byteStart[i] = offset;
    byteLength[i] = b.length;
    parts.push(b);
    offset += b.length;
  }
  return { length: n, text: texts.join(''), starts, breaks: 0, bytes: Buffer.concat(parts), byteStart, byteLength };
}
