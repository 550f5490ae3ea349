import type Database from 'better-sqlite3';
import { functionKey, type ColumnChunk, type ColumnRequest } from '../../analytics/index.js';
import { DERIVED_NEEDS, derivedValue, largePickles, unpickleInSlices } from '../../payload/index.js';
import { quoteIdentifier, type SqlFilter } from '../../query/index.js';
import { EMPTY_DICT_TEXT, OK_REPLY_TEXT, keySpec, type TaskRecord, type Value } from '../../records/index.js';
import { datetimeMicros, decodeColumn } from './codec.js';
import { rowReader, type RowReader } from './rows.js';
import { sliceReads } from './slices.js';
import type { TaskTable } from './tables.js';

/**
 * A task table read as columns (analytics' ColumnRequest): one sliced pass
 * in rowid order, as scanRecords reads, fetching only the columns the
 * answer needs. The columns a row's record needs beyond them (its reply
 * header and metadata, its error) are fetched only for the rows that are
 * not plain: SQL leaves them out of a row whose reply is the plain success.
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

/** The keys a function's name is derived from, msg_id first (it names the task in a message). */
const FUNCTION_KEYS = ['msg_id', ...DERIVED_NEEDS.function];
/** The dict columns among them that a record leaves as text until read (as the derived keys' plan has them). */
const FUNCTION_LAZY = ['header', 'content'];

/** The SQL text of a string. */
const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Where each key sits in a fetched row (-1: not fetched). */
interface Layout {
  readonly select: string;
  readonly at: ReadonlyMap<string, number>;
}

/** The position of the flag that says a row's reply is the plain success. */
const OK_AT = 'ok';

function layout(table: TaskTable, request: ColumnRequest): Layout {
  const columns: string[] = [];
  const at = new Map<string, number>();
  const raw = (k: string, sql = table.keys.includes(k) ? quoteIdentifier(k) : 'NULL') => {
    if (at.has(k)) return;
    at.set(k, columns.length);
    columns.push(sql);
  };
  if (request.state) raw('rowid', 'rowid');
  for (const k of ['submitted', 'started', 'completed']) raw(k);
  if (request.state) {
    raw('engine_uuid');
    // 1 when the reply is the text the hub stores for every success: the same bytes, so the same text in JS
    raw(OK_AT, table.keys.includes('result_content') ? `result_content = ${sqlText(OK_REPLY_TEXT)}` : 'NULL');
  }
  for (const k of request.values) raw(k);
  if (request.function) {
    for (const k of FUNCTION_KEYS) {
      // the header of an apply request (content '{}') is never read: taskCode decides by the content
      if (k === 'header' && table.keys.includes('content')) raw(k, `CASE WHEN content = ${sqlText(EMPTY_DICT_TEXT)} THEN NULL ELSE header END`);
      else raw(k);
    }
  }
  return { select: columns.join(', '), at };
}

/** One slice's rows as fetched, each row's engine uuid (its index) and plainness, and the rows of the records of those not plain (by rowid). */
interface Slice {
  readonly rows: unknown[][];
  readonly uuid: Int32Array;
  readonly plain: Uint8Array;
  readonly records: Map<number, unknown[]>;
}

/** The columns of a row's record, fetched by rowid: the rowid, then the record's keys. */
function recordSelect(table: TaskTable, keys: readonly string[]): string {
  return ['rowid', ...keys.map((k) => (table.keys.includes(k) ? quoteIdentifier(k) : 'NULL'))].join(', ');
}

/**
 * The chunks of one table's rows that pass `filter` (all SQL: no residual),
 * in rowid order. `uuids` and `uuidIndex` are the read's engine uuids,
 * shared by every table of it.
 */
export async function* tableColumns(
  src: ColumnSource, table: TaskTable, tableIndex: number, filter: SqlFilter, request: ColumnRequest,
  uuids: string[], uuidIndex: Map<string, number>,
): AsyncGenerator<ColumnChunk> {
  const { select, at } = layout(table, request);
  const name = quoteIdentifier(table.name);
  const stmt = src.run(() =>
    src.db.prepare(`SELECT ${select} FROM ${name} NOT INDEXED WHERE rowid > ? AND rowid <= ? AND (${filter.where}) ORDER BY rowid`).raw(),
  );
  const pos = (k: string) => at.get(k) ?? -1;
  const S = pos('submitted');
  const T = pos('started');
  const C = pos('completed');
  const U = pos('engine_uuid');
  const OK = pos(OK_AT);
  const M = pos('msg_id');
  const mapped = request.mapped;
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
  // the record of a row that is not plain, read in the same transaction as the row
  const recordsOf = request.state
    ? src.run(() => src.db.prepare(`SELECT ${recordSelect(table, request.keys)} FROM ${name} WHERE rowid IN (SELECT value FROM json_each(?))`).raw())
    : null;
  const read = src.db.transaction((lo: number, hi: number): Slice => {
    const rows = stmt.all([lo, hi, ...filter.params]) as unknown[][];
    const n = rows.length;
    const slice: Slice = { rows, uuid: new Int32Array(n).fill(-1), plain: new Uint8Array(n), records: new Map() };
    if (!recordsOf) return slice;
    const wanted: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const u = intern(row[U]);
      slice.uuid[i] = u;
      // the record path's test: the reply's text is the plain success, and the map names the engine
      if (row[OK] === 1 && u >= 0 && mapped.has(uuids[u]!)) slice.plain[i] = 1;
      else wanted.push(row[0] as number);
    }
    if (wanted.length > 0) for (const r of recordsOf.all(JSON.stringify(wanted)) as unknown[][]) slice.records.set(r[0] as number, r);
    return slice;
  });
  const where = (id: unknown) => `record ${String(id ?? '?')} in table ${table.name} of ${src.path}`;
  // a record's row is its rowid, then its keys
  const readRecord: RowReader | null = request.state ? rowReader(request.keys, request.keys.map((_, i) => i + 1), request.keys.indexOf('msg_id') + 1 || -1, request.lazy) : null;
  const readCall: RowReader | null = request.function ? rowReader(FUNCTION_KEYS, FUNCTION_KEYS.map(pos), M, FUNCTION_LAZY) : null;
  const valueAt = request.values.map(pos);
  // a text column's text is its value (decodeColumn returns it as it is)
  const isText = request.values.map((k) => (keySpec(k)?.kind ?? 'text') === 'text');
  const maxRowid = src.run(() => src.db.prepare(`SELECT max(rowid) FROM ${name}`));
  const slices = sliceReads(maxRowid, read);
  for (;;) {
    const next = src.run(() => slices.next());
    if (next.done) break;
    const { rows, uuid, plain, records } = next.value;
    const n = rows.length;
    const values: Record<string, Value[]> = {};
    for (const k of request.values) values[k] = new Array<Value>(n);
    const chunk = {
      length: n,
      table: tableIndex,
      uuid,
      submitted: new Float64Array(n),
      started: new Float64Array(n),
      completed: new Float64Array(n),
      plain,
      records: new Array<TaskRecord | undefined>(n),
      values,
      functions: request.function ? new Array<string | null>(n) : null,
      msgIdTexts: request.values.includes('msg_id') ? new Array<string>(n) : null,
    } satisfies ColumnChunk;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      chunk.submitted[i] = datetimeMicros(row[S]);
      chunk.started[i] = datetimeMicros(row[T]);
      chunk.completed[i] = datetimeMicros(row[C]);
      for (let j = 0; j < valueAt.length; j++) {
        const k = request.values[j]!;
        const v = row[valueAt[j]!];
        values[k]![i] = typeof v === 'string' && isText[j] ? v : decodeColumn(k, v, () => where(row[M]));
      }
      if (chunk.msgIdTexts) {
        const id = row[M];
        chunk.msgIdTexts[i] = typeof id === 'string' ? id : String(id ?? '');
      }
      if (readCall) {
        const call = readCall(row, where);
        // a large pickle is decoded in slices first, the event loop turning between them (as the derived keys' plan does)
        for (const p of largePickles(call, ['function'])) await unpickleInSlices(p, () => new Promise((r) => setImmediate(r)));
        chunk.functions![i] = functionKey(derivedValue(call, 'function'));
      }
      if (!readRecord || plain[i]) continue;
      // read in the same transaction as the row: it is there
      const rec = readRecord(records.get(row[0] as number)!, where);
      if (src.tableField !== null) rec[src.tableField] = table.name;
      chunk.records[i] = rec;
    }
    yield chunk;
    // Reading is synchronous: between two slices the event loop turns, so that Ctrl-C is seen.
    await new Promise((r) => setImmediate(r));
  }
}
