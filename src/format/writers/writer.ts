import type { RecordStream } from '../../records/index.js';
import type { DisplayOptions } from '../repr.js';

/**
 * One output format: how a statement's value is written (`value`, no
 * trailing newline) and how a streamed db_query answer is written as its
 * records arrive (`stream`: pieces of whole lines, the same text as the
 * value form of the collected list plus its closing newline). A new format
 * is one of these, added to the table in `writers/index.ts`.
 */
export interface Writer {
  readonly name: string;
  /** What it writes, for `--format` and `%format`. */
  readonly doc: string;
  /** The file endings `%export` takes as asking for it. */
  readonly endings: readonly string[];
  /** It can write a stream of JSON texts as they come, so a store may answer in text (SQLite's JSON columns). */
  readonly takesJsonText: boolean;
  /** It can be a session's format (`%format`); false for a format that is a file of its own (report). */
  readonly sessionFormat: boolean;
  /** The keys it reads of a streamed db_query that names none (a trace reads what a timeline reads); else the default keys. */
  readonly defaultKeys?: readonly string[];
  value(v: unknown, options: DisplayOptions): string;
  stream(stream: RecordStream, options: DisplayOptions): AsyncGenerator<string>;
}

/** About this many characters go out in one piece. */
const PIECE = 1 << 16;

/** Parts joined into pieces of about PIECE characters. */
export async function* inPieces(parts: AsyncIterable<string>): AsyncGenerator<string> {
  let text = '';
  for await (const p of parts) {
    text += p;
    if (text.length >= PIECE) {
      yield text;
      text = '';
    }
  }
  if (text !== '') yield text;
}

export { PIECE };
