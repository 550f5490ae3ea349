import { BUFFER_KEYS, StoredColumn, StoredText, TASK_KEYS, type StoredTextIs, type TaskRecord } from '../../records/index.js';
import { quoteIdentifier } from './sql-filter.js';
import { decodeColumn } from './codec.js';
import { buffersColumn, dictColumn, jsonColumn, textColumn, timestampColumn, type ColumnText } from './json-text.js';

/**
 * Which columns a read fetches, and how a fetched row becomes a record.
 * Every read of the SQLite store goes through here.
 */

/** The keys a residual query tests, without the buffers (no query looks inside them). */
export function testedKeys(keys: Iterable<string>): string[] {
  return [...keys].filter((k) => !BUFFER_KEYS.includes(k));
}

/**
 * The columns to fetch: the answer's keys the table has, then the keys the
 * residual tests that the answer does not hold.
 */
export function columnsToFetch(tableKeys: readonly string[], answerKeys: readonly string[], residual: readonly string[]): string[] {
  const stored = answerKeys.filter((k) => tableKeys.includes(k));
  for (const k of residual) if (!stored.includes(k) && tableKeys.includes(k)) stored.push(k);
  return stored;
}

/** Builds one record from a fetched row; `where` names the record in an error about a column. */
export type RowReader = (row: readonly unknown[], where: (msgId: unknown) => string) => TaskRecord;

const KIND = new Map(TASK_KEYS.map((k) => [k.name, k.kind]));

/**
 * A reader for rows whose column `positions[i]` holds key `keys[i]` (-1: the
 * table has no such column, the key is None): one generated function per
 * key list, building each record as one object literal of a fixed shape.
 * Every column is decoded at once: a record whose columns decode on first
 * read (accessors over the fetched text) held twice the memory and cost
 * more in garbage collection than the decoding it saved.
 */
export function rowReader(keys: readonly string[], positions: readonly number[], msgIdAt: number, lazy: readonly string[] = []): RowReader {
  const lines: string[] = [];
  const fields: string[] = [];
  keys.forEach((k, i) => {
    const name = JSON.stringify(k);
    // `"__proto__": x` would set the prototype; the computed form makes an own key
    const field = k === '__proto__' ? `[${name}]` : name;
    const c = positions[i]!;
    if (c < 0) {
      fields.push(`${field}: null`);
      return;
    }
    lines.push(`const v${i} = row[${c}];`);
    const kind = KIND.get(k) ?? 'text';
    if (lazy.includes(k) && (kind === 'dict' || kind === 'json' || kind === 'datetime')) {
      // left as its text for the derivations that read it (StoredText): never part of an answer
      fields.push(`${field}: typeof v${i} === 'string' ? new StoredText(${name}, v${i}, decode, at) : decode(${name}, v${i}, at)`);
      return;
    }
    if (lazy.includes(k) && kind === 'buffers') {
      // the pickled list of frames, unpickled when a derivation reads it (most records a test rejects never are)
      fields.push(`${field}: v${i} instanceof Uint8Array ? new StoredColumn(${name}, v${i}, decode, at) : decode(${name}, v${i}, at)`);
      return;
    }
    fields.push(`${field}: ${kind === 'text' ? `typeof v${i} === 'string' ? v${i} : ` : ''}decode(${name}, v${i}, at)`);
  });
  const body = [
    'return function read(row, where) {',
    `  const at = () => where(${msgIdAt < 0 ? 'undefined' : `row[${msgIdAt}]`});`,
    ...lines.map((l) => '  ' + l),
    `  return { ${fields.join(', ')} };`,
    '};',
  ].join('\n');
  return new Function('decode', 'StoredText', 'StoredColumn', body)(decodeColumn, StoredText, StoredColumn) as RowReader;
}

/**
 * The select list of the columns `stored`: a column in `sparse` is None in
 * the rows whose deciding column holds exactly the given text (compared
 * byte for byte, whatever collation the table declares), where the reader
 * hands the deciding column over as StoredText and the caller does not read
 * the sparse one (FindOptions.sparse). A sparse column whose deciding column
 * is not fetched, or is not left as text (`lazy`), is read in full.
 */
export function selectList(stored: readonly string[], sparse: Readonly<Record<string, StoredTextIs>> = {}, lazy: readonly string[] = []): string {
  if (stored.length === 0) return 'NULL';
  return stored
    .map((k) => {
      const column = quoteIdentifier(k);
      const u = Object.hasOwn(sparse, k) ? sparse[k]! : undefined;
      if (!u || !stored.includes(u.key) || !lazy.includes(u.key) || !isTextKind(u.key)) return column;
      const by = quoteIdentifier(u.key);
      return `CASE WHEN typeof(${by}) = 'text' AND ${by} = ${sqlText(u.text)} COLLATE BINARY THEN NULL ELSE ${column} END`;
    })
    .join(', ');
}

/** Columns a reader hands over as StoredText when lazy. */
function isTextKind(key: string): boolean {
  const kind = KIND.get(key);
  return kind === 'dict' || kind === 'json' || kind === 'datetime';
}

function sqlText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A fetched row straight to its record's JSON text, or undefined when a column must be decoded first. */
export type RowText = (row: readonly unknown[]) => string | undefined;

const COLUMN_TEXT: Record<string, ColumnText> = {
  text: textColumn, datetime: timestampColumn, dict: dictColumn, json: jsonColumn, buffers: buffersColumn,
};

/** A key V8 would put first in a record, whatever its place in the key list. */
const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

/**
 * The JSON text that `jsonText(reader(row))` writes, built from the stored
 * text without building the record (one generated function per key list, as
 * rowReader): null when the keys themselves rule it out.
 */
export function rowText(keys: readonly string[], positions: readonly number[]): RowText | null {
  if (keys.some((k) => INDEX_LIKE.test(k))) return null;
  const lines: string[] = [];
  const columns: ColumnText[] = [];
  keys.forEach((k, i) => {
    const name = JSON.stringify((i === 0 ? '{' : ',') + JSON.stringify(k) + ':');
    const c = positions[i]!;
    if (c < 0) {
      lines.push(`s += ${name} + 'null';`);
      return;
    }
    columns.push(COLUMN_TEXT[KIND.get(k) ?? 'text']!);
    lines.push(`t = c${columns.length - 1}(row[${c}]); if (t === undefined) return undefined; s += ${name} + t;`);
  });
  const body = [
    ...columns.map((_, i) => `const c${i} = columns[${i}];`),
    'return function text(row) {',
    `  let s = ${keys.length === 0 ? "'{'" : "''"}, t;`,
    ...lines.map((l) => '  ' + l),
    "  return s + '}';",
    '};',
  ].join('\n');
  return new Function('columns', body)(columns) as RowText;
}
