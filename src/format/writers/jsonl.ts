import type { RecordStream } from '../../records/index.js';
import { plainValue } from '../display.js';
import { jsonText } from '../json.js';
import { inPieces, type Writer } from './writer.js';

/** jsonl: one JSON text a line, a record each for a list. */
export const JSONL_WRITER: Writer = {
  name: 'jsonl',
  doc: 'one JSON text a line (a record each)',
  endings: ['.jsonl', '.ndjson'],
  sessionFormat: true,
  takesJsonText: true,
  value(v) {
    const p = plainValue(v);
    return Array.isArray(p) ? p.map((x) => jsonText(x)).join('\n') : jsonText(p);
  },
  stream: (stream) => inPieces(jsonLines(stream)),
};

async function* jsonLines(stream: RecordStream): AsyncGenerator<string> {
  for await (const batch of stream.batches()) {
    let text = '';
    try {
      for (const r of batch) text += (typeof r === 'string' ? r : jsonText(r)) + '\n';
    } finally {
      // a record that has no JSON text stops the stream after the records before it
      if (text) yield text;
    }
  }
}
