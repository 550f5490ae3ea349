import { Timestamp, compareStrings, compareValues, isDict, valuesEqual, type TaskRecord, type Value } from '../records/index.js';
import type { Cond, FieldNode, QueryNode } from './ast.js';

/**
 * The reference walker of the emulated-operator engine: does a record match
 * a query node? The semantics are MongoDB's, with ipc's documented choices:
 * None matches None or missing, `$ne`/`$nin` keep records where the key is
 * None, `$exists` means "is set", ordering across kinds never matches.
 * `matches` (matcher.ts) runs the same semantics compiled into closures.
 */
export function matchNode(node: QueryNode, record: TaskRecord): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((c) => matchNode(c, record));
    case 'or':
      return node.children.some((c) => matchNode(c, record));
    case 'nor':
      return !node.children.some((c) => matchNode(c, record));
    case 'field':
      return matchField(node, record);
  }
}

function matchField(node: FieldNode, record: TaskRecord): boolean {
  const leaves = resolvePath(record[node.key], node.path);
  return node.conds.every((c) => testCond(c, leaves));
}

/**
 * The values a dotted path reaches. Like MongoDB, a path walks into every
 * element of a list it meets; an empty result means "missing".
 */
export function resolvePath(top: Value | undefined, path: readonly string[]): Value[] {
  let current: Value[] = top === undefined ? [] : [top];
  for (const segment of path) {
    const next: Value[] = [];
    for (const v of current) step(v, segment, next);
    current = next;
  }
  return current;
}

function step(v: Value, segment: string, out: Value[]): void {
  if (isDict(v)) {
    if (Object.prototype.hasOwnProperty.call(v, segment)) out.push(v[segment]!);
  } else if (Array.isArray(v)) {
    if (/^\d+$/.test(segment)) {
      const x = v[Number(segment)];
      if (x !== undefined) out.push(x);
    } else {
      for (const e of v) if (isDict(e) && Object.prototype.hasOwnProperty.call(e, segment)) out.push(e[segment]!);
    }
  }
}

/** A list value is tested as itself and as each of its items. */
function candidates(leaves: Value[]): Value[] {
  if (!leaves.some(Array.isArray)) return leaves;
  const out: Value[] = [];
  for (const l of leaves) {
    out.push(l);
    if (Array.isArray(l)) for (const x of l) out.push(x);
  }
  return out;
}

function isUnset(leaves: Value[]): boolean {
  return leaves.length === 0 || leaves.every((l) => l === null);
}

function equalsAny(leaves: Value[], value: Value): boolean {
  if (value === null) return leaves.length === 0 || candidates(leaves).some((c) => c === null);
  return candidates(leaves).some((c) => valuesEqual(c, value));
}

export function testCond(cond: Cond, leaves: Value[]): boolean {
  switch (cond.op) {
    case 'eq':
      return equalsAny(leaves, cond.value);
    case 'ne':
      return !equalsAny(leaves, cond.value);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (cond.value === null) return (cond.op === 'gte' || cond.op === 'lte') && equalsAny(leaves, null);
      return candidates(leaves).some((c) => {
        const r = compareValues(c, cond.value);
        if (r === undefined) return false;
        return cond.op === 'gt' ? r > 0 : cond.op === 'gte' ? r >= 0 : cond.op === 'lt' ? r < 0 : r <= 0;
      });
    }
    case 'in':
      return cond.values.some((v) => equalsAny(leaves, v));
    case 'nin':
      return !cond.values.some((v) => equalsAny(leaves, v));
    case 'all':
      return cond.values.length > 0 && cond.values.every((v) => equalsAny(leaves, v));
    case 'mod':
      return candidates(leaves).some((c) => typeof c === 'number' && Math.trunc(c) % cond.divisor === cond.remainder);
    case 'exists':
      return isUnset(leaves) !== cond.value;
    case 'regex':
      return candidates(leaves).some((c) => typeof c === 'string' && testRegExp(cond.re, c));
    case 'glob':
      return candidates(leaves).some((c) => typeof c === 'string' && cond.re.test(c));
    case 'not':
      return !cond.conds.every((c) => testCond(c, leaves));
  }
}

function testRegExp(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}

/** The order of every answer: submitted ascending (None first), then msg_id. */
export function compareRecords(a: TaskRecord, b: TaskRecord): number {
  const sa = a['submitted'];
  const sb = b['submitted'];
  const ta = sa instanceof Timestamp ? sa.us : -Infinity;
  const tb = sb instanceof Timestamp ? sb.us : -Infinity;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return compareStrings(String(a['msg_id'] ?? ''), String(b['msg_id'] ?? ''));
}
