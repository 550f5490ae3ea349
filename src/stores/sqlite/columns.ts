import type Database from 'better-sqlite3';
import { functionKey, type ColumnChunk, type ColumnRequest } from '../../analytics/index.js';
import { DERIVED_NEEDS, derivedValue, largePickles, unpickleInSlices } from '../../payload/index.js';
import { quoteIdentifier, type SqlFilter } from '../../query/index.js';
import { OK_REPLY_TEXT, keySpec, type TaskRecord, type Value } from '../../records/index.js';
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

/** Where each key sits in a fetched row, and the keys SQL fetches only for rows that are not plain. */
interface Layout {
  readonly select: string;
  readonly at: ReadonlyMap<string, number>;
  readonly detail: readonly string[];
}

function layout(table: TaskTable, request: ColumnRequest): Layout {
  const columns: string[] = [];
  const at = new Map<string, number>();
  const column = (k: string) => (table.keys.includes(k) ? quoteIdentifier(k) : 'NULL');
  const raw = (k: string) => {
    if (at.has(k)) return;
    at.set(k, columns.length);
    columns.push(column(k));
  };
  if (request.state) {
    at.set('rowid', 0);
    columns.push('rowid');
  }
  for (const k of ['submitted', 'started', 'completed']) raw(k);
  if (request.state) {
    raw('engine_uuid');
    raw('result_content');
  }
  for (const k of request.values) raw(k);
  if (request.function) for (const k of FUNCTION_KEYS) raw(k);
  const detail = request.state ? request.keys.filter((k) => !at.has(k)) : [];
  const ok = table.keys.includes('result_content') ? `result_content = ${sqlText(OK_REPLY_TEXT)}` : '0';
  for (const k of detail) {
    at.set(k, columns.length);
    columns.push(table.keys.includes(k) ? `CASE WHEN ${ok} THEN NULL ELSE ${quoteIdentifier(k)} END` : 'NULL');
  }
  return { select: columns.join(', '), at, detail: detail.filter((k) => table.keys.includes(k)) };
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
  const { select, at, detail } = layout(table, request);
  const name = quoteIdentifier(table.name);
  const stmt = src.run(() =>
    src.db.prepare(`SELECT ${select} FROM ${name} NOT INDEXED WHERE rowid > ? AND rowid <= ? AND (${filter.where}) ORDER BY rowid`).raw(),
  );
  const pos = (k: string) => at.get(k) ?? -1;
  const S = pos('submitted');
  const T = pos('started');
  const C = pos('completed');
  const U = pos('engine_uuid');
  const RC = pos('result_content');
  const M = pos('msg_id');
  const mapped = request.mapped;
  // the columns SQL left out of a row whose reply is the plain success, fetched again for such a row that is not plain (its engine unmapped)
  const again = detail.length === 0 ? null : src.run(() =>
    src.db.prepare(`SELECT rowid, ${detail.map(quoteIdentifier).join(', ')} FROM ${name} WHERE rowid IN (SELECT value FROM json_each(?))`).raw(),
  );
  const read = src.db.transaction((lo: number, hi: number): unknown[][] => {
    const rows = stmt.all([lo, hi, ...filter.params]) as unknown[][];
    if (!again) return rows;
    const wanted = new Map<number, unknown[]>();
    for (const row of rows) {
      const uuid = row[U];
      if (row[RC] === OK_REPLY_TEXT && !(typeof uuid === 'string' && mapped.has(uuid))) wanted.set(row[0] as number, row);
    }
    if (wanted.size === 0) return rows;
    for (const d of again.all(JSON.stringify([...wanted.keys()])) as unknown[][]) {
      const row = wanted.get(d[0] as number)!;
      detail.forEach((k, j) => (row[at.get(k)!] = d[j + 1]));
    }
    return rows;
  });
  const where = (id: unknown) => `record ${String(id ?? '?')} in table ${table.name} of ${src.path}`;
  const readRecord: RowReader | null = request.state ? rowReader(request.keys, request.keys.map(pos), M, request.lazy) : null;
  const readCall: RowReader | null = request.function ? rowReader(FUNCTION_KEYS, FUNCTION_KEYS.map(pos), M, FUNCTION_LAZY) : null;
  const valueAt = request.values.map(pos);
  // a text column's text is its value (decodeColumn returns it as it is)
  const isText = request.values.map((k) => (keySpec(k)?.kind ?? 'text') === 'text');
  const maxRowid = src.run(() => src.db.prepare(`SELECT max(rowid) FROM ${name}`));
  const slices = sliceReads(maxRowid, read);
  for (;;) {
    const next = src.run(() => slices.next());
    if (next.done) break;
    const rows = next.value;
    const n = rows.length;
    const values: Record<string, Value[]> = {};
    for (const k of request.values) values[k] = new Array<Value>(n);
    const chunk = {
      length: n,
      table: tableIndex,
      uuid: new Int32Array(n).fill(-1),
      submitted: new Float64Array(n),
      started: new Float64Array(n),
      completed: new Float64Array(n),
      plain: new Uint8Array(n),
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
      if (!readRecord) continue;
      const uuid = row[U];
      let u = -1;
      if (typeof uuid === 'string') {
        u = uuidIndex.get(uuid) ?? -1;
        if (u < 0) {
          u = uuids.length;
          uuids.push(uuid);
          uuidIndex.set(uuid, u);
        }
      }
      chunk.uuid[i] = u;
      if (row[RC] === OK_REPLY_TEXT && u >= 0 && mapped.has(uuid as string)) {
        chunk.plain[i] = 1;
        continue;
      }
      const rec = readRecord(row, where);
      if (src.tableField !== null) rec[src.tableField] = table.name;
      chunk.records[i] = rec;
    }
    yield chunk;
    // Reading is synchronous: between two slices the event loop turns, so that Ctrl-C is seen.
    await new Promise((r) => setImmediate(r));
  }
}
