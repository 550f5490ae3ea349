import type { RecordStream } from '../../records/index.js';
import { plainValue } from '../display.js';
import { jsonText } from '../json.js';
import { inPieces, type Writer } from './writer.js';

/** json: the value as one JSON text; a streamed answer as one array. */
export const JSON_WRITER: Writer = {
  name: 'json',
  doc: 'one JSON text (a list of records is one array)',
  endings: ['.json'],
  sessionFormat: true,
  takesJsonText: true,
  value: (v) => jsonText(plainValue(v)),
  stream: (stream) => inPieces(jsonArray(stream)),
};

async function* jsonArray(stream: RecordStream): AsyncGenerator<string> {
  let count = 0;
  for await (const r of stream) yield (count++ === 0 ? '[' : ',') + (typeof r === 'string' ? r : jsonText(r));
  yield count === 0 ? '[]\n' : ']\n';
}
