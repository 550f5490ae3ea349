import type { RecordStream } from '../../records/index.js';
import type { DisplayOptions } from '../repr.js';
import { CSV_WRITER } from './csv.js';
import { JSON_WRITER } from './json.js';
import { JSONL_WRITER } from './jsonl.js';
import { REPORT_WRITER } from './report.js';
import { TABLE_WRITER } from './table.js';
import { TRACE_WRITER } from './trace.js';
import type { Writer } from './writer.js';

export type { Writer } from './writer.js';

/** Every output format by name, in the order `--format` and `%format` list them. A new format is one entry. */
const TABLE = {
  table: TABLE_WRITER,
  json: JSON_WRITER,
  jsonl: JSONL_WRITER,
  csv: CSV_WRITER,
  trace: TRACE_WRITER,
  report: REPORT_WRITER,
} satisfies Record<string, Writer>;

export type OutputFormat = keyof typeof TABLE;
export const WRITERS: Readonly<Record<OutputFormat, Writer>> = TABLE;
export const OUTPUT_FORMATS = Object.keys(TABLE) as readonly OutputFormat[];

/** The writer of a format; an unknown name writes as the table does. */
export function writerOf(format: OutputFormat): Writer {
  return Object.hasOwn(TABLE, format) ? TABLE[format] : TABLE_WRITER;
}

/** A statement's value as text in one of the script-mode formats (no trailing newline). */
export function renderValue(v: unknown, format: OutputFormat, options: DisplayOptions = {}): string {
  return writerOf(format).value(v, options);
}

/**
 * A streamed db_query answer as text, in pieces of whole lines, each ending
 * in a newline: the same text that `renderValue` gives for the collected
 * RecordList (plus its closing newline; a table, when the answer fits one
 * page), but written as records arrive. A stream of JSON texts (which the
 * shell asks for only when the writer takes them) is written as it comes.
 */
export function renderRecordStream(stream: RecordStream, format: OutputFormat, options: DisplayOptions = {}): AsyncGenerator<string> {
  return writerOf(format).stream(stream, options);
}

/** The format a file's name asks for by its ending (`.json`, `.jsonl`, `.csv`, `.trace.json`, `.txt`, `.html`); null when it says none. */
export function formatOfFile(file: string): OutputFormat | null {
  const f = file.toLowerCase();
  // the longest ending first: `.trace.json` is trace, not json
  const endings = OUTPUT_FORMATS.flatMap((name) => TABLE[name].endings.map((e) => [e, name] as const)).sort((a, b) => b[0].length - a[0].length);
  for (const [e, name] of endings) if (f.endsWith(e)) return name;
  return null;
}
