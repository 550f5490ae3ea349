/**
 * Which tasks %abort asks to stop and which %retry resubmits, and the
 * retry chain of %show, read from records as a 7.x hub keeps them (the
 * live exchange is held to Python's Client in test/hub/abort-retry.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreClient, planAbort, planRetry, retryChain, type Client } from '../../src/client/index.js';
import type { EngineActivity } from '../../src/client/live.js';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';
import { DictDB } from '../../src/stores/index.js';

const ENGINE_0 = '0e3f1a2b-4c5d6e7f8a9b0c1d2e3f4a5b';
const ENGINE_1 = '1e3f1a2b-4c5d6e7f8a9b0c1d2e3f4a5b';
const at = (s: number) => new Timestamp(Date.UTC(2026, 0, 1, 12, 0, s) * 1000);

function task(n: number, fields: Partial<TaskRecord>): TaskRecord {
  return {
    msg_id: `c0ffee00-11223344556677889900aabb_100_${n}`, submitted: at(n), completed: null, engine_uuid: null, resubmitted: null,
    result_content: null, error: null, header: { msg_type: 'apply_request' }, ...fields,
  };
}

async function clientOf(records: TaskRecord[]): Promise<StoreClient> {
  const db = new DictDB();
  for (const r of records) await db.addRecord(r['msg_id'] as string, r);
  return StoreClient.open(db, { engines: new Map([[0, ENGINE_0], [1, ENGINE_1]]) });
}

const done = (status: string) => ({ completed: at(50), result_content: { status } });
const ids = (list: readonly { msgId: string }[]) => list.map((t) => t.msgId.replace(/^.*_/, ''));

test("of the pending tasks an engine holds, the first submitted is the one it runs; the rest and the unassigned ones are to abort", async () => {
  const rc = await clientOf([
    task(1, { engine_uuid: ENGINE_0 }),
    task(2, { engine_uuid: ENGINE_0 }),
    task(3, { engine_uuid: ENGINE_1 }),
    task(4, {}),
    task(5, { engine_uuid: ENGINE_1, ...done('ok') }),
  ]);
  const plan = await planAbort(rc, { query: {} });
  assert.deepEqual(ids(plan.running), ['1', '3']);
  assert.deepEqual(plan.running.map((t) => t.engine), [0, 1]);
  assert.deepEqual(ids(plan.queued), ['2', '4']);
  assert.deepEqual(ids(plan.done), [], 'a query selects pending tasks only');
  // a selection without the task an engine runs: the ones it holds wait behind that task
  const behind = await planAbort(rc, { msgIds: [task(2, {})['msg_id'] as string] });
  assert.deepEqual(ids(behind.queued), ['2'], 'task 1 runs on engine 0, so task 2 waits');
  // named tasks that are done are reported as such
  const named = await planAbort(rc, { msgIds: [task(5, {})['msg_id'] as string, task(4, {})['msg_id'] as string] });
  assert.deepEqual(ids(named.done), ['5']);
  assert.deepEqual(named.done[0]!.status, 'ok');
  assert.deepEqual(ids(named.queued), ['4']);
});

test('where IOPub said what an engine is busy with, that task is the running one, and an idle engine runs none; elsewhere the first submitted', async () => {
  const rc = await clientOf([
    task(1, { engine_uuid: ENGINE_0 }),
    task(2, { engine_uuid: ENGINE_0 }),
    task(3, { engine_uuid: ENGINE_1 }),
    task(4, { engine_uuid: ENGINE_1 }),
  ]);
  const watched = (activity: Map<number, EngineActivity>) => {
    const client = Object.create(rc) as Client;
    Object.defineProperty(client, 'live', { value: { engineActivity: async () => activity } });
    return client;
  };
  // engine 0 took task 2 first (a resubmission, a dependency met late); engine 1 not heard from
  let plan = await planAbort(watched(new Map([[0, { busy: true, task: task(2, {})['msg_id'] as string, since: at(3) }]])), { query: {} });
  assert.deepEqual(ids(plan.running), ['2', '3']);
  assert.deepEqual(ids(plan.queued), ['1', '4']);
  // engine 1 said idle: its tasks wait (about to start), and an abort still stops them
  plan = await planAbort(watched(new Map([[0, { busy: true, task: task(2, {})['msg_id'] as string, since: at(3) }], [1, { busy: false, task: null, since: at(3) }]])), { query: {} });
  assert.deepEqual(ids(plan.running), ['2']);
  assert.deepEqual(ids(plan.queued), ['1', '3', '4']);
});

test('%retry takes failed and aborted tasks not yet resubmitted, counted by function and ename', async () => {
  const failed = { ...done('error'), error: { ename: 'ValueError', evalue: 'bad', traceback: [] } };
  const rc = await clientOf([
    task(1, failed),
    task(2, failed),
    task(3, done('aborted')),
    task(4, { ...failed, resubmitted: 'c0ffee00-11223344556677889900aabb_100_9' }),
    task(5, done('ok')),
    task(6, {}),
  ]);
  const plan = await planRetry(rc, { query: {} });
  assert.deepEqual(ids(plan.tasks), ['1', '2', '3']);
  assert.deepEqual(plan.groups, [{ function: null, ename: 'ValueError', count: 2 }, { function: null, ename: null, count: 1 }]);
  assert.deepEqual(ids((await planRetry(rc, { msgIds: [task(4, {})['msg_id'] as string] })).tasks), [], 'already resubmitted');
});

test('the retry chain follows resubmitted both ways and stops at a loop', async () => {
  const id = (n: number) => task(n, {})['msg_id'] as string;
  const rc = await clientOf([
    task(1, { ...done('error'), resubmitted: id(2) }),
    task(2, { ...done('error'), resubmitted: id(3) }),
    task(3, done('ok')),
    task(7, { ...done('error'), resubmitted: id(8) }),
    task(8, { ...done('error'), resubmitted: id(7) }),
  ]);
  assert.deepEqual(await retryChain(rc, id(2), id(3)), { before: [id(1)], after: [id(3)] });
  assert.deepEqual(await retryChain(rc, id(1), id(2)), { before: [], after: [id(2), id(3)] });
  assert.deepEqual(await retryChain(rc, id(3), null), { before: [id(1), id(2)], after: [] });
  assert.deepEqual(await retryChain(rc, id(7), id(8)), { before: [], after: [id(8)] });
});
