import { PyValue, RecordList, Text, hasRepr, isDict, setOwn } from '../records/index.js';
import { MAX_JSON_DEPTH, tooDeep } from './json.js';
import { mapJSON } from './python-json.js';
import { prettyRepr, repr, type DisplayOptions } from './repr.js';
import { isTaskResult, renderTaskResult, taskResultJSON } from './result.js';
import { isRecordView, recordLines } from './record-view.js';
import { renderRecordTable } from './text-table.js';

/** The value as plain data (records, dicts, lists), before JSON: what json, jsonl and csv print. */
export function plainValue(v: unknown, depth = 0): unknown {
  if (depth > MAX_JSON_DEPTH) throw tooDeep();
  if (v instanceof RecordList) return v.records;
  if (v instanceof Text) return v.text;
  if (isTaskResult(v)) return taskResultJSON(v);
  if (isRecordView(v)) return v.record;
  if (v instanceof Map) return mapJSON(v, (x) => plainValue(x, depth + 1));
  // a decoded Python value keeps its JSON form (a float a number, a set an array); the writers encode it
  if (v instanceof PyValue) return v;
  if (hasRepr(v)) return v.pyRepr();
  if (typeof v === 'function') return repr(v);
  if (Array.isArray(v)) return v.map((x) => plainValue(x, depth + 1));
  if (isDict(v) && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, plainValue(x, depth + 1));
    return out;
  }
  return v;
}

/** A list of plain records (dicts, not task results): what csv and trace write as rows. */
export function isRecordArray(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => isDict(x) && Object.getPrototypeOf(x) === Object.prototype && !isTaskResult(x));
}

/** The human display: record lists as tables, task results as blocks, everything else as Python's repr. */
export function renderDisplay(v: unknown, options: DisplayOptions = {}): string {
  if (v instanceof Text) return v.text.replace(/\n$/, '');
  if (v instanceof RecordList) return v.length ? renderRecordTable(v.records, v.keys, options) : '[]';
  if (isTaskResult(v)) return renderTaskResult(v, options);
  if (isRecordView(v)) return recordLines(v.record, undefined, { ...v.context, utc: options.timezone === 'utc' }).join('\n');
  if (Array.isArray(v) && v.length && v.every(isTaskResult)) return v.map((r) => renderTaskResult(r, options)).join('\n\n');
  if (isRecordArray(v) && v.length > 1) return renderRecordTable(v, null, options);
  return prettyRepr(v, options);
}
