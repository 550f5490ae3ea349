import { storeError } from '../../errors.js';
import type { Store } from '../store.js';

export interface SQLiteOptions {
  /** Path of the tasks.db file. */
  readonly path: string;
  /** A table name, or '*' for every task table together; default 'ipython-tasks'. */
  readonly table?: string;
  /** Open for writing (otherwise read-only). */
  readonly write?: boolean;
}

/** Opens a tasks.db written by `ipcontroller --sqlitedb`. */
export async function openSQLiteStore(options: SQLiteOptions): Promise<Store> {
  throw storeError(`the SQLite store is not available yet (${options.path})`);
}
