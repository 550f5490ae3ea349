import { BUFFER_KEYS, StoredColumn, StoredText, TASK_KEYS, type StoredTextIs, type TaskRecord } from '../../records/index.js';
import { quoteIdentifier, sqlText } from './sql-filter.js';
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

/** How a note names a record of table `table` in the file `path`: `record <msg_id> in table … of …` (`?` for a row without one). */
export function recordPlace(table: string, path: string): (msgId: unknown) => string {
  return (id) => `record ${String(id ?? '?')} in table ${table} of ${path}`;
}

/** Builds one record from a fetched row; `where` names the record in an error about a column. */
export type RowReader = (row: readonly unknown[], where: (msgId: unknown) => string) => TaskRecord;

const KIND = new Map(TASK_KEYS.map((k) => [k.name, k.kind]));

/**
 * A reader for rows whose column `positions[i]` holds key `keys[i]` (-1: the
 * table has no such column, the key is None): one generated function per
 * key list, building each record as one object literal of a fixed shape.
 * Every column is decoded at once, but those in `lazy`, which derivations
 * alone read: they stay as stored (StoredText, StoredColumn) until read. A
 * column among `flags.deciders` comes from selectList as None where it holds
 * exactly the decider's text, which the row's flags column (`flags.at`)
 * tells: the reader hands over one StoredText of that text for it.
 */
export function rowReader(
  keys: readonly string[], positions: readonly number[], msgIdAt: number, lazy: readonly string[] = [], flags?: { readonly at: number; readonly deciders: readonly StoredTextIs[] },
  sharedBlobs = false,
): RowReader {
  const lines: string[] = [];
  const fields: string[] = [];
  const shared: StoredTextIs[] = [];
  const id = msgIdAt < 0 ? 'undefined' : `row[${msgIdAt}]`;
  // a column decoded at once names its record through a function made only when it is decoded
  const decodeNow = (name: string, v: string, decoder = 'decode') => `${v} === null ? null : ${decoder}(${name}, ${v}, () => where(${id}))`;
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
      const stored = `typeof v${i} === 'string' ? new StoredText(${name}, v${i}, decode, where, ${id}) : ${decodeNow(name, `v${i}`)}`;
      const bit = flags ? flags.deciders.findIndex((d) => d.key === k) : -1;
      if (bit < 0) fields.push(`${field}: ${stored}`);
      else {
        shared.push(flags!.deciders[bit]!);
        fields.push(`${field}: (row[${flags!.at}] & ${1 << bit}) !== 0 ? shared[${shared.length - 1}] : ${stored}`);
      }
      return;
    }
    // bytes that are a view of a whole slice's bytes are decoded from a copy of their own: a value made from them keeps those alone
    const blobs = kind === 'buffers' && sharedBlobs ? 'decodeCopy' : 'decode';
    if (lazy.includes(k) && kind === 'buffers') {
      // the pickled list of frames, unpickled when a derivation reads it (most records a test rejects never are)
      fields.push(`${field}: v${i} instanceof Uint8Array ? new StoredColumn(${name}, v${i}, ${blobs}, where, ${id}) : ${decodeNow(name, `v${i}`, blobs)}`);
      return;
    }
    if (kind === 'buffers') {
      fields.push(`${field}: ${decodeNow(name, `v${i}`, blobs)}`);
      return;
    }
    fields.push(`${field}: ${kind === 'text' ? `typeof v${i} === 'string' ? v${i} : ` : ''}${decodeNow(name, `v${i}`)}`);
  });
  const body = [
    'return function read(row, where) {',
    ...lines.map((l) => '  ' + l),
    `  return { ${fields.join(', ')} };`,
    '};',
  ].join('\n');
  // the one StoredText of each decider's text (its text always decodes: it never names a record)
  const texts = shared.map((d) => new StoredText(d.key, d.text, decodeColumn, () => 'a stored text'));
  return new Function('decode', 'decodeCopy', 'StoredText', 'StoredColumn', 'shared', body)(decodeColumn, decodeCopy, StoredText, StoredColumn, texts) as RowReader;
}

/** decodeColumn of bytes copied out of the bytes they are a view of. */
function decodeCopy(key: string, raw: unknown, where: () => string): ReturnType<typeof decodeColumn> {
  return decodeColumn(key, raw instanceof Uint8Array ? new Uint8Array(raw) : raw, where);
}

/** What selectList asks for: the columns' SQL, and the deciders whose texts its flags column (last) tells. */
export interface SelectList {
  readonly sql: string;
  /** The select list's items, one a stored column (then the flags, when there are deciders). */
  readonly items: readonly string[];
  /** The deciding columns given as None where they hold the decider's text: bit i of the flags column for `deciders[i]`. */
  readonly deciders: readonly StoredTextIs[];
}

/**
 * The select list of the columns `stored`: a column in `sparse` is None in
 * the rows whose deciding column holds exactly the given text (compared
 * byte for byte, whatever collation the table declares), where the reader
 * hands the deciding column over as StoredText and the caller does not read
 * the sparse one (FindOptions.sparse). A sparse column whose deciding column
 * is not fetched, or is not left as text (`lazy`), is read in full. The
 * deciding columns themselves come as None where they hold the text, told
 * by one flags column after the others (a text made for each row cost more
 * than the rest of the column).
 */
export function selectList(stored: readonly string[], sparse: Readonly<Record<string, StoredTextIs>> = {}, lazy: readonly string[] = []): SelectList {
  if (stored.length === 0) return { sql: 'NULL', items: ['NULL'], deciders: [] };
  const deciders: StoredTextIs[] = [];
  const holds = (u: StoredTextIs) => {
    const by = quoteIdentifier(u.key);
    return `typeof(${by}) = 'text' AND ${by} = ${sqlText(u.text)} COLLATE BINARY`;
  };
  const columns = stored.map((k) => {
    const column = quoteIdentifier(k);
    const u = Object.hasOwn(sparse, k) ? sparse[k]! : undefined;
    if (!u || !stored.includes(u.key) || !lazy.includes(u.key) || !isTextKind(u.key)) return column;
    if (!deciders.some((d) => d.key === u.key) && deciders.length < 30) deciders.push(u);
    return `CASE WHEN ${holds(u)} THEN NULL ELSE ${column} END`;
  });
  if (deciders.length === 0) return { sql: columns.join(', '), items: columns, deciders };
  const sql = stored.map((k, i) => {
    const d = deciders.find((x) => x.key === k);
    return d ? `CASE WHEN ${holds(d)} THEN NULL ELSE ${quoteIdentifier(k)} END` : columns[i]!;
  });
  const flags = deciders.map((d, bit) => `(CASE WHEN ${holds(d)} THEN ${1 << bit} ELSE 0 END)`).join(' | ');
  const items = [...sql, flags];
  return { sql: items.join(', '), items, deciders };
}

/** Columns a reader hands over as StoredText when lazy. */
function isTextKind(key: string): boolean {
  const kind = KIND.get(key);
  return kind === 'dict' || kind === 'json' || kind === 'datetime';
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
