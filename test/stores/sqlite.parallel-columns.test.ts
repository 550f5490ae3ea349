/**
 * A large column read of a SQLite store takes a worker thread for the upper
 * part of the table (stores/sqlite/column-worker.ts). Here every column
 * read does (the least sizes lowered to none, each read waiting for its
 * worker to be ready, as a large one's does not), and the whole of
 * test/analytics/columns.test.ts runs again: the columns must still give
 * the record path's answer for every grouping, engine map and timeline,
 * by function too (the worker names its rows' functions and hands on the
 * notes its rows made). Then a worker made ready ahead of the reads (as an
 * interactive session does), one that cannot start or halts at once (the
 * read goes on without it), and a read that does not wait for its worker;
 * then each thread taking blocks of the other's part, and a worker that
 * halts after some slices with blocks taken from both ends.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreClient } from '../../src/client/index.js';
import { parallelRead, readyColumnWorker } from '../../src/stores/sqlite/columns.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { createTableSQL } from '../../src/stores/sqlite/tables.js';
import { computeStats, intervalKeys, intervalTable, querySource } from '../../src/shell/magics/stats-timeline.js';
import { statsKeys } from '../../src/analytics/index.js';

parallelRead.minRows = 0;
parallelRead.minWorkerRows = 0;
parallelRead.awaitReady = true;
// the worker reads its own part (the main thread, done first with a small table, would take it all), in small blocks
parallelRead.mainTakes = false;
parallelRead.leastBlock = 64;
const before = parallelRead.workerRows;
const namedBefore = parallelRead.workerNamedRows;
await import('../analytics/columns.test.js');

test('the worker read rows of those reads, and function names of those by function', () => {
  assert.ok(parallelRead.workerRows > before, 'no worker read a row');
  assert.ok(parallelRead.workerNamedRows > namedBefore, 'no worker read a function name');
});

const dir = mkdtempSync(join(tmpdir(), 'ipc-parallel-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function makeFile(n: number): string {
  const path = join(dir, `tasks-${n}.db`);
  const db = new Database(path);
  db.exec(createTableSQL('ipython-tasks', false));
  const insert = db.prepare(`INSERT INTO "ipython-tasks" (msg_id, submitted, started, completed, engine_uuid, queue, result_content, error) VALUES (?, ?, ?, ?, ?, 'task', ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const t = (ms: number) => new Date(Date.UTC(2026, 10, 1) + i * 10 + ms).toISOString().replace('Z', '000+00:00');
      const failed = i % 97 === 0;
      insert.run(`task-${i}`, t(0), t(3), i % 211 === 0 ? null : t(9), `engine-${i % 4}`, failed ? '{"status": "error"}' : '{"status": "ok"}', failed ? '{"ename": "ValueError"}' : null);
    }
  })();
  db.close();
  return path;
}

async function stats(path: string, by: 'engine_id' | 'function' = 'engine_id', query: Record<string, unknown> = {}): Promise<string> {
  const client = await StoreClient.open(await openSQLiteStore({ path }), { engines: null });
  try {
    return JSON.stringify(await computeStats(querySource(client, query, statsKeys(by), () => client.deriveContext()), by));
  } finally {
    await client.close();
  }
}

/** `stats` read on this thread alone. */
async function statsAlone(path: string, by: 'engine_id' | 'function'): Promise<string> {
  const { minRows } = parallelRead;
  parallelRead.minRows = Infinity;
  try {
    return await stats(path, by);
  } finally {
    parallelRead.minRows = minRows;
  }
}

test('a worker made ready ahead of the reads, one that cannot start and one that halts: the same answer each time', async () => {
  const path = makeFile(3000);
  const given = parallelRead.worker;
  parallelRead.minRows = Infinity;
  const alone = await stats(path);
  try {
    parallelRead.minRows = 0;
    const read = parallelRead.workerRows;
    const helped = await stats(path);
    assert.equal(helped, alone);
    assert.ok(parallelRead.workerRows > read, 'the worker read no row');
    // a read that does not wait for its worker: what the worker is given once ready (here, mostly nothing: a small table is read first)
    parallelRead.awaitReady = false;
    assert.equal(await stats(path), alone);
    parallelRead.awaitReady = true;
    // a worker made ready ahead of the reads (as an interactive session does): taken by one, another made ready after it
    readyColumnWorker();
    assert.equal(await stats(path), alone);
    assert.equal(await stats(path), alone);
    parallelRead.worker = new URL('./no-such-worker.js', given);
    assert.equal(await stats(path), alone);
    // a worker that halts before its first slice: the rest is read here
    parallelRead.worker = new URL('./halting-worker.js', import.meta.url);
    const halted = parallelRead.workerRows;
    assert.equal(await stats(path), alone);
    assert.equal(await stats(path, 'function'), await statsAlone(path, 'function'));
    assert.equal(parallelRead.workerRows, halted, 'a halting worker sent rows');
    // a worker that cannot start, made ready ahead: the same
    readyColumnWorker();
    assert.equal(await stats(path), alone);
  } finally {
    parallelRead.worker = given;
    parallelRead.minRows = 0;
  }
  assert.match(alone, /"count":3000/);
});

/** `stats`, and the msg_ids of a timeline's tasks in the order the read gives them (its chunks' order), read as `parallelRead` is set. */
async function statsAndOrder(path: string, query: Record<string, unknown> = {}): Promise<[string, string[]]> {
  const client = await StoreClient.open(await openSQLiteStore({ path }), { engines: null });
  try {
    const source = querySource(client, query, intervalKeys(false), () => client.deriveContext());
    const table = (await intervalTable(source, { function: false, msgIds: true, labels: false }))!;
    const ids = Array.from({ length: table.length }, (_, i) => table.msgId(i));
    return [await stats(path, 'engine_id', query), ids];
  } finally {
    await client.close();
  }
}

test('each thread takes blocks of the other\'s part once its own is read, and a worker halting midway: the same answer, in order', async () => {
  const path = makeFile(30_000);
  const given = parallelRead.worker;
  const saved = { ...parallelRead };
  parallelRead.minRows = Infinity;
  const [alone, order] = await statsAndOrder(path);
  assert.deepStrictEqual(order, Array.from({ length: 30_000 }, (_, i) => `task-${i}`));
  try {
    parallelRead.minRows = 0;
    parallelRead.mainTakes = true;
    // a worker slow to send its slices: the main thread takes blocks from the top of its part
    parallelRead.worker = new URL('./slow-worker.js', import.meta.url);
    let taken = parallelRead.takenByMain;
    let read = parallelRead.workerRows;
    assert.deepStrictEqual(await statsAndOrder(path), [alone, order]);
    assert.ok(parallelRead.takenByMain > taken, 'the main thread took no block of the worker\'s part');
    assert.ok(parallelRead.workerRows > read, 'the worker read no row');
    // a query SQL answers (blocks and slices of the rows that pass it)
    const query = { engine_uuid: { $ne: 'engine-2' }, completed: { $ne: null } };
    parallelRead.minRows = Infinity;
    const filtered = await statsAndOrder(path, query);
    parallelRead.minRows = 0;
    taken = parallelRead.takenByMain;
    assert.deepStrictEqual(await statsAndOrder(path, query), filtered);
    assert.ok(parallelRead.takenByMain > taken, 'the main thread took no block of the worker\'s part (a query)');
    assert.ok(filtered[1].length > 20_000 && filtered[1].length < 23_000, `${filtered[1].length} tasks pass`);
    // a worker given little: it takes blocks from the top of the main thread's part
    parallelRead.worker = given;
    parallelRead.share = 0.01;
    taken = parallelRead.takenByWorker;
    assert.deepStrictEqual(await statsAndOrder(path), [alone, order]);
    assert.ok(parallelRead.takenByWorker > taken, 'the worker took no block of the main thread\'s part');
    // a worker that halts after two slices, blocks taken from both ends meanwhile: what no slice covers is read here
    parallelRead.share = 0.5;
    parallelRead.worker = new URL('./slow-halting-worker.js', import.meta.url);
    read = parallelRead.workerRows;
    assert.deepStrictEqual(await statsAndOrder(path), [alone, order]);
    assert.ok(parallelRead.workerRows > read, 'the halting worker sent no slice');
    // the same given one block: it halts among blocks taken from the top of the main thread's part, some sent, some not
    parallelRead.share = 0.001;
    taken = parallelRead.takenByWorker;
    assert.deepStrictEqual(await statsAndOrder(path), [alone, order]);
    assert.ok(parallelRead.takenByWorker > taken, 'the halting worker took no block of the main thread\'s part');
    // rowids with no rows between them (deleted): blocks of none taken from either end
    const gaps = join(dir, 'gaps.db');
    copyFileSync(path, gaps);
    const db = new Database(gaps);
    db.exec(`DELETE FROM "ipython-tasks" WHERE rowid % 5000 BETWEEN 1000 AND 3999`);
    db.close();
    parallelRead.share = 0.5;
    parallelRead.worker = new URL('./slow-worker.js', import.meta.url);
    parallelRead.minRows = Infinity;
    const [gapAlone, gapOrder] = await statsAndOrder(gaps);
    parallelRead.minRows = 0;
    taken = parallelRead.takenByMain;
    assert.deepStrictEqual(await statsAndOrder(gaps), [gapAlone, gapOrder]);
    assert.ok(parallelRead.takenByMain > taken, 'the main thread took no block of the worker\'s part');
    assert.equal(gapOrder.length, 12_000);
  } finally {
    Object.assign(parallelRead, { ...saved, worker: given, workerRows: parallelRead.workerRows, takenByMain: parallelRead.takenByMain, takenByWorker: parallelRead.takenByWorker });
  }
});

test('a stopped statement stops its column read between two slices, with its worker or without', async () => {
  const path = makeFile(20_000);
  const engines = new Map([0, 1, 2, 3].map((i) => [i, `engine-${i}`] as const));
  const { minRows, awaitReady } = parallelRead;
  try {
    for (const workers of [false, true]) {
      parallelRead.minRows = workers ? 0 : Infinity;
      parallelRead.awaitReady = true;
      const what = workers ? ' (with its worker)' : '';
      // an engine map given: chunks come as they are read, and none comes after Ctrl-C
      const mapped = await StoreClient.open(await openSQLiteStore({ path }), { engines });
      try {
        const ac = new AbortController();
        const source = querySource(mapped, {}, statsKeys('engine_id'), () => mapped.deriveContext(), true, ac.signal);
        const read = (await source.columns!({ keys: statsKeys('engine_id'), lazy: [], values: [], function: false, state: true }))!;
        let chunks = 0;
        await assert.rejects(
          (async () => {
            for await (const _ of read.read.chunks) if (++chunks === 1) ac.abort();
          })(),
          (e: { kind?: string }) => e.kind === 'Interrupted',
        );
        assert.equal(chunks, 1, `the read went on after Ctrl-C${what}`);
      } finally {
        await mapped.close();
      }
      // no engine map: the read learns it in one pass before its first chunk, and stops within that pass
      const learning = await StoreClient.open(await openSQLiteStore({ path }), { engines: null });
      try {
        const ac = new AbortController();
        const stats = computeStats(querySource(learning, {}, statsKeys('engine_id'), () => learning.deriveContext(), true, ac.signal), 'engine_id');
        setImmediate(() => ac.abort());
        await assert.rejects(stats, (e: { kind?: string }) => e.kind === 'Interrupted', `the learning read was not stopped${what}`);
      } finally {
        await learning.close();
      }
    }
  } finally {
    Object.assign(parallelRead, { minRows, awaitReady });
  }
});

test("a stopped statement stops the store's record reads too: in order (finding the order, then reading) and in the file's order", async () => {
  const path = makeFile(60_000);
  const store = await openSQLiteStore({ path });
  try {
    for (const read of ['findRecords', 'scanRecords'] as const) {
      // stopped after the first record: the read raises Interrupted at its next turn, long before its end
      const ac = new AbortController();
      let n = 0;
      await assert.rejects(
        (async () => {
          for await (const _ of store[read]({}, ['msg_id', 'submitted'], { signal: ac.signal })) if (++n === 1) ac.abort();
        })(),
        (e: { kind?: string }) => e.kind === 'Interrupted',
        `${read} read on after Ctrl-C`,
      );
      assert.ok(n < 60_000, `${read} gave every record (${n})`);
      // stopped before it begins: an ordered read stops while it finds the order, before a record comes
      n = 0;
      const stopped = new AbortController();
      stopped.abort();
      await assert.rejects(
        (async () => {
          for await (const _ of store[read]({}, ['msg_id'], { signal: stopped.signal })) n++;
        })(),
        (e: { kind?: string }) => e.kind === 'Interrupted',
      );
      if (read === 'findRecords') assert.equal(n, 0, 'a record came before the order was found');
    }
    // without a signal, or one not raised, every record comes
    let all = 0;
    for await (const _ of store.findRecords({}, ['msg_id'], { signal: new AbortController().signal })) all++;
    assert.equal(all, 60_000);
  } finally {
    await store.close();
  }
});
