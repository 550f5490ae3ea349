import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileQuery } from '../../src/query/index.js';
import { nonUtcText, quoteIdentifier, toSql } from '../../src/stores/sqlite/sql-filter.js';

const columns = (key: string) => (key === 'label' ? null : quoteIdentifier(key));

test('SQL answers what it answers exactly; the rest is the residual', () => {
  const f = toSql(compileQuery({ queue: 'task', stdout: { $regex: 'x' }, completed: null }), columns);
  assert.equal(f.where, `"queue" = ? AND "completed" IS NULL`);
  assert.deepEqual(f.params, ['task']);
  assert.deepEqual(f.residual?.root.children.map((c) => c.kind === 'field' && c.key), ['stdout']);
});

test('an $or with one inexact branch is left whole to the residual', () => {
  const f = toSql(compileQuery({ $or: [{ queue: 'task' }, { 'header.msg_type': 'execute_request' }], engine_uuid: { $in: ['e', null] } }), columns);
  assert.equal(f.where, `("engine_uuid" IN (?) OR "engine_uuid" IS NULL)`);
  assert.deepEqual(f.params, ['e']);
  assert.equal(f.residual?.root.children.length, 1);
  assert.equal(f.residual?.root.children[0]!.kind, 'or');
});

test('dates become canonical UTC text, compared through the timestamp function', () => {
  const f = toSql(compileQuery({ submitted: { $gte: '2026-01-31T12:00:00+02:00' } }), columns);
  assert.equal(f.params.at(-1), '2026-01-31T10:00:00.000000+00:00');
  assert.match(f.where, /GLOB .* THEN "submitted" ELSE ipc_timestamp\("submitted"\) END\) >= \?\)$/);
  // first the plain text comparisons an index answers: to the second for UTC text, a week wide for any other form
  assert.deepEqual(f.params.slice(0, -1), ['2026-01-31T10:00:00', '2026-01-25']);
  assert.ok(f.where.includes(nonUtcText('"submitted"')), f.where);
  assert.equal(f.residual, null);
});

test('$ne, $nin and $not keep the rows where the key is None', () => {
  const f = toSql(compileQuery({ engine_uuid: { $ne: 'e' }, queue: { $nin: ['a'] }, stdout: { $not: { $in: ['x'] } } }), columns);
  assert.equal(f.where, [
    `(NOT coalesce("engine_uuid" = ?, 0))`,
    `(NOT coalesce("queue" IN (?), 0))`,
    `(NOT coalesce("stdout" IN (?), 0))`,
  ].join(' AND '));
  assert.equal(f.residual, null);
});

test('a key the table lacks is NULL; $in: [] is false', () => {
  assert.equal(toSql(compileQuery({ label: null }), columns).where, 'NULL IS NULL');
  assert.equal(toSql(compileQuery({ queue: { $in: [] } }), columns).where, '0');
});

test('identifiers are quoted, with quotes doubled', () => {
  assert.equal(quoteIdentifier('ipython-tasks"; DROP'), '"ipython-tasks""; DROP"');
});
