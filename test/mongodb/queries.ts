/**
 * Random queries over a set of records, for differential tests: every
 * operator of the shared engine, on text keys, dotted paths and datetimes
 * (with bounds between and at stored instants), alone, together, and under
 * $and/$or/$nor/$not.
 */
import fc from 'fast-check';
import { IpcError } from '../../src/errors.js';
import { compileQuery } from '../../src/query/index.js';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';

export function randomQueries(records: readonly TaskRecord[]): fc.Arbitrary<Record<string, unknown>> {
  const TIMES = records.flatMap((r) => [r['submitted'], r['completed']]).filter((t): t is Timestamp => t instanceof Timestamp);
  const text = (key: string, values: string[]) => ({ key, values: fc.constantFrom<unknown>(...values, null) });
  const FIELDS = [
    text('queue', ['task', 'mux', 'nope']),
    text('header.msg_type', ['apply_request', 'execute_request']),
    text('label', ['fit-model', 'render', 'étape-2']),
    text('result_content.status', ['ok', 'error']),
    text('header.username', ['alice', 'bob', 'chloé']),
    { key: 'metadata.retries', values: fc.constantFrom<unknown>(0, 1, 2, null) },
    ...['submitted', 'completed', 'started'].map((key) => ({
      key,
      values: fc.oneof(
        fc.constantFrom<unknown>(...TIMES.slice(0, 20), null),
        fc.tuple(fc.constantFrom(...TIMES), fc.integer({ min: -2500, max: 2500 })).map(([t, d]) => t.plus(d)),
      ),
    })),
  ];

  const condArb = (values: fc.Arbitrary<unknown>, key: string): fc.Arbitrary<unknown> => {
    const textKey = !['submitted', 'completed', 'started', 'metadata.retries'].includes(key);
    const base = [
      values,
      values.map((v) => ({ $eq: v })),
      values.map((v) => ({ $ne: v })),
      fc.constantFrom('$gt', '$gte', '$lt', '$lte', '$ge', '$le').chain((op) => values.map((v) => ({ [op]: v }))),
      fc.array(values, { maxLength: 3 }).map((vs) => ({ $in: vs })),
      fc.array(values, { maxLength: 3 }).map((vs) => ({ $nin: vs })),
      fc.boolean().map((b) => ({ $exists: b })),
    ];
    if (textKey) {
      base.push(fc.constantFrom('^f', 'e$', 'ÉTAPE', '-', 'o.').map((p) => ({ $regex: p, $options: 'i' })));
      base.push(fc.constantFrom('*-*', 'f?t*', '[a-f]*', '*', 'ok').map((p) => ({ $glob: p })));
    }
    return fc.oneof(...base);
  };

  const fieldArb = fc.constantFrom(...FIELDS).chain((f) =>
    fc.oneof(
      condArb(f.values, f.key).map((c) => ({ [f.key]: c })),
      condArb(f.values, f.key)
        .filter((c) => typeof c === 'object' && c !== null && !(c instanceof Timestamp) && Object.keys(c).every((k) => k.startsWith('$')))
        .map((c) => ({ [f.key]: { $not: c } })),
    ),
  );
  return fc.oneof(
    fieldArb,
    fc.tuple(fieldArb, fieldArb).map(([a, b]) => ({ ...a, ...b })),
    fc.tuple(fc.constantFrom('$and', '$or', '$nor'), fc.array(fieldArb, { minLength: 1, maxLength: 3 })).map(([op, qs]) => ({ [op]: qs })),
  );
}

export function compiles(q: unknown): boolean {
  try {
    compileQuery(q);
    return true;
  } catch (e) {
    if (e instanceof IpcError) return false;
    throw e;
  }
}
