import type { Cond, FieldNode, Query, QueryNode } from '../query/index.js';
import { Timestamp, type Dict, type Value } from '../records/index.js';

/** The hub's DB backend, as far as ipc could tell. */
export type HubBackend = 'DictDB' | 'SQLiteDB' | 'MongoDB' | 'NoDB' | 'unknown';

/** What to send the hub: a query whose answer holds every record the full query matches. */
export type HubPlan = { readonly kind: 'send'; readonly query: Dict } | { readonly kind: 'empty' };

export interface HubQueryOptions {
  /**
   * The datetime bounds concern only records the running hub wrote itself
   * (a moment ago): it writes every date as UTC `isoformat()` text, the
   * text it makes of the bound too, so SQLiteDB's comparison of text is
   * exact for them and the bound goes as it is, not two days wider.
   */
  readonly ownDates?: boolean;
}

/** Matches every record on every backend; SQLiteDB cannot run an empty query. */
export const MATCH_ALL: Dict = { msg_id: { $ne: null } };

const DAY_US = 86_400_000_000;
/**
 * Longer lists stay with ipc: SQLiteDB binds one variable per item (old
 * SQLite builds allow 999) and DictDB scans the list for every record.
 */
export const MAX_PUSHED_LIST = 900;

/**
 * The toHub walker: the part of a query the hub's backend evaluates
 * correctly, widened where it is imprecise, so the answer is a superset; ipc
 * then runs the whole query on it with matches(). What each backend gets
 * wrong in ipyparallel 7.1–9.1:
 * - DictDB: `$gt` acts as `$lt`; plain equality binds late (all equality
 *   keys compare with the last value); ordering a None raises (so a bound
 *   goes after `$ne: None`, which it tests first); no dotted paths, `$regex`
 *   or top-level `$or`/`$and`/`$nor`.
 * - SQLiteDB: `$in`/`$nin` with None raise; `$in: []` and the empty query
 *   are invalid SQL; `$ne`/`$nin` drop NULL rows; no `$all $mod $exists`;
 *   dates compare as text.
 * - MongoDB keeps milliseconds only.
 * Equality is always sent as `$eq`, which no backend binds late; `label`
 * is never sent (7.x has no such column).
 */
export function toHubQuery(query: Query, backend: HubBackend, options: HubQueryOptions = {}): HubPlan {
  const out: Record<string, Record<string, Value>> = {};
  for (const node of topLevelFields(query.root.children)) {
    if (node.path.length > 0 || node.key === 'label') continue;
    for (const cond of node.conds) {
      if (cond.op === 'in' && cond.values.length === 0) return { kind: 'empty' };
      const pushed = pushCond(cond, node, backend, options);
      if (!pushed) continue;
      const ops = (out[node.key] ??= {});
      for (const [op, v] of Object.entries(pushed)) if (!(op in ops)) ops[op] = v;
    }
  }
  return { kind: 'send', query: Object.keys(out).length === 0 ? MATCH_ALL : out };
}

/** Field nodes that must all hold: the root's children and those of nested `$and`s. */
function topLevelFields(children: readonly QueryNode[]): FieldNode[] {
  const out: FieldNode[] = [];
  for (const c of children) {
    if (c.kind === 'field') out.push(c);
    else if (c.kind === 'and') for (const f of topLevelFields(c.children)) out.push(f);
  }
  return out;
}

function pushCond(cond: Cond, node: FieldNode, backend: HubBackend, options: HubQueryOptions): Record<string, Value> | null {
  const text = node.keyKind === 'text';
  const datetime = node.keyKind === 'datetime';
  switch (cond.op) {
    case 'eq':
      if (cond.value === null) return { $eq: null };
      if (text && typeof cond.value === 'string') return { $eq: cond.value };
      if (datetime && cond.value instanceof Timestamp) {
        if (backend === 'DictDB') return { $eq: cond.value };
        const lower = pushRange('gte', cond.value, backend, options);
        const upper = pushRange('lte', cond.value, backend, options);
        return lower && upper ? { ...lower, ...upper } : null;
      }
      return null;
    case 'ne':
      if (cond.value === null) return { $ne: null };
      if (text && typeof cond.value === 'string' && (backend === 'DictDB' || backend === 'MongoDB')) return { $ne: cond.value };
      return null;
    case 'in':
    case 'nin': {
      if (!text || cond.values.length > MAX_PUSHED_LIST) return null;
      const strings = cond.values.every((v) => typeof v === 'string');
      const withNone = cond.values.every((v) => typeof v === 'string' || v === null);
      if (cond.op === 'in') {
        if (strings) return { $in: [...cond.values] };
        if (withNone && (backend === 'DictDB' || backend === 'MongoDB')) return { $in: [...cond.values] };
        return null;
      }
      if (withNone && (backend === 'DictDB' || backend === 'MongoDB')) return { $nin: [...cond.values] };
      return null;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (cond.value === null) return null;
      if (text && typeof cond.value === 'string' && (backend === 'SQLiteDB' || backend === 'MongoDB')) {
        return { [`$${cond.op}`]: cond.value };
      }
      if (datetime && cond.value instanceof Timestamp) return pushRange(cond.op, cond.value, backend, options);
      return null;
    default:
      return null;
  }
}

/**
 * A datetime bound as the backend can take it, widened where its
 * imprecision could drop a matching record: SQLiteDB compares text in
 * whatever offset and separator the writer used (two days covers every
 * offset and puts the date part in charge); MongoDB keeps milliseconds.
 * DictDB compares instants, once None is out of the way.
 */
function pushRange(op: 'gt' | 'gte' | 'lt' | 'lte', bound: Timestamp, backend: HubBackend, options: HubQueryOptions): Record<string, Value> | null {
  const lower = op === 'gt' || op === 'gte';
  if (backend === 'SQLiteDB' && options.ownDates) return { [`$${op}`]: bound };
  if (backend === 'DictDB') {
    // DictDB runs a key's tests in the order sent and stops at the first that
    // fails: `$ne: None` first keeps a pending task's None from being ordered
    // (which raises); its `$gt` is reversed, so `$gte` stands for it.
    return { $ne: null, [op === 'gt' ? '$gte' : `$${op}`]: bound };
  }
  if (backend === 'SQLiteDB') {
    return lower ? { $gte: bound.plus(-2 * DAY_US) } : { $lte: bound.plus(2 * DAY_US) };
  }
  if (backend === 'MongoDB') {
    return lower ? { $gte: bound.plus(-1000) } : { $lte: bound.plus(1000) };
  }
  return null;
}
