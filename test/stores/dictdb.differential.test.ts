/**
 * Differential, property-based: the same random records and random queries go
 * to ipyparallel's own DictDB (python3-ipyparallel) and to ours, and the
 * answers must agree. Where DictDB has a known bug (DESIGN.md: `$gt` acting
 * as `$lt`, late-bound equality, None ordered against a date) the query is
 * rewritten into an equivalent form Python gets right (see `forPython`).
 * What 7.1's DictDB cannot express, or means otherwise (dotted paths,
 * `$or $and $nor $regex $glob $not`; `$all`, which there tests that the value
 * lies in every item; `$mod`, which raises on text and None), is checked
 * against a small independent oracle written here, which is itself checked
 * against Python on everything Python can answer. Two more DictDB habits are
 * worked around: a plain dict value is read as operators (sent as `$eq`),
 * and projecting a key a record lacks raises (Python is asked without keys
 * and cuts the answer itself).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { IpcError } from '../../src/errors.js';
import { DEFAULT_KEYS, Timestamp, type TaskRecord, type Value } from '../../src/records/index.js';
import { DictDB } from '../../src/stores/index.js';
import { havePython, runPython } from '../support/python.js';

const skip = havePython() ? false : 'python3-ipyparallel is not installed';

// ---------------------------------------------------------------- value pools

const BASE = Timestamp.parse('2026-03-01T10:00:00.000000Z')!.us;
const TIMES = [0, 1, 999_999, 1_000_000, 3_600_000_000, -86_400_000_000, 7_200_000_123].map((d) => new Timestamp(BASE + d));
/** Code points on both sides of the surrogate range, to test ordering as Python orders text. */
const TEXTS = ['task', 'mux', '', 'c1', 'c2', 'C1', 'é', 'ée', '進捗', '\u{1F600}', '\uFFFF', 'a b', 'task ', 'step 1: ok\n'];
const DICTS: Value[] = [
  {},
  { status: 'ok' },
  { status: 'error', ename: 'KeyError', n: 2 },
  { msg_type: 'apply_request', date: TIMES[0]!, n: 1 },
  { msg_type: 'execute_request', targets: [0, 1], n: 2.5 },
  { nested: { a: 'x' }, status: 'ok' },
];
const REGEXES = ['^c', 'k$', 'é', '\\d', '^$', 'TASK', '[\\u{1F600}]'];
/** Shell patterns with the JS expression an fnmatchcase of them means. */
const GLOBS: [string, RegExp][] = [
  ['c*', /^c[\s\S]*$/u],
  ['?a*', /^[\s\S]a[\s\S]*$/u],
  ['[ab]*', /^[ab][\s\S]*$/u],
  ['[!a-m]*', /^[^a-m][\s\S]*$/u],
  ['*', /^[\s\S]*$/u],
  ['task', /^task$/u],
];

type Kind = 'text' | 'datetime' | 'dict';
const FIELDS: Record<string, Kind> = {
  submitted: 'datetime',
  started: 'datetime',
  completed: 'datetime',
  client_uuid: 'text',
  engine_uuid: 'text',
  queue: 'text',
  stdout: 'text',
  label: 'text',
  header: 'dict',
  result_content: 'dict',
  error: 'dict',
};
/** Dotted paths: oracle only, as Python's DictDB reads `header.msg_type` as a key of its own. */
const PATHS = ['header.msg_type', 'result_content.status', 'header.n', 'result_content.n', 'header.targets', 'error.ename', 'result_content.nested.a'];

// ---------------------------------------------------------------- generators

const MISSING = Symbol('missing');
const valueOf = (kind: Kind): fc.Arbitrary<Value> =>
  kind === 'text' ? fc.constantFrom<Value>(...TEXTS, null) : kind === 'datetime' ? fc.constantFrom<Value>(...TIMES, null) : fc.constantFrom<Value>(...DICTS, null);

const recordArb = (i: number) =>
  fc
    .record({
      id: fc.constantFrom('a', 'b', 'f', 'z'),
      fields: fc.record(
        Object.fromEntries(
          Object.entries(FIELDS).map(([k, kind]) => [k, fc.oneof({ weight: 1, arbitrary: fc.constant(MISSING) }, { weight: 5, arbitrary: valueOf(kind) })]),
        ) as Record<string, fc.Arbitrary<Value | typeof MISSING>>,
      ),
      buffers: fc.option(fc.array(fc.uint8Array({ maxLength: 4 }), { maxLength: 2 }), { nil: undefined }),
    })
    .map(({ id, fields, buffers }) => {
      const rec: TaskRecord = { msg_id: `${id}${String(i).padStart(2, '0')}` };
      for (const [k, v] of Object.entries(fields)) if (v !== MISSING) rec[k] = v;
      if (buffers !== undefined) rec['buffers'] = buffers;
      return rec;
    });

const recordsArb = fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => recordArb(i))));

type Doc = Record<string, unknown>;

const ORDERING = ['$gt', '$gte', '$lt', '$lte', '$ge', '$le'];

const pathValue = fc.constantFrom<Value>('apply_request', 'execute_request', 'ok', 'error', 'KeyError', 'x', 0, 1, 2, 2.5, null);

function condArb(kind: Kind | 'path'): fc.Arbitrary<[string, unknown]> {
  const scalar: fc.Arbitrary<Value> = kind === 'path' ? pathValue : valueOf(kind);
  const list = fc.array(scalar, { maxLength: 3 });
  // operators Python's DictDB has weigh more than those only the oracle checks
  const ops: fc.WeightedArbitrary<[string, unknown]>[] = [
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom('$eq', '$ne'), scalar) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom('$in', '$nin'), list) },
    { weight: 2, arbitrary: fc.tuple(fc.constant('$exists'), fc.boolean()) },
  ];
  if (kind !== 'dict') {
    ops.push({ weight: 8, arbitrary: fc.tuple(fc.constantFrom(...ORDERING), scalar) });
    ops.push({ weight: 1, arbitrary: fc.tuple(fc.constant('$all'), list) });
  }
  if (kind === 'text' || kind === 'path') {
    ops.push({ weight: 1, arbitrary: fc.tuple(fc.constant('$regex'), fc.constantFrom(...REGEXES)) });
    ops.push({ weight: 1, arbitrary: fc.tuple(fc.constant('$glob'), fc.constantFrom(...GLOBS.map((g) => g[0]))) });
  }
  if (kind === 'path') ops.push({ weight: 2, arbitrary: fc.tuple(fc.constant('$mod'), fc.tuple(fc.constantFrom(2, 3), fc.constantFrom(0, 1))) });
  return fc.oneof(...ops);
}

function testArb(kind: Kind | 'path'): fc.Arbitrary<unknown> {
  const plain = kind === 'path' ? pathValue : valueOf(kind);
  const conds = fc.uniqueArray(condArb(kind), { minLength: 1, maxLength: 3, selector: ([op]) => op }).map((cs) => Object.fromEntries(cs));
  const negated = conds.map((d) => ({ $not: d }));
  return fc.oneof({ weight: 3, arbitrary: plain }, { weight: 6, arbitrary: conds }, { weight: 1, arbitrary: negated });
}

const fieldEntryArb: fc.Arbitrary<[string, unknown]> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...Object.keys(FIELDS)).chain((k) => testArb(FIELDS[k]!).map((t) => [k, t] as [string, unknown])) },
  { weight: 2, arbitrary: fc.constantFrom(...PATHS).chain((k) => testArb('path').map((t) => [k, t] as [string, unknown])) },
);

const docArb: fc.Arbitrary<Doc> = fc.uniqueArray(fieldEntryArb, { minLength: 0, maxLength: 3, selector: ([k]) => k }).map((es) => Object.fromEntries(es));

const queryArb: fc.Arbitrary<Doc> = fc.oneof(
  { weight: 9, arbitrary: docArb },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('$or', '$and', '$nor'), fc.array(docArb, { minLength: 1, maxLength: 3 }), docArb).map(([op, subs, rest]) => ({ ...rest, [op]: subs })),
  },
);

const keysArb = fc.option(
  fc.oneof(
    fc.subarray(['completed', 'msg_id', 'queue', 'header', 'label', 'buffers', 'stdout'], { minLength: 1 }),
    fc.constantFrom('submitted', 'error'),
  ),
  { nil: undefined },
);

interface Case {
  query: Doc;
  keys: string[] | string | undefined;
  /** Send ISO strings instead of datetimes to our side, in this offset. */
  textDates: string | undefined;
}
const caseArb: fc.Arbitrary<Case> = fc.record({
  query: queryArb,
  keys: keysArb,
  textDates: fc.option(fc.constantFrom('Z', '+00:00', '+05:30', '-08:00'), { nil: undefined }),
});

// ---------------------------------------------------------------- the oracle

const isPlainDict = (v: unknown): v is Doc =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Timestamp) && !(v instanceof Uint8Array);
const isOpDoc = (v: unknown): v is Doc => isPlainDict(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k.startsWith('$'));

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Timestamp || b instanceof Timestamp) return a instanceof Timestamp && b instanceof Timestamp && a.us === b.us;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isPlainDict(a) || isPlainDict(b)) {
    if (!isPlainDict(a) || !isPlainDict(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && same(a[k], b[k]));
  }
  return a === b;
}

function codePoints(s: string): number[] {
  return Array.from(s, (c) => c.codePointAt(0)!);
}

function order(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a instanceof Timestamp && b instanceof Timestamp) return a.us - b.us;
  if (typeof a === 'string' && typeof b === 'string') {
    const x = codePoints(a);
    const y = codePoints(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  }
  return undefined;
}

/** What a (possibly dotted) name reaches in a record; undefined when missing. */
function lookup(rec: TaskRecord, name: string): unknown {
  let v: unknown = rec;
  for (const part of name.split('.')) {
    if (!isPlainDict(v) || !(part in v)) return undefined;
    v = v[part];
  }
  return v;
}

function oracleCond(op: string, arg: unknown, v: unknown): boolean {
  const items = Array.isArray(v) ? [v, ...v] : [v];
  const eq = (x: unknown) => (x === null ? v === undefined || items.some((i) => i === null) : items.some((i) => same(i, x)));
  switch (op) {
    case '$eq':
      return eq(arg);
    case '$ne':
      return !eq(arg);
    case '$in':
      return (arg as unknown[]).some(eq);
    case '$nin':
      return !(arg as unknown[]).some(eq);
    case '$all':
      return (arg as unknown[]).length > 0 && (arg as unknown[]).every(eq);
    case '$exists':
      return (v !== undefined && v !== null) === arg;
    case '$mod': {
      const [d, r] = arg as [number, number];
      return items.some((i) => typeof i === 'number' && Math.trunc(i) % d === r);
    }
    case '$regex':
      return items.some((i) => typeof i === 'string' && new RegExp(arg as string, 'u').test(i));
    case '$glob':
      return items.some((i) => typeof i === 'string' && GLOBS.find((g) => g[0] === arg)![1].test(i));
    case '$not':
      return !Object.entries(arg as Doc).every(([o, a]) => oracleCond(o, a, v));
    default: {
      if (arg === null) return (op === '$gte' || op === '$lte') && eq(null);
      return items.some((i) => {
        const r = order(i, arg);
        if (r === undefined) return false;
        return op === '$gt' || op === '$ge' ? r > 0 : op === '$gte' ? r >= 0 : op === '$lt' || op === '$le' ? r < 0 : r <= 0;
      });
    }
  }
}

function oracleMatch(doc: Doc, rec: TaskRecord): boolean {
  return Object.entries(doc).every(([name, t]) => {
    if (name === '$or') return (t as Doc[]).some((d) => oracleMatch(d, rec));
    if (name === '$and') return (t as Doc[]).every((d) => oracleMatch(d, rec));
    if (name === '$nor') return !(t as Doc[]).some((d) => oracleMatch(d, rec));
    const v = lookup(rec, name);
    return isOpDoc(t) ? Object.entries(t).every(([op, arg]) => oracleCond(op, arg, v)) : oracleCond('$eq', t, v);
  });
}

/** Submitted ascending (None or missing first), then msg_id: the documented answer order. */
function answerOrder(byId: Map<string, TaskRecord>) {
  const us = (id: string) => {
    const s = byId.get(id)!['submitted'];
    return s instanceof Timestamp ? s.us : -Infinity;
  };
  return (a: Doc, b: Doc): number => {
    const x = a['msg_id'] as string;
    const y = b['msg_id'] as string;
    return us(x) !== us(y) ? (us(x) < us(y) ? -1 : 1) : x < y ? -1 : x > y ? 1 : 0;
  };
}

function expectedKeys(keys: string[] | string | undefined): readonly string[] {
  if (keys === undefined) return DEFAULT_KEYS;
  const list = typeof keys === 'string' ? [keys] : keys;
  return ['msg_id', ...list.filter((k) => k !== 'msg_id')];
}

function projectPlain(rec: Doc, keys: readonly string[]): Doc {
  return Object.fromEntries(keys.map((k) => [k, rec[k] === undefined ? null : rec[k]]));
}

// ------------------------------------------- what Python's DictDB can be asked

type Tag = 'as-is' | 'late-binding' | 'gt-is-lt' | 'none-ordering';

/**
 * The query in a form ipyparallel 7.1's DictDB answers correctly, or undefined
 * when it cannot express it. Rewrites: plain equality → `$eq` when several
 * keys test equality (late binding) or the value is a dict (read as
 * operators); `$gt x` → `$gte x` with x excluded (its `$gt` is `$lt`);
 * orderings put `$nin: [None]` first, because DictDB raises ordering None
 * against a date, and stops at the first failing test.
 */
function forPython(query: Doc): { query: Doc; tags: Set<Tag> } | undefined {
  const tags = new Set<Tag>();
  const entries = Object.entries(query);
  const out: Doc = {};
  if (entries.some(([k]) => k.startsWith('$') || k.includes('.'))) return undefined;
  const plain = entries.filter(([, t]) => !isOpDoc(t)).map(([k]) => k);
  const lateBinding = plain.length > 1 || (plain.length === 1 && entries[entries.length - 1]![0] !== plain[0]);
  for (const [k, t] of entries) {
    if (!isOpDoc(t)) {
      if (lateBinding) tags.add('late-binding');
      out[k] = lateBinding || isPlainDict(t) ? { $eq: t } : t;
      continue;
    }
    const conds = Object.entries(t);
    if (conds.some(([op]) => ['$regex', '$glob', '$not', '$all', '$mod'].includes(op))) return undefined;
    const nin: unknown[] = [];
    const rest: Doc = {};
    for (const [op, arg] of conds) {
      if (op === '$nin') nin.push(...(arg as unknown[]));
      else if (op === '$ne') {
        nin.push(arg);
      } else if (ORDERING.includes(op)) {
        if (arg === null) return undefined;
        const pyOp = op === '$gt' || op === '$ge' || op === '$gte' ? '$gte' : op === '$lt' || op === '$le' ? '$lt' : '$lte';
        if (pyOp in rest) return undefined;
        rest[pyOp] = arg;
        if (op === '$gt' || op === '$ge') {
          nin.push(arg);
          tags.add('gt-is-lt');
        }
        nin.push(null);
        tags.add('none-ordering');
      } else rest[op] = arg;
    }
    out[k] = nin.length > 0 ? { $nin: nin, ...rest } : rest;
  }
  if (tags.size === 0) tags.add('as-is');
  return { query: out, tags };
}

/** Several datasets per Python process: starting Python and importing ipyparallel is the slow part. */
const PY_QUERIES = String.raw`
from ipyparallel.controller.dictdb import DictDB
def answer(db, q):
    if q is None:
        return None
    try:
        try:
            res = db.find_records(q['query'], q['keys'])
        except KeyError:
            # DictDB's projection raises on a key a record lacks; ask without keys and cut here
            res = [dict([('msg_id', r['msg_id'])] + [(k, r.get(k)) for k in q['keys']]) for r in db.find_records(q['query'])]
        return {'ok': res}
    except Exception as e:
        return {'error': '%s: %s' % (type(e).__name__, e)}
out = []
for dataset in INPUT:
    db = DictDB()
    for r in dataset['records']:
        db.add_record(r['msg_id'], r)
    out.append([answer(db, q) for q in dataset['queries']])
emit(out)
`;

/** Our query: the same, with datetimes given as ISO text in an offset when asked. */
function asText(v: unknown, offset: string | undefined): unknown {
  if (offset === undefined) return v;
  if (v instanceof Timestamp) {
    if (offset === 'Z') return v.toISOString();
    const sign = offset[0] === '-' ? -1 : 1;
    const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
    const shifted = new Timestamp(v.us + minutes * 60e6).toISOString();
    return shifted.slice(0, -1) + offset;
  }
  if (Array.isArray(v)) return v.map((x) => asText(x, offset));
  if (isPlainDict(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asText(x, offset)]));
  return v;
}

const stats = { cases: 0, python: 0, oracleOnly: 0, nonEmpty: 0, tags: new Map<Tag, number>() };

/** Checks one dataset's answers: ours against the oracle always, and against Python where it could answer. */
function check(
  records: TaskRecord[],
  cases: Case[],
  py: ({ query: Doc; keys: string[] | null; tags: Set<Tag> } | undefined)[],
  answers: ({ ok: Doc[] } | { error: string } | null)[],
): void {
  const byId = new Map(records.map((r) => [r['msg_id'] as string, r]));
  const ours = new DictDB({ recordLimit: 1000 });
  for (const r of records) ours.addRecordSync(r['msg_id'] as string, r);
  const sortOrder = answerOrder(byId);
  cases.forEach((c, i) => {
    const what = `query ${JSON.stringify(c.query)} keys ${JSON.stringify(c.keys)}`;
    const got = ours.findRecordsSync(asText(c.query, c.textDates), c.keys);
    const keys = expectedKeys(c.keys);
    for (const r of got) assert.deepEqual(Object.keys(r), keys, `answer keys of ${what}`);
    assert.deepEqual(got.map((r) => r['msg_id']), [...got].sort(sortOrder).map((r) => r['msg_id']), `answer order of ${what}`);
    const oracle = records.filter((r) => oracleMatch(c.query, r)).sort(sortOrder).map((r) => projectPlain(r, keys));
    assert.deepEqual(got, oracle, `ours against the oracle for ${what}`);
    stats.cases++;
    if (got.length > 0) stats.nonEmpty++;
    const answer = answers[i];
    if (!answer) {
      stats.oracleOnly++;
      return;
    }
    assert.ok('ok' in answer, `Python raised ${'error' in answer ? answer.error : ''} for ${JSON.stringify(py[i]!.query)}`);
    const theirs = answer.ok.map((r) => projectPlain(r, keys)).sort(sortOrder);
    assert.deepEqual(got, theirs, `ours against ipyparallel for ${what} (sent to Python as ${JSON.stringify(py[i]!.query)})`);
    stats.python++;
    for (const t of py[i]!.tags) stats.tags.set(t, (stats.tags.get(t) ?? 0) + 1);
  });
}

describe('DictDB against ipyparallel.controller.dictdb.DictDB', { skip }, () => {
  test('same records, same queries, same answers (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(recordsArb, fc.array(caseArb, { minLength: 30, maxLength: 30 })), { minLength: 3, maxLength: 3 }), async (datasets) => {
        const py = datasets.map(([, cases]) =>
          cases.map((c) => {
            const f = forPython(c.query);
            return f && { query: f.query, keys: c.keys === undefined ? null : typeof c.keys === 'string' ? [c.keys] : c.keys, tags: f.tags };
          }),
        );
        const results = (await runPython(
          PY_QUERIES,
          datasets.map(([records], d) => ({ records, queries: py[d]!.map((p) => p && { query: p.query, keys: p.keys }) })),
        )) as ({ ok: Doc[] } | { error: string } | null)[][];
        datasets.forEach(([records, cases], d) => check(records, cases, py[d]!, results[d]!));
      }),
      { numRuns: 8, endOnFailure: true, includeErrorInReport: true },
    );

    // the comparison is not vacuous: most queries went to Python, many found something, every rewrite happened
    const summary = `${stats.python} of ${stats.cases} queries compared with Python, ${stats.oracleOnly} with the oracle only`;
    assert.ok(stats.python > stats.cases * 0.4, summary);
    assert.ok(stats.nonEmpty > stats.cases / 4, `only ${stats.nonEmpty} of ${stats.cases} answers were non-empty`);
    for (const t of ['as-is', 'late-binding', 'gt-is-lt', 'none-ordering'] as Tag[]) assert.ok((stats.tags.get(t) ?? 0) > 10, `few '${t}' cases`);
  });

  test("DictDB's known bugs, and the right answers ours gives instead", async () => {
    const t = (s: number) => new Timestamp(BASE + s * 1e6);
    const records: TaskRecord[] = [
      { msg_id: 'a', client_uuid: 'A', queue: 'task', submitted: t(1), completed: t(5) },
      { msg_id: 'b', client_uuid: 'A', queue: 'mux', submitted: t(2), completed: null },
      { msg_id: 'c', client_uuid: 'B', queue: 'task', submitted: t(3), completed: t(9) },
    ];
    const queries = [
      { client_uuid: 'A', queue: 'task' },
      { completed: { $gt: t(6) } },
      { completed: { $lt: t(6) } },
    ];
    const body = String.raw`
from ipyparallel.controller.dictdb import DictDB
db = DictDB()
for r in INPUT['records']:
    db.add_record(r['msg_id'], r)
out = []
for q in INPUT['queries']:
    try:
        out.append(sorted(r['msg_id'] for r in db.find_records(q, ['msg_id'])))
    except Exception as e:
        out.append(type(e).__name__)
emit(out)
`;
    const python = (await runPython(body, { records, queries })) as unknown[];
    const db = new DictDB();
    for (const r of records) db.addRecordSync(r['msg_id'] as string, r);
    const ours = queries.map((q) => db.findRecordsSync(q, 'msg_id').map((r) => r['msg_id']));
    // late binding: every equality key is compared with the last value, so nothing matches
    assert.deepEqual(python[0], []);
    assert.deepEqual(ours[0], ['a']);
    // $gt acts as $lt; and comparing the pending task's None with a date raises
    assert.equal(python[1], 'TypeError');
    assert.deepEqual(ours[1], ['c']);
    assert.equal(python[2], 'TypeError');
    assert.deepEqual(ours[2], ['a']);
  });

  test('culling: the same ids culled as ipyparallel for the same adds and updates (fast-check)', async () => {
    const opArb = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('add' as const), submitted: fc.option(fc.integer({ min: 0, max: 12 }), { freq: 8, nil: null }), bytes: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('update' as const), target: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 2 }) }) },
    );
    const runArb = fc.record({
      recordLimit: fc.integer({ min: 2, max: 12 }),
      sizeLimit: fc.integer({ min: 40, max: 400 }),
      cullFraction: fc.constantFrom(0.1, 0.25, 0.3, 0.5, 0.7, 1),
      // at least a dozen operations a run: shorter runs seldom reach a limit, and the check below needs culling to have happened
      ops: fc.array(opArb, { minLength: 12, maxLength: 40 }),
    });
    const body = String.raw`
from ipyparallel.controller.dictdb import DictDB
out = []
for run in INPUT:
    DictDB._culled_ids = set()
    db = DictDB(record_limit=run['recordLimit'], size_limit=run['sizeLimit'], cull_fraction=run['cullFraction'])
    missing = []
    for op in run['ops']:
        if op['op'] == 'add':
            db.add_record(op['id'], op['record'])
        else:
            try:
                db.update_record(op['id'], {'result_buffers': op['buffers']})
            except KeyError:
                missing.append(op['id'])
    out.append({'kept': sorted(db._records), 'history': db.get_history(), 'culled': sorted(DictDB._culled_ids), 'bytes': db._buffer_bytes, 'missing': missing})
emit(out)
`;
    let culledSeen = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(runArb, { minLength: 6, maxLength: 6 }), async (runs) => {
        const plans = runs.map((run) => {
          const dated: string[] = [];
          let n = 0;
          const ops = run.ops.map((o) => {
            if (o.op === 'add') {
              // msg_id order is not arrival order, so that ties of submitted show which one breaks them
              const id = `${'zyxw'[n % 4]}${String(n++).padStart(2, '0')}`;
              // records never submitted hold no buffers: with buffers, DictDB's size culling would loop for ever
              const buffers = o.submitted === null ? [] : o.bytes.map((b) => new Uint8Array(b));
              if (o.submitted !== null) dated.push(id);
              return { op: 'add', id, record: { msg_id: id, submitted: o.submitted === null ? null : new Timestamp(BASE + o.submitted), buffers } };
            }
            return dated.length === 0 ? null : { op: 'update', id: dated[o.target % dated.length]!, buffers: o.bytes.map((b) => new Uint8Array(b)) };
          }).filter((o) => o !== null);
          return { recordLimit: run.recordLimit, sizeLimit: run.sizeLimit, cullFraction: run.cullFraction, ops };
        });
        const python = (await runPython(body, plans)) as { kept: string[]; history: string[]; culled: string[]; bytes: number; missing: string[] }[];
        plans.forEach((plan, i) => {
          const db = new DictDB({ recordLimit: plan.recordLimit, sizeLimit: plan.sizeLimit, cullFraction: plan.cullFraction });
          const missing: string[] = [];
          for (const op of plan.ops) {
            if (op.op === 'add') db.addRecordSync(op.id, op.record as TaskRecord);
            else {
              try {
                db.updateRecordSync(op.id, { result_buffers: op.buffers! });
              } catch (e) {
                assert.ok(e instanceof IpcError && e.kind === 'KeyError' && /was culled/.test(e.message), String(e));
                missing.push(op.id);
              }
            }
          }
          const kept = db.findRecordsSync({}, 'msg_id').map((r) => r['msg_id'] as string).sort();
          const added = plan.ops.filter((o) => o.op === 'add').map((o) => o.id);
          const culled = added.filter((id) => db.culledReason(id) !== undefined).sort();
          const what = JSON.stringify({ ...plan, ops: plan.ops.length });
          assert.deepEqual(kept, python[i]!.kept, `kept records for ${what}`);
          assert.deepEqual(db.getHistorySync(), python[i]!.history, `history (ties in order of arrival) for ${what}`);
          assert.deepEqual(culled, python[i]!.culled, `culled records for ${what}`);
          assert.equal(db.bytes, python[i]!.bytes, `buffer bytes for ${what}`);
          assert.deepEqual(missing, python[i]!.missing, `updates of culled records for ${what}`);
          for (const id of culled) {
            assert.throws(() => db.getRecordSync(id), (e: unknown) => e instanceof IpcError && e.kind === 'KeyError' && e.message.includes(`record '${id}' was culled`) && /DictDB\.(record|size)_limit/.test(e.message));
          }
          culledSeen += culled.length;
        });
      }),
      { numRuns: 4, endOnFailure: true, includeErrorInReport: true },
    );
    assert.ok(culledSeen > 20, `only ${culledSeen} records were culled`);
  });
});
