import { storeError } from '../../errors.js';
import type { Store } from '../store.js';
import { SQLiteStore } from './store.js';
import { DEFAULT_TABLE, createTableSQL, findTaskTable, openDatabase, sqliteError, taskTables, type TaskTable } from './tables.js';

export { SQLiteStore, TABLE_FIELD } from './store.js';
export { readyColumnWorker } from './columns.js';
export type { ReadyWorker } from './worker-start.js';
export { DEFAULT_TABLE, listTaskTables, type TaskTable, type TaskTableInfo } from './tables.js';
export { decodeColumn, encodeColumn, pythonJSON } from './codec.js';
export { toSql, nonUtcText, quoteIdentifier, canonicalTimestamp, timestampExpression, SQL_TIMESTAMP_FUNCTION, CANONICAL_TIMESTAMP_GLOB, type SqlFilter, type SqlParam, type ColumnOf } from './sql-filter.js';

export interface SQLiteOptions {
  /** Path of the tasks.db file. */
  readonly path: string;
  /** A table name, or '*' for every task table together; default 'ipython-tasks'. */
  readonly table?: string;
  /** Open for writing (otherwise read-only). */
  readonly write?: boolean;
  /**
   * With write: create the file and the table when missing, as ipcontroller
   * does. A new table has ipyparallel 7.x's 22 columns, or 9.1's 23 with `label`.
   */
  readonly create?: boolean;
  readonly label?: boolean;
  /**
   * Read through a memory map of the file (SQLite's mmap_size, its first
   * 2 GB): faster passes over a large table, but a file that another
   * program truncates while it is read then ends the process (SIGBUS).
   */
  readonly mmap?: boolean;
}

/** Opens a tasks.db written by `ipcontroller --sqlitedb`. */
export async function openSQLiteStore(options: SQLiteOptions): Promise<Store & SQLiteStore> {
  const path = options.path;
  const write = options.write ?? false;
  const create = write && (options.create ?? false);
  if (options.create && !write) throw storeError(`creating ${path} needs writing too (write: true)`);
  const name = options.table ?? DEFAULT_TABLE;
  const mmap = options.mmap ?? false;
  const db = openDatabase(path, { write, create, mmap });
  try {
    let tables: TaskTable[];
    if (name === '*') {
      tables = taskTables(db);
      if (tables.length === 0) throw storeError(`${path} holds no task tables (none has the columns ipcontroller writes)`);
    } else {
      if (create) db.exec(createTableSQL(name, options.label ?? false));
      tables = [findTaskTable(db, path, name)];
    }
    // A restarted controller may have moved on to ipython-tasks_1, _2, ...: say so.
    const others = name === '*' ? [] : taskTables(db).map((t) => t.name).filter((t) => t !== name);
    return new SQLiteStore(db, path, tables, name === '*', write, others, mmap);
  } catch (e) {
    db.close();
    throw sqliteError(e, path);
  }
}
