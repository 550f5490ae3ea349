import { quoteIdentifier, timestampExpression, type ColumnOf, type SqlParam } from './sql-filter.js';
import { DATETIME_KEYS, type SortKey } from '../../records/index.js';

/**
 * A viewer's sort as one SQL expression per row, ordered as the table's
 * in-memory sort orders the same values: datetimes as canonical text (time
 * order), spans in days, engines by their integer id, status as the table
 * shows it. NULL is what sorts last.
 */
export function sortExpression(by: SortKey, columnOf: ColumnOf): { sql: string; params: SqlParam[] } {
  const col = (k: string) => columnOf(k) ?? 'NULL';
  switch (by.kind) {
    case 'key': {
      const c = col(by.key);
      return { sql: DATETIME_KEYS.includes(by.key) ? timestampExpression(c) : c, params: [] };
    }
    case 'span': {
      const day = (k: string) => `julianday(${timestampExpression(col(k))})`;
      return { sql: `(${day(by.to)} - ${day(by.from)})`, params: [] };
    }
    case 'engine': {
      const uuid = col('engine_uuid');
      if (by.ids.size === 0) return { sql: uuid, params: [] };
      const params: SqlParam[] = [];
      const whens = [...by.ids].map(([u, id]) => (params.push(u, id), 'WHEN ? THEN ?')).join(' ');
      return { sql: `coalesce(CASE ${uuid} ${whens} END, ${uuid})`, params };
    }
    case 'status': {
      const status = (k: string) => {
        const c = col(k);
        return `(CASE WHEN json_valid(${c}) AND json_type(${c}, '$.status') = 'text' THEN json_extract(${c}, '$.status') END)`;
      };
      const reply = `coalesce(${status('result_content')}, ${status('result_header')}, ${status('result_metadata')})`;
      const error = col('error');
      return {
        sql: `(CASE WHEN ${reply} IN ('ok', 'error', 'aborted') THEN ${reply}
          WHEN json_valid(${error}) AND json_type(${error}) = 'object' THEN 'error'
          WHEN ${col('completed')} IS NOT NULL THEN 'ok' ELSE 'pending' END)`,
        params: [],
      };
    }
  }
}

/** The statement that gives rowids (a JSON array, the answer's order) sorted by `sql`; ties keep their place. */
export function sortStatement(table: string, sql: string, descending: boolean): string {
  return `SELECT id FROM (SELECT j.value AS id, j.key AS pos, ${sql} AS v FROM json_each(?) AS j JOIN ${quoteIdentifier(table)} AS t ON t.rowid = j.value)
    ORDER BY v IS NULL, v ${descending ? 'DESC' : 'ASC'}, pos`;
}
