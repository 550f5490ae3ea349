/**
 * The one table of query operators. Tests, `%help`, completion and the error
 * that lists supported operators all read it.
 */
export type FieldOp =
  | 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'
  | 'in' | 'nin' | 'all' | 'mod' | 'exists' | 'regex' | 'glob' | 'not';

export interface OperatorSpec {
  /** As typed in a query, with the `$`. */
  readonly name: string;
  /** The canonical operator it normalizes to. */
  readonly op: FieldOp;
  readonly doc: string;
}

export const FIELD_OPERATORS: readonly OperatorSpec[] = [
  { name: '$eq', op: 'eq', doc: 'equal to the value (None matches None or missing)' },
  { name: '$ne', op: 'ne', doc: 'not equal (None: the key is set); keeps records where the key is None' },
  { name: '$gt', op: 'gt', doc: 'greater than' },
  { name: '$gte', op: 'gte', doc: 'greater than or equal' },
  { name: '$lt', op: 'lt', doc: 'less than' },
  { name: '$lte', op: 'lte', doc: 'less than or equal' },
  { name: '$ge', op: 'gt', doc: "the ipyparallel documentation's name for $gt (strict)" },
  { name: '$le', op: 'lt', doc: "the ipyparallel documentation's name for $lt (strict)" },
  { name: '$in', op: 'in', doc: 'equal to one of a list (may hold None)' },
  { name: '$nin', op: 'nin', doc: 'equal to none of a list (may hold None)' },
  { name: '$all', op: 'all', doc: 'a list value that holds every item of a list' },
  { name: '$mod', op: 'mod', doc: '[divisor, remainder]: value % divisor == remainder' },
  { name: '$exists', op: 'exists', doc: 'True: the key is set (not None); False: it is None or missing' },
  { name: '$regex', op: 'regex', doc: "text matching a regular expression ('$options': 'imsx')" },
  { name: '$glob', op: 'glob', doc: 'text matching a shell-style pattern (* ? [abc] [!abc]), case-sensitive' },
  { name: '$not', op: 'not', doc: 'the inner operators do not all match' },
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
