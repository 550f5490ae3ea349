/**
 * The SQLite store on test/fixtures/tasks.db: a file made by a real
 * `ipcontroller --sqlitedb` of python3-ipyparallel 7.1 with two engines
 * running test/fixtures/workload.py, then restarted once on the same file
 * (which made the second table, ipython-tasks_1). Remake it with
 * `/usr/bin/python3 test/fixtures/make-fixture.py`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { isIpcError } from '../../src/errors.js';
import { compareRecords } from '../../src/query/index.js';
import { DEFAULT_KEYS, Timestamp, type TaskRecord } from '../../src/records/index.js';
import { collect } from '../../src/stores/index.js';
import { TABLE_FIELD, listTaskTables, openSQLiteStore, type SQLiteOptions } from '../../src/stores/sqlite/index.js';
import { PYTHON, havePython } from '../support/python.js';
import { StoreClient } from '../../src/client/store-client.js';
import { createShell } from '../../src/shell/index.js';
import { pythonFindRecords } from '../support/sqlitedb.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/tasks.db', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ipc-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let copies = 0;
const copy = () => {
  const p = join(dir, `copy-${++copies}.db`);
  copyFileSync(FIXTURE, p);
  return p;
};

/** Opens the file, reads every record of the query and closes it again. */
async function readAll(options: SQLiteOptions, keys?: readonly string[]): Promise<TaskRecord[]> {
  const store = await openSQLiteStore(options);
  try {
    return await collect(store.findRecords({}, keys));
  } finally {
    await store.close();
  }
}

async function storeError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isIpcError(e) && e.kind === 'StoreError', `expected a StoreError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('reading a tasks.db written by ipcontroller', () => {
  test('%tables lists both task tables with counts and time spans', () => {
    const tables = listTaskTables(FIXTURE);
    assert.deepEqual(tables.map((t) => [t.name, t.count, t.keys.length]), [['ipython-tasks', 22, 22], ['ipython-tasks_1', 18, 22]]);
    for (const t of tables) assert.ok(t.firstSubmitted && t.lastSubmitted && t.firstSubmitted.us < t.lastSubmitted.us);
    assert.ok(tables[0]!.lastSubmitted!.us < tables[1]!.firstSubmitted!.us);
  });

  test('every column decodes as ipyparallel encodes it', async () => {
    const store = await openSQLiteStore({ path: FIXTURE });
    try {
      assert.match(store.info.location, /table ipython-tasks \(the file also holds ipython-tasks_1; table '\*' reads them all\)$/);
      assert.equal(store.info.writable, false);
      const all = await collect(store.findRecords({}, [...DEFAULT_KEYS, 'buffers', 'result_buffers']));
      assert.equal(all.length, 22);
      assert.deepEqual(all, [...all].sort(compareRecords));
      const failed = all.filter((r) => r['error'] !== null);
      assert.ok(failed.some((r) => (r['error'] as { ename: string }).ename === 'ValueError'));
      assert.ok(failed.some((r) => (r['error'] as { ename: string }).ename === 'ZeroDivisionError'));
      const shown = all.find((r) => r['execute_result'] !== null)!;
      assert.deepEqual((shown['execute_result'] as { data: object }).data, { 'text/plain': '42' });
      const header = all[0]!['header'] as { msg_type: string; date: Timestamp };
      assert.equal(header.msg_type, 'apply_request');
      assert.ok(header.date instanceof Timestamp && header.date.equals(all[0]!['submitted'] as Timestamp));
      assert.ok(all.some((r) => typeof r['stdout'] === 'string' && r['stdout'].startsWith('stdout of task')));
      assert.ok(all.some((r) => typeof r['stderr'] === 'string' && r['stderr'].startsWith('stderr of task')));
      assert.equal(all.filter((r) => r['completed'] === null).length, 4);
      const big = all.find((r) => ((r['buffers'] ?? []) as Uint8Array[]).some((b) => b.length >= 10240))!;
      assert.ok(big, 'the 10 KiB argument of len() is a buffer of its own');
      assert.ok(all.every((r) => r['completed'] === null ? r['result_buffers'] === null : Array.isArray(r['result_buffers']) || r['result_buffers'] === null));
      assert.ok(all.some((r) => r['resubmitted'] !== null));
      assert.equal(all[0]!['label'], null);
    } finally {
      await store.close();
    }
  });

  test('each table answers as SQLiteDB.find_records does on the same file', { skip: !havePython() }, async () => {
    for (const table of ['ipython-tasks', 'ipython-tasks_1']) {
      const store = await openSQLiteStore({ path: FIXTURE, table });
      const ours = await collect(store.findRecords({ msg_id: { $ne: null } }, [...DEFAULT_KEYS.filter((k) => k !== 'label'), 'buffers', 'result_buffers']));
      await store.close();
      const [theirs] = await pythonFindRecords(copy(), table, [{ query: { msg_id: { $ne: null } } }]);
      assert.deepEqual(ours, theirs, table);
    }
  });

  test("table '*' is every task table together, each record saying which", async () => {
    const store = await openSQLiteStore({ path: FIXTURE, table: '*' });
    try {
      const all = await collect(store.findRecords({ completed: { $ne: null } }, ['submitted']));
      assert.equal(all.length, 18 + 18);
      assert.deepEqual(all.map((r) => r[TABLE_FIELD]), [...Array(18).fill('ipython-tasks'), ...Array(18).fill('ipython-tasks_1')]);
      const ts = all.map((r) => (r['submitted'] as Timestamp).us);
      assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
      const rec = await store.getRecord(all[30]!['msg_id'] as string);
      assert.equal(rec[TABLE_FIELD], 'ipython-tasks_1');
      await storeError(store.addRecord('x', {}), /one table by name/);
    } finally {
      await store.close();
    }
  });

  test('dates compare as instants whatever form the text has', async () => {
    // The same records, their timestamps rewritten in every form ipyparallel has written.
    const path = copy();
    const db = new Database(path);
    const forms = [
      (t: Timestamp) => t.toISOString(),
      (t: Timestamp) => shifted(t, 2 * 60, '+02:00'),
      (t: Timestamp) => shifted(t, -5 * 60, '-0500'),
      (t: Timestamp) => t.toLocalString(6).replace(' ', 'T'),
      (t: Timestamp) => t.toLocalString(6),
      (t: Timestamp) => t.toPythonIsoformat(),
      // no writer makes these, but they read as instants too, days from their dates
      (t: Timestamp) => shifted(t, 99 * 60 + 59, '+99:59'),
      (t: Timestamp) => shifted(t, -(99 * 60 + 59), '-9959'),
    ];
    const rows = db.prepare(`SELECT rowid, submitted, started, completed, received FROM "ipython-tasks"`).raw().all() as [number, ...(string | null)[]][];
    const update = db.prepare(`UPDATE "ipython-tasks" SET submitted = ?, started = ?, completed = ?, received = ? WHERE rowid = ?`);
    rows.forEach(([rowid, ...texts], i) => {
      const out = texts.map((t, j) => (t === null ? null : forms[(i + j) % forms.length]!(Timestamp.parse(t)!)));
      update.run(...out, rowid);
    });
    db.close();
    const original = await openSQLiteStore({ path: FIXTURE });
    const rewritten = await openSQLiteStore({ path });
    try {
      const all = await collect(original.findRecords({}, ['submitted']));
      const mid = all[11]!['submitted'] as Timestamp;
      const queries = [
        {},
        { submitted: { $gt: mid } },
        { submitted: { $gte: mid } },
        { submitted: mid },
        { submitted: { $in: [mid, null] } },
        { submitted: { $ne: mid } },
        { started: { $lt: mid }, completed: { $gte: mid.plus(-50_000) } },
        { received: { $lte: shifted(mid, 3 * 60, '+03:00') } },
        { $or: [{ completed: null }, { started: { $gt: mid } }] },
      ];
      const compare = async (how: string) => {
        for (const q of queries) {
          const a = await collect(original.findRecords(q, ['submitted', 'started', 'completed', 'received']));
          const b = await collect(rewritten.findRecords(q, ['submitted', 'started', 'completed', 'received']));
          assert.deepEqual(b, a, `${how}: ${JSON.stringify(q)}`);
          assert.equal(await rewritten.countRecords(q), a.length, `${how}, counted: ${JSON.stringify(q)}`);
          assert.ok(q === queries[0] || (a.length > 0 && a.length < 22), `a telling query: ${JSON.stringify(q)} → ${a.length}`);
        }
      };
      await compare('read through');
      // With %index's indexes SQLite finds the rows through them: the same answers.
      const indexing = await openSQLiteStore({ path, write: true });
      assert.equal((await indexing.createIndexes()).created.length, 5);
      await indexing.close();
      await compare('through the indexes');
    } finally {
      await original.close();
      await rewritten.close();
    }
  });

  test('no query value, key or table name changes the statement', async () => {
    const path = copy();
    const before = readFileSync(path);
    await storeError(openSQLiteStore({ path, table: `ipython-tasks"; DROP TABLE "ipython-tasks"; --` }), /has no table/);
    const store = await openSQLiteStore({ path });
    try {
      assert.deepEqual(await collect(store.findRecords({ queue: "task' OR 1=1 --" })), []);
      assert.deepEqual(await collect(store.findRecords({ queue: { $in: ['") OR 1=1 --', 'x'] } })), []);
      await assert.rejects(collect(store.findRecords({ 'queue" OR 1=1 --': 'task' })), (e: unknown) => isIpcError(e) && e.kind === 'QueryError');
    } finally {
      await store.close();
    }
    assert.ok(readFileSync(path).equals(before));
  });
});

describe('summary and %tables on a big table', () => {
  test('records out of time order, in other text forms, or without a client do not fool the bounds', async () => {
    const { DictDB } = await import('../../src/stores/index.js');
    const { generateDemoRecords } = await import('../../src/stores/index.js');
    const records = generateDemoRecords({ count: 1500, seed: 9 });
    const sorted = [...records].sort(compareRecords);
    const first = sorted[0]!['submitted'] as Timestamp;
    const last = sorted[sorted.length - 1]!['submitted'] as Timestamp;
    // inserted first but the newest of all, and naming no client
    const newest = { ...records[700]!, msg_id: 'newest', submitted: last.plus(5_000_000), client_uuid: null };
    // inserted last but the oldest of all
    const oldest = { ...records[701]!, msg_id: 'oldest', submitted: first.plus(-7_000_000) };
    // the second newest, which names the latest client
    const second = { ...records[702]!, msg_id: 'second', submitted: last.plus(4_000_000), client_uuid: 'the-latest-client' };
    const all = [newest, second, ...records, oldest];
    const path = join(dir, 'big.db');
    const store = await openSQLiteStore({ path, write: true, create: true, label: true });
    await store.addRecords(all);
    await store.close();
    // the oldest record's time written with a +05:00 offset
    const db = new Database(path);
    db.prepare(`UPDATE "ipython-tasks" SET submitted = ? WHERE msg_id = 'oldest'`).run(
      new Timestamp(oldest.submitted.us + 5 * 3600e6).toISOString().slice(0, 26) + '+05:00',
    );
    db.close();
    const dict = new DictDB({ recordLimit: 10_000 });
    for (const r of all) dict.addRecordSync(r['msg_id'] as string, r);
    const reader = await openSQLiteStore({ path });
    try {
      const got = await reader.summary();
      assert.deepEqual(got, dict.summarySync());
      assert.equal(got.latestClient, 'the-latest-client');
      assert.equal(got.firstSubmitted?.us, oldest.submitted.us);
      const [info] = listTaskTables(path);
      assert.equal(info!.count, all.length);
      assert.equal(info!.lastSubmitted?.us, newest.submitted.us);
    } finally {
      await reader.close();
    }
  });
});

describe('tables of 22 and 23 columns together', () => {
  test("a 7.x table and a 9.1 table (with label) answer as one; an empty table answers nothing", async () => {
    const { generateDemoRecords } = await import('../../src/stores/index.js');
    // The demo has the 7.x form; a 9.1 hub's records carry a label.
    const labels = ['render', 'fit-model', null];
    const records = generateDemoRecords({ count: 60, seed: 21 }).map((r, i) => ({ ...r, label: labels[i % 3] ?? null }) as typeof r);
    const path = join(dir, 'mixed.db');
    const old = await openSQLiteStore({ path, write: true, create: true });
    await old.addRecords(records.slice(0, 30).map(({ label: _l, ...r }) => r));
    await old.close();
    const newer = await openSQLiteStore({ path, table: 'ipython-tasks_1', write: true, create: true, label: true });
    await newer.addRecords(records.slice(30));
    await newer.close();
    const empty = await openSQLiteStore({ path, table: 'ipython-tasks_2', write: true, create: true });
    assert.deepEqual(await collect(empty.findRecords({})), []);
    assert.deepEqual(await empty.summary(), { count: 0, firstSubmitted: null, lastSubmitted: null, latestClient: null });
    await empty.close();
    const seven = await openSQLiteStore({ path });
    await assert.rejects(
      (async () => {
        const w = await openSQLiteStore({ path, write: true });
        try {
          await w.addRecord('labelled', { label: 'fit-model' });
        } finally {
          await w.close();
        }
      })(),
      /has no label column \(ipyparallel before 9\.1 made it\)/,
    );
    const all = await openSQLiteStore({ path, table: '*' });
    try {
      const labelled = records.filter((r) => r['label'] === 'render');
      const got = await collect(all.findRecords({ label: 'render' }, ['label']));
      assert.deepEqual(got.map((r) => r['msg_id']), [...labelled].filter((r) => records.indexOf(r) >= 30).sort(compareRecords).map((r) => r['msg_id']));
      assert.ok(got.every((r) => r[TABLE_FIELD] === 'ipython-tasks_1'));
      assert.equal((await collect(all.findRecords({ label: null }, ['msg_id']))).length, 30 + records.slice(30).filter((r) => r['label'] === null).length);
      assert.equal((await collect(seven.findRecords({}, ['label']))).every((r) => r['label'] === null), true);
      assert.deepEqual(listTaskTables(path).map((t) => [t.name, t.keys.length, t.count]), [['ipython-tasks', 22, 30], ['ipython-tasks_1', 23, 31], ['ipython-tasks_2', 22, 0]]);
    } finally {
      await all.close();
      await seven.close();
    }
  });
});

describe('order of the answer', () => {
  test('records submitted at the same microsecond go by msg_id, within a table and across tables', async () => {
    const at = Timestamp.parse('2026-11-02T10:00:00.000001Z')!;
    const later = at.plus(1);
    const path = join(dir, 'ties.db');
    const a = await openSQLiteStore({ path, write: true, create: true });
    await a.addRecords([
      { msg_id: 'c', submitted: at, queue: 'task' },
      { msg_id: 'z-later', submitted: later, queue: 'task' },
      { msg_id: 'a', submitted: at, queue: 'mux' },
      { msg_id: 'none', submitted: null, queue: 'task' },
    ]);
    await a.close();
    const b = await openSQLiteStore({ path, table: 'ipython-tasks_1', write: true, create: true });
    await b.addRecords([{ msg_id: 'b', submitted: at, queue: 'task' }, { msg_id: 'd', submitted: at, queue: 'mux' }]);
    await b.close();
    const one = await openSQLiteStore({ path });
    const all = await openSQLiteStore({ path, table: '*' });
    try {
      assert.deepEqual((await collect(one.findRecords({}, ['msg_id']))).map((r) => r['msg_id']), ['none', 'a', 'c', 'z-later']);
      assert.deepEqual((await collect(all.findRecords({}, ['msg_id']))).map((r) => r['msg_id']), ['none', 'a', 'b', 'c', 'd', 'z-later']);
      assert.deepEqual(await all.getHistory(), ['a', 'b', 'c', 'd', 'z-later']);
      assert.deepEqual((await collect(all.findRecords({ queue: 'mux' }, ['queue']))).map((r) => [r['msg_id'], r[TABLE_FIELD]]), [['a', 'ipython-tasks'], ['d', 'ipython-tasks_1']]);
    } finally {
      await one.close();
      await all.close();
    }
  });
});

describe('counting: len(db_query(...))', () => {
  const queries: Record<string, unknown>[] = [
    {},
    { completed: { $ne: null } },
    { queue: 'task', engine_uuid: { $ne: null } },
    { 'header.msg_type': 'execute_request' },
    { stdout: { $regex: '\\d' } },
    { $or: [{ 'result_content.status': 'error' }, { started: null }] },
    { msg_id: { $in: ['nope'] } },
  ];

  test('the store counts what it would answer, in SQL or on the tested columns only', async () => {
    for (const table of ['ipython-tasks', '*']) {
      const store = await openSQLiteStore({ path: FIXTURE, table });
      try {
        for (const q of queries) {
          const answer = await collect(store.findRecords(q));
          assert.equal(await store.countRecords(q), answer.length, `${table}: ${JSON.stringify(q)}`);
        }
        const some = await collect(store.findRecords({ completed: { $ne: null } }, ['msg_id']));
        const ids = some.slice(0, 5).map((r) => r['msg_id'] as string);
        assert.equal(await store.countRecords({ msg_id: { $in: [...ids, 'absent'] } }), ids.length);
      } finally {
        await store.close();
      }
    }
  });

  test('len(db_query(Q)) in the shell counts; keys are still checked; a shadowed len is not bypassed', async () => {
    const store = await openSQLiteStore({ path: FIXTURE });
    const client = await StoreClient.open(store);
    let counted = 0;
    const count = client.countQuery.bind(client);
    client.countQuery = (q, k) => (counted++, count(q, k));
    const shell = createShell({ client });
    try {
      const expected = (await collect(store.findRecords({ 'result_content.status': 'ok' }))).length;
      assert.ok(expected > 0);
      const [out] = await shell.execute("len(db_query({'result_content.status': 'ok'}, keys=['msg_id', 'started']))");
      assert.equal(out!.value, expected);
      assert.equal(counted, 1);
      const [bad] = await shell.execute("len(db_query({}, keys=['nope']))");
      assert.match(String(bad!.error?.message), /unknown key 'nope'/);
      const [shadowed] = await shell.execute("len = lambda x: -1\nlen(db_query({}))");
      assert.ok(shadowed);
      const outs = await shell.execute('len(db_query({}))');
      assert.equal(outs.at(-1)!.value, -1);
      assert.equal(counted, 2);
    } finally {
      await client.close();
    }
  });
});

describe('files that are not what they should be', () => {
  test('a missing file is an error and no file is created', async () => {
    const path = join(dir, 'nowhere', 'tasks.db');
    const here = join(dir, 'missing.db');
    await storeError(openSQLiteStore({ path }), /there is no file .*nowhere/);
    await storeError(openSQLiteStore({ path: here }), /there is no file/);
    await storeError(openSQLiteStore({ path: here, write: true }), /there is no file/);
    assert.equal(existsSync(here), false);
    assert.throws(() => listTaskTables(here), /there is no file/);
    assert.equal(existsSync(here), false);
  });

  test('a directory, a text file, a truncated file', async () => {
    await storeError(openSQLiteStore({ path: dir }), /is a directory/);
    const text = join(dir, 'notes.db');
    writeFileSync(text, 'these are my notes, not a database\n'.repeat(200));
    await storeError(openSQLiteStore({ path: text }), /is not an SQLite database/);
    const cut = copy();
    truncateSync(cut, Math.floor(statSync(cut).size / 3));
    await assert.rejects(
      readAll({ path: cut, table: '*' }, [...DEFAULT_KEYS, 'buffers']),
      (e: unknown) => isIpcError(e) && e.kind === 'StoreError' && /damaged or truncated|has no table|holds no task tables/.test(e.message),
    );
  });

  test('a table that is not task-shaped, and a table that is not there', async () => {
    const path = join(dir, 'other.db');
    const db = new Database(path);
    db.exec('CREATE TABLE notes (msg_id text, body text)');
    db.close();
    await storeError(openSQLiteStore({ path, table: 'notes' }), /not a task table: it lacks the columns header, metadata/);
    await storeError(openSQLiteStore({ path }), /has no table 'ipython-tasks': .* holds no task tables/);
    await storeError(openSQLiteStore({ path: FIXTURE, table: 'ipython_tasks' }), /its task tables are 'ipython-tasks', 'ipython-tasks_1'/);
  });

  test('a write left unfinished by a killed process: a clear error, and --write rolls it back', { skip: !havePython() }, async () => {
    const path = copy();
    await new Promise<void>((resolve, reject) => {
      const killed = spawn(PYTHON, ['-c', `
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute('PRAGMA cache_size = 1')
db.execute('BEGIN')
for i in range(20):
    db.execute("UPDATE 'ipython-tasks' SET stdout = ?", ('x' * 3000,))
os._exit(0)
`, path], { stdio: 'inherit' });
      killed.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
    });
    assert.ok(existsSync(path + '-journal'));
    await storeError(
      readAll({ path }),
      /left unfinished .* open it once with writing allowed/,
    );
    const stdout = await readAll({ path, write: true }, ['stdout']);
    assert.deepEqual(stdout, await readAll({ path: FIXTURE }, ['stdout']));
  });

  test('read-only unless writing was asked for', async () => {
    const path = copy();
    const before = readFileSync(path);
    const store = await openSQLiteStore({ path });
    try {
      await storeError(store.addRecord('x', {}), /read-only; open it for writing/);
      await storeError(store.updateRecord('x', {}), /read-only/);
      await storeError(store.dropMatchingRecords({}), /read-only/);
    } finally {
      await store.close();
    }
    assert.ok(readFileSync(path).equals(before));
  });

  test('a file another process holds locked is a clear error, not a hang', { skip: !havePython() }, async () => {
    const path = copy();
    const holder = spawn(PYTHON, ['-c', `
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute('BEGIN EXCLUSIVE')
db.execute("UPDATE 'ipython-tasks' SET stdout = stdout")
print('locked', flush=True)
time.sleep(30)
`, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const t0 = Date.now();
      await storeError(
        readAll({ path }),
        /is locked by another process/,
      );
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('SQLiteDB reads what ipc writes, and the reverse', { skip: !havePython() }, () => {
  test('records written here read back equal through SQLiteDB', async () => {
    const { generateDemoRecords } = await import('../../src/stores/index.js');
    const records = generateDemoRecords({ count: 40, seed: 3 }).map((r) => {
      const { label: _label, ...rest } = r;
      return rest;
    });
    const path = join(dir, 'written.db');
    const store = await openSQLiteStore({ path, write: true, create: true });
    for (const r of records) await store.addRecord(r['msg_id'] as string, r);
    await store.close();
    const [theirs] = await pythonFindRecords(path, 'ipython-tasks', [{ query: { msg_id: { $ne: null } } }]);
    const want = [...records].sort(compareRecords).map((r) => ({
      ...Object.fromEntries(Object.keys(theirs![0]!).map((k) => [k, r[k] ?? null])),
      // SQLiteDB keeps an empty list of buffers as NULL, and reads NULL back as None
      buffers: nonEmpty(r['buffers']),
      result_buffers: nonEmpty(r['result_buffers']),
    }));
    assert.deepEqual(theirs, want);
  });
});

function nonEmpty(v: unknown) {
  return Array.isArray(v) && v.length > 0 ? v : null;
}

function shifted(t: Timestamp, minutes: number, suffix: string): string {
  const local = new Timestamp(t.us + minutes * 60e6);
  return local.toISOString().slice(0, 26) + suffix;
}
