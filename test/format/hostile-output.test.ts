/**
 * What ipc writes on purpose (JSON, JSONL, CSV, trace to a pipe or file)
 * keeps every byte a task chose; the SVG escapes what XML cannot hold; and
 * stderr, wherever it goes, gets controls as visible escapes. On the
 * records of test/fixtures/hostile.db (make-hostile.py).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { PYTHON, havePython } from '../support/python.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const SHORT = '\x01\x1b]0;T\x07<&\u202e';
let dir: string;
let db: string;
let stored: { msg_id: string; stdout: string | null; engine_uuid: string | null }[];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ipc-hostile-out-'));
  db = join(dir, 'tasks.db');
  copyFileSync(join(root, 'test', 'fixtures', 'hostile.db'), db);
  const sqlite = new Database(db);
  // a short engine id is drawn whole in the chart
  sqlite.prepare(`UPDATE "ipython-tasks" SET engine_uuid = ? WHERE msg_id LIKE '%\\_2' ESCAPE '\\'`).run(SHORT);
  stored = sqlite.prepare(`SELECT msg_id, stdout, engine_uuid FROM "ipython-tasks" ORDER BY submitted, msg_id`).all() as typeof stored;
  sqlite.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

function ipc(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [bin, '--sqlitedb', db, ...args], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

test('JSONL and CSV written to a pipe keep every byte of msg_id, stdout and engine uuid', () => {
  const jsonl = ipc('--format', 'jsonl', '-c', "db_query({}, keys=['stdout', 'engine_uuid'])");
  assert.equal(jsonl.status, 0, jsonl.stderr);
  const got = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l) as (typeof stored)[number]);
  assert.deepEqual(got, stored);
  const csv = ipc('--format', 'csv', '-c', "db_query({}, keys=['stdout'])");
  for (const r of stored) assert.ok(csv.stdout.includes(r.msg_id), 'the raw msg_id is in the CSV');
  assert.ok(csv.stdout.includes('\x1b]52;c;UFdORUQ=\x07'));
});

test('stderr shows a remote traceback and a quoted value with their controls as escapes, even when piped', () => {
  const failing = stored.find((r) => r.msg_id.endsWith('_3'))!.msg_id;
  const r = ipc('-c', `rc.get_result(${JSON.stringify(failing)}).get()\ndb_query({'msg_id': ${JSON.stringify(stored[0]!.msg_id)}, 'nope': 1})`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /RemoteError: Bad\\x1b\]52;c;UFdORUQ=\\x07/);
  assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(r.stderr), JSON.stringify(r.stderr.slice(0, 400)));
});

test('%timeline --svg with hostile engine ids and msg_ids writes well-formed XML that shows them escaped', { skip: !havePython() }, () => {
  const file = join(dir, 'hostile.svg');
  const r = ipc('-c', `%timeline --svg ${file}`);
  assert.equal(r.status, 0, r.stderr);
  const parsed = JSON.parse(execFileSync(PYTHON, ['-c', String.raw`
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = '{http://www.w3.org/2000/svg}'
print(json.dumps({'texts': [t.text for t in root.iter(ns + 'text')], 'titles': [t.text for t in root.iter(ns + 'title')]}))
`, file], { encoding: 'utf8' })) as { texts: string[]; titles: string[] };
  assert.ok(parsed.texts.includes('\\x01\\x1b]0;T\\x07<&\\u202e'), JSON.stringify(parsed.texts));
  assert.ok(parsed.titles.some((t) => t.includes('hostile\\x1b]52;c;UFdORUQ=\\x07')), JSON.stringify(parsed.titles));
});
