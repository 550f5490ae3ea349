import { statSync } from 'node:fs';
import type { ReadyWorker } from '../stores/index.js';

/**
 * A column read's worker thread started as ipc begins, before its modules
 * load: a script of `%stats` or `%timeline` on a large tasks.db gives the
 * worker half of the table, and a Node worker takes a tenth of a second or
 * more to start while the main thread loads and opens the store; begun
 * here, the two overlap. Loaded by the command only when an argument names
 * `%stats` or `%timeline`; what the settings turn out to be decides whether
 * the read takes it (prepareColumnReads), else it is let go.
 */

/** The magics that read a whole table as columns: a script that names one has a column read's worker made ready ahead. */
export const COLUMN_MAGICS = /%(stats|timeline)\b/;

/** A script that may read function names as columns (`%stats by function`, a trace): its worker loads their reader while it waits. */
const NAMES_FUNCTIONS = /\bfunction\b|--trace\b/;

/** The least size of a tasks.db whose script makes a column read's worker ready ahead (60,000 records of a few hundred bytes each). */
export const COLUMN_WORKER_FILE_BYTES = 16 * 1024 * 1024;

/** Whether `path` is a file large enough for a column read's worker. */
export function largeForColumnWorker(path: string): boolean {
  try {
    return (statSync(path, { throwIfNoEntry: false })?.size ?? 0) >= COLUMN_WORKER_FILE_BYTES;
  } catch {
    // a script's text is no file name (too long, or a NUL in it)
    return false;
  }
}

/** A worker for the command line `args` when one of them names a large file (the store, it may be), else null; `url` is the worker's module. */
export async function startEarlyWorker(args: readonly string[], url: URL): Promise<ReadyWorker | null> {
  if (!args.some((a) => COLUMN_MAGICS.test(a))) return null;
  if (!args.some((a) => largeForColumnWorker(a.startsWith('--sqlitedb=') ? a.slice('--sqlitedb='.length) : a))) return null;
  // that module alone, not the SQLite store's
  const { startWorker } = await import('../stores/sqlite/worker-start.js');
  return startWorker(url, { names: args.some((a) => NAMES_FUNCTIONS.test(a)) });
}
