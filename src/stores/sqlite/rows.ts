import { BUFFER_KEYS, TASK_KEYS, type TaskRecord } from '../../records/index.js';
import { decodeColumn } from './codec.js';

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
export function rowReader(keys: readonly string[], positions: readonly number[], msgIdAt: number): RowReader {
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
    const text = (KIND.get(k) ?? 'text') === 'text';
    fields.push(`${field}: ${text ? `typeof v${i} === 'string' ? v${i} : ` : ''}decode(${name}, v${i}, at)`);
  });
  const body = [
    'return function read(row, where) {',
    `  const at = () => where(${msgIdAt < 0 ? 'undefined' : `row[${msgIdAt}]`});`,
    ...lines.map((l) => '  ' + l),
    `  return { ${fields.join(', ')} };`,
    '};',
  ].join('\n');
  return new Function('decode', body)(decodeColumn) as RowReader;
}
