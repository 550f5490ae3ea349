import type { RecordStream, TaskRecord } from '../../records/index.js';
import { renderDisplay } from '../display.js';
import { TABLE_PAGE, streamRecordTable } from '../text-table.js';
import { PIECE, type Writer } from './writer.js';

/** table: what a person reads; record lists as aligned columns, other values as Python's repr. */
export const TABLE_WRITER: Writer = {
  name: 'table',
  doc: 'aligned columns for records, Python reprs for other values',
  endings: ['.txt'],
  sessionFormat: true,
  takesJsonText: false,
  value: (v, options) => renderDisplay(v, options),
  // a table takes its widths from a first page (format/text-table.ts)
  stream: (stream, options) => streamRecordTable(stream as RecordStream<TaskRecord>, stream.keys, options, TABLE_PAGE, PIECE),
};
