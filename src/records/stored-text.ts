import type { TaskRecord, Value } from './task-record.js';

/**
 * A dict column a store fetched only so that ipc can compute something from
 * it (a derived key, a stats group, a timeline's status), left as the text
 * the store holds until something reads it: most records are decided by one
 * field of one column (`{"status": "ok"}`), and parsing every dict column of
 * every record cost more than the rest of the answer. Never part of an
 * answer: only the derivations read it, through `columnValue`.
 */
export class StoredText {
  constructor(
    readonly key: string,
    readonly text: string,
    private readonly decoder: (key: string, raw: unknown, where: () => string) => Value,
    private readonly where: () => string,
  ) {}

  /** The column as the store would have decoded it at once. */
  decode(): Value {
    return this.decoder(this.key, this.text, this.where);
  }
}

/** A record's column, decoded (once, kept in the record) when the store left it as text. */
export function columnValue(rec: TaskRecord, key: string): Value | undefined {
  const v = rec[key] as unknown;
  if (!(v instanceof StoredText)) return v as Value | undefined;
  const decoded = v.decode();
  rec[key] = decoded;
  return decoded;
}

/** The stored text of a column left undecoded, else undefined. */
export function storedText(rec: TaskRecord, key: string): string | undefined {
  const v = rec[key] as unknown;
  return v instanceof StoredText ? v.text : undefined;
}

/** The text ipyparallel's hub stores as the content of every successful reply. */
export const OK_REPLY_TEXT = '{"status": "ok"}';
/** The text it stores as the content of an apply request. */
export const EMPTY_DICT_TEXT = '{}';
