import Driver from 'better-sqlite3';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/*
 * better-sqlite3 as the command's bundle holds it (bin/build-bundle.mjs
 * joins its modules in, so that no start resolves and reads them: 4 to 6
 * ms), its compiled part named by path where npm builds it (sparing the
 * search of a dozen places `bindings` makes on the first connection).
 * Where it is not there, the package as installed, whose `bindings` then
 * searches from the package's own folder.
 */
const require = createRequire(import.meta.url);

let nativeBinding: string | undefined;
try {
  nativeBinding = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
} catch {
  nativeBinding = undefined;
}

/** A connection to the SQLite file `filename` (better-sqlite3's options). */
export function connect(filename: string, options: BetterSqlite3.Options): BetterSqlite3.Database {
  if (nativeBinding === undefined) return new (require('better-sqlite3') as typeof BetterSqlite3)(filename, options);
  return new Driver(filename, { ...options, nativeBinding });
}
