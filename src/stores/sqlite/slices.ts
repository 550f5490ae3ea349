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

/**
 * sliceRows with each slice read by `read(lo, hi)`: the rows with lo <
 * rowid <= hi, as one short read. `cachePages`: the page cache of the pass
 * (PASS_CACHE_PAGES; SLICE_CACHE_PAGES when a slice is read by two
 * statements, the second finding the first's pages). `to` may be asked
 * before each slice, given where the pass is (every row up to it read) and
 * how many rowids the next slice would span: it may move down while the
 * pass runs, never below where the pass is, and up (a worker taking more
 * blocks: claims.ts).
 */
export function* sliceReads<T>(
  maxRowid: Database.Statement, read: (lo: number, hi: number) => T, maxSpan = 1 << 20, cachePages = PASS_CACHE_PAGES, from = 0,
  to: number | ((at: number, span: number) => number) = Infinity, firstSpan = FIRST_SPAN,
): Generator<T> {
  const release = passCache(maxRowid.database, cachePages);
  try {
    yield* slices(maxRowid, read, maxSpan, from, typeof to === 'number' ? () => to : to, firstSpan);
  } finally {
    release();
  }
}

/** The rowids a pass's first slice spans, unless told otherwise: it grows or shrinks from there. */
const FIRST_SPAN = 4096;

/** The slices past rowid `from`, up to rowid `to(at)` (while it is Infinity, up to the last row, rows added meanwhile too). */
function* slices<T>(
  maxRowid: Database.Statement, read: (lo: number, hi: number) => T, maxSpan: number, from: number, to: (at: number, span: number) => number, firstSpan: number,
): Generator<T> {
  let lo = from;
  let span = Math.min(firstSpan, maxSpan);
  let last = (maxRowid.pluck().get() as number | null) ?? 0;
  for (;;) {
    const end = to(lo, span);
    if (!(lo < Math.min(end, last))) break;
    const t0 = performance.now();
    const hi = Math.min(lo + span, end);
    const rows = read(lo, hi);
    const took = performance.now() - t0;
    lo = hi;
    span = took < READ_SLICE_MS / 2 ? Math.min(span * 2, maxSpan) : took > READ_SLICE_MS ? Math.max(256, span >> 1) : span;
    if (lo >= last) last = (maxRowid.pluck().get() as number | null) ?? 0;
    yield rows;
  }
}

/**
 * The pages SQLite's cache holds while a pass reads a table from end to
 * end. A pass reads each page once, so a cache does it no good; the
 * connection's own (better-sqlite3 builds SQLite with 16 MB, about 4,000
 * pages) costs a fresh process a third more time on its first pass, its pages allocated one by one and out of the
 * processor's caches, where a few pages used over and over stay in them.
 * Only for the pass: the cache's size also bounds the memory of SQLite's
 * sorts before they spill to temporary files.
 */
export const PASS_CACHE_PAGES = 64;

/**
 * The page cache of a pass whose slices are each read by two statements
 * (a slice's blobs as one aggregate beside its other columns): enough to
 * hold a slice's pages for the second, so that it does not read them from
 * the file again (at 100,000 tasks `%stats by function` took 1.18 s with
 * 64 pages, 1.12 s with these, 1.24 s with the default 16 MB).
 */
export const SLICE_CACHE_PAGES = 1500;

/** The passes running on each connection, and the cache size to give back when the last ends. */
const passes = new WeakMap<Database.Database, { depth: number; size: unknown }>();

/** `read()` run with the small cache of a pass (a statement that itself reads a whole table). */
export function inPass<T>(db: Database.Database, read: () => T): T {
  const release = passCache(db, PASS_CACHE_PAGES);
  try {
    return read();
  } finally {
    release();
  }
}

/** Gives the connection the cache of a pass (`pages`) until the returned function is called; a pass inside another keeps the outer's. */
function passCache(db: Database.Database, pages: number): () => void {
  let p = passes.get(db);
  if (p) {
    p.depth++;
  } else {
    try {
      const size = db.pragma('cache_size', { simple: true });
      db.pragma(`cache_size = ${pages}`);
      p = { depth: 1, size };
      passes.set(db, p);
    } catch {
      // a connection busy with an open statement keeps its cache: the pass is only slower
      return () => {};
    }
  }
  const held = p;
  return () => {
    if (--held.depth > 0) return;
    passes.delete(db);
    try {
      if (db.open) db.pragma(`cache_size = ${Number(held.size)}`);
    } catch {
      // as above: the cache keeps the pass's size until the connection closes
    }
  };
}
