/**
 * The store contract: what every backend answers for the same records. Each
 * case states its expected answer as a plain predicate over the records, so
 * the suite checks a backend against the meaning of a query, not against
 * another backend. Run it with a factory that makes a writable store holding
 * the given records:
 *
 *   storeContract('SQLiteDB', async (records) => { ...; return store; });
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { isIpcError } from '../../src/errors.js';
import { compareRecords, project } from '../../src/query/index.js';
import { DEFAULT_KEYS, Timestamp, type TaskRecord, type Value } from '../../src/records/index.js';
import { generateDemoRecords, collect, type Store } from '../../src/stores/index.js';

export type StoreFactory = (records: readonly TaskRecord[]) => Promise<Store>;

export interface ContractOptions {
  /** How many demo records (default 160). */
  readonly count?: number;
  readonly seed?: number;
  /** The store keeps datetimes to the millisecond (MongoDB's BSON dates): the records are cut to it. */
  readonly millisecondDates?: boolean;
}

/** A value with every datetime cut to whole milliseconds. */
function toMillis<T extends Value>(v: T): T {
  if (v instanceof Timestamp) return new Timestamp(v.millis * 1000) as T;
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(toMillis) as T;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toMillis(x)])) as T;
}

interface Case {
  readonly name: string;
  readonly query: unknown;
  readonly keys?: readonly string[];
  readonly expect: (r: TaskRecord) => boolean;
}

const ts = (v: Value | undefined) => (v instanceof Timestamp ? v.us : null);
const isSet = (v: Value | undefined) => v !== null && v !== undefined;
const ename = (r: TaskRecord) => (r['error'] as Record<string, Value> | null)?.['ename'];

/** The cases, built from the records so that every case has a non-trivial answer. */
export function contractCases(records: readonly TaskRecord[]): Case[] {
  const sorted = [...records].sort(compareRecords);
  const mid = sorted[Math.floor(sorted.length / 2)]!['submitted'] as Timestamp;
  const early = sorted[Math.floor(sorted.length / 4)]!['submitted'] as Timestamp;
  const client = records[0]!['client_uuid'] as string;
  const engine = records.find((r) => isSet(r['engine_uuid']))!['engine_uuid'] as string;
  const someId = sorted[10]!['msg_id'] as string;
  // the same instant as `mid`, written with a +02:00 offset
  const midOffset = new Date(mid.millis + 2 * 3600_000).toISOString().slice(0, 19) + '.' + String(mid.us % 1_000_000).padStart(6, '0') + '+02:00';
  const header = (r: TaskRecord) => r['header'] as Record<string, Value>;
  const status = (r: TaskRecord) => (r['result_content'] as Record<string, Value> | null)?.['status'];
  return [
    { name: 'every record', query: {}, expect: () => true },
    { name: "{'completed': None}: the pending tasks", query: { completed: null }, expect: (r) => !isSet(r['completed']) },
    { name: "{'completed': {'$ne': None}}: the finished tasks", query: { completed: { $ne: null } }, expect: (r) => isSet(r['completed']) },
    { name: "{'queue': 'task'}", query: { queue: 'task' }, expect: (r) => r['queue'] === 'task' },
    { name: 'two plain equalities both hold', query: { client_uuid: client, queue: 'task' }, expect: (r) => r['client_uuid'] === client && r['queue'] === 'task' },
    { name: '$gt is after, not before', query: { submitted: { $gt: mid } }, expect: (r) => ts(r['submitted'])! > mid.us },
    { name: '$gte holds the bound itself', query: { submitted: { $gte: mid } }, expect: (r) => ts(r['submitted'])! >= mid.us },
    { name: '$lt', query: { submitted: { $lt: mid } }, expect: (r) => ts(r['submitted'])! < mid.us },
    { name: '$lte', query: { submitted: { $lte: mid } }, expect: (r) => ts(r['submitted'])! <= mid.us },
    { name: "$ge and $le are strict, as ipyparallel's documentation uses them", query: { submitted: { $ge: early, $le: mid } }, expect: (r) => ts(r['submitted'])! > early.us && ts(r['submitted'])! < mid.us },
    { name: 'a datetime bound with a +02:00 offset is the same instant', query: { submitted: { $gte: midOffset } }, expect: (r) => ts(r['submitted'])! >= mid.us },
    { name: 'an ISO string equals the instant', query: { submitted: mid.toISOString() }, expect: (r) => ts(r['submitted']) === mid.us },
    { name: 'a pending task never matches a date bound', query: { completed: { $lt: mid } }, expect: (r) => ts(r['completed']) !== null && ts(r['completed'])! < mid.us },
    { name: '$in may hold None', query: { engine_uuid: { $in: [engine, null] } }, expect: (r) => r['engine_uuid'] === engine || !isSet(r['engine_uuid']) },
    { name: '$nin may hold None', query: { engine_uuid: { $nin: [engine, null] } }, expect: (r) => isSet(r['engine_uuid']) && r['engine_uuid'] !== engine },
    { name: '$nin keeps records where the key is None', query: { engine_uuid: { $nin: [engine] } }, expect: (r) => r['engine_uuid'] !== engine },
    { name: '$ne keeps records where the key is None', query: { engine_uuid: { $ne: engine } }, expect: (r) => r['engine_uuid'] !== engine },
    { name: '$in: [] matches nothing', query: { engine_uuid: { $in: [] } }, expect: () => false },
    { name: '$exists: True is set and not None', query: { label: { $exists: true } }, expect: (r) => isSet(r['label']) },
    { name: '$exists: False', query: { label: { $exists: false } }, expect: (r) => !isSet(r['label']) },
    { name: "{'error': {'$ne': None}}: the failed tasks", query: { error: { $ne: null } }, expect: (r) => isSet(r['error']) },
    { name: 'a dotted path into a dict', query: { 'header.msg_type': 'execute_request' }, expect: (r) => header(r)['msg_type'] === 'execute_request' },
    { name: 'a dotted path into the reply', query: { 'result_content.status': 'error' }, expect: (r) => status(r) === 'error' },
    { name: '$in on a dotted path into the error', query: { 'error.ename': { $in: ['ValueError', 'ZeroDivisionError'] } }, expect: (r) => ['ValueError', 'ZeroDivisionError'].includes(ename(r) as string) },
    { name: '$regex', query: { stdout: { $regex: '^[a-z]' } }, expect: (r) => typeof r['stdout'] === 'string' && /^[a-z]/.test(r['stdout']) },
    { name: '$glob', query: { label: { $glob: '*-*' } }, expect: (r) => typeof r['label'] === 'string' && r['label'].includes('-') },
    { name: '$or', query: { $or: [{ queue: 'mux' }, { completed: null }] }, expect: (r) => r['queue'] === 'mux' || !isSet(r['completed']) },
    { name: '$nor', query: { $nor: [{ queue: 'mux' }, { completed: null }] }, expect: (r) => !(r['queue'] === 'mux' || !isSet(r['completed'])) },
    { name: '$and with a regex inside $or', query: { $and: [{ queue: 'task' }, { $or: [{ label: { $regex: 'e$' } }, { error: { $ne: null } }] }] }, expect: (r) => r['queue'] === 'task' && ((typeof r['label'] === 'string' && /e$/.test(r['label'])) || isSet(r['error'])) },
    { name: '$not keeps the pending tasks', query: { started: { $not: { $gt: mid } } }, expect: (r) => !(ts(r['started']) !== null && ts(r['started'])! > mid.us) },
    { name: 'text ordering compares code points', query: { msg_id: { $gte: someId } }, expect: (r) => (r['msg_id'] as string) >= someId },
    { name: 'a date range', query: { submitted: { $gte: early, $lt: mid }, completed: { $ne: null } }, expect: (r) => ts(r['submitted'])! >= early.us && ts(r['submitted'])! < mid.us && isSet(r['completed']) },
    { name: 'keys: msg_id first and always', query: { queue: 'mux' }, keys: ['completed', 'started'], expect: (r) => r['queue'] === 'mux' },
    { name: 'keys: a key and a dict key', query: { error: { $ne: null } }, keys: ['error', 'result_content'], expect: (r) => isSet(r['error']) },
  ];
}

function expected(records: readonly TaskRecord[], c: Case): TaskRecord[] {
  const keys = c.keys ? ['msg_id', ...c.keys.filter((k) => k !== 'msg_id')] : DEFAULT_KEYS;
  return [...records].filter(c.expect).sort(compareRecords).map((r) => project(r, keys));
}

async function rejectsWith(p: Promise<unknown>, kind: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => isIpcError(e) && e.kind === kind);
}

/** Registers the contract tests for one backend. */
export function storeContract(name: string, factory: StoreFactory, options: ContractOptions = {}): void {
  const demo = generateDemoRecords({ count: options.count ?? 160, seed: options.seed ?? 7 });
  const records = options.millisecondDates ? demo.map(toMillis) : demo;
  const cut = (t: Timestamp) => (options.millisecondDates ? toMillis(t) : t);
  const stores: Store[] = [];
  const make = async () => {
    const s = await factory(records);
    stores.push(s);
    return s;
  };
  after(async () => {
    for (const s of stores) await s.close();
  });

  describe(`store contract: ${name}`, () => {
    test('answers every query of the battery as its meaning says', async () => {
      const store = await make();
      for (const c of contractCases(records)) {
        const want = expected(records, c);
        const got = await collect(store.findRecords(c.query, c.keys));
        assert.deepEqual(got, want, `${c.name}: ${JSON.stringify(c.query)}`);
      }
    });

    test('the battery has answers that tell the cases apart', () => {
      const sizes = contractCases(records).map((c) => records.filter(c.expect).length);
      assert.ok(sizes.filter((n) => n > 0 && n < records.length).length >= 25, `sizes ${sizes}`);
    });

    test('getRecord returns the whole record, buffers too', async () => {
      const store = await make();
      const rec = records.find((r) => Array.isArray(r['buffers']) && (r['buffers'] as Value[]).length > 0)!;
      const got = await store.getRecord(rec['msg_id'] as string);
      for (const [k, v] of Object.entries(rec)) {
        const want = (k === 'buffers' || k === 'result_buffers') && v === null ? [] : v;
        const have = (k === 'buffers' || k === 'result_buffers') && got[k] === null ? [] : got[k];
        assert.deepEqual(have, want, k);
      }
      await rejectsWith(store.getRecord('no-such-id'), 'KeyError');
    });

    test('buffers come back byte for byte when asked for', async () => {
      const store = await make();
      const got = await collect(store.findRecords({ queue: 'task' }, ['buffers', 'result_buffers']));
      const want = expected(records, { name: '', query: {}, keys: ['buffers', 'result_buffers'], expect: (r) => r['queue'] === 'task' });
      const norm = (rs: TaskRecord[]) => rs.map((r) => ({ ...r, result_buffers: r['result_buffers'] ?? [], buffers: r['buffers'] ?? [] }));
      assert.deepEqual(norm(got), norm(want));
    });

    test('updateRecord changes what queries see; a missing record is a KeyError', async () => {
      const store = await make();
      const pending = records.find((r) => !isSet(r['completed']))!;
      const id = pending['msg_id'] as string;
      const done = cut((pending['submitted'] as Timestamp).plus(2_500_123));
      await store.updateRecord(id, { completed: done, stdout: 'finished at last ✓' });
      const got = await collect(store.findRecords({ completed: done }, ['stdout']));
      assert.deepEqual(got, [{ msg_id: id, stdout: 'finished at last ✓' }]);
      await rejectsWith(store.updateRecord('no-such-id', { stdout: 'x' }), 'KeyError');
    });

    test('a datetime key given text or a number is a TypeError, and nothing is written', async () => {
      const store = await make();
      const id = records[0]!['msg_id'] as string;
      const before = await store.getRecord(id);
      await rejectsWith(store.addRecord('bad-date', { msg_id: 'bad-date', submitted: '2026-03-01' }), 'TypeError');
      await rejectsWith(store.getRecord('bad-date'), 'KeyError');
      await rejectsWith(store.updateRecord(id, { completed: 5, stdout: 'changed' }), 'TypeError');
      assert.deepEqual(await store.getRecord(id), before);
    });

    test('addRecord, dropRecord and dropMatchingRecords', async () => {
      const store = await make();
      const before = (await collect(store.findRecords({}, ['msg_id']))).length;
      const base = records[0]!;
      const submitted = cut((base['submitted'] as Timestamp).plus(-1));
      await store.addRecord('added-1', { ...base, msg_id: 'added-1', submitted, header: { ...(base['header'] as object), msg_id: 'added-1' } });
      await rejectsWith(store.addRecord('added-1', { msg_id: 'added-1' }), 'KeyError');
      const first = await collect(store.findRecords({}, ['submitted']));
      assert.equal(first.length, before + 1);
      assert.deepEqual(first[0], { msg_id: 'added-1', submitted });
      await store.dropRecord('added-1');
      await rejectsWith(store.dropRecord('added-1'), 'KeyError');
      const failed = records.filter((r) => isSet(r['error']) && /^V/.test(ename(r) as string));
      assert.ok(failed.length > 0);
      const n = await store.dropMatchingRecords({ error: { $ne: null }, 'error.ename': { $regex: '^V' } });
      assert.equal(n, failed.length);
      const rest = await collect(store.findRecords({}, ['msg_id']));
      assert.equal(rest.length, before - failed.length);
      assert.ok(!rest.some((r) => failed.some((f) => f['msg_id'] === r['msg_id'])));
    });

    test('getHistory lists msg_ids oldest first; summary counts and spans', async () => {
      const store = await make();
      const want = [...records].sort(compareRecords).filter((r) => isSet(r['submitted'])).map((r) => r['msg_id']);
      assert.deepEqual(await store.getHistory(), want);
      const s = await store.summary();
      const sorted = [...records].sort(compareRecords);
      assert.equal(s.count, records.length);
      assert.equal(s.firstSubmitted?.us, ts(sorted[0]!['submitted']));
      assert.equal(s.lastSubmitted?.us, ts(sorted[sorted.length - 1]!['submitted']));
      assert.equal(s.latestClient, sorted[sorted.length - 1]!['client_uuid']);
    });

    test('a bad query is a QueryError, not an empty answer', async () => {
      const store = await make();
      await rejectsWith(collect(store.findRecords({ submitted: { $gt: 5 } })), 'QueryError');
      await rejectsWith(collect(store.findRecords({ complted: null })), 'QueryError');
    });
  });
}
