import type { TaskRecord, Value } from './task-record.js';

/**
 * A column a store fetched only so that ipc can compute something from it
 * (a derived key, a stats group, a timeline's status, an answer's order),
 * left as the store holds it until something reads it: most records are
 * decided by one field of one column (`{"status": "ok"}`), and decoding
 * every column of every record (parsing dict text, unpickling buffer lists,
 * parsing timestamps) cost more than the rest of the answer, most of it for
 * records a derived test then rejects. Never part of an answer: only the
 * derivations read it, through `columnValue`.
 */
export class StoredColumn {
  constructor(
    readonly key: string,
    /** The column as the store holds it (text, bytes). */
    readonly raw: unknown,
    private readonly decoder: (key: string, raw: unknown, where: () => string) => Value,
    /** Names the record (`where(id)`), should the column not decode. */
    private readonly where: (id?: unknown) => string,
    private readonly id?: unknown,
  ) {}

  /** The column as the store would have decoded it at once. */
  decode(): Value {
    return this.decoder(this.key, this.raw, () => this.where(this.id));
  }
}

/** A stored column that is text (a dict column's JSON, a timestamp's isoformat): what `storedText` reads. */
export class StoredText extends StoredColumn {
  constructor(
    key: string, readonly text: string, decoder: (key: string, raw: unknown, where: () => string) => Value, where: (id?: unknown) => string, id?: unknown,
  ) {
    super(key, text, decoder, where, id);
  }
}

/** A record's column, decoded (once, kept in the record) when the store left it as it holds it. */
export function columnValue(rec: TaskRecord, key: string): Value | undefined {
  const v = rec[key] as unknown;
  if (!(v instanceof StoredColumn)) return v as Value | undefined;
  const decoded = v.decode();
  rec[key] = decoded;
  return decoded;
}

/** The stored text of a column left undecoded, else undefined. */
export function storedText(rec: TaskRecord, key: string): string | undefined {
  const v = rec[key] as unknown;
  return v instanceof StoredText ? v.text : undefined;
}

/**
 * A column's stored text, when it is exactly `text`: a test a store can make
 * on its own (the column as text, compared byte for byte).
 */
export interface StoredTextIs {
  readonly key: string;
  readonly text: string;
}

/** The text ipyparallel's hub stores as the content of every successful reply. */
export const OK_REPLY_TEXT = '{"status": "ok"}';
/** The text it stores as the content of an apply request. */
export const EMPTY_DICT_TEXT = '{}';
