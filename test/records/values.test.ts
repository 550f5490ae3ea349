import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUFFER_KEYS, DATETIME_KEYS, DEFAULT_KEYS, KEY_NAMES, KEY_NAMES_7X, TASK_KEYS, Timestamp, compareStrings, compareValues, copyValue, frozenCopy, isDict, keySpec, kindOf, shareValue, takesPath, valuesEqual, type Value } from '../../src/records/index.js';

const t = (us: number) => new Timestamp(us);

test('the TaskRecord keys: the 22 columns of ipyparallel 7.x in SQLiteDB order, plus label', () => {
  assert.deepEqual(KEY_NAMES_7X, [
    'msg_id', 'header', 'metadata', 'content', 'buffers', 'submitted', 'client_uuid', 'engine_uuid', 'started', 'completed',
    'resubmitted', 'received', 'result_header', 'result_metadata', 'result_content', 'result_buffers', 'queue',
    'execute_input', 'execute_result', 'error', 'stdout', 'stderr',
  ]);
  assert.deepEqual(KEY_NAMES, [...KEY_NAMES_7X, 'label']);
  assert.equal(TASK_KEYS.length, 23);
  assert.deepEqual(DATETIME_KEYS, ['submitted', 'started', 'completed', 'received']);
  assert.deepEqual(BUFFER_KEYS, ['buffers', 'result_buffers']);
  assert.equal(DEFAULT_KEYS.length, 21);
  assert.equal(keySpec('header')!.sqlType, 'dict text');
  assert.equal(keySpec('submitted')!.sqlType, 'timestamp');
  assert.equal(keySpec('buffers')!.sqlType, 'bufs blob');
  assert.ok(takesPath('header') && takesPath('error') && !takesPath('stdout') && !takesPath('completed'));
  assert.equal(keySpec('nope'), undefined);
});

test('valuesEqual: instants by microsecond, bytes by content, dicts in any order, no cross-kind equality', () => {
  assert.ok(valuesEqual(t(5), t(5)));
  assert.ok(!valuesEqual(t(5), t(6)));
  assert.ok(valuesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  assert.ok(!valuesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
  assert.ok(valuesEqual({ a: 1, b: [t(1), 'x'] }, { b: [t(1), 'x'], a: 1 }));
  assert.ok(!valuesEqual({ a: 1 }, { a: 1, b: null }));
  assert.ok(!valuesEqual([1, 2], [2, 1]));
  assert.ok(!valuesEqual(1, '1'));
  assert.ok(!valuesEqual(1, true));
  assert.ok(!valuesEqual(null, undefined));
  assert.ok(!valuesEqual(t(0), 0));
});

test('compareValues orders within a kind only; text by code point', () => {
  assert.equal(compareValues(1, 2), -1);
  assert.equal(compareValues('b', 'a'), 1);
  assert.equal(compareValues(t(2), t(2)), 0);
  assert.equal(compareValues(false, true)! < 0, true);
  assert.equal(compareValues(1, '1'), undefined);
  assert.equal(compareValues(t(1), 1), undefined);
  assert.equal(compareValues(null, null), undefined);
  assert.ok(compareStrings('\u{1F600}', '\uFFFF') > 0, 'an astral character sorts after U+FFFF');
  assert.ok(compareStrings('\uFFFF', '\u{1F600}') < 0);
  assert.ok(compareStrings('é', 'z') > 0);
  assert.ok(compareStrings('ab', 'abc') < 0);
  assert.equal(compareStrings('x', 'x'), 0);
});

test('copyValue copies deeply; instants are shared, being immutable', () => {
  const v = { a: [{ b: new Uint8Array([1]) }], d: t(3) } as Value;
  const c = copyValue(v) as { a: { b: Uint8Array }[]; d: Timestamp };
  assert.deepEqual(c, v);
  c.a[0]!.b[0] = 9;
  assert.equal(((v as { a: { b: Uint8Array }[] }).a[0]!.b)[0], 1);
  assert.equal(c.d, (v as { d: Timestamp }).d);
});

test('frozenCopy freezes what holds no bytes; shareValue hands frozen values out as they are', () => {
  const v = { header: { msg_type: 'x', date: t(1) }, list: [1, [2]], bufs: [new Uint8Array([1])], mixed: { ok: { a: 1 }, b: new Uint8Array(1) } } as Value;
  const f = frozenCopy(v) as Record<string, Value> & Record<string, Record<string, Value>>;
  assert.deepEqual(f, v);
  assert.ok(Object.isFrozen(f['header']) && Object.isFrozen(f['list']) && Object.isFrozen(f['list']![1]));
  assert.ok(!Object.isFrozen(f['bufs']) && !Object.isFrozen(f['mixed']) && !Object.isFrozen(f), 'containers of bytes stay open');
  assert.ok(Object.isFrozen(f['mixed']!['ok']));
  assert.equal(shareValue(f['header']!), f['header']);
  const bufs = shareValue(f['bufs']!) as unknown as Uint8Array[];
  assert.notEqual(bufs, f['bufs']);
  bufs[0]![0] = 7;
  assert.equal((f['bufs'] as unknown as Uint8Array[])[0]![0], 1);
});

test('kindOf names kinds as Python does; isDict excludes instants, bytes and lists', () => {
  assert.deepEqual([null, undefined, 1, 1.5, true, 's', t(0), new Uint8Array(), [], {}].map(kindOf),
    ['None', 'None', 'int', 'float', 'bool', 'str', 'datetime', 'bytes', 'list', 'dict']);
  assert.ok(isDict({}) && !isDict([]) && !isDict(t(0)) && !isDict(new Uint8Array()) && !isDict(null));
});
