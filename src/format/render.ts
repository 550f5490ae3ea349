import { PyValue, RecordList, Text, hasRepr, isDict, setOwn, type TaskRecord } from '../records/index.js';
import { csvCell, csvField, renderCSV } from './csv.js';
import { MAX_JSON_DEPTH, jsonText, tooDeep } from './json.js';
import { mapJSON } from './python-json.js';
import { prettyRepr, repr, type DisplayOptions } from './repr.js';
import { isTaskResult, renderTaskResult, taskResultJSON } from './result.js';
import { isRecordView, recordLines } from './record-view.js';
import { renderRecordTable } from './text-table.js';
import { traceText } from './trace.js';

export type OutputFormat = 'table' | 'json' | 'jsonl' | 'csv' | 'trace';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'jsonl', 'csv', 'trace'];

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

function isRecordArray(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => isDict(x) && Object.getPrototypeOf(x) === Object.prototype && !isTaskResult(x));
}

/** A statement's value as text in one of the script-mode formats (no trailing newline). */
export function renderValue(v: unknown, format: OutputFormat, options: DisplayOptions = {}): string {
  switch (format) {
    case 'json':
      return jsonText(plainValue(v));
    case 'jsonl': {
      const p = plainValue(v);
      return Array.isArray(p) ? p.map((x) => jsonText(x)).join('\n') : jsonText(p);
    }
    case 'csv': {
      if (v instanceof RecordList) return renderCSV(v.records, v.keys);
      const p = plainValue(v);
      if (isRecordArray(p)) return renderCSV(p, null);
      if (Array.isArray(p)) return p.map((x) => csvField(csvCell(x))).join('\n');
      if (isDict(p)) return renderCSV([p], null);
      return csvField(csvCell(p));
    }
    case 'trace': {
      // Records become Chrome Trace Event JSON; any other value prints as json.
      if (v instanceof RecordList) return traceText(v.records).replace(/\n$/, '');
      if (isRecordArray(v)) return traceText(v as TaskRecord[]).replace(/\n$/, '');
      return jsonText(plainValue(v));
    }
    case 'table':
    default:
      return renderDisplay(v, options);
  }
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
