import { packedEnd, type PackedSlice } from './blob-slices.js';
import { sameHourMicrosAt } from './micros.js';

/**
 * A column read's row as one text: SQLite joins the rowid, the row's flags
 * and the stored texts of its three times and its engine uuid, and Node
 * makes one value of them instead of an array of six: an array a row costs
 * Node about as much as walking the row costs SQLite, and a read of these
 * columns takes about a tenth less. Only for a read of these alone: with
 * other columns beside them a row is an array anyway, and the packing's SQL
 * and the unpacking cost more than making the values they spare; save
 * beside the buffers of a read of function names, which come with a
 * slice's packed texts in one aggregate (blob-slices.ts, packedBlobSlices),
 * where reading a row as its columns and its buffers apart took two walks
 * of the rows. Apart from the reader so that its worker thread loads
 * nothing else.
 *
 * The text is `rowid,flags,` then each time that is not None (32 bytes
 * each), then the engine uuid. The flags say which of the times and the
 * uuid are None, and hold the reply's ok, the failed test's answer,
 * whether the task was resubmitted (a non-empty resubmitted text) and,
 * where function names are read, whether it is an apply request. SQLite
 * gives the text only where every time is None or a text of 32 bytes and
 * the uuid is None or a text; any other row gives its rowid alone, and
 * `unpackRow` sends a row back as well unless each of its times, the next 32
 * characters in JavaScript, is in the canonical UTC form sameHourMicros
 * reads. That form is all ASCII, and a time of 32 bytes with a byte outside
 * ASCII puts a character outside ASCII among those 32 (the bytes before it
 * are a character each, and no byte becomes more than one): so a time read
 * is exactly its column's text, and the next starts where its bytes end.
 * A row sent back is read as its columns (`unpackedRowSql`), by rowid, in
 * the same transaction: every row that comes packed has exactly the values
 * the columns give.
 */

const NO_SUBMITTED = 1;
const NO_STARTED = 2;
const NO_COMPLETED = 4;
const NO_UUID = 8;
const OK = 16;
const FAILED = 32;
const RESUBMITTED = 64;
const APPLY = 128;

/** The SQL of the columns a packed row holds: a column's name, or NULL where the table has none; `ok`, `failed` and `resubmitted` are true-or-false SQL. */
export interface PackedColumns {
  readonly submitted: string;
  readonly started: string;
  readonly completed: string;
  readonly uuid: string;
  readonly ok: string;
  readonly failed: string;
  readonly resubmitted: string;
  /** Whether the task is an apply request told by its stored columns alone (call-names.ts), where function names are read. */
  readonly apply: string;
}

/** The select item of a packed row (see above); its parameters are those of `failed`. */
export function packedRowSql(c: PackedColumns): string {
  const times = [c.submitted, c.started, c.completed];
  const canonical = times.map((t) => `(${t} IS NULL OR (typeof(${t}) = 'text' AND octet_length(${t}) = 32))`);
  const flags =
    `(${c.submitted} IS NULL) + ${NO_STARTED} * (${c.started} IS NULL) + ${NO_COMPLETED} * (${c.completed} IS NULL)` +
    ` + ${NO_UUID} * (${c.uuid} IS NULL) + ${OK} * ((${c.ok}) IS 1) + ${FAILED} * ((${c.failed}) IS 1) + ${RESUBMITTED} * ((${c.resubmitted}) IS 1)` +
    (c.apply === 'NULL' ? '' : ` + ${APPLY} * ((${c.apply}) IS 1)`);
  const texts = [...times, c.uuid].map((t) => `ifnull(${t}, '')`).join(' || ');
  return `CASE WHEN ${canonical.join(' AND ')} AND (${c.uuid} IS NULL OR typeof(${c.uuid}) = 'text') THEN rowid || ',' || (${flags}) || ',' || ${texts} ELSE rowid END`;
}

/** The select list that reads a row sent back as its columns, and where each sits in it. */
export function unpackedRowSql(c: PackedColumns): string {
  return `rowid, ${c.submitted}, ${c.started}, ${c.completed}, ${c.uuid}, (${c.ok}) IS 1, (${c.failed}) IS 1, (${c.resubmitted}) IS 1`;
}

/** Where a row read as its columns (unpackedRowSql) has each (a packed row has no values). */
export const UNPACKED = { rowid: 0, submitted: 1, started: 2, completed: 3, uuid: 4, ok: 5, failed: 6, resubmitted: 7, values: [] as readonly number[] } as const;

/** A slice's rows as typed arrays, filled row by row. */
export interface RowArrays {
  readonly rowid: Float64Array;
  readonly submitted: Float64Array;
  readonly started: Float64Array;
  readonly completed: Float64Array;
  readonly ok: Uint8Array;
  readonly failed: Uint8Array;
  readonly resubmitted: Uint8Array;
  /** 1 where a packed row says the task is an apply request told by its stored columns alone (0 for a row read as its columns). */
  readonly apply: Uint8Array;
}

/** The rows of a slice as typed arrays of `n` rows. */
export function rowArrays(n: number): RowArrays {
  return {
    rowid: new Float64Array(n),
    submitted: new Float64Array(n),
    started: new Float64Array(n),
    completed: new Float64Array(n),
    ok: new Uint8Array(n),
    failed: new Uint8Array(n),
    resubmitted: new Uint8Array(n),
    apply: new Uint8Array(n),
  };
}

/** Sent back: the row is to be read as its columns. */
export const UNPACK = -2;

/** The row's engine uuid is None. */
export const NO_UUID_TEXT = -1;

/**
 * Reads a packed row into row `i` of `into`: where its engine uuid starts
 * in `v` (it ends where `v` does), or NO_UUID_TEXT where it holds none;
 * UNPACK when the row is to be read as its columns (it came as its rowid,
 * or a time of it is not in the canonical form), its rowid then the only
 * thing read. The text is SQLite's (packedRowSql): its rowid and flags are
 * digits, each ended by a comma.
 */
export function unpackRow(v: unknown, i: number, into: RowArrays): number {
  if (typeof v !== 'string') {
    into.rowid[i] = Number(v);
    return UNPACK;
  }
  return unpackRowAt(v, 0, v.length, i, into);
}

/**
 * unpackRow of the packed text `text[start, end)`, read in place (a slice's
 * texts come joined: blob-slices.ts); a text without a comma is a rowid
 * SQLite did not pack.
 */
export function unpackRowAt(text: string, start: number, end: number, i: number, into: RowArrays): number {
  let p = start;
  let sign = 1;
  if (text.charCodeAt(p) === 0x2d) {
    sign = -1;
    p++;
  }
  let rowid = 0;
  let c = p < end ? text.charCodeAt(p++) : 0x2c;
  while (c !== 0x2c) {
    rowid = rowid * 10 + (c - 0x30);
    if (p === end) {
      // no comma: the row came as its rowid alone
      into.rowid[i] = Number(text.slice(start, end));
      return UNPACK;
    }
    c = text.charCodeAt(p++);
  }
  into.rowid[i] = sign * rowid;
  let flags = 0;
  c = text.charCodeAt(p++);
  while (c !== 0x2c) {
    flags = flags * 10 + (c - 0x30);
    c = text.charCodeAt(p++);
  }
  into.ok[i] = flags & OK ? 1 : 0;
  into.failed[i] = flags & FAILED ? 1 : 0;
  into.resubmitted[i] = flags & RESUBMITTED ? 1 : 0;
  into.apply[i] = flags & APPLY ? 1 : 0;
  let us = NaN;
  if ((flags & NO_SUBMITTED) === 0) {
    if (p + 32 > end || (us = sameHourMicrosAt(text, p) ?? NaN) !== us) return UNPACK;
    p += 32;
  }
  into.submitted[i] = us;
  us = NaN;
  if ((flags & NO_STARTED) === 0) {
    if (p + 32 > end || (us = sameHourMicrosAt(text, p) ?? NaN) !== us) return UNPACK;
    p += 32;
  }
  into.started[i] = us;
  us = NaN;
  if ((flags & NO_COMPLETED) === 0) {
    if (p + 32 > end || (us = sameHourMicrosAt(text, p) ?? NaN) !== us) return UNPACK;
    p += 32;
  }
  into.completed[i] = us;
  return flags & NO_UUID ? NO_UUID_TEXT : p;
}

/** Numbers parts of a text by what they hold (sent-texts.ts, RegionIndex). */
export interface TextNumbers {
  get(text: string, start: number, end: number): number;
}

/**
 * Reads a slice's packed rows into `into`, each row's engine uuid as its
 * number by `uuids` into `uuid` (-1 where it holds none): rows as SQLite
 * gives them one by one (a text or a rowid each), or a slice's texts as one
 * (blob-slices.ts). Returns the rows to be read as their columns.
 */
export function unpackRows(rows: readonly unknown[] | PackedSlice, into: RowArrays, uuid: Int32Array, uuids: TextNumbers): number[] {
  const back: number[] = [];
  if (Array.isArray(rows)) {
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i];
      const u = unpackRow(v, i, into);
      if (u === UNPACK) back.push(i);
      else uuid[i] = u === NO_UUID_TEXT ? -1 : uuids.get(v as string, u, (v as string).length);
    }
    return back;
  }
  const p = rows as PackedSlice;
  for (let i = 0; i < p.length; i++) {
    const end = packedEnd(p, i);
    const u = unpackRowAt(p.text, p.starts[i]!, end, i, into);
    if (u === UNPACK) back.push(i);
    else uuid[i] = u === NO_UUID_TEXT ? -1 : uuids.get(p.text, u, end);
  }
  return back;
}
