import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/*
 * better-sqlite3, required rather than imported: Node's ESM loader reads a
 * CommonJS package through first to find the names it exports, a few
 * milliseconds at every start of ipc and of each worker thread that reads
 * a table. Its compiled part is named by path where it is where npm builds
 * it, sparing the search of a dozen places `bindings` makes on the first
 * connection; anywhere else, that search finds it.
 */
const require = createRequire(import.meta.url);

const Driver = require('better-sqlite3') as typeof BetterSqlite3;

let nativeBinding: string | undefined;
try {
  nativeBinding = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
} catch {
  nativeBinding = undefined;
}

/** A connection to the SQLite file `filename` (better-sqlite3's options). */
export function connect(filename: string, options: BetterSqlite3.Options): BetterSqlite3.Database {
  return new Driver(filename, nativeBinding === undefined ? options : { ...options, nativeBinding });
}
