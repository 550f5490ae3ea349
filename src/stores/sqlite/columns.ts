import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { functionKey, type ColumnChunk, type ColumnRequest } from '../../analytics/index.js';
import { DERIVED_NEEDS, derivedValue, largePickles, unpickleInSlices } from '../../payload/index.js';
import { SQL_TIMESTAMP_FUNCTION, quoteIdentifier, sqlText, type SqlFilter } from './sql-filter.js';
import { EMPTY_DICT_TEXT, OK_REPLY_TEXT, compareStrings, enginesFromRecords, keySpec, unreadable, type TaskRecord, type Value } from '../../records/index.js';
import { datetimeMicros, decodeColumn, timestampMicros } from './codec.js';
import { recordPlace, rowReader, type RowReader } from './rows.js';
import { PASS_CACHE_PAGES, SLICE_CACHE_PAGES, sliceReads } from './slices.js';
import { Claims, blockRange } from './claims.js';
import { blobSlices, packedBlobSlices, packedSliceOf, type PackedSlice } from './blob-slices.js';
import { knownBytesKeyAt, knownCallKey, type CallAt } from './call-names.js';
import { RegionIndex } from './sent-texts.js';
import { UNPACKED, packedRowSql, rowArrays, unpackRows, unpackedRowSql, type PackedColumns, type RowArrays } from './packed-rows.js';
import { sqliteError, type TaskTable } from './tables.js';
import { loopTurn, throwIfStopped } from '../../errors.js';
import type { ColumnJob, ColumnMessage, ColumnSlice } from './column-worker.js';
import { startWorker, type ReadyWorker } from './worker-start.js';

/** Where a row read as its columns has each column (-1: not read). */
type ColumnsAt = Omit<ColumnJob['at'], 'values'>;

/**
 * A task table read as columns (analytics' ColumnRequest): one sliced pass
 * in rowid order, as scanRecords reads, fetching only the columns the
 * answer needs. A row that is not plain is fetched whole (the keys of its
 * record) by rowid in the same transaction as its slice.
 *
 * Without an engine map, a read of every record learns it on the way, as
 * the client would have looked it up (the failed tasks' engine_info, in
 * answer order): its rows wait until the pass is over, then the rows whose
 * reply is the plain success but whose engine the map does not name are
 * fetched again, whole, and the chunks go out.
 */

/** What the reader needs of the store. */
export interface ColumnSource {
  readonly db: Database.Database;
  readonly path: string;
  /** The field that says which task table a record came from, in a store of every table. */
  readonly tableField: string | null;
  /** Runs a statement, a SQLite failure becoming a StoreError that names the file. */
  run<T>(fn: () => T): T;
}

/**
 * When a column read takes a worker thread (column-worker.ts): a table of
 * at least `minRows` rowids. The main thread starts reading at once; once
 * the worker says it is ready (a Node worker takes a few hundred
 * milliseconds to start here, so the interactive shell makes one ready
 * ahead), it is given the upper half of what the main thread has still to
 * read, as the two read a row in about the same time. Should that be fewer
 * than `minWorkerRows`, the main thread reads the rest alone. Each thread,
 * its own part read, takes blocks of the other's from the top (claims.ts)
 * until none is left, so that neither waits for the other.
 */
export const parallelRead: {
  minRows: number; minWorkerRows: number; worker: URL; awaitReady: boolean; share: number; leastBlock: number; mainTakes: boolean;
  workerRows: number; workerNamedRows: number; takenByMain: number; takenByWorker: number;
} = {
  minRows: 60_000,
  minWorkerRows: 10_000,
  worker: new URL('./column-worker.js', import.meta.url),
  /** Whether a read waits for its worker to be ready before it reads a row (a test's small tables would be read before it is). */
  awaitReady: false,
  /** The worker's part of what is left when it is ready, and the least rowids of a block the threads take (claims.ts). */
  share: 0.5,
  leastBlock: 1024,
  /** Whether the main thread takes blocks of the worker's part (a test of the worker's own reading turns it off). */
  mainTakes: true,
  /** How many rows workers have read, all told, and of those how many with their function's name. */
  workerRows: 0,
  workerNamedRows: 0,
  /** How many rows of the worker's part the main thread has read, and of the main thread's part workers have, all told. */
  takenByMain: 0,
  takenByWorker: 0,
};

/** A worker's messages, and `failed` when it ended without `done` (it could not start, or died): the rest is then read on the main thread. */
type HelperMessage = ColumnMessage | { readonly kind: 'failed' };

/** A worker started ahead of a read (`readyColumnWorker`), waiting for its job; null when none is. */
let ready: ReadyWorker | null = null;
/** Whether a worker is made ready again once the one ready is taken (an interactive session). */
let keepReady = false;
/** How long after a read the next worker is made ready. */
const READY_AGAIN_MS = 1500;

/**
 * Starts a worker for a column read ahead of the read (a Node worker takes
 * a few hundred milliseconds to start here), and another whenever a read
 * takes it: for an interactive session on a large table, where `%stats` or
 * `%timeline` then find one ready. It holds no file and keeps no process
 * running. `early`: one started before the store was known (by the
 * command, as ipc began), its listeners keeping its two flags.
 */
export function readyColumnWorker(early: ReadyWorker | null = null): void {
  keepReady = true;
  if (ready?.alive) {
    if (early) void early.worker.terminate();
    return;
  }
  if (early) early.worker.unref();
  ready = early ?? startWorker(parallelRead.worker);
}

/** A column read's worker: told its job once it is ready, then its messages one by one, in order. */
interface Helper {
  /** Whether the worker has said it is ready: a job given now starts at once. */
  isReady(): boolean;
  /** Settles once the worker is ready, or has ended without being so. */
  whenReady(): Promise<void>;
  /** Gives the worker its job (once). */
  begin(job: ColumnJob): void;
  next(): Promise<HelperMessage>;
  /** The next message if one has come, else null (without waiting). */
  take(): HelperMessage | null;
  stop(): void;
}

/** Takes the worker made ready (else starts one), which is given its job when the read decides where it starts. */
function startHelper(): Helper {
  const queue: HelperMessage[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  let started = ready?.alive === true && ready.started;
  let settled: (() => void) | null = null;
  const push = (m: HelperMessage | { readonly kind: 'ready' }) => {
    if (m.kind === 'ready') started = true;
    if (m.kind === 'ready' || m.kind === 'failed') settled?.();
    if (ended || m.kind === 'ready') return;
    if (m.kind !== 'slice') ended = true;
    queue.push(m);
    wake?.();
  };
  let worker: Worker | null = null;
  try {
    const taken = ready?.alive ? ready.worker : null;
    ready = null;
    worker = taken ?? new Worker(parallelRead.worker);
    worker.on('message', (m: ColumnMessage | { readonly kind: 'ready' }) => push(m));
    worker.on('error', () => push({ kind: 'failed' }));
    worker.on('exit', () => push({ kind: 'failed' }));
    // held while the read runs (it ends it): the read may wait for it
    worker.ref();
  } catch {
    push({ kind: 'failed' });
  }
  return {
    isReady: () => started && !ended,
    whenReady: () => (started || ended ? Promise.resolve() : new Promise<void>((r) => (settled = r))),
    begin(job) {
      worker?.postMessage(job);
    },
    async next() {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      wake = null;
      return queue.shift()!;
    },
    take: () => queue.shift() ?? null,
    stop() {
      ended = true;
      void worker?.terminate();
      // the next read's worker starts a while after this read, not while it or what is made of it (a chart) takes both cores
      if (keepReady) setTimeout(readyColumnWorker, READY_AGAIN_MS).unref();
    },
  };
}

/** The keys a function's name is derived from, msg_id first (it names the task in a message). */
const FUNCTION_KEYS = ['msg_id', ...DERIVED_NEEDS.function];
/** The dict columns among them that a record leaves as text until read (as the derived keys' plan has them). */
const FUNCTION_LAZY = ['header', 'content', 'buffers'];
/** What the engine map is learned from (the client's lookup): a failed task's engine and reply metadata. */
const ENGINE_KEYS = ['msg_id', 'submitted', 'engine_uuid', 'result_metadata'];

/** Row marks in a chunk's `plain` while an engine map is being learned. */
const RECORD = 0;
const PLAIN = 1;
/** The reply is the plain success: plain if the map learned names the engine. */
const MAYBE = 2;

/** Where each key sits in a fetched row (-1: not fetched). */
interface Layout {
  readonly select: string;
  /** The select list's items, one a column of a fetched row. */
  readonly items: readonly string[];
  readonly at: ReadonlyMap<string, number>;
  /** The keys of a row's record as fetched by rowid: the rowid, then these. */
  readonly recordKeys: readonly string[];
  /** The columns a packed row holds (packed-rows.ts), its first item (the buffers the other, where function names are read); null when rows come as their columns. */
  readonly packed: PackedColumns | null;
  /** The SQL of the columns a function's name is derived from (FUNCTION_KEYS), as read by rowid beside packed rows. */
  readonly callSql: readonly string[];
}

/** The position of the flag that says a row's reply is the plain success, and of the one that says it failed (learning a map). */
const OK_AT = ' ok';
const FAILED_AT = ' failed';
/** The position of a packed row's text. */
const PACKED_AT = ' packed';
/** The position of the flag that says a row was resubmitted. */
const RESUBMITTED_AT = ' resubmitted';

function layout(table: TaskTable, request: ColumnRequest, failed: SqlFilter | null, packable: boolean): Layout {
  const columns: string[] = [];
  const at = new Map<string, number>();
  const column = (k: string) => (table.keys.includes(k) ? quoteIdentifier(k) : 'NULL');
  const raw = (k: string, sql = column(k)) => {
    if (at.has(k)) return;
    at.set(k, columns.length);
    columns.push(sql);
  };
  // 1 when the reply is the text the hub stores for every success: the same bytes, so the same text in JS
  const ok = table.keys.includes('result_content') ? `result_content = ${sqlText(OK_REPLY_TEXT)}` : 'NULL';
  // 1 when resubmitted is a non-empty text: a text of SQLite's is a string in JS, an empty one the empty string
  const resubmitted = request.resubmittedFlag ? `(typeof(${column('resubmitted')}) = 'text' AND ${column('resubmitted')} <> '')` : 'NULL';
  // packed only where the row is nothing else (with values, the packing's SQL and the unpacking cost more than making
  // the values it spares), or its function's name beside (the buffers then come beside the packed texts, and the
  // call's other columns by rowid for a row its buffers alone do not name: call-names.ts)
  const callSql = FUNCTION_KEYS.map((k) =>
    // the header of an apply request (content '{}') is never read: taskCode decides by the content
    k === 'header' && table.keys.includes('content') ? `CASE WHEN content = ${sqlText(EMPTY_DICT_TEXT)} THEN NULL ELSE header END` : column(k));
  const apply = request.function
    ? `(${column('execute_input')} IS NULL AND typeof(${column('content')}) = 'text' AND ${column('content')} = ${sqlText(EMPTY_DICT_TEXT)} COLLATE BINARY)`
    : 'NULL';
  const packed: PackedColumns | null =
    packable && request.state && request.values.length === 0
      ? { submitted: column('submitted'), started: column('started'), completed: column('completed'), uuid: column('engine_uuid'), ok, failed: failed ? `(${failed.where})` : 'NULL', resubmitted, apply }
      : null;
  if (packed) {
    raw(PACKED_AT, packedRowSql(packed));
    if (request.function) raw('buffers');
  } else {
    if (request.state) raw('rowid', 'rowid');
    for (const k of ['submitted', 'started', 'completed']) raw(k);
    if (request.state) {
      raw('engine_uuid');
      raw(OK_AT, ok);
      if (failed) raw(FAILED_AT, `(${failed.where})`);
    }
    if (request.resubmittedFlag) raw(RESUBMITTED_AT, resubmitted);
  }
  for (const k of request.values) raw(k);
  if (request.function && !packed) FUNCTION_KEYS.forEach((k, j) => raw(k, callSql[j]));
  // a record fetched by rowid also gives what a row is read from, for a row fetched again
  const recordKeys = [...new Set([...request.keys, 'submitted', 'started', 'completed', 'engine_uuid', 'result_content', ...request.values, ...(request.resubmittedFlag ? ['resubmitted'] : []), ...(failed ? ENGINE_KEYS : [])])];
  return { select: columns.join(', '), items: columns, at, recordKeys, packed, callSql };
}

/** A failed task's engine and reply metadata as stored, and where it falls in answer order: what the engine map is learned from. */
interface FailedTask {
  readonly micros: number;
  readonly msgIdText: string;
  readonly table: number;
  /** Its rowid: where two tasks tie, the table's order (a read's parts are not learned in that order). */
  readonly rowid: number;
  readonly engineUuid: unknown;
  readonly metadata: unknown;
  readonly where: string;
}

/** What a read that learns the engine map keeps until its pass is over. */
export interface Learning {
  readonly failed: FailedTask[];
  /** 1 at the index of each engine uuid that a row marked MAYBE has. */
  readonly maybe: number[];
  /** Per table read: the rows whose engine the map must name (by rowid), fetched again when it does not. */
  readonly tables: {
    readonly refetch: (rowids: readonly number[]) => Map<number, unknown[]>;
    readonly fill: (chunk: ColumnChunk, i: number, rec: unknown[], mapped: ReadonlySet<string>) => void;
  }[];
}

/**
 * One slice's rows as fetched (a packed row: its text), its
 * rowids, times, flags, engine uuids (their indices) and marks, and the rows
 * of the records of those not plain (by rowid).
 */
interface Slice {
  readonly length: number;
  /** Its rows as fetched; none beside `packed`. */
  readonly rows: unknown[];
  /** Packed rows beside their buffers, as one (blob-slices.ts); null when rows come otherwise. */
  readonly packed: PackedSlice | null;
  readonly arrays: RowArrays;
  readonly uuid: Int32Array;
  readonly plain: Uint8Array;
  readonly records: Map<number, unknown[]>;
  /** Beside packed rows: each row's function key where its buffers alone give it, and the call columns of the others by rowid. */
  names: (string | null | undefined)[] | null;
  calls: Map<number, unknown[]> | null;
}

/**
 * The chunks of one table's rows that pass `filter` (all SQL: no residual),
 * in rowid order. `uuids` and `uuidIndex` are the read's engine uuids,
 * shared by every table of it. With `learning`, no row is plain yet: a row
 * whose reply is the plain success is marked MAYBE, and the failed tasks
 * are kept in `learning.failed`.
 */
export async function* tableColumns(
  src: ColumnSource, table: TaskTable, tableIndex: number, filter: SqlFilter, request: ColumnRequest,
  uuids: string[], uuidIndex: Map<string, number>, learning: Learning | null = null, failedFilter: SqlFilter | null = null,
): AsyncGenerator<ColumnChunk> {
  // a value whose column the table has not (a 7.x table's label) is None in every row: SQL is asked only for the
  // others, so that a read of none comes packed (packed-rows.ts); msg_id is read in any case
  const absent = request.values.filter((k) => k !== 'msg_id' && !table.keys.includes(k));
  if (absent.length === 0) {
    yield* tableColumnsAsked(src, table, tableIndex, filter, request, uuids, uuidIndex, learning, failedFilter);
    return;
  }
  const asked = { ...request, values: request.values.filter((k) => !absent.includes(k)) };
  for await (const chunk of tableColumnsAsked(src, table, tableIndex, filter, asked, uuids, uuidIndex, learning, failedFilter)) {
    const values: Record<string, Value[]> = { ...chunk.values };
    for (const k of absent) values[k] = new Array<Value>(chunk.length).fill(null);
    yield { ...chunk, values };
  }
}

/** tableColumns of a request whose values are all columns of the table (or msg_id). */
async function* tableColumnsAsked(
  src: ColumnSource, table: TaskTable, tableIndex: number, filter: SqlFilter, request: ColumnRequest,
  uuids: string[], uuidIndex: Map<string, number>, learning: Learning | null, failedFilter: SqlFilter | null,
): AsyncGenerator<ColumnChunk> {
  // a packed row's texts are SQLite's UTF-8 bytes as they are stored only in a UTF-8 file
  const utf8 = src.run(() => src.db.pragma('encoding', { simple: true })) === 'UTF-8';
  const { select, items, at, recordKeys, packed, callSql } = layout(table, request, learning ? failedFilter : null, utf8);
  // packed rows with their function's name: each row [its packed text, its buffers]
  const packedCall = packed !== null && request.function;
  const name = quoteIdentifier(table.name);
  const stmt = src.run(() => {
    const s = src.db.prepare(`SELECT ${select} FROM ${name} NOT INDEXED WHERE rowid > ? AND rowid <= ? AND (${filter.where}) ORDER BY rowid`);
    return packed && !packedCall ? s.pluck() : s.raw();
  });
  const flagParams = learning && failedFilter ? failedFilter.params : [];
  const pos = (k: string) => at.get(k) ?? -1;
  // the function's name is read from the buffers: a slice's blobs as one aggregate (a view of it a row), where the file allows
  const blobAt = request.function && pos('buffers') >= 0 ? [pos('buffers')] : [];
  const aggregated = blobAt.length === 0 || packedCall ? null : src.run(() => blobSlices(src.db, name, filter, items, blobAt, flagParams));
  // packed rows beside their buffers: a slice's as one, in one statement (so with a pass's small page cache, not
  // SLICE_CACHE_PAGES: at 100,000 tasks by function 12-17 ms less)
  const packedRead = !packedCall ? null
    : (src.run(() => packedBlobSlices(src.db, name, filter, items[0]!, items[1]!, flagParams)) ??
      ((lo: number, hi: number) => packedSliceOf(stmt.all([...flagParams, lo, hi, ...filter.params]) as unknown[][])));
  const S = pos('submitted');
  const T = pos('started');
  const C = pos('completed');
  const U = pos('engine_uuid');
  const OK = pos(OK_AT);
  const FAILED = pos(FAILED_AT);
  const RESUBMITTED = pos(RESUBMITTED_AT);
  /** Where a row of the slice statement has each column (when rows come as their columns). */
  const columnsAt: ColumnsAt = { rowid: 0, submitted: S, started: T, completed: C, uuid: U, ok: OK, failed: FAILED, resubmitted: RESUBMITTED };
  const M = pos('msg_id');
  const mapped = request.mapped;
  /** Whether the map names the uuid of index u (u ≥ 0), looked up once an index. */
  const mappedAt: boolean[] = [];
  const isMapped = (u: number): boolean => (mappedAt[u] ??= mapped.has(uuids[u]!));
  /**
   * A row's mark, the record path's test: PLAIN when its reply's text is the
   * plain success and the map names its engine (while a map is learned,
   * MAYBE for such a row unless it failed); else RECORD, its record wanted.
   */
  const markOf = (ok: boolean, u: number, failed: boolean): number => {
    if (!ok || u < 0) return RECORD;
    if (!learning) return isMapped(u) ? PLAIN : RECORD;
    if (failed) return RECORD;
    learning.maybe[u] = 1;
    return MAYBE;
  };
  const intern = (uuid: unknown): number => {
    if (typeof uuid !== 'string') return -1;
    let u = uuidIndex.get(uuid);
    if (u === undefined) {
      u = uuids.length;
      uuids.push(uuid);
      uuidIndex.set(uuid, u);
    }
    return u;
  };
  /** A packed row's uuid found in place in its text (packed-rows.ts), its index as intern gives it. */
  const uuidAt = new RegionIndex(intern);
  // a record's row: its rowid, then its keys
  const recordAt = (k: string) => recordKeys.indexOf(k) + 1;
  const recordsOf = request.state
    ? src.run(() =>
        src.db.prepare(`SELECT rowid, ${recordKeys.map((k) => (table.keys.includes(k) ? quoteIdentifier(k) : 'NULL')).join(', ')} FROM ${name} WHERE rowid IN (SELECT value FROM json_each(?))`).raw(),
      )
    : null;
  /** The rows `stmt` gives for `rowids` (its last parameter, after `params`), by rowid (each row's first item). */
  const byRowid = (stmt: Database.Statement, rowids: readonly number[], params: readonly unknown[] = []): Map<number, unknown[]> => {
    const found = new Map<number, unknown[]>();
    if (rowids.length > 0) for (const r of src.run(() => stmt.all([...params, JSON.stringify(rowids)])) as unknown[][]) found.set(r[0] as number, r);
    return found;
  };
  const fetchRecords = (rowids: readonly number[]): Map<number, unknown[]> => byRowid(recordsOf!, rowids);
  // a packed row SQLite or unpackRow sends back, read as its columns by rowid
  const unpackedSql = packed ? `SELECT ${unpackedRowSql(packed)} FROM ${name} WHERE rowid IN (SELECT value FROM json_each(?))` : '';
  const unpackedOf = packed ? src.run(() => src.db.prepare(unpackedSql).raw()) : null;
  /** Row i of a slice from its columns (`row`, laid out as `at` says: the slice statement's, or UNPACKED). */
  const fromColumns = (slice: Slice, i: number, row: unknown[], at: ColumnsAt): void => {
    const { arrays } = slice;
    arrays.submitted[i] = datetimeMicros(row[at.submitted]);
    arrays.started[i] = datetimeMicros(row[at.started]);
    arrays.completed[i] = datetimeMicros(row[at.completed]);
    if (at.resubmitted >= 0) arrays.resubmitted[i] = row[at.resubmitted] === 1 ? 1 : 0;
    if (!request.state) return;
    arrays.rowid[i] = row[at.rowid] as number;
    slice.uuid[i] = intern(row[at.uuid]);
    arrays.ok[i] = row[at.ok] === 1 ? 1 : 0;
    arrays.failed[i] = row[at.failed] === 1 ? 1 : 0;
  };
  /** A slice's rows as columns: the packed rows unpacked, any other row read from its columns. */
  const columnsOf = (slice: Slice): void => {
    const { rows, length: n } = slice;
    if (!packed) {
      for (let i = 0; i < n; i++) fromColumns(slice, i, rows[i] as unknown[], columnsAt);
      return;
    }
    const { arrays } = slice;
    const back = unpackRows(slice.packed ?? rows, arrays, slice.uuid, uuidAt);
    // in the slice's transaction: every row is there
    const found = byRowid(unpackedOf!, back.map((i) => arrays.rowid[i]!), flagParams);
    for (const i of back) fromColumns(slice, i, found.get(arrays.rowid[i]!)!, UNPACKED);
  };
  // beside packed rows: the call columns of a row its buffers alone do not name, read by rowid (FUNCTION_KEYS after the rowid)
  const callsOf = packedCall ? src.run(() => src.db.prepare(`SELECT rowid, ${callSql.join(', ')} FROM ${name} WHERE rowid IN (SELECT value FROM json_each(?))`).raw()) : null;
  /** A slice of packed rows with their function keys where their buffers alone give them, the call columns of the others (in its transaction). */
  const packedNames = (slice: Slice): void => {
    const { arrays, length: n } = slice;
    const p = slice.packed!;
    const names = new Array<string | null | undefined>(n);
    const wanted: number[] = [];
    for (let i = 0; i < n; i++) {
      const key = arrays.apply[i] === 1 ? knownBytesKeyAt(p.bytes, p.byteStart[i]!, p.byteLength[i]!) : undefined;
      if (key !== undefined) names[i] = key;
      else wanted.push(arrays.rowid[i]!);
    }
    slice.names = names;
    slice.calls = byRowid(callsOf!, wanted);
  };
  const read = src.db.transaction((lo: number, hi: number): Slice => {
    const p = packedRead ? packedRead(lo, hi) : null;
    const rows = p ? [] : aggregated ? aggregated(lo, hi) : (stmt.all([...flagParams, lo, hi, ...filter.params]) as unknown[]);
    const n = p ? p.length : rows.length;
    const slice: Slice = { length: n, rows, packed: p, arrays: rowArrays(n), uuid: new Int32Array(n).fill(-1), plain: new Uint8Array(n), records: new Map(), names: null, calls: null };
    columnsOf(slice);
    if (packedCall) packedNames(slice);
    if (!recordsOf) return slice;
    const { arrays } = slice;
    const wanted: number[] = [];
    for (let i = 0; i < n; i++) {
      const mark = markOf(arrays.ok[i] === 1, slice.uuid[i]!, arrays.failed[i] === 1);
      slice.plain[i] = mark;
      if (mark === RECORD) wanted.push(arrays.rowid[i]!);
    }
    for (const [rowid, r] of fetchRecords(wanted)) slice.records.set(rowid, r);
    return slice;
  });
  const where = recordPlace(table.name, src.path);
  const readRecord: RowReader | null = request.state ? rowReader(request.keys, request.keys.map(recordAt), recordAt('msg_id') || -1, request.lazy) : null;
  const readCall: RowReader | null = request.function
    ? packedCall
      ? rowReader(FUNCTION_KEYS, FUNCTION_KEYS.map((_, j) => j + 1), 1, FUNCTION_LAZY)
      : rowReader(FUNCTION_KEYS, FUNCTION_KEYS.map(pos), M, FUNCTION_LAZY, undefined, aggregated !== null)
    : null;
  // an apply request's row named from its buffers alone where they name it (call-names.ts)
  const callAt: CallAt | null = request.function && !packedCall ? { buffers: pos('buffers'), content: pos('content'), executeInput: pos('execute_input') } : null;
  const valueAt = request.values.map(pos);
  // a text column's text is its value (decodeColumn returns it as it is)
  const isText = request.values.map((k) => (keySpec(k)?.kind ?? 'text') === 'text');
  const setValues = (chunk: ColumnChunk, i: number, row: readonly unknown[], at: readonly number[], msgIdAt: number) => {
    for (let j = 0; j < at.length; j++) {
      const k = request.values[j]!;
      const v = row[at[j]!];
      (chunk.values[k] as Value[])[i] = typeof v === 'string' && isText[j] ? v : decodeColumn(k, v, () => where(row[msgIdAt]));
    }
    if (chunk.msgIdTexts) {
      const id = row[at[request.values.indexOf('msg_id')]!];
      chunk.msgIdTexts[i] = typeof id === 'string' ? id : String(id ?? '');
    }
  };
  /** A row's record, its table said in a store of every table. */
  const record = (r: unknown[]): TaskRecord => {
    const rec = readRecord!(r, where);
    if (src.tableField !== null) rec[src.tableField] = table.name;
    return rec;
  };
  if (learning) {
    const valueRecordAt = request.values.map(recordAt);
    learning.tables.push({
      refetch: fetchRecords,
      // a row fetched again: all of it as it is now, the record path's test made again with the map learned
      fill: (chunk, i, r, mapped) => {
        chunk.submitted[i] = datetimeMicros(r[recordAt('submitted')]);
        chunk.started[i] = datetimeMicros(r[recordAt('started')]);
        chunk.completed[i] = datetimeMicros(r[recordAt('completed')]);
        const u = intern(r[recordAt('engine_uuid')]);
        chunk.uuid[i] = u;
        setValues(chunk, i, r, valueRecordAt, recordAt('msg_id'));
        if (chunk.resubmitted) {
          const v = r[recordAt('resubmitted')];
          (chunk.resubmitted as Uint8Array)[i] = typeof v === 'string' && v !== '' ? 1 : 0;
        }
        if (r[recordAt('result_content')] === OK_REPLY_TEXT && u >= 0 && mapped.has(uuids[u]!)) chunk.plain[i] = PLAIN;
        else {
          chunk.plain[i] = RECORD;
          chunk.records[i] = record(r);
        }
      },
    });
  }
  const maxRowidSql = `SELECT max(rowid) FROM ${name}`;
  const maxRowid = src.run(() => src.db.prepare(maxRowidSql));
  /** The failed task's entry of a row whose record `r` was fetched (learning a map). */
  const failedTask = (r: unknown[]): FailedTask => {
    const id = r[recordAt('msg_id')];
    return {
      micros: timestampMicros(r[recordAt('submitted')]),
      msgIdText: typeof id === 'string' ? id : String(id ?? ''),
      table: tableIndex,
      rowid: r[0] as number,
      engineUuid: r[recordAt('engine_uuid')],
      metadata: r[recordAt('result_metadata')],
      where: where(id),
    };
  };

  /** The chunks of the rows past rowid `from` up to rowid `to`, read here (the first slice spanning `firstSpan` rowids, when given). */
  async function* here(from: number, to: number | ((at: number, span: number) => number), firstSpan?: number): AsyncGenerator<ColumnChunk> {
    const slices = sliceReads(maxRowid, read, undefined, aggregated ? SLICE_CACHE_PAGES : PASS_CACHE_PAGES, from, to, firstSpan);
    for (;;) {
      const next = src.run(() => slices.next());
      if (next.done) break;
      const { rows, length: n, arrays, uuid, plain, records, names, calls } = next.value;
      const values: Record<string, Value[]> = {};
      for (const k of request.values) values[k] = new Array<Value>(n);
      const chunk = {
        length: n,
        table: tableIndex,
        rowid: readRecord ? arrays.rowid : null,
        uuid,
        submitted: arrays.submitted,
        started: arrays.started,
        completed: arrays.completed,
        plain,
        records: new Array<TaskRecord | undefined>(n),
        values,
        resubmitted: request.resubmittedFlag ? arrays.resubmitted : null,
        functions: request.function ? new Array<string | null>(n) : null,
        msgIdTexts: request.values.includes('msg_id') ? new Array<string>(n) : null,
      } satisfies ColumnChunk;
      for (let i = 0; i < n; i++) {
        // a packed row is its text: it has no values to set
        const row = rows[i] as unknown[];
        if (!packed) setValues(chunk, i, row, valueAt, M);
        const known = names ? names[i] : callAt ? knownCallKey(row, callAt) : undefined;
        if (known !== undefined) chunk.functions![i] = known;
        else if (readCall) {
          // beside a packed row, its call columns read by rowid in its slice's transaction
          const call = readCall(calls ? calls.get(arrays.rowid[i]!)! : row, where);
          // a large pickle is decoded in slices first, the event loop turning between them (as the derived keys' plan does)
          for (const p of largePickles(call, ['function'])) await unpickleInSlices(p, () => loopTurn(request.signal));
          chunk.functions![i] = functionKey(derivedValue(call, 'function'));
        }
        if (!readRecord || plain[i]) continue;
        // read in the same transaction as the row: it is there
        const r = records.get(arrays.rowid[i]!)!;
        chunk.records[i] = record(r);
        if (learning && arrays.failed[i] === 1) learning.failed.push(failedTask(r));
      }
      yield chunk;
      // Reading is synchronous: between two slices the event loop turns, so that Ctrl-C is seen.
      await loopTurn(request.signal);
    }
  }

  /** A slice the worker read, as the chunk `here` would have made of it (its records fetched now, by rowid; a row gone since left out). */
  const helperChunk = (w: ColumnSlice, local: number[], localNames: string[], localTexts: string[][]): ColumnChunk => {
    for (const s of w.newUuids) local.push(intern(s));
    for (const f of w.newFunctions) localNames.push(f);
    w.valueTexts.forEach((t, j) => {
      for (const text of t.fresh) localTexts[j]!.push(text);
    });
    const n = w.length;
    const uuid = new Int32Array(n);
    const plain = new Uint8Array(n);
    const wanted: number[] = [];
    for (let i = 0; i < n; i++) {
      const u = w.uuid[i]! < 0 ? -1 : local[w.uuid[i]!]!;
      uuid[i] = u;
      const mark = markOf(w.ok[i] === 1, u, w.failed[i] === 1);
      plain[i] = mark;
      if (mark === RECORD) wanted.push(i);
    }
    const times = [w.submitted, w.started, w.completed];
    for (const [t, i, raw] of w.odd) times[t]![i] = datetimeMicros(raw);
    const values: Record<string, Value[]> = {};
    for (const k of request.values) values[k] = new Array<Value>(n);
    const chunk = {
      length: n,
      table: tableIndex,
      rowid: w.rowid,
      uuid,
      submitted: w.submitted,
      started: w.started,
      completed: w.completed,
      plain,
      records: new Array<TaskRecord | undefined>(n),
      values,
      resubmitted: request.resubmittedFlag ? w.resubmitted : null,
      functions: w.functions ? Array.from(w.functions, (f) => (f < 0 ? null : localNames[f]!)) : null,
      msgIdTexts: request.values.includes('msg_id') ? new Array<string>(n) : null,
    } satisfies ColumnChunk;
    const ids = request.values.indexOf('msg_id');
    const row: unknown[] = [];
    const at = request.values.map((_, j) => j);
    const found = fetchRecords(wanted.map((i) => w.rowid[i]!));
    const gone = new Set<number>();
    let note = 0;
    // row by row as `here` goes: its values, the notes the worker heard of it (its function's), then its record
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < at.length; j++) {
        const t = w.valueTexts[j]!.index[i]!;
        row[j] = t >= 0 ? localTexts[j]![t] : w.values[j]![i];
      }
      setValues(chunk, i, row, at, ids);
      for (; note < w.notes.length && w.notes[note]!.row === i; note++) {
        const u = w.notes[note]!;
        unreadable(u.key, u.record, u.reason, u.kind);
      }
      if (plain[i] !== RECORD) continue;
      const r = found.get(w.rowid[i]!);
      if (!r) {
        gone.add(i);
        continue;
      }
      chunk.records[i] = record(r);
      if (learning && w.failed[i] === 1) learning.failed.push(failedTask(r));
    }
    return gone.size > 0 ? without(chunk, gone) : chunk;
  };

  // a large plain read: a worker thread reads the upper part of the table meanwhile (its connection has
  // none of the SQL functions this one has: a filter that calls one is read here alone)
  const top = (src.run(() => maxRowid.pluck().get()) as number | null) ?? 0;
  const helper =
    request.state && top >= parallelRead.minRows && !src.db.memory && !stmt.source.includes(SQL_TIMESTAMP_FUNCTION) ? startHelper() : null;
  if (!helper) {
    yield* here(0, Infinity);
    return;
  }
  const job = (lower: Claims, upper: Claims): ColumnJob => ({
    filename: src.db.name,
    mmapBytes: Number(src.run(() => src.db.pragma('mmap_size', { simple: true }))) || 0,
    cachePages: aggregated ? SLICE_CACHE_PAGES : PASS_CACHE_PAGES,
    sql: stmt.source,
    packed: packed !== null,
    unpackedSql,
    maxRowidSql,
    flagParams: [...flagParams],
    filterParams: [...filter.params],
    upper: { range: upper.range, word: upper.buffer },
    lower: { range: lower.range, word: lower.buffer },
    at: packed ? UNPACKED : { ...columnsAt, values: valueAt },
    call: request.function
      ? { table: name, items, where: filter.where, blobAt, keys: FUNCTION_KEYS, keysAt: FUNCTION_KEYS.map(pos), msgIdAt: M, lazy: FUNCTION_LAZY, tableName: table.name, path: src.path, callAt, callSql }
      : null,
  });
  // Once the worker is ready (decided before a slice read here), what is left is cut in two: the lower part
  // is this thread's, read from its bottom, the upper the worker's, read from its bottom; each takes
  // blocks of the other's from its top once its own are read (claims.ts), so that neither waits.
  let lower: Claims | null = null;
  let upper: Claims | null = null;
  let lowerEnd = 0;
  const upTo = (at: number, span: number): number => {
    if (!lower) {
      if (!helper.isReady() || top - at < parallelRead.minWorkerRows) return Infinity;
      const split = top - Math.floor((top - at) * parallelRead.share);
      lower = new Claims(blockRange(at, split, parallelRead.leastBlock));
      upper = new Claims(blockRange(split, top, parallelRead.leastBlock));
      helper.begin(job(lower, upper));
      lowerEnd = at;
    }
    if (at < lowerEnd) return lowerEnd;
    const got = lower.takeLow(Math.min(BLOCKS_TAKEN, Math.max(1, Math.ceil(span / lower.range.size))));
    // none left: this thread's pass ends where it is
    if (!got) return at;
    lowerEnd = got[1];
    return lowerEnd;
  };
  try {
    if (parallelRead.awaitReady) await helper.whenReady();
    // small slices first: the worker, once ready, is given its job between two of them
    yield* here(0, upTo, FIRST_SPAN_WITH_WORKER);
    // the worker never began (it was not ready while there was enough left): every row is read here
    if (!upper) return;
    const theirs: Claims = upper;
    // The worker's slices, and blocks this thread takes from the top of its part meanwhile: given in
    // rowid order once the worker is done (this thread's part, given as it was read, is below them all).
    // Should the worker stop short, what no slice of it covers is read here.
    const local: number[] = [];
    const localNames: string[] = [];
    const localTexts = request.values.map((): string[] => []);
    const later: ColumnChunk[] = [];
    const covered: [number, number][] = [];
    /** Reads the rowids past lo up to hi here, into `later`. */
    const readLater = async (lo: number, hi: number): Promise<number> => {
      let n = 0;
      for await (const c of here(lo, hi)) {
        // an empty slice (rowids none of whose rows pass) has no place in rowid order
        if (c.length > 0) later.push(c);
        n += c.length;
      }
      return n;
    };
    /** Takes blocks of the worker's part from its top and reads them; false when none was left. */
    const takeBlocks = async (): Promise<boolean> => {
      const got = parallelRead.mainTakes ? theirs.takeHigh(BLOCKS_STOLEN) : null;
      if (got) parallelRead.takenByMain += await readLater(got[0], got[1]);
      return got !== null;
    };
    for (;;) {
      let m = helper.take();
      if (!m) {
        if (await takeBlocks()) continue;
        m = await helper.next();
      }
      if (m.kind === 'done') {
        // blocks it did not take (rows deleted at the top of the table while it read): read here
        for (let got = theirs.takeHigh(BLOCKS_TAKEN); got; got = theirs.takeHigh(BLOCKS_TAKEN)) await readLater(got[0], got[1]);
        break;
      }
      if (m.kind === 'error') throw sqliteError(Object.assign(new Error(m.message), { code: m.code }), src.path);
      if (m.kind === 'failed' || m.kind === 'halt') {
        // past what this thread read of its part, up to what it took of the worker's: what no slice covers
        let at = lowerEnd;
        for (const [from, to] of covered.sort((a, b) => a[0] - b[0])) {
          if (from > at) await readLater(at, from);
          at = Math.max(at, to);
        }
        const end = theirs.highStart();
        if (end > at) await readLater(at, end);
        break;
      }
      throwIfStopped(request.signal);
      covered.push([m.slice.from, m.slice.to]);
      parallelRead.workerRows += m.slice.length;
      if (m.slice.to <= theirs.range.from) parallelRead.takenByWorker += m.slice.length;
      if (m.slice.functions) parallelRead.workerNamedRows += m.slice.length;
      const chunk = helperChunk(m.slice, local, localNames, localTexts);
      if (chunk.length > 0) later.push(chunk);
    }
    // slices never overlap: by their first rowid, they are in rowid order
    later.sort((a, b) => a.rowid![0]! - b.rowid![0]!);
    yield* later;
    // rows added since the read began
    yield* here(top, Infinity);
  } finally {
    helper.stop();
  }
}

/**
 * The rowids of the first slice of a read that takes a worker: the worker
 * is given its job between two slices, and a first slice of a cold process
 * may take tens of milliseconds (by function), the worker ready and idle
 * meanwhile; later slices grow to their usual size.
 */
const FIRST_SPAN_WITH_WORKER = 512;

/** How many blocks of its own part the main thread takes at once (claims.ts: a block is at least 1,024 rowids). */
const BLOCKS_TAKEN = 2;

/**
 * How many blocks of the worker's part the main thread takes at once: what
 * a thread has taken of the other's, the other waits for at the end (a
 * block is 3-4 ms of reading), so one at a time.
 */
const BLOCKS_STOLEN = 1;

/**
 * The engine map the client's lookup would find (the failed tasks in
 * answer order: submitted, msg_id, table), and the chunks of a learning
 * read settled by it: a MAYBE row of an engine it names is plain (its
 * mark, not 0, is left as it is), any other is fetched again whole (and
 * left out when it is gone since).
 */
export async function settle(learning: Learning, chunks: ColumnChunk[], uuids: readonly string[]): Promise<Map<number, string>> {
  const failed = [...learning.failed].sort((a, b) =>
    a.micros < b.micros ? -1 : a.micros > b.micros ? 1 : compareStrings(a.msgIdText, b.msgIdText) || a.table - b.table || a.rowid - b.rowid);
  const engines = enginesFromRecords(failed.map((f) => ({
    engine_uuid: decodeColumn('engine_uuid', f.engineUuid, () => f.where),
    result_metadata: decodeColumn('result_metadata', f.metadata, () => f.where),
  })));
  const mapped = new Set(engines.values());
  // whether the map names each of the read's uuids, by its index (a MAYBE row has one)
  const named = Uint8Array.from(uuids, (u) => (mapped.has(u) ? 1 : 0));
  // a MAYBE row of an engine the map names is plain as it is (its mark is not 0): only the others' rows are looked for
  if (!learning.maybe.some((m, u) => m === 1 && named[u] !== 1)) return engines;
  for (let k = 0; k < chunks.length; k++) {
    const chunk = chunks[k]!;
    const again: number[] = [];
    for (let i = 0; i < chunk.length; i++) {
      if (chunk.plain[i] === MAYBE && named[chunk.uuid[i]!] !== 1) again.push(i);
    }
    if (again.length === 0) continue;
    const t = learning.tables[chunk.table]!;
    const found = t.refetch(again.map((i) => chunk.rowid![i]!));
    const gone = new Set<number>();
    for (const i of again) {
      const r = found.get(chunk.rowid![i]!);
      if (r) t.fill(chunk, i, r, mapped);
      else gone.add(i);
    }
    // a row gone since the pass (a purge) is left out, as a read after it would have left it
    if (gone.size > 0) chunks[k] = without(chunk, gone);
    await new Promise((r) => setImmediate(r));
  }
  return engines;
}

/** A chunk without some of its rows. */
function without(c: ColumnChunk, gone: ReadonlySet<number>): ColumnChunk {
  const keep: number[] = [];
  for (let i = 0; i < c.length; i++) if (!gone.has(i)) keep.push(i);
  const values: Record<string, Value[]> = {};
  for (const [k, v] of Object.entries(c.values)) values[k] = keep.map((i) => v[i]!);
  return {
    length: keep.length,
    table: c.table,
    rowid: c.rowid && Float64Array.from(keep, (i) => c.rowid![i]!),
    uuid: Int32Array.from(keep, (i) => c.uuid[i]!),
    submitted: Float64Array.from(keep, (i) => c.submitted[i]!),
    started: Float64Array.from(keep, (i) => c.started[i]!),
    completed: Float64Array.from(keep, (i) => c.completed[i]!),
    plain: Uint8Array.from(keep, (i) => c.plain[i]!),
    records: keep.map((i) => c.records[i]),
    values,
    resubmitted: c.resubmitted && Uint8Array.from(keep, (i) => c.resubmitted![i]!),
    functions: c.functions && keep.map((i) => c.functions![i]!),
    msgIdTexts: c.msgIdTexts && keep.map((i) => c.msgIdTexts![i]!),
  };
}

/** The stored msg_id of rows by rowid (those still there). */
export function msgIdsByRowid(src: ColumnSource, table: TaskTable, rowids: readonly number[]): Map<number, unknown> {
  const out = new Map<number, unknown>();
  if (!table.keys.includes('msg_id')) return out;
  const stmt = src.run(() => src.db.prepare(`SELECT rowid, msg_id FROM ${quoteIdentifier(table.name)} WHERE rowid IN (SELECT value FROM json_each(?))`).raw());
  for (const [rowid, id] of src.run(() => stmt.all(JSON.stringify(rowids))) as [number, unknown][]) out.set(rowid, id);
  return out;
}
