import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareRecords, normalizeKeys, project } from '../../src/query/index.js';
import { DEFAULT_KEYS, KEY_NAMES, type TaskRecord } from '../../src/records/index.js';
import { RECORDS, T1, T2 } from './fixtures.js';

test('without keys, an answer holds every key but the two buffer keys', () => {
  assert.equal(normalizeKeys(undefined), DEFAULT_KEYS);
  assert.equal(normalizeKeys(null), DEFAULT_KEYS);
  assert.equal(normalizeKeys([]), DEFAULT_KEYS);
  assert.equal(DEFAULT_KEYS.length, KEY_NAMES.length - 2);
  assert.ok(!DEFAULT_KEYS.includes('buffers') && !DEFAULT_KEYS.includes('result_buffers'));
  assert.equal(DEFAULT_KEYS[0], 'msg_id');
});

test("keys=['started', 'completed']: msg_id always, first", () => {
  assert.deepEqual(normalizeKeys(['started', 'completed']), ['msg_id', 'started', 'completed']);
  assert.deepEqual(normalizeKeys(['completed', 'msg_id']), ['msg_id', 'completed']);
  assert.deepEqual(normalizeKeys(['stdout', 'stdout']), ['msg_id', 'stdout']);
});

test("keys='completed': one string is one key", () => {
  assert.deepEqual(normalizeKeys('completed'), ['msg_id', 'completed']);
  assert.deepEqual(normalizeKeys('msg_id'), ['msg_id']);
});

test('buffers are given when asked for by name', () => {
  assert.deepEqual(normalizeKeys(['buffers', 'result_buffers']), ['msg_id', 'buffers', 'result_buffers']);
  const out = project(RECORDS[0]!, normalizeKeys('buffers'));
  assert.deepEqual(out, { msg_id: 'a', buffers: [new Uint8Array([1, 2, 3])] });
});

test('project cuts a record to the keys, in their order; a key the record lacks is None', () => {
  const out = project(RECORDS[2]!, normalizeKeys(['completed', 'queue', 'header']));
  assert.deepEqual(Object.keys(out), ['msg_id', 'completed', 'queue', 'header']);
  assert.deepEqual(out, { msg_id: 'c', completed: null, queue: 'task', header: null });
  const all = project(RECORDS[0]!, DEFAULT_KEYS);
  assert.deepEqual(Object.keys(all), DEFAULT_KEYS);
  assert.equal(all['completed'], T2);
});

test('answer order: submitted ascending with None first, then msg_id', () => {
  const recs: TaskRecord[] = [
    { msg_id: 'z', submitted: T2 },
    { msg_id: 'y', submitted: T1 },
    { msg_id: 'b', submitted: null },
    { msg_id: 'x', submitted: T1 },
    { msg_id: 'a' },
    { msg_id: 'w', submitted: T1.plus(-1) },
  ];
  assert.deepEqual([...recs].sort(compareRecords).map((r) => r['msg_id']), ['a', 'b', 'w', 'x', 'y', 'z']);
});

test('msg_id ties order by code point, as SQLite and MongoDB order text', () => {
  const recs: TaskRecord[] = [{ msg_id: '\u{1F600}', submitted: T1 }, { msg_id: '\uFFFF', submitted: T1 }, { msg_id: 'é', submitted: T1 }];
  assert.deepEqual([...recs].sort(compareRecords).map((r) => r['msg_id']), ['é', '\uFFFF', '\u{1F600}']);
});
