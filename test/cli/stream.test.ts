/**
 * Script mode writes a db_query answer as it streams out of the store: a
 * large answer as JSON lines never sits in memory whole.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { generateDemoRecords } from '../../src/stores/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { IPC, ROOT, runIpc, tempDir } from './helpers.js';

const COUNT = 50_000;
const BIG = 300_000;
let stored = 0;
const TIME = '/usr/bin/time';
const tmp = tempDir('ipc-stream-');
const DB = join(tmp.dir, 'tasks.db');

before(async () => {
  const store = await openSQLiteStore({ path: DB, write: true, create: true, label: true });
  stored = await store.addRecords(generateDemoRecords({ count: COUNT, seed: 7 }));
  await store.close();
});
after(() => tmp.remove());

interface Measured {
  readonly code: number | null;
  readonly lines: number;
  readonly bytes: number;
  readonly firstLine: string;
  /** Peak resident set of the ipc process, in bytes. */
  readonly peakRss: number;
  readonly stderr: string;
}

/** Runs ipc under /usr/bin/time, counting what it prints without keeping it. */
function measure(args: readonly string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(TIME, ['-f', 'PEAK %M', process.execPath, IPC, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let bytes = 0;
    let firstLine = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (bytes === 0 || (lines === 0 && !firstLine.includes('\n'))) firstLine += d.slice(0, 100_000);
      bytes += d.length;
      for (let i = d.indexOf('\n'); i >= 0; i = d.indexOf('\n', i + 1)) lines++;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const peak = /PEAK (\d+)/.exec(stderr);
      if (!peak) return reject(new Error(`no peak RSS from ${TIME}: ${stderr}`));
      resolve({ code, lines, bytes, firstLine: firstLine.split('\n')[0]!, peakRss: Number(peak[1]) * 1024, stderr: stderr.replace(/PEAK \d+\n?/, '') });
    });
  });
}

const MB = 1024 * 1024;

test('--format jsonl writes a large db_query answer as it streams, in bounded memory', { skip: !existsSync(TIME) && `${TIME} is missing` }, async () => {
  const idle = await measure(['--sqlitedb', DB, '-c', '1']);
  const run = await measure(['--sqlitedb', DB, '--format', 'jsonl', '-c', 'db_query({})']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.lines, stored);
  const first = JSON.parse(run.firstLine) as Record<string, unknown>;
  assert.equal(typeof first['msg_id'], 'string');
  assert.equal(typeof first['submitted'], 'string');
  // Holding the answer (the records, then their text) takes about 9 times the
  // text here (over 600 MB); streaming takes a fixed amount beyond start-up,
  // whatever the size of the answer (V8's young generation, SQLite's cache).
  const grown = run.peakRss - idle.peakRss;
  assert.ok(run.bytes > 40 * MB, `the answer is large enough to tell (${(run.bytes / MB).toFixed(0)} MB)`);
  assert.ok(grown < 150 * MB, `peak RSS grew ${(grown / MB).toFixed(0)} MB over start-up for ${(run.bytes / MB).toFixed(0)} MB of JSON lines`);
});

test('--format table streams too: 300,000 records print in under 200 MB peak RSS', { skip: !existsSync(TIME) && `${TIME} is missing` }, async () => {
  const big = join(tmp.dir, 'big.db');
  const store = await openSQLiteStore({ path: big, write: true, create: true });
  await store.close();
  // Rows made by SQLite itself: quick to write, in the text forms ipcontroller writes.
  const db = new Database(big);
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BIG})
    INSERT INTO "ipython-tasks" (msg_id, submitted, completed, engine_uuid, queue, stdout)
    SELECT printf('%08x-0000-4000-8000-%012x', i, i * 7919),
      strftime('%Y-%m-%dT%H:%M:%f000+00:00', 1790000000 + i / 10.0, 'unixepoch'),
      CASE WHEN i % 50 = 0 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%f000+00:00', 1790000000 + i / 10.0 + 2.5, 'unixepoch') END,
      printf('engine-%02d', i % 16), CASE WHEN i % 3 = 0 THEN 'mux' ELSE 'task' END,
      CASE WHEN i % 4 = 0 THEN printf('step %d of a long computation that printed a line', i) ELSE '' END
    FROM n`);
  db.close();
  const q = "db_query({}, keys=['submitted', 'completed', 'engine_uuid', 'queue', 'stdout'])";
  const run = await measure(['--sqlitedb', big, '--format', 'table', '-c', q]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.lines, BIG + 2, 'a header, a rule and a line per record');
  assert.match(run.firstLine, /^msg_id +submitted +completed +engine_uuid +queue +stdout$/);
  // Collected first, this answer's records and cells come to about 300 MB.
  assert.ok(run.peakRss < 200 * MB, `peak RSS ${(run.peakRss / MB).toFixed(0)} MB`);
});

test('a streamed answer is the same text as the collected one, in every format', async () => {
  const q = "db_query({'msg_id': {'$regex': '0$'}}, keys=['submitted', 'engine_uuid', 'result_header', 'stdout'])";
  for (const format of ['jsonl', 'json', 'csv', 'table']) {
    const streamed = await runIpc(['--sqlitedb', DB, '--format', format, '-c', `${q}\n1`], { timeoutMs: 60_000 });
    // A script that reads Out back gets the collected list, as before.
    const collected = await runIpc(['--sqlitedb', DB, '--format', format, '-c', `${q}\nkept = Out\n1`], { timeoutMs: 60_000 });
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.equal(collected.code, 0, collected.stderr);
    assert.ok(streamed.stdout.length > 100_000, format);
    assert.equal(streamed.stdout, collected.stdout, format);
  }
});

test('a bad query in a streamed statement is that statement\'s error; the script goes on', async () => {
  const run = await runIpc(['--sqlitedb', DB, '--format', 'jsonl', '-c', "db_query({'completed': {'$bogus': 1}})\ndb_query({'msg_id': 'nope'})\n2"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^line 1: QueryError: /);
  assert.equal(run.stdout, '2\n');
});

test('reading only the first lines of a streamed answer (| head) ends ipc cleanly', async () => {
  const child = spawn(process.execPath, [IPC, '--sqlitedb', DB, '--format', 'jsonl', '-c', 'db_query({})'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const first = await new Promise<string>((resolve) => child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d)));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.ok(first.startsWith('{"msg_id":'));
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
});
