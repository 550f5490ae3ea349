/**
 * A script of `%stats` or `%timeline` on a large tasks.db starts its column
 * read's worker as ipc begins (config/early-worker.ts), before the settings
 * are known; prepareColumnReads then hands it to the read, or lets it go.
 * Here: which command lines start one, that a read takes the one handed
 * over (its slices come from that very worker, with the one-thread answer),
 * and that one not wanted ends.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreClient } from '../../src/client/index.js';
import { COLUMN_WORKER_FILE_BYTES, startEarlyWorker } from '../../src/config/early-worker.js';
import { prepareColumnReads } from '../../src/config/open.js';
import type { Settings } from '../../src/config/resolve.js';
import { parallelRead } from '../../src/stores/sqlite/columns.js';
import type { ReadyWorker } from '../../src/stores/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { createTableSQL } from '../../src/stores/sqlite/tables.js';
import { computeStats, querySource } from '../../src/shell/magics/stats-timeline.js';
import { statsKeys } from '../../src/analytics/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ipc-early-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `bytes` bytes (sparse: only its size is looked at). */
function sized(name: string, bytes: number): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return path;
}

/** Settles once the worker has ended. */
const ended = (w: ReadyWorker) => new Promise<void>((r) => (w.alive ? w.worker.once('exit', () => r()) : r()));

test('a worker starts for %stats or %timeline beside a large file, and for nothing else', async () => {
  const large = sized('large.db', COLUMN_WORKER_FILE_BYTES);
  const small = sized('small.db', COLUMN_WORKER_FILE_BYTES - 1);
  const url = parallelRead.worker;
  assert.equal(await startEarlyWorker(['--sqlitedb', small, '-c', '%stats'], url), null);
  assert.equal(await startEarlyWorker(['--sqlitedb', large, '-c', 'len(db_query({}))'], url), null);
  // a script's text is no file name: a NUL in it, or too long for one
  assert.equal(await startEarlyWorker(['-c', '%stats\0', '-c', `%timeline ${'x'.repeat(5000)}`], url), null);
  for (const args of [['--sqlitedb', large, '-c', '%stats by engine'], [`--sqlitedb=${large}`, '-c', '%timeline --svg out.svg'], [large, '-c', '%stats']]) {
    const w = await startEarlyWorker(args, url);
    assert.ok(w, args.join(' '));
    await w.worker.terminate();
  }
});

test('a script that may read function names starts its worker loading their reader; others do not', async () => {
  const large = sized('large-hint.db', COLUMN_WORKER_FILE_BYTES);
  const echo = new URL('./echo-hint-worker.js', import.meta.url);
  const hints: Record<string, unknown> = {};
  for (const script of ['%stats by function', '%timeline --trace out.json', '%stats', '%stats by engine', '%timeline --svg out.svg']) {
    const w = (await startEarlyWorker(['--sqlitedb', large, '-c', script], echo))!;
    // (a worker started ahead holds no process open)
    w.worker.ref();
    hints[script] = ((await new Promise((r) => w.worker.once('message', r))) as { hint: { names?: boolean } }).hint.names;
    await w.worker.terminate();
  }
  assert.deepStrictEqual(hints, {
    '%stats by function': true,
    '%timeline --trace out.json': true,
    '%stats': false,
    '%stats by engine': false,
    '%timeline --svg out.svg': false,
  });
});

test('a read takes the worker handed over; one not wanted ends', async () => {
  const path = join(dir, 'tasks.db');
  const db = new Database(path);
  db.exec(createTableSQL('ipython-tasks', false));
  const insert = db.prepare(`INSERT INTO "ipython-tasks" (msg_id, submitted, started, completed, engine_uuid, result_content) VALUES (?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < 4000; i++) {
      const t = (ms: number) => new Date(Date.UTC(2026, 10, 1) + i * 10 + ms).toISOString().replace('Z', '000+00:00');
      insert.run(`task-${i}`, t(0), t(3), t(9), `engine-${i % 3}`, i % 50 === 0 ? '{"status": "error"}' : '{"status": "ok"}');
    }
  })();
  db.close();
  const stats = async (by: 'engine_id' | 'function' = 'engine_id') => {
    const client = await StoreClient.open(await openSQLiteStore({ path }), { engines: null });
    try {
      return JSON.stringify(await computeStats(querySource(client, {}, statsKeys(by), () => client.deriveContext()), by));
    } finally {
      await client.close();
    }
  };
  const { minRows, minWorkerRows, awaitReady, mainTakes } = parallelRead;
  try {
    parallelRead.minRows = Infinity;
    const alone = await stats();
    parallelRead.minRows = 0;
    parallelRead.minWorkerRows = 0;
    parallelRead.awaitReady = true;
    // the worker reads its own part: the main thread, done first with a small table, would take it all
    parallelRead.mainTakes = false;
    // the large-file test of prepareColumnReads: the store's own file is looked at, so a large one stands beside it
    const large = sized('large-store.db', COLUMN_WORKER_FILE_BYTES);
    const early = (await startEarlyWorker(['--sqlitedb', large, '-c', '%stats'], parallelRead.worker))!;
    let slices = 0;
    early.worker.on('message', (m: { kind?: string }) => {
      if (m.kind === 'slice') slices++;
    });
    const settings = (p: string) => ({ store: { kind: 'sqlite', path: p, table: null } }) as unknown as Settings;
    await prepareColumnReads(settings(large), '%stats', early);
    assert.equal(await stats(), alone);
    assert.ok(slices > 0, 'the worker handed over read no slice');
    // one that loaded the reader of function names while it waited, for a read of them
    parallelRead.minRows = Infinity;
    const aloneByFunction = await stats('function');
    parallelRead.minRows = 0;
    const named = (await startEarlyWorker(['--sqlitedb', large, '-c', '%stats by function'], parallelRead.worker))!;
    let namedSlices = 0;
    named.worker.on('message', (m: { kind?: string }) => {
      if (m.kind === 'slice') namedSlices++;
    });
    await prepareColumnReads(settings(large), '%stats by function', named);
    assert.equal(await stats('function'), aloneByFunction);
    assert.ok(namedSlices > 0, 'the worker handed over read no slice (by function)');
    // not wanted: a small file, another store, a script without the magics
    for (const [s, script] of [[settings(path), '%stats'], [{ store: { kind: 'nodb' } } as unknown as Settings, '%stats'], [settings(large), 'len(db_query({}))']] as const) {
      const w = (await startEarlyWorker(['--sqlitedb', large, '-c', '%stats'], parallelRead.worker))!;
      await prepareColumnReads(s, script, w);
      await ended(w);
      assert.equal(w.alive, false);
    }
  } finally {
    Object.assign(parallelRead, { minRows, minWorkerRows, awaitReady, mainTakes });
  }
});
