import { RecordList, type RecordStream } from '../records/index.js';
import type { TaskRecord } from '../records/index.js';
import { csvLine } from './csv.js';
import { jsonText } from './json.js';
import type { DisplayOptions } from './repr.js';
import type { OutputFormat } from './render.js';
import { renderDisplay } from './render.js';
import { renderTrace } from './trace.js';

/** About this many characters go out in one piece. */
const PIECE = 1 << 16;

/**
 * A streamed db_query answer as text, in pieces of whole lines, each ending
 * in a newline: the same text that `renderValue` gives for the collected
 * RecordList (plus its closing newline), but written as records arrive.
 * jsonl is one record a line; json one array; csv a header, then rows. A
 * table needs every width first, so it collects (the human display is for
 * answers that fit a screen anyway).
 */
export async function* renderRecordStream(
  stream: RecordStream, format: OutputFormat, options: DisplayOptions = {},
): AsyncGenerator<string> {
  if (format === 'table') {
    const records: TaskRecord[] = [];
    for await (const r of stream) records.push(r);
    const t = renderDisplay(new RecordList(stream.keys, records), options);
    if (t !== '') yield t.endsWith('\n') ? t : t + '\n';
    return;
  }
  if (format === 'trace') {
    yield* renderTrace(stream);
    return;
  }
  let text = '';
  let count = 0;
  const keys = stream.keys;
  if (format === 'csv') text = csvLine(keys) + '\n';
  for await (const r of stream) {
    switch (format) {
      case 'jsonl':
        text += jsonText(r) + '\n';
        break;
      case 'json':
        text += (count === 0 ? '[' : ',') + jsonText(r);
        break;
      case 'csv':
        text += csvLine(keys.map((k) => r[k])) + '\n';
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
