import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import { LoopTurns, keyError, loopTurn, queryError, storeError } from '../../errors.js';
import { compileQuery, fieldKeys, matches, normalizeKeys, type KeysInput, type Query, type QueryInput } from '../../query/index.js';
import { KEY_NAMES, Timestamp, compareStrings, keySpec, type RecordPages, type TaskRecord } from '../../records/index.js';
import { StoreBase, checkRecordDates, type FindOptions, type IndexPlan, type IndexReport, type Store, type StoreCapabilities, type StoreChanges, type StoreInfo, type StoreSummary } from '../store.js';
import { decodeColumn, encodeColumn, timestampMicros, type SqlValue } from './codec.js';
import { describeTable, fileState, isImmutable, openDatabase, scanTable, sqliteError, taskTables, type TaskTable, type TaskTableInfo } from './tables.js';
import { SLICE_CACHE_PAGES, sliceReads, sliceRows } from './slices.js';
import { blobSlices } from './blob-slices.js';
import { quoteIdentifier, timestampExpression, toSql, type SqlFilter } from './sql-filter.js';
import { sortInSlices } from './sort.js';
import { sortExpression, sortStatement } from './order-by.js';
import { columnsToFetch, recordPlace, rowReader, rowText, selectList, testedKeys, type RowReader } from './rows.js';
import { createIndexes, indexPlan } from './indexes.js';
import { openElsewhere } from './openers.js';
import { writeInBatches } from './short-writes.js';
import { msgIdsByRowid, parallelRead, readyColumnWorker, settle, tableColumns, type ColumnSource, type Learning } from './columns.js';
import type { ColumnChunk, ColumnRead, ColumnRequest } from '../../analytics/index.js';

/** In a union of every task table ('*'), the field that says which table a record came from. */
export const TABLE_FIELD = 'table';

/** Rowids per chunk when fetching the records of an answer. */
const FETCH_CHUNK = 512;
/**
 * Rowids per slice of a one-pass read at most: a slice's rows all live until
 * the reader has taken them, and a large slice's outlive collections of the
 * young generation, which then copy them (512 rather than 4,096: a tenth
 * less CPU for a query on function over 100,000 tasks).
 */
const SCAN_SPAN = 512;
/** The longest a read runs before it lets the event loop turn. */
const TURN_MS = 8;

interface Ordered {
  readonly table: TaskTable;
  readonly rowids: Float64Array;
  readonly micros: Float64Array;
}

/** A run of one table's answer; micros and msgIds (the sort keys) only in a union. */
interface Chunk<T> {
  readonly records: T[];
  readonly micros: number[];
  readonly msgIds: string[];
}

/** What a table's answer is made of, from each fetched row: records, or their JSON text. */
type Output<T> = (read: RowReader, where: (msgId: unknown) => string, keys: readonly string[], positions: readonly number[]) => (row: unknown[]) => T;

const RECORDS: Output<TaskRecord> = (read, where) => (row) => read(row, where);

/**
 * A record whose JSON text failed (nested past the JSON writer's limit): the
 * failure is raised where the consumer reaches it, as the writer would raise
 * it there on the record, not while the chunk is read (where decoding fails).
 */
class Unwritten {
  constructor(readonly error: unknown) {}
}

/** Each row's JSON text: copied from the stored text where that is the text, else the record written by `write`. */
const texts = (write: (rec: TaskRecord) => string): Output<string | Unwritten> => (read, where, keys, positions) => {
  const text = rowText(keys, positions);
  return (row) => {
    const fast = text?.(row);
    if (fast !== undefined) return fast;
    const rec = read(row, where);
    try {
      return write(rec);
    } catch (e) {
      return new Unwritten(e);
    }
  };
};

/**
 * A tasks.db written by `ipcontroller --sqlitedb`: one task table, or every
 * task table together. Reads never hold the file for long: answers are found
 * in slices of rowids, then fetched in chunks, each statement short, none
 * open while the consumer of the stream is busy.
 */
export class SQLiteStore extends StoreBase implements Store {
  info: StoreInfo;
  override readonly capabilities: StoreCapabilities = { count: true, scan: true, paged: true, texts: true, indexes: true, changes: true, columns: true };
  readonly path: string;
  private tableList: readonly TaskTable[];
  private readonly union: boolean;
  private closed = false;
  /** The file as it was when last looked at (an immutable connection must be replaced once it changes). */
  private seen: string;
  /** Connections replaced by a fresh one: a stream may still read through them, so they close with the store. */
  private readonly retired: Database.Database[] = [];

  /** The file's other task tables, when one table was opened. */
  readonly otherTables: readonly string[];

  constructor(
    private db: Database.Database, path: string, tables: readonly TaskTable[], union: boolean, writable: boolean,
    otherTables: readonly string[] = [], private readonly mmap = false,
  ) {
    super();
    this.path = path;
    this.tableList = tables;
    this.union = union;
    this.otherTables = otherTables;
    this.seen = fileState(path);
    this.info = this.describeSelf(writable);
  }

  private describeSelf(writable: boolean): StoreInfo {
    const tables = this.tableList;
    const where = this.union ? `every task table (${tables.map((t) => t.name).join(', ')})` : `table ${tables[0]!.name}`;
    const also = this.otherTables.length === 0 ? '' : ` (the file also holds ${this.otherTables.join(', ')}; table '*' reads them all)`;
    return { kind: 'SQLiteDB', location: `${this.path}, ${where}${also}`, writable, live: true };
  }

  /** The task tables this store reads: with '*', every one the file holds now. */
  get tables(): readonly TaskTable[] {
    this.refresh();
    return this.tableList;
  }

  /**
   * Looks again before each read: a file read as immutable (a WAL file no
   * process had open) is opened again once anything wrote it (a -wal or -shm
   * appeared, its size or mtime changed), and '*' takes in the task tables
   * made since (a restarted controller's ipython-tasks_1, ...).
   */
  private refresh(): void {
    if (this.closed) return;
    if (isImmutable(this.db)) {
      const now = fileState(this.path);
      if (now !== this.seen) {
        // as at first: through the -wal a writer keeps, else a fresh immutable read of what it left
        const fresh = this.run(() => openDatabase(this.path, { write: false, create: false, mmap: this.mmap }));
        this.retired.push(this.db);
        this.db = fresh;
        this.statements.clear();
        this.seen = now;
      }
    }
    if (!this.union) return;
    const found = this.run(() => taskTables(this.db));
    const names = (ts: readonly TaskTable[]) => ts.map((t) => `${t.name} ${t.keys.length}`).join('\n');
    if (found.length > 0 && names(found) !== names(this.tableList)) {
      this.tableList = found;
      this.info = this.describeSelf(this.info.writable);
    }
  }

  /** The file's size and time, and its -wal's: they change whenever a writer may have changed the records. */
  override changeStamp(): string {
    const wal = statSync(`${this.path}-wal`, { throwIfNoEntry: false });
    return `${fileState(this.path)} ${wal?.size ?? '-'} ${wal?.mtimeMs ?? '-'}`;
  }

  /** A tasks.db no process on this machine holds open is one no controller here writes: its pending tasks may never finish. */
  override idleNote(): string | null {
    if (openElsewhere(this.path) !== false) return null;
    return `no process on this machine has ${basename(this.path)} open: if its controller has stopped, pending tasks will not finish there`;
  }

  /** The task tables this store reads, with row counts and time spans. */
  describeTables(): TaskTableInfo[] {
    return this.run(() => this.tables.map((t) => describeTable(this.db, t)));
  }

  async addRecord(msgId: string, record: TaskRecord): Promise<void> {
    this.writeTable('add a record');
    this.insert(msgId, record);
  }

  private insert(msgId: string, record: TaskRecord): void {
    const table = this.tables[0]!;
    if (typeof msgId !== 'string' || msgId === '') throw queryError(`a record needs a msg_id, not ${JSON.stringify(msgId)}`);
    checkRecordDates(record);
    const row = this.encodeRow(table, { ...record, msg_id: msgId });
    const columns = Object.keys(row);
    const sql = `INSERT INTO ${quoteIdentifier(table.name)} (${columns.map(quoteIdentifier).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    try {
      this.statement(sql).run(Object.values(row));
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw keyError(`already have a record with msg_id '${msgId}'`);
      throw sqliteError(e, this.path);
    }
  }

  /** Adds many records in one transaction (much faster than one addRecord each). */
  async addRecords(records: Iterable<TaskRecord>): Promise<number> {
    this.writeTable('add records');
    let n = 0;
    this.run(() =>
      this.db.transaction(() => {
        for (const r of records) {
          this.insert(r['msg_id'] as string, r);
          n++;
        }
      })(),
    );
    return n;
  }

  async getRecord(msgId: string): Promise<TaskRecord> {
    for (const table of this.tables) {
      const row = this.run(() =>
        this.db.prepare(`SELECT ${columnList(table.keys)} FROM ${quoteIdentifier(table.name)} WHERE msg_id = ?`).raw().get(msgId),
      ) as unknown[] | undefined;
      if (row) {
        const rec = this.decodeRow(table, table.keys, row, msgId);
        for (const k of KEY_NAMES) if (!(k in rec)) rec[k] = null;
        if (this.union) rec[TABLE_FIELD] = table.name;
        return rec;
      }
    }
    throw keyError(`no record with msg_id '${msgId}'`);
  }

  async updateRecord(msgId: string, changes: TaskRecord): Promise<void> {
    const table = this.writeTable('update a record');
    checkRecordDates(changes);
    const { msg_id: _ignored, ...rest } = changes;
    const row = this.encodeRow(table, rest);
    const columns = Object.keys(row);
    const found = this.run(() => this.db.prepare(`SELECT 1 FROM ${quoteIdentifier(table.name)} WHERE msg_id = ?`).get(msgId));
    if (!found) throw keyError(`no record with msg_id '${msgId}'`);
    if (columns.length === 0) return;
    const sql = `UPDATE ${quoteIdentifier(table.name)} SET ${columns.map((c) => `${quoteIdentifier(c)} = ?`).join(', ')} WHERE msg_id = ?`;
    this.run(() => this.db.prepare(sql).run([...Object.values(row), msgId]));
  }

  async dropRecord(msgId: string): Promise<void> {
    const table = this.writeTable('drop a record');
    const result = this.run(() => this.db.prepare(`DELETE FROM ${quoteIdentifier(table.name)} WHERE msg_id = ?`).run(msgId));
    if (result.changes === 0) throw keyError(`no record with msg_id '${msgId}'`);
  }

  /**
   * Drops the matching records. On a file no other process holds open, in
   * one transaction; on one another process may be writing (a running
   * controller), the rows are found by short reads and then deleted in short
   * transactions by batches of rowids, each row checked against the query
   * again as it is deleted, so the count stays exact (short-writes.ts).
   */
  async dropMatchingRecords(query: QueryInput): Promise<number> {
    const table = this.writeTable('drop records');
    const q = compileQuery(query);
    const filter = toSql(q, columnOf(table));
    if (openElsewhere(this.path) === false) {
      return this.run(() =>
        this.db.transaction(() => {
          const name = quoteIdentifier(table.name);
          if (!filter.residual) return this.db.prepare(`DELETE FROM ${name} WHERE ${filter.where}`).run(filter.params).changes;
          const ids = this.db.prepare(`SELECT rowid FROM ${name} WHERE ${filter.where}`).pluck().all(filter.params) as number[];
          return this.dropRows(table, filter, ids);
        })(),
      );
    }
    const { rowids } = await this.findOrder(table, filter, byMsgId(q) || this.searches(table, filter));
    const ids = Array.from(rowids).sort((a, b) => a - b);
    return writeInBatches(this.db, this.path, ids, (batch) => this.dropRows(table, filter, batch));
  }

  /** Deletes those of the rows that still match the filter (and its residual); the number deleted. */
  private dropRows(table: TaskTable, filter: SqlFilter, rowids: readonly number[]): number {
    const name = quoteIdentifier(table.name);
    const list = JSON.stringify(rowids);
    const inList = `rowid IN (SELECT value FROM json_each(?))`;
    if (!filter.residual) return this.statement(`DELETE FROM ${name} WHERE ${inList} AND (${filter.where})`).run([list, ...filter.params]).changes;
    const keys = residualKeys(filter.residual).filter((k) => table.keys.includes(k));
    const doomed: number[] = [];
    const stmt = this.statement(`SELECT rowid, ${columnList(keys)} FROM ${name} WHERE ${inList} AND (${filter.where})`).raw();
    for (const row of stmt.all([list, ...filter.params]) as unknown[][]) {
      if (matches(filter.residual, this.decodeRow(table, keys, row.slice(1)))) doomed.push(row[0] as number);
    }
    if (doomed.length === 0) return 0;
    return this.statement(`DELETE FROM ${name} WHERE ${inList}`).run(JSON.stringify(doomed)).changes;
  }

  async *findRecords(query: QueryInput, keys?: KeysInput, options: FindOptions = {}): AsyncGenerator<TaskRecord> {
    const q = compileQuery(query);
    const ks = normalizeKeys(keys);
    yield* this.stream(q, ks, options);
  }

  /**
   * findRecords' answer as each record's JSON text, exactly as `write` (the
   * JSON writer, which the caller hands down: a store knows no output
   * format) writes the record, copied from the stored text wherever that
   * already is the text (script mode's json and jsonl output); null when
   * the store reads several task tables.
   */
  override recordTexts(query: QueryInput, keys: KeysInput | undefined, write: (rec: TaskRecord) => string): AsyncIterable<string> | null {
    if (this.union) return null;
    return this.texts(query, keys, write);
  }

  private async *texts(query: QueryInput, keys: KeysInput | undefined, write: (rec: TaskRecord) => string): AsyncGenerator<string> {
    const q = compileQuery(query);
    const ks = normalizeKeys(keys);
    for await (const chunk of this.tableStream(this.tables[0]!, q, ks, texts(write))) {
      for (const t of chunk.records) {
        if (t instanceof Unwritten) throw t.error;
        yield t;
      }
    }
  }

  /**
   * The answer as the rowids of its rows in answer order, each row read when
   * it is used (the interactive viewer of a large answer): null when SQL
   * alone does not answer the query (a residual, or several task tables),
   * and the records are to be read as findRecords gives them. A row gone
   * from the file since (a purge) reads as a record of nulls.
   */
  override async pagedRecords(query: QueryInput, keys?: KeysInput): Promise<RecordPages | null> {
    const q = compileQuery(query);
    const ks = normalizeKeys(keys);
    const table = this.tables[0];
    if (this.union || !table) return null;
    const filter = toSql(q, columnOf(table));
    if (filter.residual) return null;
    const { rowids } = await this.findOrder(table, filter, byMsgId(q) || this.searches(table, filter));
    const stored = columnsToFetch(table.keys, ks, []);
    const position = (k: string) => (stored.includes(k) ? stored.indexOf(k) + 1 : -1);
    const read = rowReader(ks, ks.map(position), position('msg_id'));
    const where = recordPlace(table.name, this.path);
    const select = this.run(() =>
      this.db.prepare(`SELECT rowid, ${columnList(stored)} FROM ${quoteIdentifier(table.name)} WHERE rowid IN (SELECT value FROM json_each(?))`).raw(),
    );
    const gone = (): TaskRecord => Object.fromEntries(ks.map((k) => [k, null]));
    const pages = (rowids: Float64Array): RecordPages => ({
      length: rowids.length,
      read: (start, end) => {
        const ids = rowids.subarray(start, end);
        const rows = new Map<number, unknown[]>();
        for (const row of this.run(() => select.all(JSON.stringify(Array.from(ids)))) as unknown[][]) rows.set(row[0] as number, row);
        return Array.from(ids, (id) => {
          const row = rows.get(id);
          return row ? read(row, where) : gone();
        });
      },
      // the rows of the answer in another order, sorted by SQLite (rows purged since drop out)
      sorted: ({ by, descending }) => {
        const qualified = (k: string) => (table.keys.includes(k) ? `t.${quoteIdentifier(k)}` : null);
        const { sql, params } = sortExpression(by, qualified);
        // the expression's parameters come before the answer's rowids in the statement
        const ids = this.run(() => this.db.prepare(sortStatement(table.name, sql, descending)).pluck().all([...params, JSON.stringify(Array.from(rowids))])) as number[];
        return pages(Float64Array.from(ids));
      },
    });
    return pages(rowids);
  }

  /**
   * Counts in SQL when the whole query is SQL; otherwise reads only the
   * columns the rest of the query tests. Sliced, as every scan.
   */
  override async countRecords(query: QueryInput): Promise<number> {
    const q = compileQuery(query);
    let n = 0;
    for (const table of this.tables) {
      const filter = toSql(q, columnOf(table));
      const name = quoteIdentifier(table.name);
      const tested = filter.residual ? residualKeys(filter.residual) : [];
      const stored = columnsToFetch(table.keys, [], tested);
      const probe = rowReader(tested, tested.map((k) => stored.indexOf(k)), stored.indexOf('msg_id'));
      const where = recordPlace(table.name, this.path);
      const what = filter.residual ? columnList(stored) : 'count(*)';
      const range = byMsgId(q) || this.searches(table, filter) ? '' : 'rowid > ? AND rowid <= ? AND ';
      const from = range ? `${name} NOT INDEXED` : name;
      const stmt = this.run(() => this.db.prepare(`SELECT ${what} FROM ${from} WHERE ${range}(${filter.where})`).raw());
      const slices = range
        ? sliceRows(this.run(() => this.db.prepare(`SELECT max(rowid) FROM ${name}`)), stmt, filter.params)
        : [this.run(() => stmt.all(filter.params)) as unknown[][]];
      const it = slices[Symbol.iterator]();
      for (;;) {
        const next = this.run(() => it.next());
        if (next.done) break;
        if (!filter.residual) {
          n += next.value[0]![0] as number;
        } else {
          for (const row of next.value) if (matches(filter.residual, probe(row, where))) n++;
        }
        await new Promise((r) => setImmediate(r));
      }
    }
    return n;
  }

  /**
   * In one read of the file (one snapshot, so one wait for a writer's lock):
   * the query's rows added since a mark (each task table's last rowid, found
   * by rowid), the rows of some msg_ids (by their index), and the mark of
   * now. Without a mark, only the mark.
   */
  readChanges(mark: string | null, query: QueryInput, keys: KeysInput, ids: readonly string[], idKeys: KeysInput): StoreChanges {
    const q = compileQuery(query);
    const ks = normalizeKeys(keys);
    const idKs = normalizeKeys(idKeys);
    let after: unknown = null;
    if (mark !== null) {
      try {
        after = JSON.parse(mark);
      } catch {
        after = null;
      }
      if (!after || typeof after !== 'object') throw queryError(`not a mark of this store: ${mark.slice(0, 40)}`);
    }
    const byId = compileQuery({ msg_id: { $in: [] } });
    return this.run(() =>
      this.db.transaction(() => {
        const marks: Record<string, number> = {};
        const added: TaskRecord[] = [];
        const known: TaskRecord[] = [];
        for (const table of this.tables) {
          const name = quoteIdentifier(table.name);
          marks[table.name] = (this.db.prepare(`SELECT max(rowid) FROM ${name}`).pluck().get() as number | null) ?? 0;
          if (after) {
            const filter = toSql(q, columnOf(table));
            const from = markOf(after as Record<string, number>, table.name);
            for (const r of this.selectRows(table, filter, ks, `rowid > ? AND (${filter.where})`, [from, ...filter.params])) added.push(r);
          }
          if (ids.length) {
            const filter = toSql(byId, columnOf(table));
            for (const r of this.selectRows(table, filter, idKs, 'msg_id IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)])) known.push(r);
          }
        }
        return { mark: JSON.stringify(marks), added, known };
      })(),
    );
  }

  /** The records of one statement over a table (its residual tested here), read at once. */
  private selectRows(table: TaskTable, filter: SqlFilter, ks: readonly string[], where: string, params: unknown[]): TaskRecord[] {
    const tested = filter.residual ? residualKeys(filter.residual) : [];
    const stored = columnsToFetch(table.keys, ks, tested);
    const position = (k: string) => (stored.includes(k) ? stored.indexOf(k) : -1);
    const msgIdAt = position('msg_id');
    const read = rowReader(ks, ks.map(position), msgIdAt);
    const extra = tested.some((k) => !ks.includes(k) && table.keys.includes(k));
    const probe = extra ? rowReader(tested, tested.map(position), msgIdAt) : read;
    const at = recordPlace(table.name, this.path);
    const recordOf = answerRecord(filter, read, probe, extra, at, this.union ? table.name : null);
    const out: TaskRecord[] = [];
    for (const row of this.db.prepare(`SELECT ${columnList(stored)} FROM ${quoteIdentifier(table.name)} WHERE ${where}`).raw().all(params) as unknown[][]) {
      const rec = recordOf(row);
      if (rec) out.push(rec);
    }
    return out;
  }

  /**
   * findRecords' records in the order the file holds them (by rowid), in one
   * sliced pass: for readers whose answer does not depend on the order
   * (stats), which so skip the scan that finds the answer's order.
   */
  override async *scanRecords(query: QueryInput, keys?: KeysInput, options: FindOptions = {}): AsyncGenerator<TaskRecord> {
    for await (const slice of this.scanSlices(query, keys, options)) yield* slice;
  }

  /**
   * scanRecords' records a slice of the file at a time: each slice's records
   * are built as the reader takes them (each row let go once read), and the
   * reader takes a whole slice before it asks for the next, without a turn
   * of the event loop per record.
   */
  override async *scanSlices(query: QueryInput, keys?: KeysInput, options: FindOptions = {}): AsyncGenerator<Iterable<TaskRecord>> {
    const q = compileQuery(query);
    const ks = normalizeKeys(keys);
    for (const table of this.tables) {
      const filter = toSql(q, columnOf(table));
      const tested = filter.residual ? residualKeys(filter.residual) : [];
      const stored = columnsToFetch(table.keys, ks, tested);
      const position = (k: string) => (stored.includes(k) ? stored.indexOf(k) : -1);
      const msgIdAt = position('msg_id');
      // a column the residual tests is decoded for the test, so never left as it is stored
      const lazy = (options.lazy ?? []).filter((k) => !tested.includes(k));
      const columns = selectList(stored, options.sparse, lazy);
      const name = quoteIdentifier(table.name);
      const indexed = byMsgId(q) || this.searches(table, filter);
      // a slice's bytes columns as one aggregate each, where the file allows (a view of it a row)
      const blobAt = stored.flatMap((k, i) => (keySpec(k)?.kind === 'buffers' ? [i] : []));
      const aggregated = indexed ? null : this.run(() => blobSlices(this.db, name, filter, columns.items, blobAt));
      const read = rowReader(ks, ks.map(position), msgIdAt, lazy, { at: stored.length, deciders: columns.deciders }, aggregated !== null);
      const extra = tested.some((k) => !ks.includes(k) && table.keys.includes(k));
      const probe = extra ? rowReader(tested, tested.map(position), msgIdAt) : read;
      const where = recordPlace(table.name, this.path);
      const stmt = this.run(() =>
        indexed
          ? this.db.prepare(`SELECT ${columns.sql} FROM ${name} WHERE ${filter.where}`).raw()
          : this.db.prepare(`SELECT ${columns.sql} FROM ${name} NOT INDEXED WHERE rowid > ? AND rowid <= ? AND (${filter.where}) ORDER BY rowid`).raw(),
      );
      const maxRowid = () => this.run(() => this.db.prepare(`SELECT max(rowid) FROM ${name}`));
      const slices = indexed
        ? [this.run(() => stmt.all(filter.params)) as unknown[][]][Symbol.iterator]()
        : aggregated
          ? sliceReads(maxRowid(), aggregated, SCAN_SPAN, SLICE_CACHE_PAGES)
          : sliceRows(maxRowid(), stmt, filter.params, SCAN_SPAN);
      const recordOf = answerRecord(filter, read, probe, extra, where, this.union ? table.name : null);
      for (;;) {
        const next = this.run(() => slices.next());
        if (next.done) break;
        const rows = next.value as (unknown[] | undefined)[];
        yield (function* () {
          for (let i = 0; i < rows.length; i++) {
            const row = rows[i]!;
            rows[i] = undefined;
            const rec = recordOf(row);
            if (rec) yield rec;
          }
        })();
        // Reading is synchronous: between two slices the event loop turns, so that Ctrl-C is seen.
        await loopTurn(options.signal);
      }
    }
  }

  /** A table large enough for a column read to take a worker thread has one started now. */
  override readyColumnReads(): void {
    if (this.closed || this.db.memory) return;
    const large = this.tables.some((t) => ((this.run(() => this.db.prepare(`SELECT max(rowid) FROM ${quoteIdentifier(t.name)}`).pluck().get()) as number | null) ?? 0) >= parallelRead.minRows);
    if (large) readyColumnWorker();
  }

  /**
   * The answer's tasks as columns (analytics' ColumnRequest): one sliced
   * pass per table in the file's order, as scanRecords reads, fetching only
   * the columns asked for. Null when SQL alone does not answer the query (a
   * residual) or an index finds its rows: those are read as records.
   */
  override taskColumns(query: QueryInput, request: ColumnRequest): ColumnRead | null {
    const q = compileQuery(query);
    const tables = this.tables;
    const filters = tables.map((t) => toSql(q, columnOf(t)));
    if (filters.some((f) => f.residual) || byMsgId(q) || tables.some((t, i) => this.searches(t, filters[i]!))) return null;
    // the engine map is learned from every record: only a read of every record can learn it
    const failed = tables.map((t) => toSql(compileQuery({ error: { $ne: null } }), columnOf(t)));
    const learn = request.learn;
    if (learn && (q.root.children.length > 0 || failed.some((f) => f.residual))) return null;
    const uuids: string[] = [];
    const index = new Map<string, number>();
    const src: ColumnSource = { db: this.db, path: this.path, tableField: this.union ? TABLE_FIELD : null, run: (fn) => this.run(fn) };
    async function* chunks(): AsyncGenerator<ColumnChunk> {
      if (!learn) {
        for (let t = 0; t < tables.length; t++) yield* tableColumns(src, tables[t]!, t, filters[t]!, request, uuids, index);
        return;
      }
      const learning: Learning = { failed: [], maybe: [], tables: [] };
      const all: ColumnChunk[] = [];
      for (let t = 0; t < tables.length; t++) for await (const c of tableColumns(src, tables[t]!, t, filters[t]!, request, uuids, index, learning, failed[t]!)) all.push(c);
      learn(await settle(learning, all, uuids));
      yield* all;
    }
    return { uuids, chunks: chunks(), msgIds: (t, rowids) => msgIdsByRowid(src, tables[t]!, rowids) };
  }

  private async *stream(q: Query, keys: readonly string[], options: FindOptions): AsyncGenerator<TaskRecord> {
    const sources = this.tables.map((t) => this.tableStream(t, q, keys, RECORDS, options));
    if (sources.length === 1) {
      for await (const chunk of sources[0]!) yield* chunk.records;
      return;
    }
    yield* mergeOrdered(sources);
  }

  /** One table's answer in order, in chunks, each record with its sort key. */
  private async *tableStream<T>(table: TaskTable, q: Query, keys: readonly string[], output: Output<T>, options: FindOptions = {}): AsyncGenerator<Chunk<T>> {
    const filter = toSql(q, columnOf(table));
    const ordered = await this.findOrder(table, filter, byMsgId(q) || this.searches(table, filter), options.signal);
    const tested = filter.residual ? residualKeys(filter.residual) : [];
    const stored = columnsToFetch(table.keys, keys, tested);
    // a fetched row is the rowid, then the stored columns
    const position = (k: string) => (stored.includes(k) ? stored.indexOf(k) + 1 : -1);
    const msgIdAt = position('msg_id');
    // a column the residual tests is decoded for the test, so never left as it is stored
    const lazy = (options.lazy ?? []).filter((k) => !tested.includes(k));
    const columns = selectList(stored, options.sparse, lazy);
    // a fetched row is the rowid, the stored columns, then (when some come as None for their text) the flags
    const read = rowReader(keys, keys.map(position), msgIdAt, lazy, { at: stored.length + 1, deciders: columns.deciders });
    const extra = tested.some((k) => !keys.includes(k) && table.keys.includes(k));
    const probe = extra ? rowReader(tested, tested.map(position), msgIdAt) : read;
    const where = recordPlace(table.name, this.path);
    const make = output(read, where, keys, keys.map(position));
    // a record that passed the residual's test is the answer's own when both read the same columns
    const reuse = !extra && output === (RECORDS as Output<unknown>);
    const name = quoteIdentifier(table.name);
    // by rowid, whatever other index the filter could use
    const select = `SELECT rowid, ${columns.sql} FROM ${name} NOT INDEXED`;
    const byList = this.run(() => this.db.prepare(`${select} WHERE rowid IN (SELECT value FROM json_each(?)) AND (${filter.where})`).raw());
    const byRange = this.run(() => this.db.prepare(`${select} WHERE rowid >= ? AND rowid <= ? AND (${filter.where}) ORDER BY rowid`).raw());
    const { rowids, micros } = ordered;
    const n = rowids.length;
    const turns = new LoopTurns(options.signal, TURN_MS);
    for (let start = 0; start < n; start += FETCH_CHUNK) {
      // Reading is synchronous: every few ms the event loop turns once, so
      // that Ctrl-C (a key, or SIGINT) is seen while a long answer is read.
      if (turns.due()) await turns.turn();
      const end = Math.min(n, start + FETCH_CHUNK);
      const rows = this.fetchRows(rowids, start, end, byList, byRange, filter);
      const chunk: Chunk<T> = { records: [], micros: [], msgIds: [] };
      for (let i = start; i < end; i++) {
        const row = rows.get(rowids[i]!);
        if (!row) continue;
        let out: T;
        if (filter.residual) {
          const tried = probe(row, where);
          if (!matches(filter.residual, tried)) continue;
          out = reuse ? (tried as T) : make(row);
        } else {
          out = make(row);
        }
        if (this.union) {
          const rec = out as TaskRecord;
          rec[TABLE_FIELD] = table.name;
          chunk.micros.push(micros[i]!);
          chunk.msgIds.push(String(rec['msg_id']));
        }
        chunk.records.push(out);
      }
      yield chunk;
    }
  }

  /**
   * The rows of rowids[start..end), by rowid, still matching the SQL filter.
   * Rowids in ascending, nearly contiguous order are read as one range.
   */
  private fetchRows(
    rowids: Float64Array, start: number, end: number,
    byList: Database.Statement, byRange: Database.Statement, filter: SqlFilter,
  ): Map<number, unknown[]> {
    const first = rowids[start]!;
    const last = rowids[end - 1]!;
    let ascending = last >= first && last - first <= 4 * (end - start);
    for (let i = start + 1; ascending && i < end; i++) if (rowids[i]! <= rowids[i - 1]!) ascending = false;
    const rows = this.run(() =>
      ascending
        ? byRange.all([first, last, ...filter.params])
        : byList.all([JSON.stringify(Array.from(rowids.subarray(start, end))), ...filter.params]),
    ) as unknown[][];
    const out = new Map<number, unknown[]>();
    for (const row of rows) out.set(row[0] as number, row);
    return out;
  }

  /**
   * Does SQLite find the filter's rows through an index (msg_id's, or those
   * %index makes) rather than by reading the whole table? Then one statement
   * reads them, instead of slices of the table.
   */
  private searches(table: TaskTable, filter: SqlFilter): boolean {
    if (filter.where === '1') return false;
    const plan = this.run(() =>
      this.db.prepare(`EXPLAIN QUERY PLAN SELECT rowid FROM ${quoteIdentifier(table.name)} WHERE ${filter.where}`).all(filter.params),
    ) as { detail: string }[];
    return plan.length > 0 && plan.every((step) => !step.detail.startsWith('SCAN '));
  }

  /**
   * The rowids of the rows SQL lets through, in answer order (submitted,
   * then msg_id). Scans the table in slices of rowids, each statement short;
   * the slice grows or shrinks to stay near READ_SLICE_MS.
   */
  private async findOrder(table: TaskTable, filter: SqlFilter, indexed: boolean, signal?: AbortSignal): Promise<Ordered> {
    const name = quoteIdentifier(table.name);
    const submitted = table.keys.includes('submitted') ? quoteIdentifier('submitted') : 'NULL';
    if (indexed) {
      // An index finds them in one statement.
      const rows = this.run(() =>
        this.db.prepare(`SELECT rowid, ${submitted} FROM ${name} WHERE ${filter.where}`).raw().all(filter.params),
      ) as [number, unknown][];
      const rowids = Float64Array.from(rows, (r) => r[0]);
      const micros = Float64Array.from(rows, (r) => timestampMicros(r[1]));
      await this.sortByTime(table, rowids, micros, signal);
      return { table, rowids, micros };
    }
    const stmt = this.run(() =>
      this.db.prepare(`SELECT rowid, ${submitted} FROM ${name} NOT INDEXED WHERE rowid > ? AND rowid <= ? AND (${filter.where}) ORDER BY rowid`).raw(),
    );
    const maxRowid = this.run(() => this.db.prepare(`SELECT max(rowid) FROM ${name}`));
    let rowids: Float64Array = new Float64Array(1024);
    let micros: Float64Array = new Float64Array(1024);
    let count = 0;
    let sorted = true;
    const slices = sliceRows(maxRowid, stmt, filter.params);
    for (;;) {
      const t0 = performance.now();
      const next = this.run(() => slices.next());
      if (next.done) break;
      for (const [rowid, text] of next.value as [number, unknown][]) {
        if (count === rowids.length) {
          rowids = grow(rowids);
          micros = grow(micros);
        }
        const us = timestampMicros(text);
        if (count > 0 && us <= micros[count - 1]!) sorted = false;
        rowids[count] = rowid;
        micros[count] = us;
        count++;
      }
      if (performance.now() - t0 > TURN_MS / 2) await loopTurn(signal);
    }
    rowids = rowids.subarray(0, count);
    micros = micros.subarray(0, count);
    if (!sorted) await this.sortByTime(table, rowids, micros, signal);
    return { table, rowids, micros };
  }

  /** Sorts by submitted; rows submitted at the same microsecond go by msg_id. */
  private async sortByTime(table: TaskTable, rowids: Float64Array, micros: Float64Array, signal?: AbortSignal): Promise<void> {
    const n = rowids.length;
    const index = new Uint32Array(n);
    for (let i = 0; i < n; i++) index[i] = i;
    await sortInSlices(index, (a, b) => (micros[a]! < micros[b]! ? -1 : micros[a]! > micros[b]! ? 1 : a - b), signal);
    const r = Float64Array.from(index, (i) => rowids[i]!);
    const m = Float64Array.from(index, (i) => micros[i]!);
    const msgIdOf = this.db.prepare(`SELECT msg_id FROM ${quoteIdentifier(table.name)} WHERE rowid = ?`).pluck();
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && m[j] === m[i]) j++;
      if (j - i > 1) {
        const tie = Array.from(r.subarray(i, j), (rowid) => ({ rowid, id: String(this.run(() => msgIdOf.get(rowid)) ?? '') }));
        tie.sort((a, b) => compareStrings(a.id, b.id));
        tie.forEach((t, k) => (r[i + k] = t.rowid));
      }
      i = j;
    }
    rowids.set(r);
    micros.set(m);
  }

  /** One sliced scan of (submitted, msg_id): no second pass for the records themselves. */
  async getHistory(): Promise<string[]> {
    const entries: { us: number; id: string }[] = [];
    for (const table of this.tables) {
      const name = quoteIdentifier(table.name);
      const stmt = this.run(() =>
        this.db.prepare(`SELECT submitted, msg_id FROM ${name} NOT INDEXED WHERE rowid > ? AND rowid <= ? AND submitted IS NOT NULL ORDER BY rowid`).raw(),
      );
      const slices = sliceRows(this.run(() => this.db.prepare(`SELECT max(rowid) FROM ${name}`)), stmt, []);
      for (;;) {
        const next = this.run(() => slices.next());
        if (next.done) break;
        for (const [text, id] of next.value as [unknown, string][]) {
          const us = timestampMicros(text);
          // text that is no timestamp has no submitted time either
          if (us !== -Infinity) entries.push({ us, id });
        }
        await new Promise((r) => setImmediate(r));
      }
    }
    const inOrder = (a: { us: number; id: string }, b: { us: number; id: string }) => a.us - b.us || compareStrings(a.id, b.id);
    let sorted = true;
    for (let i = 1; i < entries.length && sorted; i++) if (inOrder(entries[i - 1]!, entries[i]!) > 0) sorted = false;
    if (!sorted) entries.sort(inOrder);
    return entries.map((e) => e.id);
  }

  async summary(): Promise<StoreSummary> {
    let count = 0;
    let first: Timestamp | null = null;
    let last: Timestamp | null = null;
    let latest: { key: string; client: string } | null = null;
    for (const table of this.tables) {
      const scan = this.run(() => scanTable(this.db, table));
      count += scan.count;
      if (scan.firstSubmitted && (!first || scan.firstSubmitted.us < first.us)) first = scan.firstSubmitted;
      if (scan.lastSubmitted && (!last || scan.lastSubmitted.us > last.us)) last = scan.lastSubmitted;
      if (scan.latestWithClient === null) continue;
      const row = this.run(() =>
        this.db.prepare(`SELECT ${timestampExpression(quoteIdentifier('submitted'))}, client_uuid FROM ${quoteIdentifier(table.name)} WHERE msg_id = ?`).raw().get(scan.latestWithClient),
      ) as [string | null, string] | undefined;
      if (!row) continue;
      const key = `${row[0] ?? ''} ${scan.latestWithClient}`;
      if (!latest || compareStrings(key, latest.key) > 0) latest = { key, client: row[1] };
    }
    return { count, firstSubmitted: first, lastSubmitted: last, latestClient: latest?.client ?? null };
  }

  /**
   * `%index`: the indexes of INDEXED_COLUMNS on every table this store
   * reads; refused while another process has the file open.
   */
  override async createIndexes(): Promise<IndexReport> {
    this.refuseIndexes();
    return this.run(() => createIndexes(this.db, this.path, this.tables));
  }

  override async planIndexes(): Promise<IndexPlan> {
    this.refuseIndexes();
    const plan = this.run(() => indexPlan(this.db, this.tables));
    return { missing: plan.missing.map((m) => m.label), present: plan.present };
  }

  /** Raises why `%index` cannot make indexes here now (a read-only file, another process that has it open). */
  private refuseIndexes(): void {
    if (!this.info.writable) {
      throw storeError(`${this.path} is open read-only; open it for writing (write: true, or --write) to create indexes`);
    }
    // Building an index is one long write: beside a running controller it would cost the controller records.
    if (openElsewhere(this.path) === true) {
      throw storeError(
        `another process has ${this.path} open (a running controller?), and building indexes holds the file for one long write that would make it lose task records, so no index was made; run %index once nothing else has the file open`,
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const old of this.retired.splice(0)) old.close();
    this.db.close();
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, kept for reuse (inserts of a whole batch share one). */
  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.statements.size > 64) this.statements.clear();
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private writeTable(what: string): TaskTable {
    if (this.union) throw storeError(`cannot ${what} in every task table at once; open one table by name to write`);
    if (!this.info.writable) {
      throw storeError(`${this.path} is open read-only; open it for writing (write: true, or --write) to ${what}`);
    }
    return this.tables[0]!;
  }

  private encodeRow(table: TaskTable, record: TaskRecord): Record<string, SqlValue> {
    const row: Record<string, SqlValue> = {};
    for (const [key, value] of Object.entries(record)) {
      if (!table.keys.includes(key)) {
        if (value === null || value === undefined) continue;
        if (KEY_NAMES.includes(key)) {
          throw storeError(`table ${table.name} of ${this.path} has no ${key} column (ipyparallel before 9.1 made it), so it cannot keep ${key}=${JSON.stringify(value)}`);
        }
        throw storeError(`'${key}' is not a TaskRecord key, so table ${table.name} has no column for it`);
      }
      row[key] = encodeColumn(key, value);
    }
    return row;
  }

  private decodeRow(table: TaskTable, keys: readonly string[], row: readonly unknown[], msgId?: string): TaskRecord {
    const rec: TaskRecord = {};
    const where = () => `record ${msgId ?? rec['msg_id'] ?? '?'} in table ${table.name} of ${this.path}`;
    keys.forEach((k, i) => (rec[k] = decodeColumn(k, row[i], where)));
    return rec;
  }

  /** Runs a statement, turning SQLite failures into StoreErrors naming the file. */
  private run<T>(fn: () => T): T {
    if (this.closed) throw storeError(`${this.path} is closed`);
    try {
      return fn();
    } catch (e) {
      throw sqliteError(e, this.path);
    }
  }
}

/**
 * A fetched row's record as the answer holds it, or null when the query's
 * residual rejects it: the residual is tested on `probe`'s record (the keys
 * it tests), the answer is `read`'s (the same record when those keys are
 * among the answer's); in a store of every table, the record names its
 * table (`table`).
 */
function answerRecord(
  filter: SqlFilter, read: RowReader, probe: RowReader, extra: boolean, where: (id: unknown) => string, table: string | null,
): (row: unknown[]) => TaskRecord | null {
  return (row) => {
    let rec: TaskRecord;
    if (filter.residual) {
      const tried = probe(row, where);
      if (!matches(filter.residual, tried)) return null;
      rec = extra ? read(row, where) : tried;
    } else rec = read(row, where);
    if (table !== null) rec[TABLE_FIELD] = table;
    return rec;
  };
}

/** The last rowid a mark holds for a table: 0 (every row) for a table it does not name. */
function markOf(after: Record<string, number> | null, table: string): number {
  const n = after?.[table];
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

/** At most this many msg_ids make a query one the primary key index answers. */
const INDEXED_IDS = 1000;

/** Does the query pin msg_id to a few values (so SQLite finds the rows by its index)? */
function byMsgId(q: Query): boolean {
  return q.root.children.some(
    (c) =>
      c.kind === 'field' && c.key === 'msg_id' && c.path.length === 0 &&
      c.conds.some((d) =>
        (d.op === 'eq' && typeof d.value === 'string') ||
        (d.op === 'in' && d.values.length <= INDEXED_IDS && d.values.every((v) => typeof v === 'string'))),
  );
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

function columnOf(table: TaskTable) {
  return (key: string) => (table.keys.includes(key) ? quoteIdentifier(key) : null);
}

function columnList(keys: readonly string[]): string {
  return keys.length === 0 ? 'NULL' : keys.map(quoteIdentifier).join(', ');
}

/** The keys a residual query tests; their columns must be fetched to test it. */
function residualKeys(q: Query): string[] {
  return testedKeys(fieldKeys(q));
}

/** Merges per-table answers, each already in order, into one answer in order. */
async function* mergeOrdered(sources: AsyncGenerator<Chunk<TaskRecord>>[]): AsyncGenerator<TaskRecord> {
  const heads: ({ chunk: Chunk<TaskRecord>; i: number } | undefined)[] = [];
  const advance = async (k: number) => {
    for (;;) {
      const next = await sources[k]!.next();
      if (next.done) return undefined;
      if (next.value.records.length > 0) return { chunk: next.value, i: 0 };
    }
  };
  for (let k = 0; k < sources.length; k++) heads.push(await advance(k));
  for (;;) {
    let best = -1;
    for (let k = 0; k < heads.length; k++) {
      const h = heads[k];
      if (!h) continue;
      const b = best < 0 ? undefined : heads[best]!;
      if (!b) {
        best = k;
        continue;
      }
      const hm = h.chunk.micros[h.i]!;
      const bm = b.chunk.micros[b.i]!;
      if (hm < bm || (hm === bm && compareStrings(h.chunk.msgIds[h.i]!, b.chunk.msgIds[b.i]!) < 0)) best = k;
    }
    if (best < 0) return;
    const h = heads[best]!;
    yield h.chunk.records[h.i]!;
    h.i++;
    if (h.i >= h.chunk.records.length) heads[best] = await advance(best);
  }
}
