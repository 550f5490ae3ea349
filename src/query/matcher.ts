import { Timestamp, compareStrings, compareValues, isDict, valuesEqual, type TaskRecord, type Value } from '../records/index.js';
import type { Cond, FieldNode, Query, QueryNode } from './ast.js';
import { resolvePath, testCond } from './match.js';

/** A compiled query: does this record match? */
export type Matcher = (record: TaskRecord) => boolean;

/** A compiled condition on the one value a key holds (undefined: missing). */
type Test = (v: Value | undefined) => boolean;

const compiled = new WeakMap<Query, Matcher>();

/**
 * Does a record match a query? The query is compiled once (cached per Query)
 * into a function that tests a record without allocating. The semantics are
 * those of `matchNode`/`testCond`, the reference walkers, and a property
 * test holds the two together.
 */
export function matches(query: Query, record: TaskRecord): boolean {
  return compileMatcher(query)(record);
}

export function compileMatcher(query: Query): Matcher {
  let m = compiled.get(query);
  if (!m) {
    m = compileNode(query.root);
    compiled.set(query, m);
  }
  return m;
}

/**
 * The query's logical skeleton becomes the source of one small function whose
 * key lookups are constant property loads (`r["queue"]`), so each compiled
 * query gets its own inline caches; the tests themselves stay closures. Key
 * names reach the source only as JSON string literals.
 */
function compileNode(root: QueryNode): Matcher {
  const tests: ((x: never) => boolean)[] = [];
  const expr = (node: QueryNode): string => {
    if (node.kind === 'field') {
      const i = tests.length;
      if (node.path.length === 0) {
        tests.push(testAll(node.conds));
        return `t${i}(r[${JSON.stringify(node.key)}])`;
      }
      tests.push(compilePath(node));
      return `t${i}(r)`;
    }
    const parts = node.children.map(expr);
    if (node.kind === 'and') return parts.length === 0 ? 'true' : `(${parts.join(' && ')})`;
    const any = parts.length === 0 ? 'false' : `(${parts.join(' || ')})`;
    return node.kind === 'or' ? any : `!${any}`;
  };
  const body = expr(root);
  let factory = factories.get(body);
  if (!factory) {
    const names = tests.map((_, i) => `t${i}`);
    const source = `${names.length ? `const [${names.join(', ')}] = tests;\n` : ''}return function match(r) { return ${body}; };`;
    factory = new Function('tests', source) as MatcherFactory;
    if (factories.size >= 512) factories.clear();
    factories.set(body, factory);
  }
  return factory(tests);
}

type MatcherFactory = (tests: readonly ((x: never) => boolean)[]) => Matcher;

/**
 * Generated code per query shape (keys and logic, not values): queries of one
 * shape share the code and so the optimizations the engine made for it.
 */
const factories = new Map<string, MatcherFactory>();

function compilePath(node: FieldNode): Matcher {
  const { key, path } = node;
  const test = testAll(node.conds);
  const generic = (r: TaskRecord) => {
    const leaves = resolvePath(r[key], path);
    return node.conds.every((c) => testCond(c, leaves));
  };
  // Walk dicts straight down; a list on the way needs the general path semantics.
  return (r) => {
    let v: Value | undefined = r[key];
    for (const segment of path) {
      if (v === undefined) return test(undefined);
      if (!isDict(v)) return Array.isArray(v) ? generic(r) : test(undefined);
      v = Object.prototype.hasOwnProperty.call(v, segment) ? v[segment] : undefined;
    }
    return test(v);
  };
}

/** The conditions on one key, all of which must hold. */
function testAll(conds: readonly Cond[]): Test {
  return instantRange(conds) ?? allOf(conds.map(compileCond));
}

const ORDERING = new Set<Cond['op']>(['gt', 'gte', 'lt', 'lte']);

/**
 * Bounds on a datetime (`{'$gte': a, '$lt': b}`) as one range of whole
 * microseconds: one test per record instead of one per bound. A list value
 * keeps the general semantics, where each bound may hold for another item.
 */
function instantRange(conds: readonly Cond[]): Test | undefined {
  let lo = -Infinity;
  let hi = Infinity;
  for (const c of conds) {
    if (!ORDERING.has(c.op) || !('value' in c) || !(c.value instanceof Timestamp)) return undefined;
    const us = c.value.us;
    if (c.op === 'gt') lo = Math.max(lo, us + 1);
    else if (c.op === 'gte') lo = Math.max(lo, us);
    else if (c.op === 'lt') hi = Math.min(hi, us - 1);
    else hi = Math.min(hi, us);
  }
  const general = allOf(conds.map(compileCond));
  return (v) => (v instanceof Timestamp ? v.us >= lo && v.us <= hi : Array.isArray(v) && general(v));
}

function allOf(tests: Test[]): Test {
  if (tests.length === 1) return tests[0]!;
  if (tests.length === 2) {
    const [a, b] = tests as [Test, Test];
    return (v) => a(v) && b(v);
  }
  return (v) => {
    for (const t of tests) if (!t(v)) return false;
    return true;
  };
}

/** Tests a value as itself, and a list also through each of its items. */
function eachCandidate(one: (c: Value) => boolean): Test {
  return (v) => {
    if (v === undefined) return false;
    if (one(v)) return true;
    if (Array.isArray(v)) for (const x of v) if (one(x)) return true;
    return false;
  };
}

const isNone: Test = (v) => v === undefined || v === null || (Array.isArray(v) && v.includes(null));

function equalTo(value: Value): Test {
  if (value === null) return isNone;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return (v) => v === value || (Array.isArray(v) && v.includes(value));
  }
  if (value instanceof Timestamp) {
    const us = value.us;
    return eachCandidate((c) => c instanceof Timestamp && c.us === us);
  }
  return eachCandidate((c) => valuesEqual(c, value));
}

function ordering(op: 'gt' | 'gte' | 'lt' | 'lte', value: Value): Test {
  if (value === null) return op === 'gte' || op === 'lte' ? isNone : () => false;
  const accept = op === 'gt' ? (r: number) => r > 0 : op === 'gte' ? (r: number) => r >= 0 : op === 'lt' ? (r: number) => r < 0 : (r: number) => r <= 0;
  if (value instanceof Timestamp) {
    const us = value.us;
    const one =
      op === 'gt' ? (c: Value) => c instanceof Timestamp && c.us > us
      : op === 'gte' ? (c: Value) => c instanceof Timestamp && c.us >= us
      : op === 'lt' ? (c: Value) => c instanceof Timestamp && c.us < us
      : (c: Value) => c instanceof Timestamp && c.us <= us;
    return eachCandidate(one);
  }
  if (typeof value === 'string') return eachCandidate((c) => typeof c === 'string' && accept(compareStrings(c, value)));
  return eachCandidate((c) => {
    const r = compareValues(c, value);
    return r !== undefined && accept(r);
  });
}

function oneOf(values: readonly Value[]): Test {
  const primitives = new Set<Value>();
  const instants = new Set<number>();
  const others: Test[] = [];
  for (const x of values) {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') primitives.add(x);
    else if (x instanceof Timestamp) instants.add(x.us);
    else others.push(equalTo(x));
  }
  const one = (c: Value) => (c instanceof Timestamp ? instants.has(c.us) : primitives.has(c));
  return (v) => {
    if (v !== undefined) {
      if (one(v)) return true;
      if (Array.isArray(v)) for (const x of v) if (one(x)) return true;
    }
    for (const t of others) if (t(v)) return true;
    return false;
  };
}

function compileCond(cond: Cond): Test {
  switch (cond.op) {
    case 'eq':
      return equalTo(cond.value);
    case 'ne': {
      const eq = equalTo(cond.value);
      return (v) => !eq(v);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return ordering(cond.op, cond.value);
    case 'in':
      return oneOf(cond.values);
    case 'nin': {
      const any = oneOf(cond.values);
      return (v) => !any(v);
    }
    case 'all': {
      if (cond.values.length === 0) return () => false;
      return allOf(cond.values.map(equalTo));
    }
    case 'mod': {
      const { divisor, remainder } = cond;
      return eachCandidate((c) => typeof c === 'number' && Math.trunc(c) % divisor === remainder);
    }
    case 'exists':
      return cond.value ? (v) => v !== undefined && v !== null : (v) => v === undefined || v === null;
    case 'regex':
    case 'glob': {
      const re = cond.re;
      return eachCandidate((c) => {
        if (typeof c !== 'string') return false;
        re.lastIndex = 0;
        return re.test(c);
      });
    }
    case 'not': {
      const inner = testAll(cond.conds);
      return (v) => !inner(v);
    }
  }
}
