import type { RecordStream, TaskRecord } from '../records/index.js';
import { csvLine } from './csv.js';
import { jsonText } from './json.js';
import type { DisplayOptions } from './repr.js';
import type { OutputFormat } from './render.js';
import { TABLE_PAGE, streamRecordTable } from './text-table.js';
import { renderTrace } from './trace.js';

/** About this many characters go out in one piece. */
const PIECE = 1 << 16;

/**
 * A streamed db_query answer as text, in pieces of whole lines, each ending
 * in a newline: the same text that `renderValue` gives for the collected
 * RecordList (plus its closing newline; a table, when the answer fits one
 * page), but written as records arrive.
 * jsonl is one record a line; json one array; csv a header, then rows; a
 * table takes its widths from a first page (format/table.ts). A stream of
 * JSON texts (which the shell asks for only when the format is json or
 * jsonl) is written as it comes.
 */
export async function* renderRecordStream(
  stream: RecordStream, format: OutputFormat, options: DisplayOptions = {},
): AsyncGenerator<string> {
  if (format === 'table') {
    yield* streamRecordTable(stream as RecordStream<TaskRecord>, stream.keys, options, TABLE_PAGE, PIECE);
    return;
  }
  if (format === 'trace') {
    yield* renderTrace(stream as RecordStream<TaskRecord>);
    return;
  }
  let text = '';
  let count = 0;
  const keys = stream.keys;
  if (format === 'csv') text = csvLine(keys) + '\n';
  for await (const r of stream) {
    switch (format) {
      case 'jsonl':
        text += (typeof r === 'string' ? r : jsonText(r)) + '\n';
        break;
      case 'json':
        text += (count === 0 ? '[' : ',') + (typeof r === 'string' ? r : jsonText(r));
        break;
      case 'csv':
        text += csvLine(keys.map((k) => (r as TaskRecord)[k])) + '\n';
        break;
    }
    count++;
    if (text.length >= PIECE) {
      yield text;
      text = '';
    }
  }
  if (format === 'json') text += count === 0 ? '[]\n' : ']\n';
  if (text !== '') yield text;
}
