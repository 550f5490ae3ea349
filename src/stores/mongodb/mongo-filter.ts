import { didYouMean, queryError } from '../../errors.js';
import { Timestamp, isDict, setOwn, isIsoDateString, type Value } from '../../records/index.js';
import {
  LOGICAL_OPERATORS, MODIFIERS, OPERATOR_NAMES, compileQuery, describe, fieldName, fieldOperator, isQuery, supportedOperatorsSentence,
  type Cond, type FieldNode, type Query, type QueryInput, type QueryNode,
} from '../../query/index.js';

/**
 * The MongoDB walker: a query becomes the filter document MongoDB runs, so
 * that MongoDB answers what the shared engine would. Datetimes go as BSON
 * dates (JS Dates, which the driver encodes so), `$glob` as an anchored
 * regex, `$exists` as ipc means it (set and not None). MongoDB keeps
 * milliseconds, so a bound with microseconds is rounded the way that keeps
 * the comparison exact against stored milliseconds.
 *
 * A raw query dict may also hold MongoDB operators the shared engine does
 * not emulate (`$type`, `$size`, `$elemMatch`, `$expr`, ...): they are relayed
 * as typed, after the keys are checked; server-side JavaScript only with
 * `allowJs`.
 */
export type MongoFilter = { [key: string]: unknown };

export interface MongoFilterOptions {
  /** Relay `$where`, `$function` and `$accumulator` (server-side JavaScript). */
  readonly allowJs?: boolean;
}

/** MongoDB field operators relayed as typed (no emulation elsewhere). */
export const MONGO_FIELD_OPERATORS: readonly string[] = [
  '$type', '$size', '$elemMatch', '$bitsAllSet', '$bitsAllClear', '$bitsAnySet', '$bitsAnyClear',
  '$geoWithin', '$geoIntersects', '$near', '$nearSphere', '$maxDistance', '$minDistance',
];

/** MongoDB top-level operators relayed as typed. */
export const MONGO_TOP_OPERATORS: readonly string[] = ['$expr', '$jsonSchema', '$comment', '$text', '$where'];

/** Operators that run JavaScript on the server. */
export const MONGO_JS_OPERATORS: readonly string[] = ['$where', '$function', '$accumulator'];

const MONGO_ONLY = [...MONGO_FIELD_OPERATORS, ...MONGO_TOP_OPERATORS];

/** Builds the MongoDB filter for a query (a query dict as typed, or a compiled Query). */
export function toMongo(input: QueryInput, options: MongoFilterOptions = {}): MongoFilter {
  if (isQuery(input) || !isDict(input) || !needsRelay(input)) return queryToMongo(compileQuery(input));
  return relayDocument(input, options);
}

/** The filter for a compiled Query. */
export function queryToMongo(query: Query): MongoFilter {
  return nodeToMongo(query.root);
}

function nodeToMongo(node: QueryNode): MongoFilter {
  if (node.kind === 'field') return conjunction(fieldClauses(node));
  const children = node.children.map(nodeToMongo);
  if (node.kind === 'and') return conjunction(children);
  return { [`$${node.kind}`]: children };
}

/** One filter for clauses that must all hold: merged into one document where keys do not collide. */
function conjunction(clauses: readonly MongoFilter[]): MongoFilter {
  const useful = clauses.filter((c) => Object.keys(c).length > 0);
  if (useful.length === 0) return {};
  if (useful.length === 1) return useful[0]!;
  const merged: MongoFilter = {};
  for (const clause of useful) {
    for (const [k, v] of Object.entries(clause)) {
      if (k in merged) {
        const a = merged[k];
        if (k.startsWith('$') || !isOperatorDoc(a) || !isOperatorDoc(v) || Object.keys(v).some((op) => op in a)) {
          return { $and: [...useful] };
        }
        merged[k] = { ...a, ...v };
      } else merged[k] = v;
    }
  }
  return merged;
}

function isOperatorDoc(v: unknown): v is Record<string, unknown> {
  return isDict(v as Value) && Object.keys(v as object).length > 0 && Object.keys(v as object).every((k) => k.startsWith('$'));
}

/** Matches no document. */
const NOTHING = (path: string): MongoFilter => ({ [path]: { $in: [] } });

function fieldClauses(node: FieldNode): MongoFilter[] {
  const path = fieldName(node);
  return node.conds.map((c) => condToMongo(c, path));
}

function condToMongo(cond: Cond, path: string): MongoFilter {
  const test = (ops: Record<string, unknown>): MongoFilter => ({ [path]: ops });
  switch (cond.op) {
    case 'eq':
    case 'ne': {
      if (cond.value instanceof Timestamp && !wholeMillis(cond.value)) {
        // No stored millisecond date equals an instant with microseconds.
        return cond.op === 'eq' ? NOTHING(path) : {};
      }
      return test({ [`$${cond.op}`]: toBson(cond.value) });
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const v = cond.value;
      if (v === null) return cond.op === 'gte' || cond.op === 'lte' ? test({ $eq: null }) : NOTHING(path);
      if (v instanceof Timestamp && !wholeMillis(v)) {
        // Stored dates hold whole milliseconds m: m > 1.5 ⇔ m > 1, m < 1.5 ⇔ m <= 1.
        const op = cond.op === 'gt' || cond.op === 'gte' ? '$gt' : '$lte';
        return test({ [op]: new Date(v.millis) });
      }
      return test({ [`$${cond.op}`]: toBson(v) });
    }
    case 'in':
    case 'nin': {
      const values = cond.values.filter((v) => !(v instanceof Timestamp && !wholeMillis(v))).map(toBson);
      return test({ [`$${cond.op}`]: values });
    }
    case 'all':
      if (cond.values.some((v) => v instanceof Timestamp && !wholeMillis(v))) return NOTHING(path);
      return test({ $all: cond.values.map(toBson) });
    case 'mod':
      return test({ $mod: [cond.divisor, cond.remainder] });
    case 'exists':
      return test(cond.value ? { $ne: null } : { $eq: null });
    case 'regex':
      return test(cond.flags ? { $regex: cond.source, $options: cond.flags } : { $regex: cond.source });
    case 'glob':
      return test({ $regex: globForMongo(cond.re) });
    case 'not':
      // $nor of the field's own test is $not without MongoDB's limits on what $not may hold.
      return { $nor: [conjunction(cond.conds.map((c) => condToMongo(c, path)))] };
  }
}

/**
 * The glob's anchored pattern for PCRE and JS alike: `$` in PCRE also matches
 * before a final newline, so the end is "no character follows".
 */
function globForMongo(re: RegExp): string {
  const source = re.source;
  return source.endsWith('$') ? source.slice(0, -1) + '(?![\\s\\S])' : source;
}

function wholeMillis(t: Timestamp): boolean {
  return t.subMillis === 0;
}

/** A query value as the driver should encode it: instants as Dates (milliseconds), the rest as is. */
export function toBson(v: Value): unknown {
  if (v instanceof Timestamp) return new Date(v.millis);
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(toBson);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) setOwn(out, k, toBson(x));
  return out;
}

// ---- raw relay of operators the shared engine does not emulate ----

function isIpcOperator(name: string): boolean {
  return fieldOperator(name) !== undefined || MODIFIERS.includes(name) || LOGICAL_OPERATORS.some((o) => o.name === name);
}

/** Does the query hold an operator that only MongoDB knows (or a typo, reported while relaying)? */
function needsRelay(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(needsRelay);
  if (!isDict(v as Value)) return false;
  return Object.entries(v as Record<string, unknown>).some(([k, x]) => MONGO_ONLY.includes(k) || needsRelay(x));
}

function relayDocument(doc: Record<string, unknown>, options: MongoFilterOptions): MongoFilter {
  const clauses: MongoFilter[] = [];
  for (const [name, arg] of Object.entries(doc)) {
    if (LOGICAL_OPERATORS.some((o) => o.name === name)) {
      if (!Array.isArray(arg) || arg.length === 0 || !arg.every((x) => isDict(x as Value))) {
        // The shared engine words this error.
        compileQuery({ [name]: arg });
      }
      clauses.push({ [name]: (arg as Record<string, unknown>[]).map((sub) => relayDocument(sub, options)) });
    } else if (name.startsWith('$')) {
      if (!MONGO_TOP_OPERATORS.includes(name)) compileQuery({ [name]: arg });
      clauses.push(relayValue({ [name]: arg }, name, options) as MongoFilter);
    } else {
      clauses.push(relayField(name, arg, options));
    }
  }
  return conjunction(clauses);
}

function relayField(name: string, arg: unknown, options: MongoFilterOptions): MongoFilter {
  const ops = isDict(arg as Value) ? Object.keys(arg as object) : [];
  const relayed = ops.filter(
    (op) => (op.startsWith('$') && !isIpcOperator(op)) || (op === '$not' && needsRelay((arg as Record<string, unknown>)[op])),
  );
  if (relayed.length === 0) return queryToMongo(compileQuery({ [name]: arg }));
  const known: Record<string, unknown> = {};
  const raw: Record<string, unknown> = {};
  for (const [op, x] of Object.entries(arg as Record<string, unknown>)) {
    if (relayed.includes(op)) raw[op] = x;
    else known[op] = x;
  }
  const clauses: MongoFilter[] = [];
  for (const op of Object.keys(raw)) {
    if (op === '$not') {
      const inner = raw[op];
      if (!isDict(inner as Value)) compileQuery({ [name]: { $not: inner } });
      // As for the shared operators: $not is a $nor of the field's own test.
      clauses.push({ $nor: [relayField(name, inner, options)] });
      delete raw[op];
    } else if (!MONGO_FIELD_OPERATORS.includes(op)) {
      throw queryError(`unknown operator '${op}' on '${name}'${didYouMean(op, [...OPERATOR_NAMES, ...MONGO_FIELD_OPERATORS])}; supported: ${supportedOperatorsSentence()}, and on MongoDB ${MONGO_FIELD_OPERATORS.join(' ')}`);
    }
  }
  // The key is checked as the shared engine checks it (unknown key, buffers, dotted path into text).
  const checked = compileQuery({ [name]: Object.keys(known).length > 0 ? known : null });
  if (Object.keys(known).length > 0) clauses.push(queryToMongo(checked));
  if (Object.keys(raw).length > 0) clauses.push({ [name]: relayValue(raw, name, options) });
  return conjunction(clauses);
}

/** A relayed argument: datetimes and ISO 8601 strings become BSON dates, as the hub's extract_dates makes them. */
function relayValue(v: unknown, where: string, options: MongoFilterOptions): unknown {
  if (typeof v === 'string') return isIsoDateString(v) ? new Date(Timestamp.parse(v)!.millis) : v;
  if (v instanceof Timestamp) return new Date(v.millis);
  if (v === null || v === undefined || typeof v !== 'object' || v instanceof Uint8Array || v instanceof Date || v instanceof RegExp) {
    if (typeof v === 'function') throw queryError(`'${where}' cannot be compared with ${describe(v)}`);
    return v ?? null;
  }
  if (Array.isArray(v)) return v.map((x) => relayValue(x, where, options));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (MONGO_JS_OPERATORS.includes(k) && !options.allowJs) {
      throw queryError(`${k} runs JavaScript on the MongoDB server, which ipc refuses unless asked: start ipc with --allow-js`);
    }
    setOwn(out, k, relayValue(x, where, options));
  }
  return out;
}
