import type { KeyKind, Value } from '../records/index.js';

/**
 * The query AST: the contract between the parser and every backend. Each
 * backend is a walker over these nodes, beside its backend: match here (and
 * every backend's residual), toSql in stores/sqlite/, toMongo in
 * stores/mongodb/, toHubQuery in hub/. Nodes are plain data and never
 * mutated once built.
 */
export type Cond =
  | { readonly op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; readonly value: Value }
  | { readonly op: 'in' | 'nin' | 'all'; readonly values: readonly Value[] }
  | { readonly op: 'mod'; readonly divisor: number; readonly remainder: number }
  | { readonly op: 'exists'; readonly value: boolean }
  | { readonly op: 'regex'; readonly source: string; readonly flags: string; readonly re: RegExp }
  | { readonly op: 'glob'; readonly pattern: string; readonly re: RegExp }
  | { readonly op: 'not'; readonly conds: readonly Cond[] };

export interface FieldNode {
  readonly kind: 'field';
  /** The TaskRecord key (first segment of a dotted path). */
  readonly key: string;
  /** Path segments below the key: `header.msg_type` → ['msg_type']. */
  readonly path: readonly string[];
  readonly keyKind: KeyKind;
  /** Conditions that must all hold. */
  readonly conds: readonly Cond[];
}

export interface LogicalNode {
  readonly kind: 'and' | 'or' | 'nor';
  readonly children: readonly QueryNode[];
}

export type QueryNode = FieldNode | LogicalNode;

/** A parsed, normalized and validated query. */
export interface Query {
  readonly kind: 'query';
  /** Always an `and` node at the top (empty: matches everything). */
  readonly root: LogicalNode;
}

export function isQuery(v: unknown): v is Query {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'query' && 'root' in v;
}

/** The dotted name of a field node, as typed. */
export function fieldName(node: FieldNode): string {
  return [node.key, ...node.path].join('.');
}
