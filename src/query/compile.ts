import { queryError, didYouMean } from '../errors.js';
import { BUFFER_KEYS, KEY_NAMES, Timestamp, isDict, isIsoDateString, setOwn, keySpec, takesPath, type KeyKind, type Value } from '../records/index.js';
import { DERIVED_KEYS, DERIVED_PATH_KEYS, isDerivedKey } from '../payload/index.js';
import { isQuery, type Cond, type FieldNode, type LogicalNode, type Query, type QueryNode } from './ast.js';
import { LOGICAL_OPERATORS, OPERATOR_NAMES, fieldOperator, supportedOperatorsSentence } from './operators.js';
import { describe } from './describe.js';

/** What a caller may pass as a query: a plain dict as typed, or one already compiled. */
export type QueryInput = unknown;

/**
 * parse → normalize → validate, in one walk: the query dict as typed at the
 * prompt (or given by a library caller) becomes a Query AST, or an IpcError
 * saying what is wrong.
 */
export function compileQuery(input: QueryInput): Query {
  if (isQuery(input)) return input;
  if (input === undefined || input === null) return { kind: 'query', root: { kind: 'and', children: [] } };
  if (!isDict(input)) {
    throw queryError(`a query is a dict such as {'completed': None}, not ${describe(input)}`);
  }
  return { kind: 'query', root: { kind: 'and', children: compileDocument(input, 'the query') } };
}

function compileDocument(doc: Record<string, unknown>, where: string): QueryNode[] {
  const nodes: QueryNode[] = [];
  for (const [name, arg] of Object.entries(doc)) {
    if (name.startsWith('$')) nodes.push(compileLogical(name, arg, where));
    else nodes.push(compileField(name, arg));
  }
  return nodes;
}

function compileLogical(name: string, arg: unknown, where: string): LogicalNode {
  const spec = LOGICAL_OPERATORS.find((o) => o.name === name);
  if (!spec) {
    if (fieldOperator(name)) {
      throw queryError(`${name} tests a key, so it goes inside one: {'completed': {'${name}': ...}}, not at the top of ${where}`);
    }
    throw queryError(`unknown operator '${name}'${didYouMean(name, OPERATOR_NAMES)}; supported: ${supportedOperatorsSentence()}`);
  }
  if (!Array.isArray(arg) || arg.length === 0) {
    throw queryError(`${name} takes a non-empty list of queries, such as {'${name}': [{'queue': 'task'}, {'completed': None}]}`);
  }
  const children = arg.map((sub, i) => {
    if (!isDict(sub)) throw queryError(`item ${i} of ${name} must be a query dict, not ${describe(sub)}`);
    const inner = compileDocument(sub, `an item of ${name}`);
    return inner.length === 1 ? inner[0]! : ({ kind: 'and', children: inner } as LogicalNode);
  });
  return { kind: spec.name.slice(1) as LogicalNode['kind'], children };
}

/** Every key a query or `keys` may name: the TaskRecord keys, then ipc's derived keys. */
export const QUERY_KEY_NAMES: readonly string[] = [...KEY_NAMES, ...DERIVED_KEYS];

export function unknownKeyError(key: string, where: string) {
  return queryError(
    `unknown key '${key}'${where}${didYouMean(key, QUERY_KEY_NAMES)}; a TaskRecord has ${KEY_NAMES.join(', ')}, and ipc derives ${DERIVED_KEYS.join(', ')}`,
  );
}

function compileField(name: string, arg: unknown): FieldNode {
  const [key, ...path] = name.split('.');
  if (isDerivedKey(key!)) return compileDerivedField(name, key!, path, arg);
  const spec = keySpec(key!);
  if (!spec) throw unknownKeyError(key!, '');
  if (BUFFER_KEYS.includes(spec.name)) {
    throw queryError(`'${spec.name}' holds raw bytes and cannot be tested; ask for it with keys=['${spec.name}'] instead`);
  }
  if (path.length > 0) {
    if (!takesPath(spec.name)) {
      throw queryError(`'${spec.name}' is ${spec.kind === 'datetime' ? 'a datetime' : 'text'}, so '${name}' has no meaning; dotted paths go into dict keys such as header.msg_type`);
    }
    if (path.some((p) => p === '')) throw queryError(`'${name}' has an empty part; write a path like header.msg_type`);
  }
  const kind: KeyKind = path.length > 0 ? 'text' : spec.kind;
  const field = { key: spec.name, path, kind, name, datetime: path.length === 0 && spec.kind === 'datetime' };
  const conds = isOperatorDoc(arg, name) ? compileConds(arg as Record<string, unknown>, field) : [eqCond(arg, field)];
  return { kind: 'field', key: spec.name, path, keyKind: path.length > 0 ? 'text' : spec.kind, conds };
}

/** A test of a derived key: the residual of every backend, matched on the decoded values. */
function compileDerivedField(name: string, key: string, path: string[], arg: unknown): FieldNode {
  const takesPaths = (DERIVED_PATH_KEYS as readonly string[]).includes(key);
  if (path.length > 0 && !takesPaths) {
    throw queryError(`'${key}' is a single value, so '${name}' has no meaning; dotted paths go into ${DERIVED_PATH_KEYS.join(', ')}`);
  }
  if (path.some((p) => p === '')) throw queryError(`'${name}' has an empty part; write a path like kwargs.scale`);
  const kind: KeyKind = takesPaths && path.length === 0 ? 'dict' : 'text';
  const field = { name, datetime: false, kind };
  const conds = isOperatorDoc(arg, name) ? compileConds(arg as Record<string, unknown>, field) : [eqCond(arg, field)];
  return { kind: 'field', key, path, keyKind: kind, conds };
}

interface FieldInfo {
  readonly name: string;
  /** A top-level datetime key: its arguments must be datetimes. */
  readonly datetime: boolean;
  readonly kind: KeyKind;
}

function isOperatorDoc(arg: unknown, name: string): boolean {
  if (!isDict(arg)) return false;
  const keys = Object.keys(arg);
  const ops = keys.filter((k) => k.startsWith('$'));
  if (ops.length === 0) return false;
  if (ops.length !== keys.length) {
    throw queryError(`the test of '${name}' mixes operators and plain keys (${keys.join(', ')}); use either {'$op': value} or a plain dict`);
  }
  return true;
}

function compileConds(doc: Record<string, unknown>, field: FieldInfo): Cond[] {
  const conds: Cond[] = [];
  const options = doc['$options'];
  if (options !== undefined && doc['$regex'] === undefined) {
    throw queryError(`'$options' goes beside '$regex', as in {'$regex': 'Error$', '$options': 'i'}`);
  }
  for (const [opName, arg] of Object.entries(doc)) {
    if (opName === '$options') continue;
    const spec = fieldOperator(opName);
    if (!spec) {
      const logical = LOGICAL_OPERATORS.find((o) => o.name === opName);
      if (logical) throw queryError(`${opName} combines whole queries, so it goes at the top: {'${opName}': [{...}, {...}]}`);
      throw queryError(`unknown operator '${opName}' on '${field.name}'${didYouMean(opName, OPERATOR_NAMES)}; supported: ${supportedOperatorsSentence()}`);
    }
    conds.push(spec.compile(arg, {
      key: field.name,
      opName,
      datetime: field.datetime,
      options,
      value: (v) => argValue(v, field, opName),
      conds: (v) => (isDict(v) && isOperatorDoc(v, field.name) ? compileConds(v, field) : null),
    }));
  }
  return conds;
}

function eqCond(arg: unknown, field: FieldInfo): Cond {
  return { op: 'eq', value: argValue(arg, field, 'equality') };
}

/**
 * One argument value: ISO 8601 strings become instants as the hub's
 * `extract_dates` makes them; a datetime key takes only datetimes or None.
 */
function argValue(arg: unknown, field: FieldInfo, opName: string): Value {
  const v = normalizeArg(arg, field.name);
  if (field.datetime && v !== null && !(v instanceof Timestamp)) {
    const ordering = ['$gt', '$gte', '$lt', '$lte', '$ge', '$le'].includes(opName);
    if (typeof v === 'number' && ordering) {
      throw queryError(`cannot order the datetime '${field.name}' against the number ${v}; give a datetime such as hourago or '2026-01-31T12:00:00'`);
    }
    throw queryError(`'${field.name}' is a datetime, so ${opName} needs a datetime (hourago, datetime(2026, 1, 31), '2026-01-31T12:00:00Z') or None, not ${describe(v)}`);
  }
  return v;
}

function normalizeArg(arg: unknown, name: string): Value {
  if (arg === undefined) return null;
  if (typeof arg === 'string') return isIsoDateString(arg) ? Timestamp.parse(arg) ?? arg : arg;
  if (arg instanceof Date) return Timestamp.fromDate(arg);
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw queryError(`'${name}' cannot be compared with ${arg}`);
    return arg;
  }
  if (typeof arg === 'bigint') return Number(arg);
  if (arg === null || typeof arg === 'boolean' || arg instanceof Timestamp || arg instanceof Uint8Array) return arg;
  if (Array.isArray(arg)) return arg.map((x) => normalizeArg(x, name));
  if (isDict(arg)) {
    const out: Record<string, Value> = {};
    for (const [k, x] of Object.entries(arg)) setOwn(out, k, normalizeArg(x, name));
    return out;
  }
  throw queryError(`'${name}' cannot be compared with ${describe(arg)}`);
}
