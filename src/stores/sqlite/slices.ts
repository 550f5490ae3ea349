import type Database from 'better-sqlite3';

/**
 * How long one read statement may run before the store lets go of the file,
 * so that a controller writing the same file waits far less than 50 ms.
 */
export const READ_SLICE_MS = 12;

/**
 * Runs a statement over a table in slices of rowids, each slice its own
 * short read transaction: the statement's first two parameters bound the
 * slice (`rowid > ? AND rowid <= ?`). The slice grows while statements are
 * quick (up to `maxSpan` rowids) and shrinks when one takes longer than
 * READ_SLICE_MS. Rows added
 * while the scan runs are read too. Yields each slice's rows.
 */
export function* sliceRows(
  maxRowid: Database.Statement, stmt: Database.Statement, params: readonly unknown[], maxSpan = 1 << 20,
): Generator<unknown[][]> {
  yield* sliceReads(maxRowid, (lo, hi) => stmt.all([lo, hi, ...params]) as unknown[][], maxSpan);
}

/** sliceRows with each slice read by `read(lo, hi)`: the rows with lo < rowid <= hi, as one short read. */
export function* sliceReads<T>(maxRowid: Database.Statement, read: (lo: number, hi: number) => T, maxSpan = 1 << 20): Generator<T> {
  let lo = 0;
  let span = Math.min(4096, maxSpan);
  let max = (maxRowid.pluck().get() as number | null) ?? 0;
  while (lo < max) {
    const t0 = performance.now();
    const rows = read(lo, lo + span);
    const took = performance.now() - t0;
    lo += span;
    span = took < READ_SLICE_MS / 2 ? Math.min(span * 2, maxSpan) : took > READ_SLICE_MS ? Math.max(256, span >> 1) : span;
    if (lo >= max) max = (maxRowid.pluck().get() as number | null) ?? 0;
    yield rows;
  }
}
