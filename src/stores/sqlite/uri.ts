/**
 * SQLite reads `file:` URIs (and so `immutable=1`, which opens a WAL-mode
 * file without making its -wal and -shm side files) only when this is set
 * before better-sqlite3 loads; tables.ts imports this module first.
 */
process.env['SQLITE_USE_URI'] ??= '1';
