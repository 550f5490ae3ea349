import './uri.js';
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { sameHourMicros } from './micros.js';
import { sliceReads } from './slices.js';

/**
 * A worker thread that reads the upper part of a task table as columns
 * (columns.ts, `ColumnJob`), on its own read-only connection, while the main
 * thread reads the lower part: stepping SQLite's rows and making values of
 * them is most of a column read, and the two halves take half the time each
 * on two cores. Each slice goes back as typed arrays: the three times (a
 * time it cannot read fast comes back as its text, for the codec), each
 * row's engine uuid as an index into the uuids it has sent, its two flags
 * and the raw values of the other columns asked for. Rows that need their
 * record are fetched by the main thread, by rowid.
 */

/** What the main thread gives a worker. */
export interface ColumnJob {
  /** The connection's file name (a path, or a file: URI when read as immutable). */
  readonly filename: string;
  readonly mmapBytes: number;
  readonly cachePages: number;
  /** The slice statement: its parameters are `flagParams`, the slice's bounds, then `filterParams`. */
  readonly sql: string;
  readonly maxRowidSql: string;
  readonly flagParams: readonly unknown[];
  readonly filterParams: readonly unknown[];
  /** The rowid the worker reads past. */
  readonly from: number;
  /** Where each column sits in a fetched row (-1: not fetched). */
  readonly at: { readonly rowid: number; readonly submitted: number; readonly started: number; readonly completed: number; readonly uuid: number; readonly ok: number; readonly failed: number; readonly values: readonly number[] };
}

/** One slice as a worker sends it. */
export interface ColumnSlice {
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
  readonly values: unknown[][];
}

/** A worker's messages: slices, then `done`, or an error (SQLite's code and message). */
export type ColumnMessage =
  | { readonly kind: 'slice'; readonly slice: ColumnSlice }
  | { readonly kind: 'done' }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

function run(job: ColumnJob, post: (m: ColumnMessage, transfer?: ArrayBuffer[]) => void): void {
  const db = new Database(job.filename, { readonly: true, fileMustExist: true, timeout: 2500 });
  try {
    if (job.mmapBytes > 0) db.pragma(`mmap_size = ${job.mmapBytes}`);
    const stmt = db.prepare(job.sql).raw();
    const maxRowid = db.prepare(job.maxRowidSql);
    const { at } = job;
    const uuids = new Map<string, number>();
    const read = (lo: number, hi: number) => stmt.all([...job.flagParams, lo, hi, ...job.filterParams]) as unknown[][];
    for (const rows of sliceReads(maxRowid, read, undefined, job.cachePages, job.from)) {
      const n = rows.length;
      if (n === 0) continue;
      const slice: ColumnSlice = {
        length: n,
        rowid: new Float64Array(n),
        submitted: new Float64Array(n),
        started: new Float64Array(n),
        completed: new Float64Array(n),
        odd: [],
        uuid: new Int32Array(n),
        newUuids: [],
        ok: new Uint8Array(n),
        failed: new Uint8Array(n),
        values: at.values.map(() => new Array<unknown>(n)),
      };
      const times = [slice.submitted, slice.started, slice.completed];
      const timeAt = [at.submitted, at.started, at.completed];
      for (let i = 0; i < n; i++) {
        const row = rows[i]!;
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
        const uuid = row[at.uuid];
        if (typeof uuid === 'string') {
          let u = uuids.get(uuid);
          if (u === undefined) {
            u = uuids.size;
            uuids.set(uuid, u);
            slice.newUuids.push(uuid);
          }
          slice.uuid[i] = u;
        } else slice.uuid[i] = -1;
        slice.ok[i] = row[at.ok] === 1 ? 1 : 0;
        slice.failed[i] = at.failed >= 0 && row[at.failed] === 1 ? 1 : 0;
        for (let j = 0; j < at.values.length; j++) slice.values[j]![i] = row[at.values[j]!];
      }
      post({ kind: 'slice', slice }, [slice.rowid.buffer, slice.submitted.buffer, slice.started.buffer, slice.completed.buffer, slice.uuid.buffer, slice.ok.buffer, slice.failed.buffer] as ArrayBuffer[]);
    }
    post({ kind: 'done' });
  } finally {
    db.close();
  }
}

/** Runs a job, its failure sent as an error message. */
function serve(port: NonNullable<typeof parentPort>, job: ColumnJob): void {
  try {
    run(job, (m, transfer) => port.postMessage(m, transfer));
  } catch (e) {
    port.postMessage({ kind: 'error', code: String((e as { code?: unknown }).code ?? ''), message: String((e as Error).message ?? e) } satisfies ColumnMessage);
  }
}

// it says it is ready (the read then gives it the upper half of what is left), then waits for its job
if (parentPort) {
  const port = parentPort;
  port.postMessage({ kind: 'ready' });
  port.once('message', (job: ColumnJob) => serve(port, job));
}
