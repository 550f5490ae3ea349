/**
 * Writing a tasks.db another process holds open (a running controller):
 * many short transactions, the lock taken in quick tries and never waited
 * for while holding anything. ipyparallel's SQLiteDB keeps its write lock
 * from its first write until its commit (every 2 s) and waits at most 5 s
 * for a lock; a write it cannot make in that time is a task record lost
 * for ever. So each transaction here stays well under 50 ms, and between
 * two of them ipc lets go for at least as long as it held the file.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { storeError } from '../../errors.js';
import { sqliteError } from './tables.js';

/**
 * How long the rows of one batch should take to write, over what any
 * transaction costs (its commit syncs the file, which alone may take tens of
 * milliseconds on a slow disk): the batch grows below it and shrinks past
 * twice it.
 */
export const WRITE_SLICE_MS = 12;

/** SQLite itself does not wait for the lock: a busy file is tried again by ipc, holding nothing meanwhile. */
const LOCK_TRY_MS = 0;

/** How long a COMMIT may wait for readers to finish (rollback-journal mode) before the batch is undone and tried again. */
const COMMIT_WAIT_MS = 20;

/**
 * After a sign that another writer is committing, how long ipc tries for
 * the lock without pause (each try takes microseconds): a controller with
 * work queued takes its lock again within a millisecond of its commit.
 */
const BURST_MS = 100;

/** Back-off between tries for a busy file: from this, doubling, ... */
const FIRST_BACKOFF_MS = 4;
/** ... up to this. */
const MAX_BACKOFF_MS = 200;

/** Without one batch written for this long, the purge stops and says how far it got. */
export const GIVE_UP_MS = 60_000;

const MAX_BATCH = 8192;

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Tells when another writer commits, just before it lets go of its lock:
 * SQLite writes the database file (rollback-journal mode) or the -wal file
 * (WAL mode) only while a transaction commits, then syncs it, then unlocks.
 */
class CommitWatch {
  private watcher: FSWatcher | null = null;
  private wake: ((byCommit: boolean) => void) | null = null;

  constructor(path: string) {
    const name = basename(path);
    try {
      this.watcher = watch(dirname(path), (event, file) => {
        if (event === 'change' && (file === name || file === `${name}-wal`)) this.wake?.(true);
      });
      this.watcher.on('error', () => this.close());
    } catch {
      // no file events here: the back-off alone
    }
  }

  /** Resolves true at the next commit, or false after ms, whichever is first. */
  next(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (byCommit: boolean) => {
        clearTimeout(timer);
        this.wake = null;
        resolve(byCommit);
      };
      const timer = setTimeout(() => done(false), ms);
      this.wake = done;
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    this.wake?.(false);
  }
}

/**
 * One try at a short write transaction: BEGIN IMMEDIATE (the lock now or
 * not at all), fn, COMMIT. Returns fn's answer, or undefined when the file
 * was busy and nothing was written.
 */
function tryWrite<T>(db: Database.Database, fn: () => T): T | undefined {
  db.pragma(`busy_timeout = ${LOCK_TRY_MS}`);
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (e) {
    if (isBusy(e)) return undefined;
    throw e;
  }
  try {
    const out = fn();
    db.pragma(`busy_timeout = ${COMMIT_WAIT_MS}`);
    db.exec('COMMIT');
    return out;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    if (isBusy(e)) return undefined;
    throw e;
  }
}

/** Tries until the write is made or ms have passed (at least once). */
function tryWriteFor<T>(db: Database.Database, fn: () => T, ms: number): T | undefined {
  const end = performance.now() + ms;
  for (;;) {
    const out = tryWrite(db, fn);
    if (out !== undefined || performance.now() >= end) return out;
  }
}

/**
 * Applies `write` to `ids` in batches, each its own short transaction; the
 * batch grows or shrinks so that its rows take about WRITE_SLICE_MS. After
 * each batch the file is left alone for at least as long as the batch took
 * (with jitter, so the pauses never fall in step with another writer's
 * retries). A busy file is tried again when its writer commits, or else
 * after a growing back-off; the lock is never waited for inside SQLite
 * longer than a millisecond. Returns the sum of write's answers (rows
 * changed), exact however many batches it took.
 */
export async function writeInBatches(
  db: Database.Database, path: string, ids: readonly number[], write: (batch: readonly number[]) => number,
): Promise<number> {
  const wait = db.pragma('busy_timeout', { simple: true }) as number;
  let done = 0;
  let size = 1024;
  // the least a transaction took: its fixed cost (the commit's syncs), whatever the batch
  let fixed = Infinity;
  let backoff = FIRST_BACKOFF_MS;
  let lastProgress = Date.now();
  let burst = 0;
  const commits = new CommitWatch(path);
  try {
    for (let start = 0; start < ids.length; ) {
      const batch = ids.slice(start, start + size);
      let changed: number | undefined;
      let took = 0;
      try {
        changed = tryWriteFor(db, () => {
          const t0 = performance.now();
          const n = write(batch);
          took = performance.now() - t0;
          return n;
        }, burst);
      } catch (e) {
        throw sqliteError(e, path);
      }
      if (changed === undefined) {
        if (Date.now() - lastProgress > GIVE_UP_MS) {
          throw storeError(
            `${path} stayed locked by another process for ${GIVE_UP_MS / 1000} s, so the purge stopped after dropping ${done} record${done === 1 ? '' : 's'}; the rest are still there: run it again`,
          );
        }
        burst = (await commits.next(backoff * (0.5 + Math.random()))) ? BURST_MS : 0;
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        continue;
      }
      done += changed;
      start += batch.length;
      lastProgress = Date.now();
      backoff = FIRST_BACKOFF_MS;
      burst = 0;
      fixed = Math.min(fixed, took);
      const rows = took - fixed;
      size = rows < WRITE_SLICE_MS ? Math.min(MAX_BATCH, size * 2) : rows > 2 * WRITE_SLICE_MS ? Math.max(1, size >> 1) : size;
      // the file events of this commit, ipc's own, must not start a burst: they come during the pause
      if (start < ids.length) await sleep(Math.max(took, 10) * (1 + Math.random()));
    }
  } finally {
    commits.close();
    db.pragma(`busy_timeout = ${wait}`);
  }
  return done;
}
