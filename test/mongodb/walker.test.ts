import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { find } from 'mingo';
import { IpcError } from '../../src/errors.js';
import { compileQuery, compareRecords, matches } from '../../src/query/index.js';
import { toMongo } from '../../src/stores/mongodb/mongo-filter.js';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';
import { generateDemoRecords } from '../../src/stores/index.js';
import { encodeRecord } from '../../src/stores/mongodb/codec.js';
import { atMillis } from '../support/mongo-target.js';
import { compiles, randomQueries } from './queries.js';

const T = (iso: string) => Timestamp.parse(iso)!;
const D = (iso: string) => new Date(T(iso).millis);

function rejects(f: () => unknown, kind: string, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof IpcError && e.kind === kind && pattern.test(e.message));
}

test("$ge and $le (the seed document's names) become strict $gt and $lt with BSON dates", () => {
  assert.deepEqual(toMongo({ submitted: { $ge: '2026-01-31T12:00:00Z', $le: '2026-02-01T00:00:00+01:00' } }), {
    submitted: { $gt: D('2026-01-31T12:00:00Z'), $lt: D('2026-01-31T23:00:00Z') },
  });
});

test('a datetime bound with microseconds is rounded so that stored milliseconds compare exactly', () => {
  const bound = '2026-01-31T12:00:00.000500Z';
  const ms = D('2026-01-31T12:00:00Z');
  assert.deepEqual(toMongo({ completed: { $gt: bound } }), { completed: { $gt: ms } });
  assert.deepEqual(toMongo({ completed: { $gte: bound } }), { completed: { $gt: ms } });
  assert.deepEqual(toMongo({ completed: { $lt: bound } }), { completed: { $lte: ms } });
  assert.deepEqual(toMongo({ completed: { $lte: bound } }), { completed: { $lte: ms } });
  // No stored millisecond equals it; every stored value differs from it.
  assert.deepEqual(toMongo({ completed: bound }), { completed: { $in: [] } });
  assert.deepEqual(toMongo({ completed: { $ne: bound } }), {});
  assert.deepEqual(toMongo({ completed: { $in: [bound, null] } }), { completed: { $in: [null] } });
});

test("{'completed': None}, $ne None and $exists keep ipc's meaning of None", () => {
  assert.deepEqual(toMongo({ completed: null }), { completed: { $eq: null } });
  assert.deepEqual(toMongo({ completed: { $ne: null } }), { completed: { $ne: null } });
  assert.deepEqual(toMongo({ engine_uuid: { $exists: true } }), { engine_uuid: { $ne: null } });
  assert.deepEqual(toMongo({ engine_uuid: { $exists: false } }), { engine_uuid: { $eq: null } });
  assert.deepEqual(toMongo({ completed: { $gte: null } }), { completed: { $eq: null } });
  assert.deepEqual(toMongo({ completed: { $gt: null } }), { completed: { $in: [] } });
});

test('$glob becomes a regex anchored at both ends that PCRE and JS read alike', () => {
  const f = toMongo({ label: { $glob: 'fit-*.[ab]?' } }) as { label: { $regex: string } };
  const re = new RegExp(f.label.$regex, 'u');
  assert.ok(f.label.$regex.startsWith('^'));
  assert.ok(re.test('fit-model.a1'));
  assert.ok(!re.test('fit-model.a1\n'), 'a final newline is not matched (PCRE $ would allow it)');
  assert.ok(!re.test('refit-model.a1'));
});

test('$regex keeps its options; $not becomes a $nor of the same test', () => {
  assert.deepEqual(toMongo({ stdout: { $regex: 'error', $options: 'i' } }), { stdout: { $regex: 'error', $options: 'i' } });
  assert.deepEqual(toMongo({ queue: { $not: { $in: ['task'] } } }), { $nor: [{ queue: { $in: ['task'] } }] });
});

test('two tests of one key with the same operator are joined with $and', () => {
  assert.deepEqual(toMongo({ submitted: { $gt: '2026-01-01T00:00:00Z', $ge: '2026-02-01T00:00:00Z' } }), {
    $and: [{ submitted: { $gt: D('2026-01-01T00:00:00Z') } }, { submitted: { $gt: D('2026-02-01T00:00:00Z') } }],
  });
});

test('MongoDB operators the shared engine does not emulate pass through, ISO strings inside as dates', () => {
  assert.deepEqual(toMongo({ 'metadata.targets': { $size: 1 }, queue: 'mux' }), {
    'metadata.targets': { $size: 1 },
    queue: { $eq: 'mux' },
  });
  assert.deepEqual(toMongo({ completed: { $type: 'date', $gt: '2026-01-01T00:00:00Z' } }), {
    completed: { $gt: D('2026-01-01T00:00:00Z'), $type: 'date' },
  });
  assert.deepEqual(toMongo({ $or: [{ 'metadata.after': { $elemMatch: { $eq: 'a' } } }, { completed: null }] }), {
    $or: [{ 'metadata.after': { $elemMatch: { $eq: 'a' } } }, { completed: { $eq: null } }],
  });
  assert.deepEqual(toMongo({ $expr: { $gt: ['$completed', '2026-01-01T00:00:00Z'] } }), {
    $expr: { $gt: ['$completed', D('2026-01-01T00:00:00Z')] },
  });
  assert.deepEqual(toMongo({ 'metadata.after': { $not: { $size: 0 } } }), { $nor: [{ 'metadata.after': { $size: 0 } }] });
  assert.deepEqual(toMongo({ label: { $not: { $size: 1, $glob: 'f*' } } }), {
    $nor: [{ label: { $regex: '^f[\\s\\S]*(?![\\s\\S])', $size: 1 } }],
  });
});

test('relayed operators still check the key and the operator name', () => {
  rejects(() => toMongo({ complete: { $type: 'date' } }), 'QueryError', /unknown key 'complete'.*did you mean 'completed'/);
  rejects(() => toMongo({ 'queue.x': { $size: 1 } }), 'QueryError', /'queue' is text/);
  rejects(() => toMongo({ buffers: { $size: 2 } }), 'QueryError', /'buffers' holds raw bytes/);
  rejects(() => toMongo({ completed: { $type: 'date', $gtt: 1 } }), 'QueryError', /unknown operator '\$gtt'.*did you mean '\$gt'/);
  rejects(() => toMongo({ completed: { $siz: 1 } }), 'QueryError', /unknown operator '\$siz'/);
});

test('server-side JavaScript ($where, $function, $accumulator) is refused unless allowed', () => {
  rejects(() => toMongo({ $where: 'this.queue == "task"' }), 'QueryError', /\$where runs JavaScript.*--allow-js/);
  const fn = { $expr: { $function: { body: 'function() { return true }', args: [], lang: 'js' } } };
  rejects(() => toMongo(fn), 'QueryError', /\$function runs JavaScript/);
  rejects(() => toMongo({ $and: [{ $where: 'true' }] }), 'QueryError', /\$where/);
  assert.deepEqual(toMongo({ $where: 'true' }, { allowJs: true }), { $where: 'true' });
  assert.deepEqual(toMongo(fn, { allowJs: true }), fn);
});

// ---- every query means the same under MongoDB's semantics as under the shared engine ----

const RECORDS: TaskRecord[] = atMillis([
  // The demo has the 7.x form; a 9.1 hub's records carry a label.
  ...generateDemoRecords({ count: 60, seed: 7 }).map((r, i) => ({ ...r, label: ['fit-model', 'render', 'étape-2', null][i % 4] ?? null }) as TaskRecord),
  { msg_id: 'never-submitted', submitted: null, queue: 'task' },
  { msg_id: 'bare' },
]);
const DOCS = RECORDS.map(encodeRecord);
const queryArb = randomQueries(RECORDS);

test('random queries select the same records through MongoDB semantics (mingo) as through the shared engine', () => {
  fc.assert(
    fc.property(queryArb.filter(compiles), (q) => {
      const compiled = compileQuery(q);
      const expected = RECORDS.filter((r) => matches(compiled, r)).sort(compareRecords).map((r) => r['msg_id']);
      const got = find(DOCS, toMongo(q)).sort({ submitted: 1, msg_id: 1 }).all().map((d) => d['msg_id']);
      assert.deepEqual(got, expected, JSON.stringify(toMongo(q)));
    }),
    { numRuns: 400, seed: 20261121 },
  );
  // The generated queries are not trivial: most select some records but not all.
  const sizes = fc.sample(queryArb.filter(compiles), { numRuns: 300, seed: 1 }).map((q) => RECORDS.filter((r) => matches(compileQuery(q), r)).length);
  assert.ok(sizes.filter((n) => n > 0 && n < RECORDS.length).length > 150, `selections: ${sizes.join(' ')}`);
});
