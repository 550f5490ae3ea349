import { RecordList, isDict, type RecordStream, type TaskRecord } from '../../records/index.js';
import { csvCell, csvField, csvLine, renderCSV } from '../csv.js';
import { isRecordArray, plainValue } from '../display.js';
import { inPieces, type Writer } from './writer.js';

/** csv: a header of the keys, then a row per record; other values one cell each. */
export const CSV_WRITER: Writer = {
  name: 'csv',
  doc: 'a header of the keys, then one row per record',
  endings: ['.csv'],
  sessionFormat: true,
  takesJsonText: false,
  value(v) {
    if (v instanceof RecordList) return renderCSV(v.records, v.keys);
    const p = plainValue(v);
    if (isRecordArray(p)) return renderCSV(p, null);
    if (Array.isArray(p)) return p.map((x) => csvField(csvCell(x))).join('\n');
    if (isDict(p)) return renderCSV([p], null);
    return csvField(csvCell(p));
  },
  stream: (stream) => inPieces(csvRows(stream)),
};

async function* csvRows(stream: RecordStream): AsyncGenerator<string> {
  const keys = stream.keys;
  yield csvLine(keys) + '\n';
  for await (const batch of stream.batches()) {
    let text = '';
    try {
      for (const r of batch) text += csvLine(keys.map((k) => (r as TaskRecord)[k])) + '\n';
    } finally {
      // a record that has no row stops the stream after the records before it
      if (text) yield text;
    }
  }
}
