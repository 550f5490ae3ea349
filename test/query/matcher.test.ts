import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IpcError } from '../../src/errors.js';
import { compileMatcher, compileQuery, matchNode, type Query } from '../../src/query/index.js';
import { Timestamp, type TaskRecord, type Value } from '../../src/records/index.js';

const T = [0, 1, 1_000_000].map((d) => new Timestamp(1_772_359_200_000_000 + d));

/** Small values of every kind, nested: lists of dicts and dicts of lists are where path walking differs. */
const leaf = fc.constantFrom<Value>('a', 'b', '', 'é', 0, 1, 2, -3, 2.5, true, false, null, ...T);
const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(tie('v'), { minLength: 1, maxLength: 3 }) },
    { weight: 2, arbitrary: fc.dictionary(fc.constantFrom('a', 'b', '0'), tie('v'), { minKeys: 1, maxKeys: 3 }) },
  ),
})).v;

const record: fc.Arbitrary<TaskRecord> = fc.record(
  { msg_id: fc.constant('m'), header: value, queue: value, completed: fc.constantFrom<Value>(...T, null) },
  { requiredKeys: ['msg_id'] },
);

const name = fc.constantFrom('header', 'header.a', 'header.a.b', 'header.0', 'header.b.0.a', 'queue');
const cond: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constantFrom('$eq', '$ne'), value),
  fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), leaf),
  fc.tuple(fc.constantFrom('$in', '$nin', '$all'), fc.array(value, { maxLength: 3 })),
  fc.tuple(fc.constant('$exists'), fc.boolean()),
  fc.tuple(fc.constant('$mod'), fc.tuple(fc.constantFrom(2, 3, -2), fc.constantFrom(0, 1, -1))),
  fc.tuple(fc.constant('$regex'), fc.constantFrom('^a', 'b$', 'é', '')),
  fc.tuple(fc.constant('$glob'), fc.constantFrom('a*', '?', '[!a]*')),
);
const test_ = fc.oneof(
  value,
  fc.uniqueArray(cond, { minLength: 1, maxLength: 2, selector: ([op]) => op }).map((cs) => Object.fromEntries(cs)),
  fc.uniqueArray(cond, { minLength: 1, maxLength: 2, selector: ([op]) => op }).map((cs) => ({ $not: Object.fromEntries(cs) })),
);
/** A datetime key takes only datetimes or None. */
const instant = fc.constantFrom<Value>(...T, null);
const dateCond: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constantFrom('$eq', '$ne', '$gt', '$gte', '$lt', '$lte'), instant),
  fc.tuple(fc.constantFrom('$in', '$nin', '$all'), fc.array(instant, { maxLength: 3 })),
  fc.tuple(fc.constant('$exists'), fc.boolean()),
);
const dateTest = fc.oneof(instant, fc.uniqueArray(dateCond, { minLength: 1, maxLength: 2, selector: ([op]) => op }).map((cs) => Object.fromEntries(cs)));
const entry = fc.oneof({ weight: 5, arbitrary: fc.tuple(name, test_) }, { weight: 1, arbitrary: fc.tuple(fc.constant('completed'), dateTest) });
const doc = fc.uniqueArray(entry, { maxLength: 3, selector: ([k]) => k }).map((es) => Object.fromEntries(es));
const query = fc.oneof(
  doc,
  fc.tuple(fc.constantFrom('$or', '$and', '$nor'), fc.array(doc, { minLength: 1, maxLength: 3 })).map(([op, ds]) => ({ [op]: ds })),
);

function compiles(q: unknown): Query | undefined {
  try {
    return compileQuery(q);
  } catch (e) {
    if (e instanceof IpcError) return undefined;
    throw e;
  }
}

test('the compiled matcher agrees with the reference walker on any value, list or nested dict (fast-check)', () => {
  let tested = 0;
  let matched = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), query, (records, q) => {
      const compiled = compiles(q);
      if (!compiled) {
        refused++;
        return;
      }
      const match = compileMatcher(compiled);
      for (const r of records) {
        const expected = matchNode(compiled.root, r);
        assert.equal(match(r), expected, `${JSON.stringify(q)} on ${JSON.stringify(r)}`);
        tested++;
        if (expected) matched++;
      }
    }),
    { numRuns: 3000 },
  );
  assert.ok(matched > tested / 10 && matched < tested * 0.9, `${matched} of ${tested} matched`);
  assert.ok(refused < 150, `${refused} of 3000 queries were refused`);
});

test('queries of one shape share generated code, yet each keeps its own values', () => {
  const a = compileMatcher(compileQuery({ queue: 'task', completed: null }));
  const b = compileMatcher(compileQuery({ queue: 'mux', completed: null }));
  assert.ok(a({ msg_id: 'x', queue: 'task' }));
  assert.ok(!b({ msg_id: 'x', queue: 'task' }));
  assert.ok(b({ msg_id: 'x', queue: 'mux' }));
});

test('a key name cannot reach the generated code as code', () => {
  const q: Query = {
    kind: 'query',
    root: { kind: 'and', children: [{ kind: 'field', key: '"]) || true || (["', path: [], keyKind: 'text', conds: [{ op: 'eq', value: 'x' }] }] },
  };
  assert.equal(compileMatcher(q)({ msg_id: 'm' }), false);
  assert.equal(compileMatcher(q)({ msg_id: 'm', '"]) || true || (["': 'x' }), true);
});
