import './uri.js';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import { connect } from './driver.js';
import { IpcError, storeError } from '../../errors.js';
import { KEY_NAMES, KEY_NAMES_7X, TASK_KEYS, Timestamp, compareStrings } from '../../records/index.js';
import { CANONICAL_TIMESTAMP_GLOB, SQL_TIMESTAMP_FUNCTION, canonicalTimestamp, quoteIdentifier, timestampExpression } from './sql-filter.js';
import { decodeTimestamp, timestampMicros } from './codec.js';
import { inPass, sliceRows } from './slices.js';

/** A task-shaped table of a tasks.db. */
export interface TaskTable {
  readonly name: string;
  /** The TaskRecord keys it has columns for: 22 (ipyparallel 7.x to 9.0) or 23 (9.1, with label). */
  readonly keys: readonly string[];
}

export interface TaskTableInfo extends TaskTable {
  readonly count: number;
  readonly firstSubmitted: Timestamp | null;
  readonly lastSubmitted: Timestamp | null;
}

export const DEFAULT_TABLE = 'ipython-tasks';

/** How much of a file a reading connection maps: SQLite's ceiling (2 GB); pages past it are read as usual. */
const READ_MMAP_BYTES = 0x7fff0000;

/**
 * Opens a tasks.db without ever creating one; a missing file, a directory, a
 * file that is not SQLite and a damaged file each get their own sentence.
 */
export function openDatabase(path: string, options: { write: boolean; create: boolean; mmap?: boolean }): Database.Database {
  const exists = existsSync(path);
  if (!exists && !options.create) {
    throw storeError(`there is no file ${path}; give the path of a tasks.db written by ipcontroller --sqlitedb`);
  }
  if (exists) {
    const st = statSync(path);
    if (st.isDirectory()) throw storeError(`${path} is a directory; give the path of the tasks.db file inside it`);
    // A FIFO would block the open for ever, a device would be read as a database.
    if (!st.isFile()) throw storeError(`${path} is not a regular file; give the path of a tasks.db written by ipcontroller --sqlitedb`);
  }
  // A controller commits every 2 s. One that writes more between two commits
  // than SQLite's page cache holds (about 1,000 tasks a second) takes the
  // exclusive lock when the cache spills and keeps it until the commit, so a
  // reader waits up to 2.5 s for it; a writer, longer still.
  const settings = { readonly: !options.write, fileMustExist: !options.create, timeout: options.write ? 5000 : 2500 };
  let db: Database.Database | undefined;
  try {
    // A read-only open of a WAL-mode file would leave -wal and -shm files
    // behind. When it has none, no process has it open: read it as immutable,
    // which creates nothing and takes no lock.
    if (!options.write && exists && isUnopenedWal(path)) {
      try {
        db = connect(`${pathToFileURL(path).href}?immutable=1`, settings);
      } catch {
        // URI names are off when better-sqlite3 was loaded before ./uri.js: the plain open below.
      }
    }
    db ??= connect(path, settings);
  } catch (e) {
    throw sqliteError(e, path);
  }
  db.function(SQL_TIMESTAMP_FUNCTION, { deterministic: true }, (text: unknown) => {
    if (typeof text !== 'string') return null;
    const ts = decodeTimestamp(text);
    return ts ? canonicalTimestamp(ts) : null;
  });
  // With `mmap` (SQLiteDB.mmap, --mmap), a reading connection maps the file:
  // a pass over a large table then reads pages where the page cache holds
  // them instead of copying each in with a system call (the first frame of
  // %timeline over 1,000,000 tasks a third sooner). Not by default: a
  // mapped file that another program cuts short while it is read (a cp onto
  // it) kills the process with SIGBUS, where a read gives a clear error.
  if (!options.write && options.mmap) db.pragma(`mmap_size = ${READ_MMAP_BYTES}`);
  try {
    db.prepare("SELECT count(*) FROM sqlite_schema").get();
  } catch (e) {
    db.close();
    throw sqliteError(e, path);
  }
  return db;
}

/** Whether a connection reads its file as immutable (it then never sees what another process writes). */
export function isImmutable(db: Database.Database): boolean {
  return db.name.includes('immutable=1');
}

/**
 * What says a file was written since: its size, its mtime, and whether a
 * -wal or -shm file is beside it.
 */
export function fileState(path: string): string {
  const st = statSync(path, { throwIfNoEntry: false });
  return [st?.size, st?.mtimeMs, existsSync(`${path}-wal`), existsSync(`${path}-shm`)].join(' ');
}

/** A WAL-mode database (header bytes 18 and 19 are 2) with no -wal or -shm file beside it. */
function isUnopenedWal(path: string): boolean {
  if (existsSync(`${path}-wal`) || existsSync(`${path}-shm`)) return false;
  const header = Buffer.alloc(20);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return readSync(fd, header, 0, 20, 0) === 20 && header[18] === 2 && header[19] === 2;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** An SQLite failure as one sentence naming the file and what to do. */
export function sqliteError(e: unknown, path: string): IpcError | unknown {
  if (e instanceof IpcError) return e;
  const code = (e as { code?: string }).code ?? '';
  const message = (e as Error).message ?? String(e);
  if (code === 'SQLITE_NOTADB') return storeError(`${path} is not an SQLite database (a tasks.db written by ipcontroller --sqlitedb is)`);
  if (code.startsWith('SQLITE_CORRUPT')) return storeError(`${path} is damaged or truncated (SQLite says: ${message}); copy it again or open a backup`);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return storeError(`${path} is locked by another process (a controller in the middle of a write?); try again in a moment`);
  }
  if (code.startsWith('SQLITE_CANTOPEN')) return storeError(`cannot open ${path} (${message}); check that the file and its folder are readable`);
  if (code === 'SQLITE_READONLY_ROLLBACK') {
    return storeError(
      `${path} holds a write that a stopped process left unfinished (its -journal file); ` +
        `reading it safely needs that write rolled back: open it once with writing allowed (--write), or start ipcontroller on it`,
    );
  }
  if (code.startsWith('SQLITE_READONLY')) return storeError(`${path} cannot be written (${message}); check its permissions`);
  if (code.startsWith('SQLITE_IOERR')) return storeError(`reading ${path} failed (${message}); the file may be truncated or on a failing disk`);
  if (code.startsWith('SQLITE_')) return storeError(`${path}: ${message}`);
  return e;
}

/** The column names of a table, in order; empty when there is no such table. */
export function tableColumns(db: Database.Database, name: string): string[] {
  return (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(name) as string[]);
}

/** Which TaskRecord keys a table holds, or the reason it is not a task table. */
export function taskShape(columns: readonly string[]): { keys: string[] } | { missing: string[] } {
  const missing = KEY_NAMES_7X.filter((k) => !columns.includes(k));
  if (missing.length > 0) return { missing };
  return { keys: KEY_NAMES.filter((k) => columns.includes(k)) };
}

/** Every task-shaped table of an open database, in the order SQLite lists them. */
export function taskTables(db: Database.Database): TaskTable[] {
  const names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  const out: TaskTable[] = [];
  for (const name of names) {
    const shape = taskShape(tableColumns(db, name));
    if ('keys' in shape) out.push({ name, keys: shape.keys });
  }
  return out;
}

/** One table by name, or a StoreError naming what is there instead. */
export function findTaskTable(db: Database.Database, path: string, name: string): TaskTable {
  const columns = tableColumns(db, name);
  if (columns.length === 0) {
    const tables = taskTables(db);
    const hint = tables.length === 0
      ? `${path} holds no task tables at all`
      : `its task tables are ${tables.map((t) => `'${t.name}'`).join(', ')}; pick one, or '*' for all of them`;
    throw storeError(`${path} has no table '${name}': ${hint}`);
  }
  const shape = taskShape(columns);
  if ('missing' in shape) {
    throw storeError(`table '${name}' of ${path} is not a task table: it lacks the column${shape.missing.length > 1 ? 's' : ''} ${shape.missing.join(', ')}`);
  }
  return { name, keys: shape.keys };
}

export interface TableScan {
  readonly count: number;
  readonly firstSubmitted: Timestamp | null;
  readonly lastSubmitted: Timestamp | null;
  /** The msg_id of the last record in answer order that names a client. */
  readonly latestWithClient: string | null;
}

/**
 * Row count, time span and latest client-bearing record of a table, in
 * scans made of short slices (a controller writing the file is not held up).
 *
 * A controller appends records roughly in time order, so the first and last
 * rows by rowid give bounds; one cheap scan then returns only the rows that
 * could lie outside them (or whose text is not canonical), and the answer is
 * worked out exactly from those. When the bounds do not settle it, a full
 * scan does.
 */
export function scanTable(db: Database.Database, table: TaskTable): TableScan {
  const name = quoteIdentifier(table.name);
  const count = inPass(db, () => db.prepare(`SELECT count(*) FROM ${name}`).pluck().get() as number);
  if (count <= 2 * EDGE) return fullScan(db, name);
  const edge = (order: string) =>
    (db.prepare(`SELECT submitted FROM ${name} WHERE submitted IS NOT NULL ORDER BY rowid ${order} LIMIT ${EDGE}`).pluck().all() as unknown[])
      .map(timestampMicros).filter((us) => us !== -Infinity);
  const head = edge('ASC');
  const tail = edge('DESC');
  if (head.length === 0 || tail.length === 0) return fullScan(db, name);
  const hiUs = tail.reduce((m, us) => Math.max(m, us), -Infinity);
  const lo = canonicalTimestamp(new Timestamp(head.reduce((m, us) => Math.min(m, us), Infinity)));
  const hi = canonicalTimestamp(new Timestamp(hiUs));
  const stmt = db.prepare(
    `SELECT submitted, msg_id, client_uuid FROM ${name} WHERE rowid > ? AND rowid <= ? ` +
      `AND NOT coalesce(submitted GLOB '${CANONICAL_TIMESTAMP_GLOB}' AND submitted > ? AND submitted < ?, 0)`,
  ).raw();
  let first = Infinity;
  let last = -Infinity;
  let latest: { us: number; id: string } | null = null;
  for (const rows of sliceRows(db.prepare(`SELECT max(rowid) FROM ${name}`), stmt, [lo, hi])) {
    for (const [text, id, client] of rows as [unknown, string, unknown][]) {
      const us = timestampMicros(text);
      if (us !== -Infinity) {
        if (us < first) first = us;
        if (us > last) last = us;
      }
      if (typeof client === 'string' && client !== '' && (!latest || us > latest.us || (us === latest.us && compareStrings(id, latest.id) > 0))) {
        latest = { us, id };
      }
    }
  }
  // The latest client-bearing record may lie inside the bounds if none outside names a client.
  // Every row at or past hi came back, so a client-bearing one there is the latest of all.
  if (!latest || latest.us < hiUs || first === Infinity) return fullScan(db, name);
  return {
    count,
    firstSubmitted: new Timestamp(first),
    lastSubmitted: new Timestamp(last),
    latestWithClient: latest.id,
  };
}

/** How many rows at each end of a table give the first bounds. */
const EDGE = 256;

function fullScan(db: Database.Database, name: string): TableScan {
  const ts = timestampExpression(quoteIdentifier('submitted'));
  // canonical timestamp text orders as time does; '' (no submitted) before every date
  const stmt = db.prepare(
    `SELECT count(*), min(t), max(t), max(k) FROM (SELECT ${ts} AS t, ` +
      `CASE WHEN client_uuid IS NOT NULL AND client_uuid != '' THEN coalesce(${ts}, '') || ' ' || msg_id END AS k ` +
      `FROM ${name} WHERE rowid > ? AND rowid <= ?)`,
  ).raw();
  let count = 0;
  let first: string | null = null;
  let last: string | null = null;
  let latest: string | null = null;
  for (const rows of sliceRows(db.prepare(`SELECT max(rowid) FROM ${name}`), stmt, [])) {
    const [n, lo, hi, key] = rows[0] as [number, string | null, string | null, string | null];
    count += n;
    if (lo !== null && (first === null || lo < first)) first = lo;
    if (hi !== null && (last === null || hi > last)) last = hi;
    if (key !== null && (latest === null || key > latest)) latest = key;
  }
  return {
    count,
    firstSubmitted: first === null ? null : decodeTimestamp(first) ?? null,
    lastSubmitted: last === null ? null : decodeTimestamp(last) ?? null,
    latestWithClient: latest === null ? null : latest.slice(latest.indexOf(' ') + 1),
  };
}

/** Row count and time span of a table. */
export function describeTable(db: Database.Database, table: TaskTable): TaskTableInfo {
  const { count, firstSubmitted, lastSubmitted } = scanTable(db, table);
  return { ...table, count, firstSubmitted, lastSubmitted };
}

/**
 * Lists the task tables of a tasks.db with their row counts and time spans,
 * as `%tables` shows them. Opens the file read-only and closes it again.
 */
export function listTaskTables(path: string): TaskTableInfo[] {
  const db = openDatabase(path, { write: false, create: false });
  try {
    return taskTables(db).map((t) => describeTable(db, t));
  } catch (e) {
    throw sqliteError(e, path);
  } finally {
    db.close();
  }
}

/** The CREATE TABLE of ipyparallel's SQLiteDB (7.x; with `label` as 9.1 adds it). */
export function createTableSQL(name: string, withLabel: boolean): string {
  const columns = TASK_KEYS.filter((k) => withLabel || k.name !== 'label').map(
    (k) => `${k.name} ${k.sqlType}${k.name === 'msg_id' ? ' PRIMARY KEY' : ''}`,
  );
  return `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(name)} (${columns.join(', ')})`;
}
