/**
 * recordTexts writes each record's JSON text from the stored text where it
 * can: held equal, byte for byte, to jsonText of the records findRecords
 * gives, on generated records and on stored text of every odd form that
 * decoding treats apart (dates not in ipc's form, escapes, NaN, __proto__,
 * keys V8 orders first, deep nesting, text that is not JSON).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { jsonText } from '../../src/format/json.js';
import { KEY_NAMES_7X } from '../../src/records/index.js';
import { generateDemoRecords, collect } from '../../src/stores/index.js';
import { encodeColumn } from '../../src/stores/sqlite/codec.js';
import { openSQLiteStore, type SQLiteStore } from '../../src/stores/sqlite/index.js';
import { createTableSQL } from '../../src/stores/sqlite/tables.js';

const dir = mkdtempSync(join(tmpdir(), 'ipc-sqlite-texts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TABLE = 'ipython-tasks';

/** Odd stored text, column by column; each row also holds ordinary columns. */
const ODD: Record<string, unknown>[] = [
  { header: '{"date": "2026-11-21T11:04:59Z"}' },
  { header: '{"date": "2026-11-21T11:04:59.320231+00:00", "n": 1}' },
  { header: '{"date": "2026-11-21T13:04:59.320231+02:00"}' },
  { header: '{"date": "2026-11-21T11:04:59.320231Z", "list": ["2026-11-21T11:04:59.3Z", 2]}' },
  { header: '{"date": "\\u0032026-11-21T11:04:59.320231+00:00"}' },
  { header: '{"text": "a \\"quoted\\" 2026-11-21T11:04:59Z word", "x": "\\u00e9\\n"}' },
  { header: '{"value": NaN}' },
  { header: '{"__proto__": {"polluted": true}}' },
  { header: '{"b": 1, "2": 3, "a": {"10": 1, "1": 2}}' },
  { header: '{"a": 1, "a": 2}' },
  { header: '{"n": [1.0, 1e400, -0, 12345678901234567890, 0.1]}' },
  { header: '"2026-11-21T11:04:59+00:00"' },
  { header: '[1, 2]' },
  { metadata: '{"deep": ' + '['.repeat(1200) + ']'.repeat(1200) + '}' },
  { content: ' {"spaced" :  true } ' },
  { result_content: '{broken' },
  { error: '{"ename": "E", "evalue": "2026-11-21T11:04:59Z", "traceback": ["\\u001b[0;31mline\\u001b[0m"]}' },
  { error: '{"value": NaN}' },
  { error: 'plain text, not JSON' },
  { error: '{not json either' },
  { error: '{"__proto__": 1}' },
  { execute_result: '{"data": {"text/plain": "1"}, "execution_count": 3}' },
  { submitted: '2026-11-21T11:04:59+00:00' },
  { submitted: '2026-11-21T11:04:59.320231Z' },
  { submitted: '2026-11-21 11:04:59.320231' },
  { submitted: '2026-11-21T13:04:59.320231+02:00' },
  { submitted: 'not a time' },
  { submitted: 1732187099 },
  { started: '2026-02-30T11:04:59.320231+00:00' },
  { stdout: 42 },
  { stdout: 'ünïcode ✓ "quotes" \\ and \u0007' },
];

let made: string | undefined;

function makeFile(): string {
  if (made) return made;
  const path = join(dir, 'odd.db');
  const db = new Database(path);
  db.exec(createTableSQL(TABLE, false));
  const insert = db.prepare(`INSERT INTO "${TABLE}" (${KEY_NAMES_7X.map((k) => `"${k}"`).join(', ')}) VALUES (${KEY_NAMES_7X.map(() => '?').join(', ')})`);
  const records = generateDemoRecords({ count: 200, seed: 5 });
  records.forEach((rec, i) => {
    const row = KEY_NAMES_7X.map((k) => encodeColumn(k, rec[k] ?? null) as unknown);
    const odd = ODD[i % (ODD.length * 2)];
    if (odd) for (const [k, v] of Object.entries(odd)) row[KEY_NAMES_7X.indexOf(k)] = v;
    insert.run(...row);
  });
  db.close();
  made = path;
  return path;
}

async function texts(store: SQLiteStore, query: Record<string, unknown>, keys?: string[]): Promise<string[] | Error> {
  try {
    return await collect(store.recordTexts(query, keys, jsonText)!);
  } catch (e) {
    return e as Error;
  }
}

async function viaRecords(store: SQLiteStore, query: Record<string, unknown>, keys?: string[]): Promise<string[] | Error> {
  const out: string[] = [];
  try {
    for await (const r of store.findRecords(query, keys)) out.push(jsonText(r));
    return out;
  } catch (e) {
    return e as Error;
  }
}

test('recordTexts equals jsonText of findRecords, odd stored text included', async () => {
  const store = await openSQLiteStore({ path: makeFile() });
  const cases: [Record<string, unknown>, string[]?][] = [
    [{ queue: 'task' }, ['header', 'submitted', 'started', 'error', 'stdout']],
    [{ queue: 'task' }, ['metadata']],
    [{ queue: 'mux' }, ['content', 'result_content', 'execute_result', 'stdout', 'buffers']],
    [{ error: { $ne: null } }, ['submitted', 'engine_uuid', 'error']],
    [{ completed: { $ne: null }, stdout: { $regex: '.' } }, ['stdout', 'header']],
    [{ msg_id: { $ne: '' } }, ['header', 'label', 'submitted']],
    [{ submitted: { $ne: null } }, ['submitted', 'started', 'completed', 'received', 'result_header']],
  ];
  let compared = 0;
  for (const [query, keys] of cases) {
    const expected = await viaRecords(store, query, keys);
    const got = await texts(store, query, keys);
    if (expected instanceof Error) {
      assert.ok(got instanceof Error, `${JSON.stringify(query)}: the records fail, so do the texts`);
      assert.equal(got.message, expected.message);
      continue;
    }
    assert.deepEqual(got, expected, JSON.stringify(query));
    compared += expected.length;
  }
  assert.ok(compared > 300, `compared ${compared} records`);
  await store.close();
});

test('every key of every record: a column that cannot be read is null in both, and costs only its record', async () => {
  const store = await openSQLiteStore({ path: makeFile() });
  const expected = await viaRecords(store, {});
  assert.ok(Array.isArray(expected) && expected.length >= 200, String(expected instanceof Error ? expected.message : expected.length));
  assert.deepEqual(await texts(store, {}), expected);
  const broken = expected.filter((t) => t.includes('"result_content":null') && !t.includes('"completed":null'));
  const deep = expected.filter((t) => t.includes('"metadata":null'));
  assert.ok(broken.length >= 1, 'the record whose result_content is not JSON holds null there');
  assert.ok(deep.length >= 1, 'the record whose metadata is nested 1200 deep holds null there');
  const keys = KEY_NAMES_7X.filter((k) => k !== 'result_content' && k !== 'metadata');
  const whole = await viaRecords(store, {}, keys);
  assert.ok(Array.isArray(whole) && whole.length === expected.length, String(whole instanceof Error ? whole.message : whole.length));
  assert.deepEqual(await texts(store, {}, keys), whole);
  await store.close();
});
