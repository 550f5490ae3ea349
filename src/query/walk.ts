import type { FieldNode, Query, QueryNode } from './ast.js';

/** Every node of a query tree, parents before their children. */
export function* walk(node: QueryNode): Generator<QueryNode> {
  yield node;
  if (node.kind !== 'field') for (const child of node.children) yield* walk(child);
}

/** The field tests of a query, at any depth under `$and`, `$or` and `$nor`. */
export function* fieldNodes(query: Query): Generator<FieldNode> {
  for (const node of walk(query.root)) if (node.kind === 'field') yield node;
}

/** The TaskRecord keys a query tests: what a store must fetch for the shared engine to test it. */
export function fieldKeys(query: Query): Set<string> {
  const keys = new Set<string>();
  for (const node of fieldNodes(query)) keys.add(node.key);
  return keys;
}
