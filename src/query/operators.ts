/**
 * The one table of query operators: each with its doc and the rules of its
 * argument (what it takes, and the condition it becomes). Compiling a
 * query, `%help`, completion and the error that lists supported operators
 * all read it; a new operator is a row here and a case in each backend's
 * compiler (match, SQL, MongoDB, the hub's pushdown).
 */
import { queryError } from '../errors.js';
import { Timestamp, type Value } from '../records/index.js';
import type { Cond } from './ast.js';
import { describe } from './describe.js';
import { globToRegExp, pythonRegExp } from './patterns.js';

export type FieldOp =
  | 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'
  | 'in' | 'nin' | 'all' | 'mod' | 'exists' | 'regex' | 'glob' | 'not';

/** What an operator's argument is read with: the key it tests and the shared rules of values. */
export interface ArgContext {
  /** The key as typed (`header.msg_type`). */
  readonly key: string;
  /** The operator as typed (`$ge`). */
  readonly opName: string;
  /** A top-level datetime key: its arguments must be datetimes. */
  readonly datetime: boolean;
  /** `$options`, when given beside the operator. */
  readonly options: unknown;
  /** One argument value as a record would hold it: ISO 8601 text becomes an instant; a datetime key takes only datetimes or None. */
  value(arg: unknown): Value;
  /** The conditions of an operator document (`$not`'s argument), or null when `arg` is none. */
  conds(arg: unknown): Cond[] | null;
}

export interface OperatorSpec {
  /** As typed in a query, with the `$`. */
  readonly name: string;
  /** The canonical operator it normalizes to. */
  readonly op: FieldOp;
  readonly doc: string;
  /** Checks the argument and makes the condition, or raises a QueryError saying what is wrong. */
  compile(arg: unknown, ctx: ArgContext): Cond;
}

const comparison = (op: 'eq' | 'ne') => (arg: unknown, ctx: ArgContext): Cond => ({ op, value: ctx.value(arg) });

const ordering = (op: 'gt' | 'gte' | 'lt' | 'lte') => (arg: unknown, ctx: ArgContext): Cond => {
  const value = ctx.value(arg);
  if (typeof value === 'object' && value !== null && !(value instanceof Timestamp)) {
    throw queryError(`${ctx.opName} on '${ctx.key}' orders against one value, not ${describe(value)}`);
  }
  return { op, value };
};

const list = (op: 'in' | 'nin' | 'all') => (arg: unknown, ctx: ArgContext): Cond => {
  if (!Array.isArray(arg)) {
    throw queryError(`${ctx.opName} on '${ctx.key}' takes a list, such as {'${ctx.opName}': ['a', 'b']}, not ${describe(arg)}`);
  }
  return { op, values: arg.map((v) => ctx.value(v)) };
};

function mod(arg: unknown, ctx: ArgContext): Cond {
  if (!Array.isArray(arg) || arg.length !== 2 || !arg.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw queryError(`$mod on '${ctx.key}' takes two numbers [divisor, remainder], such as {'$mod': [2, 0]}, not ${describe(arg)}`);
  }
  if (ctx.datetime) throw queryError(`$mod cannot test the datetime '${ctx.key}'`);
  // MongoDB truncates both towards zero, as it truncates the value tested
  const [divisor, remainder] = (arg as [number, number]).map(Math.trunc) as [number, number];
  if (divisor === 0) throw queryError(`$mod on '${ctx.key}' cannot divide by zero`);
  return { op: 'mod', divisor, remainder };
}

function exists(arg: unknown, ctx: ArgContext): Cond {
  if (typeof arg !== 'boolean' && arg !== 0 && arg !== 1) {
    throw queryError(`$exists on '${ctx.key}' takes True or False, not ${describe(arg)}`);
  }
  return { op: 'exists', value: Boolean(arg) };
}

function regex(arg: unknown, ctx: ArgContext): Cond {
  if (typeof arg !== 'string') throw queryError(`$regex on '${ctx.key}' takes a pattern string, not ${describe(arg)}`);
  if (ctx.datetime) throw queryError(`$regex cannot test the datetime '${ctx.key}'; compare it with $gte/$lt`);
  const options = ctx.options;
  if (options !== undefined && (typeof options !== 'string' || !/^[imsx]*$/.test(options))) {
    throw queryError(`$options takes letters from 'imsx', not ${describe(options)}`);
  }
  const { re, source, flags } = pythonRegExp(arg, (options as string | undefined) ?? '', ctx.key);
  return { op: 'regex', source, flags, re };
}

function glob(arg: unknown, ctx: ArgContext): Cond {
  if (typeof arg !== 'string') throw queryError(`$glob on '${ctx.key}' takes a pattern string such as 'Value*', not ${describe(arg)}`);
  if (ctx.datetime) throw queryError(`$glob cannot test the datetime '${ctx.key}'; compare it with $gte/$lt`);
  return { op: 'glob', pattern: arg, re: globToRegExp(arg) };
}

function not(arg: unknown, ctx: ArgContext): Cond {
  // a pattern alone is a $regex, without options
  if (typeof arg === 'string') return { op: 'not', conds: [regex(arg, { ...ctx, opName: '$regex', options: undefined })] };
  const conds = ctx.conds(arg);
  if (!conds) throw queryError(`$not on '${ctx.key}' takes operators, such as {'$not': {'$in': ['a', 'b']}}, not ${describe(arg)}`);
  return { op: 'not', conds };
}

export const FIELD_OPERATORS: readonly OperatorSpec[] = [
  { name: '$eq', op: 'eq', doc: 'equal to the value (None matches None or missing)', compile: comparison('eq') },
  { name: '$ne', op: 'ne', doc: 'not equal (None: the key is set); keeps records where the key is None', compile: comparison('ne') },
  { name: '$gt', op: 'gt', doc: 'greater than', compile: ordering('gt') },
  { name: '$gte', op: 'gte', doc: 'greater than or equal', compile: ordering('gte') },
  { name: '$lt', op: 'lt', doc: 'less than', compile: ordering('lt') },
  { name: '$lte', op: 'lte', doc: 'less than or equal', compile: ordering('lte') },
  { name: '$ge', op: 'gt', doc: "the ipyparallel documentation's name for $gt (strict)", compile: ordering('gt') },
  { name: '$le', op: 'lt', doc: "the ipyparallel documentation's name for $lt (strict)", compile: ordering('lt') },
  { name: '$in', op: 'in', doc: 'equal to one of a list (may hold None)', compile: list('in') },
  { name: '$nin', op: 'nin', doc: 'equal to none of a list (may hold None)', compile: list('nin') },
  { name: '$all', op: 'all', doc: 'a list value that holds every item of a list', compile: list('all') },
  { name: '$mod', op: 'mod', doc: '[divisor, remainder]: value % divisor == remainder', compile: mod },
  { name: '$exists', op: 'exists', doc: 'True: the key is set (not None); False: it is None or missing', compile: exists },
  { name: '$regex', op: 'regex', doc: "text matching a regular expression ('$options': 'imsx')", compile: regex },
  { name: '$glob', op: 'glob', doc: 'text matching a shell-style pattern (* ? [abc] [!abc]), case-sensitive', compile: glob },
  { name: '$not', op: 'not', doc: 'the inner operators do not all match', compile: not },
];

export const LOGICAL_OPERATORS: readonly { name: '$and' | '$or' | '$nor'; doc: string }[] = [
  { name: '$and', doc: 'every query of a list matches' },
  { name: '$or', doc: 'at least one query of a list matches' },
  { name: '$nor', doc: 'no query of a list matches' },
];

/** `$options` sits beside `$regex`; it is not an operator of its own. */
export const MODIFIERS: readonly string[] = ['$options'];

export const OPERATOR_NAMES: readonly string[] = [
  ...FIELD_OPERATORS.map((o) => o.name),
  ...LOGICAL_OPERATORS.map((o) => o.name),
];

const BY_NAME = new Map(FIELD_OPERATORS.map((o) => [o.name, o]));

export function fieldOperator(name: string): OperatorSpec | undefined {
  return BY_NAME.get(name);
}

export function supportedOperatorsSentence(): string {
  return OPERATOR_NAMES.join(' ');
}
