import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IpcError } from '../../src/errors.js';
import { compileQuery, normalizeKeys, planDerived } from '../../src/query/index.js';
import { demoShell } from '../shell/helpers.js';

test("an unknown key suggests the nearest, derived keys included: did you mean 'function'?", () => {
  assert.throws(() => compileQuery({ fuction: 'add' }), (e: IpcError) => e.kind === 'QueryError' && /unknown key 'fuction' \(did you mean 'function'\?\)/.test(e.message));
  assert.throws(() => normalizeKeys(['run_tme']), (e: IpcError) => /unknown key 'run_tme' in keys \(did you mean 'run_time'\?\)/.test(e.message));
  assert.throws(() => compileQuery({ 'status.x': 1 }), (e: IpcError) => /'status' is a single value/.test(e.message));
});

test('a query and keys naming no derived key need no plan: nothing is decoded', () => {
  assert.equal(planDerived({ completed: null }, ['msg_id', 'started']), null);
  const plan = planDerived({ function: 'fit', queue: 'task' }, ['args', 'run_time'])!;
  assert.deepEqual(plan.keys, ['msg_id', 'args', 'run_time']);
  assert.deepEqual(plan.stored.root.children.map((c) => c.kind === 'field' && c.key), ['queue']);
  for (const k of ['buffers', 'started', 'completed']) assert.ok(plan.fetch.includes(k), k);
  assert.ok(!plan.fetch.includes('result_buffers'));
});

test('Tab completes derived keys beside the TaskRecord keys', async () => {
  const { shell } = await demoShell();
  assert.deepEqual((await shell.complete("db_query({'fun", 14)).candidates, ['function']);
  assert.deepEqual((await shell.complete("db_query({}, keys=['run_", 23)).candidates, ['run_time']);
});

test("keys='*' (or ['*']) is every stored key, the buffers too, msg_id first; '*' among other keys is one sentence", () => {
  const every = normalizeKeys('*');
  assert.equal(every.length, 23);
  assert.equal(every[0], 'msg_id');
  assert.ok(every.includes('buffers') && every.includes('result_buffers') && every.includes('label'));
  assert.deepEqual(normalizeKeys(['*']), every);
  assert.throws(() => normalizeKeys(['stdout', '*']), (e: IpcError) => e.kind === 'QueryError' && e.message === "keys='*' asks for every key and stands alone: drop the other keys, or the '*'");
});
