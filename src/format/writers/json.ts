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
  for await (const batch of stream.batches()) {
    let text = '';
    try {
      for (const r of batch) {
        text += (count === 0 ? '[' : ',') + (typeof r === 'string' ? r : jsonText(r));
        count++;
      }
    } finally {
      // a record that has no JSON text stops the stream after the records before it
      if (text) yield text;
    }
  }
  yield count === 0 ? '[]\n' : ']\n';
}
