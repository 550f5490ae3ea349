import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IpcError, NODB_MESSAGE } from '../../src/errors.js';
import { DEFAULT_KEYS, Timestamp, type TaskRecord } from '../../src/records/index.js';
import { generateDemoRecords, DictDB, NoDB, collect, openDemoStore } from '../../src/stores/index.js';

const BASE = Timestamp.parse('2026-03-01T10:00:00Z')!;
const at = (seconds: number) => BASE.plus(seconds * 1e6);

function rec(id: string, seconds: number | null, extra: TaskRecord = {}): TaskRecord {
  return { msg_id: id, submitted: seconds === null ? null : at(seconds), completed: null, queue: 'task', ...extra };
}

function bytes(n: number): Uint8Array {
  return new Uint8Array(n).fill(7);
}

/** Asserts that `fn` raises an IpcError of `kind` whose sentence matches `pattern`. */
async function rejects(fn: () => unknown, kind: string, pattern: RegExp): Promise<void> {
  await assert.rejects(async () => fn(), (e: unknown) => {
    assert.ok(e instanceof IpcError, `expected an IpcError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('DictDB records', () => {
  test('addRecord, getRecord, updateRecord, dropRecord', async () => {
    const db = new DictDB();
    await db.addRecord('a', rec('a', 1));
    assert.deepEqual(await db.getRecord('a'), rec('a', 1));
    await db.updateRecord('a', { completed: at(5), stdout: 'done\n' });
    const got = await db.getRecord('a');
    assert.equal((got['completed'] as Timestamp).us, at(5).us);
    assert.equal(got['stdout'], 'done\n');
    await db.dropRecord('a');
    assert.equal(db.size, 0);
    await rejects(() => db.getRecord('a'), 'KeyError', /no record with msg_id 'a'/);
  });

  test('adding a msg_id twice is a KeyError', async () => {
    const db = new DictDB();
    await db.addRecord('a', rec('a', 1));
    await rejects(() => db.addRecord('a', rec('a', 2)), 'KeyError', /already have a record with msg_id 'a'/);
  });

  test('updating or dropping an unknown msg_id is a KeyError', async () => {
    const db = new DictDB();
    await rejects(() => db.updateRecord('nope', { stdout: '' }), 'KeyError', /no record with msg_id 'nope'/);
    await rejects(() => db.dropRecord('nope'), 'KeyError', /no record with msg_id 'nope'/);
  });

  test('a datetime key holding text is refused, as ipyparallel refuses it', async () => {
    const db = new DictDB();
    await assert.rejects(async () => db.addRecord('a', { msg_id: 'a', submitted: '2026-03-01' }), /submitted must be None or a datetime/);
    await db.addRecord('b', rec('b', 1));
    await assert.rejects(async () => db.updateRecord('b', { completed: 5 }), /completed must be None or a datetime/);
  });

  test('the store keeps its own copies: changing what went in or came out changes nothing', async () => {
    const db = new DictDB();
    const r = rec('a', 1, { header: { msg_type: 'apply_request' }, buffers: [bytes(3)] });
    await db.addRecord('a', r);
    (r['header'] as Record<string, unknown>)['msg_type'] = 'changed';
    const out = await db.getRecord('a');
    assert.equal((out['header'] as Record<string, unknown>)['msg_type'], 'apply_request');
    (out['header'] as Record<string, unknown>)['msg_type'] = 'changed again';
    (out['buffers'] as Uint8Array[])[0]![0] = 99;
    const [found] = db.findRecordsSync({}, ['header', 'buffers']);
    assert.equal((found!['header'] as Record<string, unknown>)['msg_type'], 'apply_request');
    assert.equal((found!['buffers'] as Uint8Array[])[0]![0], 7);
    (found!['buffers'] as Uint8Array[])[0]![0] = 99;
    found!['header'] = null;
    const [again] = db.findRecordsSync({}, ['header', 'buffers']);
    assert.equal((again!['buffers'] as Uint8Array[])[0]![0], 7);
    assert.equal((again!['header'] as Record<string, unknown>)['msg_type'], 'apply_request');
  });

  test('the dicts and lists inside an answer are read-only: they are the store\'s own, not copies', async () => {
    const db = new DictDB();
    await db.addRecord('a', rec('a', 1, { header: { msg_type: 'apply_request' }, metadata: { after: ['x'] }, buffers: [bytes(2)] }));
    const [found] = await collect(db.findRecords({}));
    assert.ok(Object.isFrozen(found!['header']) && Object.isFrozen(found!['metadata']));
    assert.throws(() => {
      (found!['header'] as Record<string, unknown>)['msg_type'] = 'x';
    }, TypeError);
    assert.throws(() => ((found!['metadata'] as Record<string, string[]>)['after']!).push('y'), TypeError);
    assert.ok(!Object.isFrozen(found), 'the answer dict itself is the caller\'s');
    const got = await db.getRecord('a');
    assert.ok(!Object.isFrozen(got['header']), 'getRecord gives a copy to change at will');
    (got['header'] as Record<string, unknown>)['msg_type'] = 'changed';
    assert.equal(((await db.getRecord('a'))['header'] as Record<string, unknown>)['msg_type'], 'apply_request');
  });

  test('bytes inside a dict are copied out, since bytes cannot be frozen', async () => {
    const db = new DictDB();
    await db.addRecord('a', rec('a', 1, { content: { blob: bytes(3), nested: { deeper: [bytes(1)] } } }));
    const [found] = db.findRecordsSync({}, 'content');
    const content = found!['content'] as { blob: Uint8Array; nested: { deeper: Uint8Array[] } };
    content.blob[0] = 1;
    content.nested.deeper[0]![0] = 1;
    const [again] = db.findRecordsSync({}, 'content');
    assert.deepEqual(again!['content'], { blob: bytes(3), nested: { deeper: [bytes(1)] } });
  });

  test('findRecords streams the answer in submitted order, then msg_id, cut to keys', async () => {
    const db = new DictDB();
    for (const r of [rec('d', 3), rec('b', 1), rec('c', null), rec('a', 3), rec('e', 2, { queue: 'mux' })]) await db.addRecord(r['msg_id'] as string, r);
    const all = await collect(db.findRecords({}, ['submitted']));
    assert.deepEqual(all.map((r) => r['msg_id']), ['c', 'b', 'e', 'a', 'd']);
    assert.deepEqual(Object.keys(all[0]!), ['msg_id', 'submitted']);
    const tasks = await collect(db.findRecords({ queue: 'task', submitted: { $ne: null } }, 'queue'));
    assert.deepEqual(tasks, [
      { msg_id: 'b', queue: 'task' },
      { msg_id: 'a', queue: 'task' },
      { msg_id: 'd', queue: 'task' },
    ]);
    const full = await collect(db.findRecords({ msg_id: 'e' }));
    assert.deepEqual(Object.keys(full[0]!), DEFAULT_KEYS);
  });

  test('a bad query rejects when the answer is read, with the QueryError', async () => {
    const db = new DictDB();
    const answer = db.findRecords({ complted: null });
    await rejects(() => collect(answer), 'QueryError', /did you mean 'completed'/);
  });

  test('reading part of an answer and stopping is fine; the answer is taken when reading starts', async () => {
    const db = new DictDB();
    for (const r of [rec('a', 1), rec('b', 2), rec('c', 3)]) await db.addRecord(r['msg_id'] as string, r);
    const seen: string[] = [];
    for await (const r of db.findRecords({}, 'msg_id')) {
      seen.push(r['msg_id'] as string);
      if (seen.length === 1) await db.dropRecord('c');
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, ['a', 'b']);
    assert.equal(db.size, 2);
  });

  test('changing submitted moves a record in the answer order', async () => {
    const db = new DictDB();
    for (const r of [rec('a', 1), rec('b', 2), rec('c', 3)]) await db.addRecord(r['msg_id'] as string, r);
    await db.updateRecord('a', { submitted: at(10) });
    assert.deepEqual(db.findRecordsSync({}, 'msg_id').map((r) => r['msg_id']), ['b', 'c', 'a']);
    assert.deepEqual(await db.getHistory(), ['b', 'c', 'a']);
  });

  test('dropMatchingRecords drops what a query matches and says how many', async () => {
    const db = new DictDB();
    for (let i = 0; i < 20; i++) await db.addRecord(`m${i}`, rec(`m${String(i).padStart(2, '0')}`, i, { queue: i % 3 ? 'task' : 'mux' }));
    assert.equal(await db.dropMatchingRecords({ queue: 'mux' }), 7);
    assert.equal(db.size, 13);
    assert.equal(db.findRecordsSync({ queue: 'mux' }).length, 0);
    assert.equal(await db.dropMatchingRecords({ queue: 'nothing' }), 0);
    const left = db.findRecordsSync({}, 'submitted').map((r) => (r['submitted'] as Timestamp).us);
    assert.deepEqual(left, [...left].sort((a, b) => a - b));
    await rejects(() => db.dropMatchingRecords({ queu: 'x' }), 'QueryError', /did you mean 'queue'/);
  });

  test('getHistory: every submitted msg_id, oldest first; summary', async () => {
    const db = new DictDB();
    for (const r of [rec('b', 2, { client_uuid: 'c1' }), rec('a', 1, { client_uuid: 'c2' }), rec('x', null)]) await db.addRecord(r['msg_id'] as string, r);
    assert.deepEqual(await db.getHistory(), ['a', 'b']);
    const s = await db.summary();
    assert.equal(s.count, 3);
    assert.equal(s.firstSubmitted!.us, at(1).us);
    assert.equal(s.lastSubmitted!.us, at(2).us);
    assert.equal(s.latestClient, 'c1');
    assert.deepEqual(db.info, { kind: 'DictDB', location: 'memory', writable: true, live: false });
  });
});

describe('DictDB culling', () => {
  test('by count: past record_limit the oldest record_limit × cull_fraction go', async () => {
    const db = new DictDB({ recordLimit: 10, cullFraction: 0.2 });
    for (let i = 0; i < 10; i++) await db.addRecord(`r${i}`, rec(`r${i}`, 100 - i));
    assert.equal(db.size, 10);
    await db.addRecord('new', rec('new', 1000));
    assert.equal(db.size, 9);
    // r9 and r8 were submitted first
    assert.equal(db.culledReason('r9'), 'count');
    assert.equal(db.culledReason('r8'), 'count');
    assert.equal(db.culledReason('r7'), undefined);
    await rejects(() => db.getRecord('r9'), 'KeyError',
      /record 'r9' was culled: the DictDB holds at most 10 records \(DictDB.record_limit\) and drops the oldest first/);
    await rejects(() => db.updateRecord('r8', { stdout: '' }), 'KeyError', /record 'r8' was culled: .*DictDB.record_limit/);
    assert.ok((await db.getRecord('r7'))['msg_id'] === 'r7');
  });

  test('ipyparallel defaults: 1024 records, 1 GiB of buffers, cull 10%', async () => {
    const db = new DictDB();
    assert.deepEqual(db.limits, { recordLimit: 1024, sizeLimit: 1024 ** 3, cullFraction: 0.1 });
    for (let i = 0; i <= 1024; i++) db.addRecordSync(`r${i}`, rec(`r${i}`, i));
    assert.equal(db.size, 1025 - 102);
    assert.equal(db.culledReason('r101'), 'count');
    assert.equal(db.culledReason('r102'), undefined);
  });

  test('by size: past size_limit the oldest go until the buffers fit in size_limit × (1 − cull_fraction)', async () => {
    const db = new DictDB({ sizeLimit: 100, cullFraction: 0.1 });
    await db.addRecord('a', rec('a', 1, { buffers: [bytes(20), bytes(10)] }));
    await db.addRecord('b', rec('b', 2, { result_buffers: [bytes(30)] }));
    await db.addRecord('c', rec('c', 3, { buffers: [bytes(30)] }));
    assert.equal(db.bytes, 90);
    await db.addRecord('d', rec('d', 4, { buffers: [bytes(15)] }));
    // 105 > 100: a (30) goes, 75 ≤ 90
    assert.equal(db.bytes, 75);
    assert.deepEqual(await db.getHistory(), ['b', 'c', 'd']);
    await rejects(() => db.getRecord('a'), 'KeyError',
      /record 'a' was culled: the DictDB holds at most 100 bytes of buffers \(DictDB.size_limit\) and drops the oldest first/);
  });

  test('an update that grows the buffers culls too', async () => {
    const db = new DictDB({ sizeLimit: 100, cullFraction: 0.5 });
    await db.addRecord('a', rec('a', 1, { buffers: [bytes(40)] }));
    await db.addRecord('b', rec('b', 2, { buffers: [bytes(40)] }));
    await db.updateRecord('b', { result_buffers: [bytes(30)] });
    // 110 > 100: a goes, and 70 is still above 50, so the updated record goes too
    assert.equal(db.culledReason('a'), 'size');
    assert.equal(db.culledReason('b'), 'size');
    assert.equal(db.size, 0);
    assert.equal(db.bytes, 0);
  });

  test('records never submitted are never culled', async () => {
    const db = new DictDB({ recordLimit: 3, cullFraction: 0.5 });
    await db.addRecord('x', rec('x', null));
    await db.addRecord('y', rec('y', null));
    await db.addRecord('a', rec('a', 5));
    await db.addRecord('b', rec('b', 6));
    assert.equal(db.culledReason('a'), 'count');
    assert.deepEqual(db.findRecordsSync({}, 'msg_id').map((r) => r['msg_id']), ['x', 'y', 'b']);
  });

  test('records submitted at the same instant are culled in the order they arrived, as ipyparallel does', async () => {
    const db = new DictDB({ recordLimit: 4, cullFraction: 0.5 });
    for (const id of ['z', 'y', 'x', 'w']) await db.addRecord(id, rec(id, 1));
    await db.addRecord('v', rec('v', 1));
    assert.equal(db.culledReason('z'), 'count');
    assert.equal(db.culledReason('y'), 'count');
    assert.deepEqual(db.findRecordsSync({}, 'msg_id').map((r) => r['msg_id']), ['v', 'w', 'x']);
    assert.deepEqual(await db.getHistory(), ['x', 'w', 'v'], 'history too keeps ties in order of arrival');
  });

  test('a culled msg_id added again is an ordinary record again', async () => {
    const db = new DictDB({ recordLimit: 2, cullFraction: 0.5 });
    for (const [id, s] of [['a', 1], ['b', 2], ['c', 3]] as const) await db.addRecord(id, rec(id, s));
    assert.equal(db.culledReason('a'), 'count');
    await db.addRecord('a', rec('a', 10));
    assert.equal(db.culledReason('a'), undefined);
    assert.equal((await db.getRecord('a'))['msg_id'], 'a');
  });

  test('a cull_fraction outside (0, 1] is refused', () => {
    assert.throws(() => new DictDB({ cullFraction: 0 }), /cull_fraction must be above 0 and at most 1/);
    assert.throws(() => new DictDB({ cullFraction: 1.5 }), /cull_fraction/);
  });
});

describe('NoDB', () => {
  test('every read raises the KeyError of ipyparallel, word for word', async () => {
    assert.equal(NODB_MESSAGE, "NoDB backend doesn't store any data. Start the Controller with a DB backend to enable resubmission / result persistence.");
    const db = new NoDB();
    await rejects(() => db.getRecord('a'), 'KeyError', /^NoDB backend doesn't store any data\. Start the Controller with a DB backend to enable resubmission \/ result persistence\.$/);
    await rejects(() => collect(db.findRecords({})), 'KeyError', /^NoDB backend doesn't store any data/);
    await rejects(() => db.getHistory(), 'KeyError', /^NoDB backend doesn't store any data/);
  });

  test('writes are accepted and keep nothing', async () => {
    const db = new NoDB();
    await db.addRecord('a', rec('a', 1));
    await db.updateRecord('a', { stdout: 'x' });
    await db.dropRecord('a');
    assert.equal(await db.dropMatchingRecords({}), 0);
    assert.equal((await db.summary()).count, 0);
    await rejects(() => db.getRecord('a'), 'KeyError', /NoDB/);
    assert.equal(db.info.kind, 'NoDB');
  });
});

describe('demo records', () => {
  test('the generator is deterministic and realistic', () => {
    const a = generateDemoRecords({ count: 200, seed: 3 });
    const b = generateDemoRecords({ count: 200, seed: 3 });
    assert.equal(a.length, 201, 'one resubmission adds a record');
    assert.deepEqual(a, b);
    assert.notDeepEqual(generateDemoRecords({ count: 200, seed: 4 })[0], a[0]);
    const db = new DictDB({ recordLimit: 1000 });
    for (const r of a) db.addRecordSync(r['msg_id'] as string, r);
    assert.ok(db.findRecordsSync({ completed: null }).length > 0, 'pending tasks');
    assert.ok(db.findRecordsSync({ 'error.ename': { $ne: null } }).length > 0, 'failed tasks');
    assert.ok(db.findRecordsSync({ resubmitted: { $ne: null } }).length === 1, 'a resubmission');
    assert.ok(db.findRecordsSync({ queue: 'mux' }).length > 0 && db.findRecordsSync({ queue: 'task' }).length > 0);
    assert.ok(db.findRecordsSync({ 'header.msg_type': 'execute_request' }).length > 0);
    assert.ok(a.every((r) => !('label' in r)), 'records of the 7.x form: no label');
    assert.ok(db.findRecordsSync({ stdout: { $regex: '[^\\x00-\\x7f]' } }).length > 0, 'non-ASCII output');
    assert.ok(db.findRecordsSync({ 'error.traceback': { $regex: '\\u001b\\[' } }).length > 0, 'ANSI tracebacks');
    assert.ok(db.bytes > 0, 'buffers');
  });

  test('the demo store holds recent records', async () => {
    const db = openDemoStore({ count: 50 });
    const s = await db.summary();
    assert.equal(s.count, 51);
    assert.ok(Date.now() * 1000 - s.lastSubmitted!.us < 3600e6);
  });
});
