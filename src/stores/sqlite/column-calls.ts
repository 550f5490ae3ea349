import type Database from 'better-sqlite3';
import { functionKey } from '../../analytics/index.js';
import { derivedValue } from '../../payload/index.js';
import { onUnreadable } from '../../records/index.js';
import { blobSlices } from './blob-slices.js';
import { knownCallKey } from './call-names.js';
import type { CallJob, ColumnNote } from './column-worker.js';
import { recordPlace, rowReader } from './rows.js';
import { SentTexts } from './sent-texts.js';
import type { SqlFilter } from './sql-filter.js';

/**
 * A column worker's reading of each task's function name (CallJob), loaded
 * only by a worker given one: a slice's rows as the main thread reads them
 * (the buffers as one aggregate where the file allows), each row's name as
 * an index into the names sent so far, and the notes about unreadable
 * columns its rows made, for the main thread to say in their place.
 */
export interface CallReader {
  /** A slice's rows (lo < rowid <= hi) as the slice statement gives them; null when it is the plain statement's to read. */
  readonly rows: ((lo: number, hi: number) => unknown[][]) | null;
  /** The function name of row `i` of the slice, as an index (-1: None); a name not seen before is added to `newNames`. */
  name(row: unknown[], i: number, newNames: string[]): number;
  /** The notes made since the last call. */
  takeNotes(): ColumnNote[];
  /** Stops listening for notes. */
  close(): void;
}

export function callReader(db: Database.Database, call: CallJob, filterParams: readonly unknown[], flagParams: readonly unknown[]): CallReader {
  const filter: SqlFilter = { where: call.where, params: filterParams as SqlFilter['params'], residual: null };
  const rows = blobSlices(db, call.table, filter, call.items, call.blobAt, flagParams);
  const read = rowReader(call.keys, call.keysAt, call.msgIdAt, call.lazy, undefined, rows !== null);
  const where = recordPlace(call.tableName, call.path);
  const names = new SentTexts();
  let notes: ColumnNote[] = [];
  let at = -1;
  const stop = onUnreadable((u) => notes.push({ row: at, key: u.key, record: u.record, reason: u.reason, kind: u.kind }));
  return {
    rows,
    name(row, i, newNames) {
      at = i;
      // an apply request's row named from its buffers alone where they name it, any other from its record
      let name = knownCallKey(row, call.callAt);
      if (name === undefined) name = functionKey(derivedValue(read(row, where), 'function'));
      return name === null ? -1 : names.indexOf(name, newNames);
    },
    takeNotes() {
      const out = notes;
      notes = [];
      return out;
    },
    close: stop,
  };
}
