import { Timestamp, type Value } from '../../records/index.js';
import { isDerivedKey } from '../../payload/index.js';
import type { Cond, FieldNode, LogicalNode, Query, QueryNode } from '../../query/index.js';

/**
 * The SQL walker: compiles what SQL answers exactly to a parameterized WHERE
 * clause, and hands back the rest (the residual) for the shared engine.
 *
 * Every emitted expression is either true, false or NULL, and NULL always
 * means "does not match"; AND and OR keep that reading, NOT turns NULL into
 * false first. Identifiers are always quoted and values always parameters,
 * so nothing in a query can change the statement.
 */

export type SqlParam = string | number | null;

export interface SqlFilter {
  /** A boolean SQL expression ('1' when SQL has nothing to test). */
  readonly where: string;
  readonly params: readonly SqlParam[];
  /** What the shared engine must still test on the rows SQL returns; null when SQL was exact. */
  readonly residual: Query | null;
}

/** How the table stores a key: its quoted column, or null when the table lacks it (9.1's label). */
export type ColumnOf = (key: string) => string | null;

/**
 * The SQL function the store registers: any stored timestamp text (any form,
 * any offset, naive = local time) to canonical text, or NULL when the text is
 * not a timestamp.
 */
export const SQL_TIMESTAMP_FUNCTION = 'ipc_timestamp';

/**
 * Canonical timestamp text: the UTC `isoformat()` that ipyparallel 7.x
 * writes, always with six fractional digits. For text of this exact shape,
 * text order is time order, so SQLite compares it without calling out.
 */
export function canonicalTimestamp(ts: Timestamp): string {
  const iso = ts.toISOString();
  return iso.slice(0, 26) + '+00:00';
}

/**
 * The shape of canonical text. Only the shape is checked (digit classes
 * cost SQLite three times as much per row): ipyparallel writes nothing else
 * of exactly this shape, and every other text goes through the function.
 */
export const CANONICAL_TIMESTAMP_GLOB = '????-??-??T??:??:??.??????+00:00';

export function quoteIdentifier(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** A text as an SQL string literal (for a constant the program writes, never a user's value: those are bound). */
export function sqlText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The SQL that turns a timestamp column into canonical text (NULL for NULL or non-timestamps). */
export function timestampExpression(column: string): string {
  return `(CASE WHEN ${column} GLOB '${CANONICAL_TIMESTAMP_GLOB}' THEN ${column} ELSE ${SQL_TIMESTAMP_FUNCTION}(${column}) END)`;
}

export function toSql(query: Query, columnOf: ColumnOf): SqlFilter {
  const params: SqlParam[] = [];
  const exact: string[] = [];
  const rest: QueryNode[] = [];
  for (const child of query.root.children) {
    const sql = compileNode(child, columnOf, params);
    if (sql === undefined) rest.push(child);
    else exact.push(sql);
  }
  return {
    where: exact.length === 0 ? '1' : exact.join(' AND '),
    params,
    residual: rest.length === 0 ? null : { kind: 'query', root: { kind: 'and', children: rest } },
  };
}

/** SQL for a node, or undefined when SQL cannot answer it exactly. Params are only kept on success. */
function compileNode(node: QueryNode, columnOf: ColumnOf, params: SqlParam[]): string | undefined {
  const mine: SqlParam[] = [];
  const sql = node.kind === 'field' ? compileField(node, columnOf, mine) : compileLogical(node, columnOf, mine);
  if (sql !== undefined) for (const p of mine) params.push(p);
  return sql;
}

function compileLogical(node: LogicalNode, columnOf: ColumnOf, params: SqlParam[]): string | undefined {
  const parts: string[] = [];
  for (const child of node.children) {
    const sql = compileNode(child, columnOf, params);
    if (sql === undefined) return undefined;
    parts.push(sql);
  }
  if (parts.length === 0) return node.kind === 'or' ? '0' : '1';
  switch (node.kind) {
    case 'and':
      return `(${parts.join(' AND ')})`;
    case 'or':
      return `(${parts.join(' OR ')})`;
    case 'nor':
      return negate(`(${parts.join(' OR ')})`);
  }
}

function negate(sql: string): string {
  return `(NOT coalesce(${sql}, 0))`;
}

function compileField(node: FieldNode, columnOf: ColumnOf, params: SqlParam[]): string | undefined {
  // a derived key is no column: testing it as NULL would keep or drop every row
  if (node.path.length > 0 || isDerivedKey(node.key)) return undefined;
  const column = columnOf(node.key) ?? 'NULL';
  const leaf =
    node.keyKind === 'text' ? textLeaf(column) :
    node.keyKind === 'datetime' ? datetimeLeaf(column) :
    node.keyKind === 'dict' || node.keyKind === 'json' ? nullOnlyLeaf(column) :
    undefined;
  if (!leaf) return undefined;
  const parts: string[] = [];
  for (const cond of node.conds) {
    const sql = compileCond(cond, leaf, params);
    if (sql === undefined) return undefined;
    parts.push(sql);
  }
  return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
}

/**
 * How one kind of column answers the basic tests. Each returns undefined for
 * a value it cannot test exactly; `isNull` is "None or missing".
 */
interface Leaf {
  readonly isNull: string;
  eq(value: Value, params: SqlParam[]): string | undefined;
  order(op: '<' | '<=' | '>' | '>=', value: Value, params: SqlParam[]): string | undefined;
  /** Equal to one of these values (none of them null). */
  oneOf(values: readonly Value[], params: SqlParam[]): string | undefined;
}

function textLeaf(column: string): Leaf {
  return {
    isNull: `${column} IS NULL`,
    eq(value, params) {
      if (typeof value !== 'string') return undefined;
      params.push(value);
      return `${column} = ?`;
    },
    order(op, value, params) {
      if (typeof value !== 'string') return undefined;
      params.push(value);
      return `(typeof(${column}) = 'text' AND ${column} ${op} ?)`;
    },
    oneOf(values, params) {
      if (!values.every((v) => typeof v === 'string')) return undefined;
      for (const v of values as string[]) params.push(v);
      return `${column} IN (${values.map(() => '?').join(', ')})`;
    },
  };
}

function datetimeLeaf(column: string): Leaf {
  const canonical = timestampExpression(column);
  return {
    isNull: `${column} IS NULL`,
    eq(value, params) {
      if (!(value instanceof Timestamp)) return undefined;
      const near = textWindow(column, value, value, params);
      params.push(canonicalTimestamp(value));
      return near ? `(${near}${canonical} = ?)` : `${canonical} = ?`;
    },
    order(op, value, params) {
      if (!(value instanceof Timestamp)) return undefined;
      const near = op === '>' || op === '>=' ? textWindow(column, value, null, params) : textWindow(column, null, value, params);
      params.push(canonicalTimestamp(value));
      return near ? `(${near}${canonical} ${op} ?)` : `${canonical} ${op} ?`;
    },
    oneOf(values, params) {
      if (!values.every((v) => v instanceof Timestamp)) return undefined;
      // a loop, not a spread: a list of a million datetimes is a query too
      let min = Infinity;
      let max = -Infinity;
      for (const v of values as Timestamp[]) {
        if (v.us < min) min = v.us;
        if (v.us > max) max = v.us;
      }
      const near = values.length ? textWindow(column, new Timestamp(min), new Timestamp(max), params) : '';
      for (const v of values as Timestamp[]) params.push(canonicalTimestamp(v));
      const test = `${canonical} IN (${values.map(() => '?').join(', ')})`;
      return near ? `(${near}${test})` : test;
    },
  };
}

/**
 * Plain comparisons of the column's text that every match passes, so that
 * an index on the column (%index) finds the candidates without reading the
 * table; the exact test on canonical text follows. Text that ipyparallel
 * writes (`YYYY-MM-DDTHH:MM:SS[.ffffff]` in UTC, `+00:00` or `Z`) sorts as
 * its instant, so its range is tight, to the second. Any other form starts
 * with its date too, and its offset (up to 99:59 as read, or a local time)
 * and an hour of 24 move its instant less than WIDE_DAYS from that date: it
 * is looked for between dates.
 */
const WIDE_DAYS = 6;

/**
 * SQL that is true for timestamp text in any form but ipyparallel's UTC
 * one. The patterns are written into the statement (not bound) so that
 * SQLite can match the term with a partial index of the same condition
 * (%index makes one on each time column, holding only such rows).
 */
export function nonUtcText(column: string): string {
  return `NOT (${column} GLOB '????-??-??T??:??:??*+00:00' OR ${column} GLOB '????-??-??T??:??:??*Z')`;
}

function textWindow(column: string, from: Timestamp | null, to: Timestamp | null, params: SqlParam[]): string {
  const text = (t: Timestamp, us: number, length: number) => {
    const iso = new Timestamp(t.us + us).toISOString();
    return /^\d{4}-/.test(iso) ? iso.slice(0, length) : null;
  };
  // to the second: every text at or after from's second, before the second after to's
  const tight = [from && text(from, 0, 19), to && text(to, 1e6, 19)];
  const wide = [from && text(from, -WIDE_DAYS * 86_400e6, 10), to && text(to, (WIDE_DAYS + 1) * 86_400e6, 10)];
  if ((from && (!tight[0] || !wide[0])) || (to && (!tight[1] || !wide[1]))) return '';
  const range = ([lo, hi]: (string | null)[]) => {
    const parts: string[] = [];
    if (lo) {
      parts.push(`${column} >= ?`);
      params.push(lo);
    }
    if (hi) {
      parts.push(`${column} < ?`);
      params.push(hi);
    }
    return parts.join(' AND ');
  };
  const near = range(tight);
  const far = range(wide);
  return `((${near}) OR (${nonUtcText(column)} AND ${far})) AND `;
}

/** Dict columns: SQL answers only "is it None"; JSON text 'null' decodes to None too. */
function nullOnlyLeaf(column: string): Leaf {
  return {
    isNull: `(${column} IS NULL OR ${column} = 'null')`,
    eq: () => undefined,
    order: () => undefined,
    oneOf: () => undefined,
  };
}

const ORDER_OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function compileCond(cond: Cond, leaf: Leaf, params: SqlParam[]): string | undefined {
  switch (cond.op) {
    case 'eq':
      return cond.value === null ? leaf.isNull : leaf.eq(cond.value, params);
    case 'ne': {
      const sql = cond.value === null ? leaf.isNull : leaf.eq(cond.value, params);
      return sql === undefined ? undefined : negate(sql);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (cond.value === null) return cond.op === 'gte' || cond.op === 'lte' ? leaf.isNull : '0';
      return leaf.order(ORDER_OPS[cond.op], cond.value, params);
    case 'in':
    case 'nin': {
      const sql = inList(cond.values, leaf, params);
      if (sql === undefined) return undefined;
      return cond.op === 'in' ? sql : negate(sql);
    }
    case 'exists':
      return cond.value ? negate(leaf.isNull) : leaf.isNull;
    case 'not': {
      const parts: string[] = [];
      for (const c of cond.conds) {
        const sql = compileCond(c, leaf, params);
        if (sql === undefined) return undefined;
        parts.push(sql);
      }
      return negate(parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`);
    }
    case 'all':
    case 'mod':
    case 'regex':
    case 'glob':
      return undefined;
  }
}

function inList(values: readonly Value[], leaf: Leaf, params: SqlParam[]): string | undefined {
  const set = values.filter((v) => v !== null);
  const parts: string[] = [];
  if (set.length > 0) {
    const sql = leaf.oneOf(set, params);
    if (sql === undefined) return undefined;
    parts.push(sql);
  }
  if (set.length < values.length) parts.push(leaf.isNull);
  if (parts.length === 0) return '0';
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}
