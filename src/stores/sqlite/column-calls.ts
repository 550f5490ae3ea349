import type Database from 'better-sqlite3';
import { functionKey } from '../../analytics/index.js';
import { derivedValue } from '../../payload/index.js';
import { onUnreadable } from '../../records/index.js';
import { blobSlices, packedBlobSlices, type PackedSlice } from './blob-slices.js';
import { knownBytesKeyAt, knownCallKey } from './call-names.js';
import type { CallJob, ColumnNote } from './column-worker.js';
import { recordPlace, rowReader } from './rows.js';
import { SentTexts } from './sent-texts.js';
import type { SqlFilter } from './sql-filter.js';

/**
 * A column worker's reading of each task's function name (CallJob), loaded
 * only by a worker given one: a slice's rows as the main thread reads them
 * (the buffers as one aggregate where the file allows, beside packed rows
 * or among the row's columns), each row's name as
 * an index into the names sent so far, and the notes about unreadable
 * columns its rows made, for the main thread to say in their place.
 */
export interface CallReader {
  /** A slice's rows (lo < rowid <= hi) as the slice statement gives them; null when it is the plain statement's to read (or packed). */
  readonly rows: ((lo: number, hi: number) => unknown[][]) | null;
  /** Beside packed rows: a slice's rows and their buffers (blob-slices.ts); null when not packed or the file does not allow it. */
  readonly packedRows: ((lo: number, hi: number) => PackedSlice) | null;
  /** The function name of row `i` of the slice, as an index (-1: None); a name not seen before is added to `newNames`. */
  name(row: unknown[], i: number, newNames: string[]): number;
  /** The same of a packed row (its buffers as a slice holds them, whether it is an apply request, its rowid). */
  namePacked(bytes: Uint8Array, start: number, length: number, apply: boolean, rowid: number, i: number, newNames: string[]): number;
  /** The notes made since the last call. */
  takeNotes(): ColumnNote[];
  /** Stops listening for notes. */
  close(): void;
}

export function callReader(db: Database.Database, call: CallJob, filterParams: readonly unknown[], flagParams: readonly unknown[], packed: boolean): CallReader {
  const filter: SqlFilter = { where: call.where, params: filterParams as SqlFilter['params'], residual: null };
  const rows = packed ? null : blobSlices(db, call.table, filter, call.items, call.blobAt, flagParams);
  const packedRows = packed ? packedBlobSlices(db, call.table, filter, call.items[0]!, call.items[1]!, flagParams) : null;
  // beside packed rows a record is made of the call columns read by rowid (the keys in order)
  const read = packed
    ? rowReader(call.keys, call.keys.map((_, j) => j), 0, call.lazy)
    : rowReader(call.keys, call.keysAt, call.msgIdAt, call.lazy, undefined, rows !== null);
  const callOf = packed ? db.prepare(`SELECT ${call.callSql.join(', ')} FROM ${call.table} WHERE rowid = ?`).raw() : null;
  const where = recordPlace(call.tableName, call.path);
  const names = new SentTexts();
  let notes: ColumnNote[] = [];
  let at = -1;
  const stop = onUnreadable((u) => notes.push({ row: at, key: u.key, record: u.record, reason: u.reason, kind: u.kind }));
  return {
    rows,
    packedRows,
    name(row, i, newNames) {
      at = i;
      // an apply request's row named from its buffers alone where they name it, any other from its record
      let name = call.callAt ? knownCallKey(row, call.callAt) : undefined;
      if (name === undefined) name = functionKey(derivedValue(read(row, where), 'function'));
      return name === null ? -1 : names.indexOf(name, newNames);
    },
    namePacked(bytes, start, length, apply, rowid, i, newNames) {
      at = i;
      // an apply request named from its buffers alone where they name it, any other from its call columns (in the slice's transaction)
      let name = apply ? knownBytesKeyAt(bytes, start, length) : undefined;
      if (name === undefined) name = functionKey(derivedValue(read(callOf!.get(rowid) as unknown[], where), 'function'));
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
