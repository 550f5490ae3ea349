import type { Value } from './task-record.js';
/**
 * A column of one record that holds bad data (JSON nested past what can be
 * read, a pickle that cannot be decoded). The record is still shown: the
 * column becomes this inert value, printed as `<unreadable header: why>`, and
 * whoever listens hears one sentence naming the record and the column, so one
 * bad record never costs the rest of an answer.
 */
export class Unreadable {
  constructor(
    readonly key: string,
    /** Names the record: `record <msg_id> in table … of …`. */
    readonly record: string,
    readonly reason: string,
    /** The kind of the note: StoreError for a stored column, ValueError for a payload that cannot be decoded. */
    readonly kind: 'StoreError' | 'ValueError' = 'StoreError',
  ) {}

  /** The record's msg_id, as `record` names it: what tells one bad record from another. */
  get msgId(): string {
    return /^record (\S+)/.exec(this.record)?.[1] ?? this.record;
  }

  pyRepr(): string {
    return `<unreadable ${this.key}: ${this.reason}>`;
  }

  /** JSON output holds null where the value could not be read; the note says why. */
  toJSON(): null {
    return null;
  }

  /** The sentence for the note. */
  sentence(): string {
    return `${this.kind}: the ${this.key} of ${this.record} ${this.reason}; it is shown as <unreadable ${this.key}>`;
  }
}

const listeners = new Set<(u: Unreadable) => void>();

/** Hears every unreadable column as it is read; returns the remover. */
export function onUnreadable(listener: (u: Unreadable) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Makes the marker for a bad column and tells the listeners. */
export function unreadable(key: string, record: string, reason: string, kind?: Unreadable['kind']): Value {
  const u = new Unreadable(key, record, reason, kind);
  for (const l of listeners) l(u);
  // an inert value among the record's values: isDict, queries and formats know it
  return u as unknown as Value;
}
