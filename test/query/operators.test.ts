import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileQuery, FIELD_OPERATORS, LOGICAL_OPERATORS, OPERATOR_NAMES } from '../../src/query/index.js';
import { RECORDS, T, T1, T2, T3, T4, ids } from './fixtures.js';

describe('plain equality', () => {
  test("{'queue': 'task'} matches text exactly", () => {
    assert.deepEqual(ids({ queue: 'task' }), ['a', 'c', 'd']);
    assert.deepEqual(ids({ queue: 'Task' }), []);
  });

  test("{'client_uuid': 'c1', 'queue': 'task'}: every equality key is tested with its own value", () => {
    assert.deepEqual(ids({ client_uuid: 'c1', queue: 'task' }), ['a', 'd']);
    assert.deepEqual(ids({ client_uuid: 'c2', queue: 'task' }), []);
  });

  test("{'completed': None} matches None and missing", () => {
    assert.deepEqual(ids({ completed: null }), ['b', 'c']);
    assert.deepEqual(ids({ label: null }), ['b', 'c']);
  });

  test('a datetime equals the same instant whatever its textual form', () => {
    assert.deepEqual(ids({ submitted: T1 }), ['a']);
    assert.deepEqual(ids({ submitted: '2026-03-01T10:00:00.000001Z' }), ['a']);
    assert.deepEqual(ids({ submitted: '2026-03-01T11:00:00+01:00' }), []);
    assert.deepEqual(ids({ submitted: '2026-03-01T12:00:00+01:00' }), ['b']);
    assert.deepEqual(ids({ submitted: '2026-03-01T12:00:00+0100' }), ['b']);
    assert.deepEqual(ids({ submitted: new Date(Date.UTC(2026, 2, 1, 11)) }), ['b']);
  });

  test('microseconds count: an instant one microsecond away is another instant', () => {
    assert.deepEqual(ids({ submitted: T('2026-03-01T10:00:00Z') }), []);
    assert.deepEqual(ids({ submitted: T('2026-03-01T10:00:00.000001Z') }), ['a']);
  });

  test('a dotted path tests a key inside a dict column', () => {
    assert.deepEqual(ids({ 'header.msg_type': 'apply_request' }), ['a', 'd']);
    assert.deepEqual(ids({ 'result_content.status': 'error' }), ['d']);
    assert.deepEqual(ids({ 'error.ename': 'ZeroDivisionError' }), ['b']);
    assert.deepEqual(ids({ 'header.date': T3 }), ['b']);
  });

  test('a dotted path to a missing key equals None', () => {
    assert.deepEqual(ids({ 'metadata.label': null }), ['b', 'c', 'd']);
    assert.deepEqual(ids({ 'error.ename': null }), ['a', 'c']);
  });

  test('a dotted path walks into lists: by index and through each item', () => {
    assert.deepEqual(ids({ 'metadata.targets': 2 }), ['b']);
    assert.deepEqual(ids({ 'metadata.targets': 1 }), ['a']);
    assert.deepEqual(ids({ 'metadata.targets.0': 0 }), ['a']);
    assert.deepEqual(ids({ 'metadata.targets': [0, 1] }), ['a']);
    assert.deepEqual(ids({ 'metadata.targets': [] }), ['d']);
    assert.deepEqual(ids({ 'metadata.after': 'a' }), ['b']);
  });

  test('a dict value equals a dict with the same items in any order', () => {
    assert.deepEqual(ids({ result_content: { execution_count: 3, status: 'ok' } }), ['a']);
    assert.deepEqual(ids({ result_content: { status: 'ok' } }), []);
  });

  test('numbers inside dicts compare as numbers', () => {
    assert.deepEqual(ids({ 'metadata.retries': 2 }), ['a']);
    assert.deepEqual(ids({ 'metadata.retries': 2.0 }), ['a']);
    assert.deepEqual(ids({ 'metadata.retries': '2' }), []);
  });

  test('non-ASCII text matches exactly', () => {
    assert.deepEqual(ids({ label: 'étape-2' }), ['d']);
    assert.deepEqual(ids({ 'error.evalue': "'température'" }), ['d']);
  });
});

describe('$eq and $ne', () => {
  test('$eq is plain equality', () => {
    assert.deepEqual(ids({ queue: { $eq: 'mux' } }), ['b']);
    assert.deepEqual(ids({ completed: { $eq: null } }), ['b', 'c']);
    assert.deepEqual(ids({ completed: { $eq: T4 } }), ['d']);
  });

  test("{'completed': {'$ne': None}} means the key is set", () => {
    assert.deepEqual(ids({ completed: { $ne: null } }), ['a', 'd']);
    assert.deepEqual(ids({ 'error.ename': { $ne: null } }), ['b', 'd']);
  });

  test('$ne keeps records where the key is None or missing', () => {
    assert.deepEqual(ids({ client_uuid: { $ne: 'c1' } }), ['b', 'c']);
    assert.deepEqual(ids({ completed: { $ne: T2 } }), ['b', 'c', 'd']);
  });

  test('$ne on a list path excludes a list that holds the value', () => {
    assert.deepEqual(ids({ 'metadata.targets': { $ne: 0 } }), ['b', 'c', 'd']);
  });
});

describe('ordering: $gt $gte $lt $lte $ge $le', () => {
  test('datetimes order as instants', () => {
    assert.deepEqual(ids({ submitted: { $gt: T1 } }), ['b', 'd']);
    assert.deepEqual(ids({ submitted: { $gte: T2 } }), ['b', 'd']);
    assert.deepEqual(ids({ submitted: { $lt: T2 } }), ['a']);
    assert.deepEqual(ids({ submitted: { $lte: T2 } }), ['a', 'd']);
  });

  test('a date range takes two bounds on one key', () => {
    assert.deepEqual(ids({ submitted: { $gte: T1, $lt: T3 } }), ['a', 'd']);
    assert.deepEqual(ids({ submitted: { $gt: '2026-03-01T10:00:00Z', $lte: '2026-03-01T10:00:00.5Z' } }), ['a', 'd']);
  });

  test('$gt is greater than (not less than, as in DictDB)', () => {
    assert.deepEqual(ids({ completed: { $gt: T2 } }), ['d']);
  });

  test("$ge and $le are the ipyparallel documentation's names for the strict $gt and $lt", () => {
    assert.deepEqual(ids({ submitted: { $ge: T2 } }), ids({ submitted: { $gt: T2 } }));
    assert.deepEqual(ids({ submitted: { $le: T2 } }), ids({ submitted: { $lt: T2 } }));
    assert.deepEqual(ids({ submitted: { $ge: T2 } }), ['b']);
    assert.deepEqual(ids({ submitted: { $le: T2 } }), ['a']);
    const q = compileQuery({ submitted: { $ge: T2, $le: T4 } });
    const field = q.root.children[0]!;
    assert.equal(field.kind, 'field');
    if (field.kind === 'field') assert.deepEqual(field.conds.map((c) => c.op), ['gt', 'lt']);
  });

  test('offsets are honoured: 12:00+01:00 is 11:00 UTC', () => {
    assert.deepEqual(ids({ submitted: { $gte: '2026-03-01T12:00:00+01:00' } }), ['b']);
    assert.deepEqual(ids({ submitted: { $lt: '2026-03-01T06:00:00-05:00' } }), ['a', 'd']);
  });

  test('a pending task (None) never orders against a date, and raises nothing', () => {
    assert.deepEqual(ids({ completed: { $lt: T4.plus(1) } }), ['a', 'd']);
    assert.deepEqual(ids({ completed: { $gte: T1 } }), ['a', 'd']);
  });

  test('text orders by code point', () => {
    assert.deepEqual(ids({ client_uuid: { $gt: 'c1' } }), ['b']);
    assert.deepEqual(ids({ client_uuid: { $gte: 'c1' } }), ['a', 'b', 'd']);
    assert.deepEqual(ids({ label: { $gt: 'z' } }), ['d']);
    assert.deepEqual(ids({ stdout: { $lt: 'step' } }), []);
    assert.deepEqual(ids({ stdout: { $gt: 'step' } }), ['a', 'b', 'd']);
  });

  test('numbers inside dicts order as numbers, lists by any item', () => {
    assert.deepEqual(ids({ 'metadata.retries': { $gte: 1 } }), ['a', 'd']);
    assert.deepEqual(ids({ 'metadata.retries': { $lt: 1 } }), ['b']);
    assert.deepEqual(ids({ 'metadata.targets': { $gt: 1 } }), ['b']);
    assert.deepEqual(ids({ 'result_content.execution_count': { $gt: 3, $lte: 4 } }), ['d']);
  });

  test('ordering across kinds never matches', () => {
    assert.deepEqual(ids({ 'metadata.retries': { $gt: '0' } }), []);
    assert.deepEqual(ids({ queue: { $gt: 0 } }), []);
    assert.deepEqual(ids({ 'header.date': { $gt: 'a' } }), []);
  });

  test('$gte/$lte None match None or missing; $gt/$lt None match nothing', () => {
    assert.deepEqual(ids({ completed: { $gte: null } }), ['b', 'c']);
    assert.deepEqual(ids({ completed: { $lte: null } }), ['b', 'c']);
    assert.deepEqual(ids({ completed: { $gt: null } }), []);
    assert.deepEqual(ids({ completed: { $lt: null } }), []);
  });
});

describe('$in $nin $all', () => {
  test('$in matches one of a list, which may hold None', () => {
    assert.deepEqual(ids({ queue: { $in: ['mux', 'other'] } }), ['b']);
    assert.deepEqual(ids({ engine_uuid: { $in: ['e2', null] } }), ['b', 'c', 'd']);
    assert.deepEqual(ids({ completed: { $in: [T2, T4] } }), ['a', 'd']);
    assert.deepEqual(ids({ completed: { $in: ['2026-03-01T10:00:00.5Z'] } }), ['a']);
    assert.deepEqual(ids({ 'metadata.targets': { $in: [2, 5] } }), ['b']);
    assert.deepEqual(ids({ queue: { $in: [] } }), []);
  });

  test('$nin matches none of a list, and keeps None rows unless the list holds None', () => {
    assert.deepEqual(ids({ client_uuid: { $nin: ['c1'] } }), ['b', 'c']);
    assert.deepEqual(ids({ client_uuid: { $nin: ['c1', null] } }), ['b']);
    assert.deepEqual(ids({ queue: { $nin: [] } }), ['a', 'b', 'c', 'd']);
    assert.deepEqual(ids({ completed: { $nin: [T2] } }), ['b', 'c', 'd']);
  });

  test('$in and $nin compare whole dicts too', () => {
    assert.deepEqual(ids({ result_content: { $in: [{ status: 'ok', execution_count: 3 }, null] } }), ['a', 'b', 'c']);
    assert.deepEqual(ids({ result_content: { $nin: [{ status: 'ok', execution_count: 3 }, null] } }), ['d']);
    assert.deepEqual(ids({ result_content: { $ne: { status: 'error', execution_count: 4 } } }), ['a', 'b', 'c']);
    assert.deepEqual(ids({ 'metadata.after': { $in: [[], ['a']] } }), ['a', 'b', 'd']);
  });

  test('$all: a list value holds every item', () => {
    assert.deepEqual(ids({ 'metadata.targets': { $all: [0, 1] } }), ['a']);
    assert.deepEqual(ids({ 'metadata.targets': { $all: [1] } }), ['a']);
    assert.deepEqual(ids({ 'metadata.targets': { $all: [0, 2] } }), []);
    assert.deepEqual(ids({ queue: { $all: ['task'] } }), ['a', 'c', 'd']);
    assert.deepEqual(ids({ queue: { $all: [] } }), []);
  });
});

describe('$mod $exists', () => {
  test('$mod [divisor, remainder] on numbers; text and None never match', () => {
    assert.deepEqual(ids({ 'metadata.retries': { $mod: [2, 0] } }), ['a', 'b']);
    assert.deepEqual(ids({ 'metadata.retries': { $mod: [2, 1] } }), ['d']);
    assert.deepEqual(ids({ 'result_content.execution_count': { $mod: [3, 0] } }), ['a']);
    assert.deepEqual(ids({ 'metadata.targets': { $mod: [2, 0] } }), ['a', 'b']);
    assert.deepEqual(ids({ queue: { $mod: [2, 0] } }), []);
  });

  test('$mod truncates like MongoDB: a negative dividend keeps its sign', () => {
    const recs = [{ msg_id: 'n', metadata: { retries: -5 } }, { msg_id: 'f', metadata: { retries: 7.9 } }];
    assert.deepEqual(ids({ 'metadata.retries': { $mod: [3, -2] } }, recs), ['n']);
    assert.deepEqual(ids({ 'metadata.retries': { $mod: [3, 1] } }, recs), ['f']);
    assert.deepEqual(ids({ 'metadata.retries': { $mod: [3.9, 1.5] } }, recs), ['f'], 'divisor and remainder truncate too');
  });

  test('$exists True: the key is set and not None; False: None or missing', () => {
    assert.deepEqual(ids({ completed: { $exists: true } }), ['a', 'd']);
    assert.deepEqual(ids({ completed: { $exists: false } }), ['b', 'c']);
    assert.deepEqual(ids({ label: { $exists: true } }), ['a', 'd']);
    assert.deepEqual(ids({ 'metadata.label': { $exists: true } }), ['a']);
    assert.deepEqual(ids({ 'error.traceback': { $exists: true } }), ['b', 'd']);
    assert.deepEqual(ids({ stderr: { $exists: 1 } }), ['a', 'b', 'd']);
  });
});

describe('$regex $glob $not', () => {
  test('$regex searches text (not a full match), case-sensitive', () => {
    assert.deepEqual(ids({ stdout: { $regex: 'loaded' } }), ['a']);
    assert.deepEqual(ids({ stdout: { $regex: '^step \\d+:' } }), ['a']);
    assert.deepEqual(ids({ stdout: { $regex: 'TEMP' } }), []);
    assert.deepEqual(ids({ stdout: { $regex: 'TEMP', $options: 'i' } }), ['b']);
    assert.deepEqual(ids({ stdout: { $regex: '(?i)TEMP' } }), ['b']);
  });

  test('$regex on non-ASCII text and through dotted paths', () => {
    assert.deepEqual(ids({ stdout: { $regex: '完了 ✓$', $options: 'm' } }), ['d']);
    assert.deepEqual(ids({ stdout: { $regex: '°C' } }), ['b']);
    assert.deepEqual(ids({ 'error.ename': { $regex: 'Error$' } }), ['b', 'd']);
    assert.deepEqual(ids({ 'error.traceback': { $regex: 'ZeroDivision' } }), ['b']);
  });

  test('$regex takes Python syntax: named groups and \\A \\Z', () => {
    assert.deepEqual(ids({ 'error.ename': { $regex: '(?P<kind>Key)(?P=kind)?Error' } }), ['d']);
    assert.deepEqual(ids({ queue: { $regex: '\\Amux\\Z' } }), ['b']);
  });

  test('$regex never matches None, missing, dicts or dates', () => {
    assert.deepEqual(ids({ completed: { $exists: false }, label: { $regex: '' } }), []);
    assert.deepEqual(ids({ error: { $regex: 'Error' } }), []);
  });

  test('$glob is a shell-style whole-text pattern, case-sensitive', () => {
    assert.deepEqual(ids({ label: { $glob: 'f*' } }), ['a']);
    assert.deepEqual(ids({ label: { $glob: '?tape-[0-9]' } }), ['d']);
    assert.deepEqual(ids({ label: { $glob: '[!f]*' } }), ['d']);
    assert.deepEqual(ids({ label: { $glob: 'F*' } }), []);
    assert.deepEqual(ids({ label: { $glob: 'fi' } }), []);
    assert.deepEqual(ids({ 'header.msg_type': { $glob: '*_request' } }), ['a', 'b', 'd']);
    assert.deepEqual(ids({ stdout: { $glob: 'step*rows\n' } }), ['a']);
    assert.deepEqual(ids({ label: { $glob: 'f.t' } }), []);
  });

  test('$not negates the inner operators, and keeps None rows', () => {
    assert.deepEqual(ids({ queue: { $not: { $in: ['task'] } } }), ['b']);
    assert.deepEqual(ids({ submitted: { $not: { $gte: T1, $lt: T3 } } }), ['b', 'c']);
    assert.deepEqual(ids({ label: { $not: { $glob: 'f*' } } }), ['b', 'c', 'd']);
    assert.deepEqual(ids({ stdout: { $not: 'loaded' } }), ['b', 'c', 'd']);
    assert.deepEqual(ids({ stdout: { $not: { $regex: 'LOADED', $options: 'i' } } }), ['b', 'c', 'd']);
  });
});

describe('$and $or $nor', () => {
  test('$or: at least one query matches', () => {
    assert.deepEqual(ids({ $or: [{ queue: 'mux' }, { completed: T4 }] }), ['b', 'd']);
  });

  test('$and: every query matches, even two tests of one key', () => {
    assert.deepEqual(ids({ $and: [{ submitted: { $gte: T1 } }, { submitted: { $lt: T2 } }] }), ['a']);
  });

  test('$nor: no query matches', () => {
    assert.deepEqual(ids({ $nor: [{ queue: 'mux' }, { completed: null }] }), ['a', 'd']);
  });

  test('logical operators nest and mix with keys', () => {
    const q = { queue: 'task', $or: [{ $and: [{ client_uuid: 'c1' }, { 'metadata.retries': { $gt: 1 } }] }, { submitted: null }] };
    assert.deepEqual(ids(q), ['a', 'c']);
  });

  test('an empty query matches every record', () => {
    assert.deepEqual(ids({}), ['a', 'b', 'c', 'd']);
    assert.deepEqual(ids(null), ['a', 'b', 'c', 'd']);
  });
});

test('the operator table lists every operator DESIGN.md names', () => {
  const expected = ['$in', '$nin', '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$ge', '$le', '$glob', '$all', '$mod', '$exists', '$regex', '$not', '$and', '$or', '$nor'];
  assert.deepEqual([...OPERATOR_NAMES].sort(), [...expected].sort());
  assert.equal(FIELD_OPERATORS.length + LOGICAL_OPERATORS.length, expected.length);
  for (const op of FIELD_OPERATORS) assert.ok(op.doc.length > 0, `${op.name} has a doc line`);
});

test('the fixture covers every record shape the tests rely on', () => {
  assert.equal(RECORDS.length, 4);
  assert.ok(!('completed' in RECORDS[2]!));
  assert.ok(T1.us < T2.us && T2.us < T3.us && T3.us < T4.us);
});
