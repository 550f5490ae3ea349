import { INTERVAL_KEYS } from '../../analytics/index.js';
import { RecordList, type RecordStream, type TaskRecord } from '../../records/index.js';
import { isRecordArray, plainValue } from '../display.js';
import { jsonText } from '../json.js';
import { renderTrace, traceText } from '../trace.js';
import type { Writer } from './writer.js';

/** trace: records as Chrome Trace Event JSON (Perfetto); any other value as json. */
export const TRACE_WRITER: Writer = {
  name: 'trace',
  doc: 'records as Chrome Trace Event JSON (Perfetto, chrome://tracing); other values as json',
  endings: ['.trace.json', '.trace'],
  sessionFormat: true,
  takesJsonText: false,
  defaultKeys: INTERVAL_KEYS,
  value(v) {
    if (v instanceof RecordList) return traceText(v.records).replace(/\n$/, '');
    if (isRecordArray(v)) return traceText(v as TaskRecord[]).replace(/\n$/, '');
    return jsonText(plainValue(v));
  },
  stream: (stream) => renderTrace(stream as RecordStream<TaskRecord>),
};
