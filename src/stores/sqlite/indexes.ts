import type Database from 'better-sqlite3';
import { storeError } from '../../errors.js';
import { nonUtcText, quoteIdentifier } from './sql-filter.js';
import { DATETIME_KEYS } from '../../records/index.js';
import type { IndexReport } from '../store.js';
import { sqliteError, type TaskTable } from './tables.js';

/**
 * The columns `%index` indexes: time windows (submitted, started,
 * completed) and whose tasks (engine_uuid, client_uuid). ipcontroller
 * indexes only msg_id, its primary key, so every other query reads the whole
 * table; these indexes are extra to ipyparallel, which neither needs nor
 * notices them, and they stay the user's choice.
 */
export const INDEXED_COLUMNS: readonly string[] = ['submitted', 'completed', 'started', 'engine_uuid', 'client_uuid'];

/** How long %index waits for another connection's lock before it refuses. */
const LOCK_WAIT_MS = 250;

/**
 * The indexes `%index` makes on one column of one table: the column, and on
 * a time column also a partial index of the rows whose text is in another
 * form than ipyparallel's UTC one (usually none), which date comparisons
 * look in apart (query/sql.ts).
 */
export function indexesOf(table: string, column: string): { name: string; sql: string }[] {
  const on = `ON ${quoteIdentifier(table)} (${quoteIdentifier(column)})`;
  const name = `ipc_${table}_${column}`;
  const out = [{ name, sql: `CREATE INDEX ${quoteIdentifier(name)} ${on}` }];
  if (DATETIME_KEYS.includes(column)) {
    const other = `${name}_other_forms`;
    out.push({ name: other, sql: `CREATE INDEX ${quoteIdentifier(other)} ${on} WHERE ${nonUtcText(quoteIdentifier(column))}` });
  }
  return out;
}

/** The indexes of INDEXED_COLUMNS each table lacks (by `table.column`, with what makes them) and those it has. */
export function indexPlan(db: Database.Database, tables: readonly TaskTable[]): { missing: { label: string; sql: string[] }[]; present: string[] } {
  const existing = new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").pluck().all() as string[]);
  const missing: { label: string; sql: string[] }[] = [];
  const present: string[] = [];
  for (const table of tables) {
    for (const column of INDEXED_COLUMNS) {
      if (!table.keys.includes(column)) continue;
      const absent = indexesOf(table.name, column).filter((ix) => !existing.has(ix.name));
      const label = `${table.name}.${column}`;
      if (absent.length === 0) present.push(label);
      else missing.push({ label, sql: absent.map((ix) => ix.sql) });
    }
  }
  return { missing, present };
}

/**
 * Creates the indexes of INDEXED_COLUMNS on each table, in one transaction
 * begun with BEGIN IMMEDIATE: when another connection (a running
 * controller) holds a lock, it refuses at once rather than make the
 * controller's writes wait while the indexes are built.
 */
export function createIndexes(db: Database.Database, path: string, tables: readonly TaskTable[]): IndexReport {
  const created: string[] = [];
  const present: string[] = [];
  const t0 = performance.now();
  const size = () => (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  const before = size();
  const wait = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
  try {
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      throw busy(e, path);
    }
    try {
      // read again inside the transaction: what is there now
      const plan = indexPlan(db, tables);
      for (const label of plan.present) present.push(label);
      for (const { label, sql } of plan.missing) {
        for (const stmt of sql) db.exec(stmt);
        created.push(label);
      }
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw busy(e, path);
    }
  } finally {
    db.pragma(`busy_timeout = ${wait}`);
  }
  return { created, present, seconds: (performance.now() - t0) / 1000, bytesAdded: size() - before };
}

function busy(e: unknown, path: string): unknown {
  const code = (e as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return storeError(`${path} is in use by another connection (a running controller?), so no index was made; run %index again when nothing else writes the file`);
  }
  return sqliteError(e, path);
}
