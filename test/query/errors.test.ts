import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IpcError } from '../../src/errors.js';
import { compileQuery, normalizeKeys, OPERATOR_NAMES } from '../../src/query/index.js';
import { assertQueryError } from './fixtures.js';

test("an unknown key suggests the nearest: did you mean 'completed'?", () => {
  assertQueryError({ complted: null }, /unknown key 'complted' \(did you mean 'completed'\?\)/);
  assertQueryError({ submited: { $gt: '2026-01-01T00:00:00' } }, /did you mean 'submitted'\?/);
  assertQueryError({ 'hedaer.msg_type': 'apply_request' }, /unknown key 'hedaer' \(did you mean 'header'\?\)/);
  assertQueryError({ $or: [{ queu: 'task' }] }, /did you mean 'queue'\?/);
});

test('an unknown key far from every key lists the keys instead', () => {
  const e = assertQueryError({ zzzzzzzzzz: 1 }, /unknown key 'zzzzzzzzzz'; a TaskRecord has msg_id, header/);
  assert.ok(!e.message.includes('did you mean'));
});

test('an unknown operator lists the supported ones', () => {
  const e = assertQueryError({ completed: { $gtt: '2026-01-01T00:00:00' } }, /unknown operator '\$gtt' on 'completed'/);
  for (const name of OPERATOR_NAMES) assert.ok(e.message.includes(name), `the message lists ${name}`);
  assert.match(e.message, /did you mean '\$gt'/);
  assertQueryError({ $xor: [{ queue: 'task' }] }, /unknown operator '\$xor'.*supported: .*\$nor/);
  assertQueryError({ queue: { $where: 'x' } }, /unknown operator '\$where'.*supported:/);
});

test("an operator that is no near miss suggests nothing: '$foo' is not '$mod'", () => {
  for (const op of ['$foo', '$bar', '$xyz']) {
    const e = assertQueryError({ completed: { [op]: 1 } }, new RegExp(`unknown operator '\\${op}' on 'completed'; supported: `));
    assert.ok(!e.message.includes('did you mean'), e.message);
  }
  assertQueryError({ stdout: { $regx: 'a' } }, /did you mean '\$regex'\?/);
  assertQueryError({ stdout: { $exsts: true } }, /did you mean '\$exists'\?/);
  assertQueryError({ stdot: 'a' }, /did you mean 'stdout'\?/);
});

test('a field operator at the top, or a logical operator on a key, says where it goes', () => {
  assertQueryError({ $in: ['a'] }, /\$in tests a key, so it goes inside one/);
  assertQueryError({ queue: { $or: [{ queue: 'a' }] } }, /\$or combines whole queries, so it goes at the top/);
});

test('$and/$or/$nor take a non-empty list of query dicts', () => {
  assertQueryError({ $or: { queue: 'task' } }, /\$or takes a non-empty list of queries/);
  assertQueryError({ $and: [] }, /\$and takes a non-empty list of queries/);
  assertQueryError({ $nor: ['task'] }, /item 0 of \$nor must be a query dict, not the text 'task'/);
});

test('$in/$nin/$all with a non-list say a list was expected', () => {
  assertQueryError({ queue: { $in: 'task' } }, /\$in on 'queue' takes a list, such as .*not the text 'task'/);
  assertQueryError({ queue: { $nin: 3 } }, /\$nin on 'queue' takes a list.*not the number 3/);
  assertQueryError({ 'metadata.targets': { $all: null } }, /\$all on 'metadata.targets' takes a list.*not None/);
});

test('$mod without two numbers says what was expected', () => {
  for (const bad of [2, [2], [2, 0, 1], ['2', 0], [2, null], [Infinity, 0]]) {
    assertQueryError({ 'metadata.retries': { $mod: bad } }, /\$mod on 'metadata.retries' takes two numbers \[divisor, remainder\]/);
  }
  assertQueryError({ 'metadata.retries': { $mod: [0, 0] } }, /cannot divide by zero/);
  assertQueryError({ submitted: { $mod: [2, 0] } }, /\$mod cannot test the datetime 'submitted'/);
});

test('a bad regex says the pattern is not valid', () => {
  assertQueryError({ stdout: { $regex: '(unclosed' } }, /the \$regex pattern for 'stdout' is not a valid regular expression/);
  assertQueryError({ stdout: { $regex: '[z-a]' } }, /not a valid regular expression/);
  assertQueryError({ stdout: { $regex: 5 } }, /\$regex on 'stdout' takes a pattern string, not the number 5/);
  assertQueryError({ stdout: { $regex: 'a', $options: 'q' } }, /\$options takes letters from 'imsx'/);
  assertQueryError({ stdout: { $options: 'i' } }, /'\$options' goes beside '\$regex'/);
  assertQueryError({ submitted: { $regex: '2026' } }, /\$regex cannot test the datetime 'submitted'/);
  assertQueryError({ label: { $glob: 3 } }, /\$glob on 'label' takes a pattern string/);
});

test('a datetime ordered against a number is an error, not an empty answer', () => {
  assertQueryError({ submitted: { $gt: 0 } }, /cannot order the datetime 'submitted' against the number 0/);
  assertQueryError({ completed: { $le: 1700000000 } }, /cannot order the datetime 'completed' against the number 1700000000/);
});

test('a datetime key takes only datetimes or None', () => {
  assertQueryError({ submitted: 'yesterday' }, /'submitted' is a datetime, so equality needs a datetime .* not the text 'yesterday'/);
  assertQueryError({ started: { $in: ['2026-01-01T00:00:00', 'soon'] } }, /'started' is a datetime, so \$in needs a datetime/);
  assertQueryError({ received: { $lt: '2026-13-01' } }, /'received' is a datetime/);
});

test('buffers cannot be tested', () => {
  assertQueryError({ buffers: null }, /'buffers' holds raw bytes and cannot be tested; ask for it with keys=\['buffers'\]/);
  assertQueryError({ result_buffers: { $exists: true } }, /'result_buffers' holds raw bytes/);
});

test('a dotted path into a key that is not a dict is an error', () => {
  assertQueryError({ 'submitted.year': 2026 }, /'submitted' is a datetime, so 'submitted.year' has no meaning/);
  assertQueryError({ 'queue.name': 'task' }, /'queue' is text, so 'queue.name' has no meaning/);
  assertQueryError({ 'header..msg_type': 'x' }, /'header..msg_type' has an empty part/);
});

test('malformed arguments of the other operators say what was expected', () => {
  assertQueryError({ completed: { $exists: 'yes' } }, /\$exists on 'completed' takes True or False, not the text 'yes'/);
  assertQueryError({ label: { $not: 5 } }, /\$not on 'label' takes operators/);
  assertQueryError({ 'metadata.retries': { $gt: [1] } }, /\$gt on 'metadata.retries' orders against one value, not a list/);
  assertQueryError({ queue: { $eq: 'task', plain: 1 } }, /mixes operators and plain keys/);
  assertQueryError({ 'metadata.retries': NaN }, /cannot be compared with NaN/);
  assertQueryError({ queue: () => 1 }, /cannot be compared with a function/);
});

test('a query that is not a dict is an error', () => {
  assertQueryError('completed', /a query is a dict such as \{'completed': None\}, not the text 'completed'/);
  assertQueryError([{ queue: 'task' }], /a query is a dict .* not a list/);
});

test('keys errors: unknown keys suggest the nearest; keys must be names', () => {
  const check = (keys: unknown, pattern: RegExp) => {
    assert.throws(() => normalizeKeys(keys), (e: unknown) => e instanceof IpcError && e.kind === 'QueryError' && pattern.test(e.message));
  };
  check(['msg_id', 'stdot'], /unknown key 'stdot' in keys \(did you mean 'stdout'\?\)/);
  check('complete', /did you mean 'completed'\?/);
  check([1], /keys holds key names, not the number 1/);
  check(5, /keys is a list of TaskRecord keys or one key/);
});

test('compileQuery is idempotent on a compiled query', () => {
  const q = compileQuery({ queue: 'task' });
  assert.equal(compileQuery(q), q);
});
