import type { Unreadable } from '../records/index.js';

/** How many bad records script mode names on stderr before it only counts them. */
export const NAMED_BAD_RECORDS = 5;

/** Bad records told apart by msg_id; past them, only counted (a million bad records must not keep a million ids). */
const REMEMBERED_BAD_RECORDS = 10_000;

/**
 * The stderr notes of script mode about bad data: one line for each record
 * with an unreadable column (its first one), however often it is read, for
 * the first few records; the rest are counted, and `finish` says how many.
 */
export class UnreadableNotes {
  private readonly seen = new Set<string>();
  private more = 0;
  /** More bad records than are remembered: the count is a floor. */
  private past = false;

  constructor(
    private readonly write: (line: string) => void,
    private readonly limit = NAMED_BAD_RECORDS,
  ) {}

  hear(u: Unreadable): void {
    const id = u.msgId;
    if (this.seen.has(id)) return;
    if (this.seen.size >= REMEMBERED_BAD_RECORDS) {
      this.past = true;
      return;
    }
    this.seen.add(id);
    if (this.seen.size <= this.limit) this.write(`ipc: ${u.sentence()}\n`);
    else this.more++;
  }

  /** The closing count of the records not named, if any. */
  finish(): void {
    if (this.more === 0) return;
    const records = this.past ? `more than ${this.more} more records have` : this.more === 1 ? '1 more record has' : `${this.more} more records have`;
    this.write(`ipc: ${records} unreadable columns too, shown as <unreadable …> (None in JSON)\n`);
    this.more = 0;
    this.past = false;
  }
}
