/**
 * Exports carry the data as stored: CSV and JSON written to a pipe keep
 * every byte of the text columns (escape sequences, BEL, CR, C1 controls,
 * bidi overrides), as Python's own csv and json modules read them back.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { havePython, runPython } from '../support/python.js';
import { ROOT, isolatedEnv, jsonLines, runIpc, tempDir } from './helpers.js';

const tmp = tempDir('ipc-exports-');
after(tmp.remove);
const env = isolatedEnv(tmp.dir);
const PAYLOADS = join(ROOT, 'test', 'fixtures', 'payloads.db');

/** Text a task may print, each a trap for an export that cleans what it writes. */
const HOSTILE = [
  'a\x1b[31mred\x1b[0m\x07 \x1b]0;title\x07 bye\r\nnext',
  '\x9b2J \u202eevil\u202c \x1bPdcs\x1b\\ lone\rcr',
  'plain "quoted", comma\n\ttab ünïcode ✓',
];

/** A copy of payloads.db whose first records printed HOSTILE to stdout and stderr. */
function hostileCopy(): string {
  const path = join(tmp.dir, 'streams.db');
  copyFileSync(PAYLOADS, path);
  const db = new Database(path);
  const ids = db.prepare(`SELECT msg_id FROM "ipython-tasks" ORDER BY submitted, msg_id LIMIT ?`).pluck().all(HOSTILE.length) as string[];
  const set = db.prepare(`UPDATE "ipython-tasks" SET stdout = ?, stderr = ? WHERE msg_id = ?`);
  ids.forEach((id, i) => set.run(HOSTILE[i], HOSTILE[(i + 1) % HOSTILE.length], id));
  db.close();
  return path;
}

test('--format csv and json to a pipe keep every byte of stdout and stderr, as Python reads the file', { skip: !havePython() }, async () => {
  const db = hostileCopy();
  // msg_id, stdout, stderr as Python's sqlite3 reads them, in answer order; None is the empty CSV field
  const stored = (await runPython(
    `import sqlite3
rows = sqlite3.connect(INPUT).execute('SELECT msg_id, stdout, stderr FROM "ipython-tasks" ORDER BY submitted, msg_id').fetchall()
emit([[c if c is not None else '' for c in r] for r in rows])`,
    db,
  )) as string[][];
  assert.equal(stored.length, 58);
  assert.deepEqual(stored.slice(0, 3).map((r) => r[1]), HOSTILE);
  const query = "db_query({}, keys=['stdout', 'stderr'])";
  // streamed (a bare db_query) and collected (a list in hand) write alike
  for (const script of [['-c', query], ['-c', `x = ${query}`, '-c', 'x']]) {
    const csv = await runIpc(['--sqlitedb', db, '--format', 'csv', ...script], { env });
    assert.equal(csv.code, 0, csv.stderr);
    assert.ok(csv.stdout.includes('\x1b[31m') && csv.stdout.includes('\x9b2J') && csv.stdout.includes('\u202e'), 'the controls reach the file');
    const parsed = (await runPython(
      `import csv, io
emit(list(csv.reader(io.StringIO(INPUT, newline=''))))`,
      csv.stdout,
    )) as string[][];
    assert.deepEqual(parsed[0], ['msg_id', 'stdout', 'stderr']);
    assert.deepEqual(parsed.slice(1), stored, script.join(' '));
    const json = await runIpc(['--sqlitedb', db, '--format', 'json', ...script], { env });
    assert.equal(json.code, 0, json.stderr);
    const records = jsonLines(json.stdout)[0] as Record<string, string | null>[];
    assert.deepEqual(records.map((r) => [r['msg_id'], r['stdout'] ?? '', r['stderr'] ?? '']), stored, script.join(' '));
  }
  // a table is for reading: to a pipe it still loses the escape sequences
  const table = await runIpc(['--sqlitedb', db, '-c', query], { env });
  assert.equal(table.code, 0, table.stderr);
  assert.doesNotMatch(table.stdout, /\x1b\[31m/);
});

test("keys='*' exports every key, buffers too: loaded into --dictdb, the payload keys answer as on the tasks.db; a file without buffers says so once", async () => {
  const every = await runIpc(['--sqlitedb', PAYLOADS, '--format', 'jsonl', '-c', "db_query({}, keys='*')"], { env });
  assert.equal(every.code, 0, every.stderr);
  const lines = jsonLines(every.stdout) as Record<string, unknown>[];
  assert.equal(lines.length, 58);
  assert.deepEqual(Object.keys(lines[0]!).sort(), [
    'buffers', 'client_uuid', 'completed', 'content', 'engine_uuid', 'error', 'execute_input', 'execute_result', 'header', 'metadata', 'msg_id',
    'queue', 'received', 'resubmitted', 'result_buffers', 'result_content', 'result_header', 'result_metadata', 'started', 'stderr', 'stdout', 'submitted',
  ], 'the 22 columns of a 7.x table, no label');
  assert.ok(lines.filter((r) => Array.isArray(r['buffers']) && (r['buffers'] as unknown[]).length > 0).length > 50);
  const listed = await runIpc(['--sqlitedb', PAYLOADS, '--format', 'jsonl', '-c', "db_query({}, keys=['*'])"], { env });
  assert.equal(listed.stdout, every.stdout, "keys=['*'] is keys='*'");
  const allFile = join(tmp.dir, 'every.jsonl');
  writeFileSync(allFile, every.stdout);
  const plain = await runIpc(['--sqlitedb', PAYLOADS, '--format', 'jsonl', '-c', 'db_query({})'], { env });
  const plainFile = join(tmp.dir, 'default.jsonl');
  writeFileSync(plainFile, plain.stdout);

  const payloadKeys = "db_query({}, keys=['function', 'args', 'kwargs', 'result', 'code', 'status', 'queue_wait', 'run_time'])";
  const tested = "db_query({'function': 'add', 'kwargs.scale': 3}, keys=['args', 'result'])";
  const original = await runIpc(['--sqlitedb', PAYLOADS, '--format', 'jsonl', '-c', payloadKeys, '-c', tested], { env });
  assert.equal(original.code, 0, original.stderr);
  assert.match(original.stdout, /"function":"add".*"result":30/);
  const loaded = await runIpc(['--dictdb', '--load', allFile, '--format', 'jsonl', '-c', payloadKeys, '-c', tested], { env });
  assert.equal(loaded.stderr, '', 'a file with buffers loads without a word');
  assert.equal(loaded.stdout, original.stdout);

  const bare = await runIpc(['--dictdb', '--load', plainFile, '--format', 'jsonl', '-c', payloadKeys, '-c', 'len(db_query({}))'], { env });
  assert.equal(bare.code, 0);
  assert.equal(
    bare.stderr,
    `ipc: ${plainFile} holds no buffers or result_buffers, so function, args, kwargs and result answer None; export with db_query({}, keys='*') to keep them\n`,
  );
  const answers = jsonLines(bare.stdout);
  assert.equal(answers.at(-1), 58);
  assert.ok((answers.slice(0, -1) as Record<string, unknown>[]).every((r) => r['function'] === null && r['result'] === null));
});

test('%export with the file first says the order, and writes nothing', async () => {
  const cwd = join(tmp.dir, 'file-first');
  mkdirSync(cwd);
  for (const [arg, said] of [
    ["out.csv db_query({}, keys=['msg_id', 'completed'])", "%export db_query({}, keys=['msg_id', 'completed']) out.csv"],
    // this one parses as EXPR FILE (a text, then a file named `db_query({})`): refused all the same
    ["'my out.jsonl' db_query({}) --force", '%export db_query({}) "my out.jsonl"'],
  ] as const) {
    const r = await runIpc(['--sqlitedb', PAYLOADS, '-c', `%export ${arg}`], { env, cwd });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stderr, `line 1: ParseError: %export takes the expression first, then the file: ${said}\n`);
  }
  assert.deepEqual(readdirSync(cwd), []);
  // the right order writes the file
  const ok = await runIpc(['--sqlitedb', PAYLOADS, '-c', "%export db_query({}, keys=['msg_id']) out.csv"], { env, cwd });
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(readdirSync(cwd), ['out.csv']);
});
