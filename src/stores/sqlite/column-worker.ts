import './uri.js';
import { parentPort, workerData } from 'node:worker_threads';
import { Claims, type BlockRange } from './claims.js';
import { connect } from './driver.js';
import type { CallAt } from './call-names.js';
import type { CallReader } from './column-calls.js';
import { sameHourMicros } from './micros.js';
import { packedSliceOf } from './blob-slices.js';
import { rowArrays, unpackRows } from './packed-rows.js';
import { RegionIndex, SentTexts } from './sent-texts.js';
import { sliceReads } from './slices.js';
import type { WorkerHint } from './worker-start.js';

/**
 * A worker thread that reads the upper part of a task table as columns
 * (columns.ts, `ColumnJob`), on its own read-only connection, while the main
 * thread reads the lower part: stepping SQLite's rows and making values of
 * them is most of a column read, and the two halves take half the time each
 * on two cores. It reads rows packed (packed-rows.ts) or as their columns,
 * as the main thread does. Each slice goes back as typed arrays: the three times (a
 * time it cannot read fast comes back as its text, for the codec), each
 * row's engine uuid as an index into the uuids it has sent, its two flags
 * and the raw values of the other columns asked for; with a call to read,
 * each task's function name (as an index into the names it has sent).
 * Rows that need their record are fetched by the main thread, by rowid.
 */

/** A read of each task's function name (`%stats by function`): the columns its name is derived from, read as the main thread reads them. */
export interface CallJob {
  /** The table's quoted name, and the slice statement's select list and filter (blob-slices.ts reads the buffers as one aggregate). */
  readonly table: string;
  readonly items: readonly string[];
  readonly where: string;
  /** Where the buffers are among the items. */
  readonly blobAt: readonly number[];
  /** The keys a function's name is derived from, and where each is among the items. */
  readonly keys: readonly string[];
  readonly keysAt: readonly number[];
  readonly msgIdAt: number;
  readonly lazy: readonly string[];
  /** Names the table and file in a record's note. */
  readonly tableName: string;
  readonly path: string;
  /** Where a row has the columns an apply request is told by (call-names.ts); null beside packed rows. */
  readonly callAt: CallAt | null;
  /**
   * Beside packed rows (the job's `packed`): the rows are [packed text,
   * buffers], and these the SQL of the call columns (`keys`), read by rowid
   * for a row its buffers alone do not name.
   */
  readonly callSql: readonly string[];
}

/** What the main thread gives a worker. */
export interface ColumnJob {
  /** The connection's file name (a path, or a file: URI when read as immutable). */
  readonly filename: string;
  readonly mmapBytes: number;
  readonly cachePages: number;
  /** The slice statement: its parameters are `flagParams`, the slice's bounds, then `filterParams`. */
  readonly sql: string;
  /** Whether its rows come packed (packed-rows.ts), each its text alone; else as their columns. */
  readonly packed: boolean;
  /** With packed rows: the statement that reads a row sent back as its columns by rowid (UNPACKED): `flagParams`, then the rowids as JSON. */
  readonly unpackedSql: string;
  readonly maxRowidSql: string;
  readonly flagParams: readonly unknown[];
  readonly filterParams: readonly unknown[];
  /**
   * The rows the worker reads (claims.ts): blocks it takes from the bottom
   * of `upper` (the main thread takes them from its top), then, once none is
   * left there, from the top of `lower` (the main thread's part, which it
   * takes from the bottom); each range with the word of shared memory that
   * says which of its blocks are taken.
   */
  readonly upper: SharedBlocks;
  readonly lower: SharedBlocks;
  /** Each task's function name read too; null when not. */
  readonly call: CallJob | null;
  /** Where each column sits in a row read as its columns (-1: not read). */
  readonly at: { readonly rowid: number; readonly submitted: number; readonly started: number; readonly completed: number; readonly uuid: number; readonly ok: number; readonly failed: number; readonly resubmitted: number; readonly values: readonly number[] };
}

/** A range of blocks and the word its threads take them by. */
export interface SharedBlocks {
  readonly range: BlockRange;
  readonly word: SharedArrayBuffer;
}

/** One slice as a worker sends it. */
export interface ColumnSlice {
  /** The rowids it covers: past `from`, up to `to`. */
  readonly from: number;
  readonly to: number;
  readonly length: number;
  readonly rowid: Float64Array;
  readonly submitted: Float64Array;
  readonly started: Float64Array;
  readonly completed: Float64Array;
  /** Times not read fast: [column (0 submitted, 1 started, 2 completed), row, stored text]. */
  readonly odd: [number, number, string][];
  /** Each row's engine uuid as an index into every `newUuids` sent so far, in order; -1 when not a text. */
  readonly uuid: Int32Array;
  readonly newUuids: string[];
  readonly ok: Uint8Array;
  readonly failed: Uint8Array;
  /** 1 where the row was resubmitted, when the job reads it (else 0). */
  readonly resubmitted: Uint8Array;
  /** 1 where a packed row says the task is an apply request (packed-rows.ts); not read by the main thread. */
  readonly apply: Uint8Array;
  /** Each value column's values that are not texts (a text's place left empty: see `valueTexts`). */
  readonly values: unknown[][];
  /**
   * Each value column's texts, sent once each (as the uuids are): a row's
   * text as an index into every `fresh` text of its column sent so far, in
   * order; -1 where the value is not a text (it is in `values`).
   */
  readonly valueTexts: { readonly index: Int32Array; readonly fresh: string[] }[];
  /** With a call to read: each row's function name as an index into every `newFunctions` sent so far, in order; -1 for None. */
  readonly functions: Int32Array | null;
  readonly newFunctions: string[];
  /** The notes about unreadable columns the slice's rows made, in order (by row). */
  readonly notes: ColumnNote[];
}

/** A note about an unreadable column (records/unreadable.ts), as the main thread makes it again. */
export interface ColumnNote {
  /** The row of the slice it is about. */
  readonly row: number;
  readonly key: string;
  readonly record: string;
  readonly reason: string;
  readonly kind: 'StoreError' | 'ValueError';
}

/**
 * A worker's messages: slices, then `done`, or an error (SQLite's code and
 * message), or `halt`: a row's function name could not be made here, so the
 * main thread reads what no slice sent covers (and meets what stopped the
 * worker itself, saying it as it says it anywhere).
 */
export type ColumnMessage =
  | { readonly kind: 'slice'; readonly slice: ColumnSlice }
  | { readonly kind: 'done' }
  | { readonly kind: 'halt' }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

/** Thrown out of a slice's read when a function name could not be made. */
class Halt {}

function run(job: ColumnJob, post: (m: ColumnMessage, transfer?: ArrayBuffer[]) => void, calls: typeof import('./column-calls.js') | null): void {
  const db = connect(job.filename, { readonly: true, fileMustExist: true, timeout: 2500 });
  let call: CallReader | null = null;
  try {
    if (job.mmapBytes > 0) db.pragma(`mmap_size = ${job.mmapBytes}`);
    // packed rows alone are one text each; beside their buffers, a pair
    const stmt = job.packed && !job.call ? db.prepare(job.sql).pluck() : db.prepare(job.sql).raw();
    const unpacked = job.packed ? db.prepare(job.unpackedSql).raw() : null;
    const maxRowid = db.prepare(job.maxRowidSql);
    const { at } = job;
    if (job.call) call = calls!.callReader(db, job.call, job.filterParams, job.flagParams, job.packed);
    const aggregated = call?.rows ?? null;
    // packed rows beside their buffers: a slice's as one (blob-slices.ts)
    const packedRead = !job.packed || !call ? null : (call.packedRows ?? ((lo: number, hi: number) => packedSliceOf(stmt.all([...job.flagParams, lo, hi, ...job.filterParams]) as unknown[][])));
    const timeAt = [at.submitted, at.started, at.completed];
    const uuids = new SentTexts();
    const valueTexts = at.values.map(() => new SentTexts());
    const uuidOf = (uuid: unknown, newUuids: string[]): number => (typeof uuid === 'string' ? uuids.indexOf(uuid, newUuids) : -1);
    /** The new uuids of the slice being read, and a packed row's uuid found in place in its text (a new one added to them). */
    let fresh: string[] = [];
    const uuidAt = new RegionIndex((uuid) => uuids.indexOf(uuid, fresh));
    /** Row i of a slice from its columns (`row`, laid out as `at` says); `times` are the slice's three arrays of times. */
    const fromColumns = (slice: ColumnSlice, times: readonly Float64Array[], i: number, row: unknown[]): void => {
      slice.rowid[i] = row[at.rowid] as number;
      for (let t = 0; t < 3; t++) {
        const raw = row[timeAt[t]!];
        let us = NaN;
        if (typeof raw === 'string') {
          const fast = sameHourMicros(raw);
          if (fast !== undefined) us = fast;
          else slice.odd.push([t, i, raw]);
        }
        times[t]![i] = us;
      }
      slice.uuid[i] = uuidOf(row[at.uuid], slice.newUuids);
      slice.ok[i] = row[at.ok] === 1 ? 1 : 0;
      slice.failed[i] = at.failed >= 0 && row[at.failed] === 1 ? 1 : 0;
      slice.resubmitted[i] = at.resubmitted >= 0 && row[at.resubmitted] === 1 ? 1 : 0;
      for (let j = 0; j < at.values.length; j++) {
        const v = row[at.values[j]!];
        const texts = slice.valueTexts[j]!;
        if (typeof v === 'string') texts.index[i] = valueTexts[j]!.indexOf(v, texts.fresh);
        else {
          texts.index[i] = -1;
          slice.values[j]![i] = v;
        }
      }
    };
    const sliceOf = (lo: number, hi: number, n: number): ColumnSlice => {
      fresh = [];
      return {
        from: lo, to: hi, length: n, ...rowArrays(n), odd: [], uuid: new Int32Array(n), newUuids: fresh, values: at.values.map(() => new Array<unknown>(n)),
        valueTexts: at.values.map(() => ({ index: new Int32Array(n), fresh: [] })),
        functions: call ? new Int32Array(n) : null, newFunctions: [], notes: [],
      };
    };
    /** Rows SQLite or unpackRow sent back, read as their columns by rowid (in the slice's transaction: each is there). */
    const readBack = (slice: ColumnSlice, back: readonly number[]): void => {
      if (back.length === 0) return;
      const found = new Map<number, unknown[]>();
      for (const r of unpacked!.all([...job.flagParams, JSON.stringify(back.map((i) => slice.rowid[i]!))]) as unknown[][]) found.set(r[at.rowid] as number, r);
      const times = [slice.submitted, slice.started, slice.completed];
      for (const i of back) fromColumns(slice, times, i, found.get(slice.rowid[i]!)!);
    };
    /** A slice of packed rows and their function names, read in place (blob-slices.ts). */
    const readPacked = (lo: number, hi: number): ColumnSlice | null => {
      const p = packedRead!(lo, hi);
      const n = p.length;
      if (n === 0) return null;
      const slice = sliceOf(lo, hi, n);
      readBack(slice, unpackRows(p, slice, slice.uuid, uuidAt));
      try {
        for (let i = 0; i < n; i++) slice.functions![i] = call!.namePacked(p.bytes, p.byteStart[i]!, p.byteLength[i]!, slice.apply[i] === 1, slice.rowid[i]!, i, slice.newFunctions);
      } catch {
        throw new Halt();
      }
      for (const note of call!.takeNotes()) slice.notes.push(note);
      return slice;
    };
    // a slice and the rows it sends back, in one transaction: each is there when read again
    const read = db.transaction((lo: number, hi: number): ColumnSlice | null => {
      if (packedRead) return readPacked(lo, hi);
      const rows = aggregated ? aggregated(lo, hi) : (stmt.all([...job.flagParams, lo, hi, ...job.filterParams]) as unknown[]);
      const n = rows.length;
      if (n === 0) return null;
      const slice = sliceOf(lo, hi, n);
      const times = [slice.submitted, slice.started, slice.completed];
      if (!unpacked) {
        for (let i = 0; i < n; i++) fromColumns(slice, times, i, rows[i] as unknown[]);
        if (call) {
          try {
            for (let i = 0; i < n; i++) slice.functions![i] = call.name(rows[i] as unknown[], i, slice.newFunctions);
          } catch {
            throw new Halt();
          }
          for (const note of call.takeNotes()) slice.notes.push(note);
        }
        return slice;
      }
      // packed rows alone (beside their buffers they are read by readPacked)
      readBack(slice, unpackRows(rows, slice, slice.uuid, uuidAt));
      return slice;
    });
    const send = (slices: Iterable<ColumnSlice | null>): void => {
      for (const slice of slices) {
        if (!slice) continue;
        const transfer = [
          slice.rowid.buffer, slice.submitted.buffer, slice.started.buffer, slice.completed.buffer, slice.uuid.buffer, slice.ok.buffer, slice.failed.buffer, slice.resubmitted.buffer, slice.apply.buffer,
        ];
        if (slice.functions) transfer.push(slice.functions.buffer);
        for (const t of slice.valueTexts) transfer.push(t.index.buffer);
        post({ kind: 'slice', slice }, transfer as ArrayBuffer[]);
      }
    };
    // the upper blocks, taken as the pass goes (about a slice's worth each time, so that the main thread finds the rest to take)
    const upper = new Claims(job.upper.range, job.upper.word);
    let end = job.upper.range.from;
    const taken = (at: number, span: number): number => {
      if (at < end) return end;
      const got = upper.takeLow(Math.min(MOST_TAKEN, Math.max(1, Math.ceil(span / upper.range.size))));
      // none left: the pass ends where it is
      if (!got) return at;
      end = got[1];
      return end;
    };
    const lower = new Claims(job.lower.range, job.lower.word);
    try {
      send(sliceReads(maxRowid, read, undefined, job.cachePages, upper.range.from, taken));
      // then the main thread's part, from its top down, while blocks are left
      for (let got = lower.takeHigh(MOST_STOLEN); got; got = lower.takeHigh(MOST_STOLEN)) send(sliceReads(maxRowid, read, undefined, job.cachePages, got[0], got[1]));
    } catch (e) {
      if (!(e instanceof Halt)) throw e;
      post({ kind: 'halt' });
      return;
    }
    post({ kind: 'done' });
  } finally {
    call?.close();
    db.close();
  }
}

/** The most blocks of its own part a worker takes at once: what it has taken, the main thread cannot. */
const MOST_TAKEN = 2;

/** How many blocks of the main thread's part a worker takes at once: what it has taken, the main thread waits for at the end. */
const MOST_STOLEN = 1;

/** Runs a job, its failure sent as an error message. */
async function serve(port: NonNullable<typeof parentPort>, job: ColumnJob): Promise<void> {
  let calls: typeof import('./column-calls.js') | null = null;
  try {
    // what a call's name is read with is loaded only for a job that reads one (or ahead, told so)
    if (job.call) calls = await (namesAhead ?? import('./column-calls.js'));
  } catch {
    // the main thread reads it all
    port.postMessage({ kind: 'halt' } satisfies ColumnMessage);
    return;
  }
  try {
    run(job, (m, transfer) => port.postMessage(m, transfer), calls);
  } catch (e) {
    port.postMessage({ kind: 'error', code: String((e as { code?: unknown }).code ?? ''), message: String((e as Error).message ?? e) } satisfies ColumnMessage);
  }
}

/** The reader of function names, begun as the worker starts when its command names a magic that reads them (worker-start.ts). */
let namesAhead: Promise<typeof import('./column-calls.js')> | null = null;

// it says it is ready (the read then gives it the upper half of what is left), then waits for its job
if (parentPort) {
  const port = parentPort;
  port.postMessage({ kind: 'ready' });
  if ((workerData as WorkerHint | null)?.names) {
    namesAhead = import('./column-calls.js');
    // a failure is the job's to meet (serve): here it is only held
    namesAhead.catch(() => undefined);
  }
  port.once('message', (job: ColumnJob) => void serve(port, job));
}
