import { EMPTY_DICT_TEXT, OK_REPLY_TEXT, columnValue, storedText } from './stored-text.js';
import { Timestamp } from './timestamp.js';
import { isDict, type TaskRecord, type Value } from './task-record.js';

/**
 * What a record says about its task without decoding any payload: its
 * status, the engine that ran it, its queue wait and run time, the code of
 * an execute request. The derived keys of the same names read these.
 */

/** What the state of a task is, as far as its record tells. */
export type RecordStatus = 'ok' | 'error' | 'aborted' | 'pending';

/** What a derivation may know beyond the record itself. */
export interface DeriveContext {
  /** The integer engine id of an engine uuid, when an engine map is known. */
  engineId?(uuid: string): number | undefined;
}

/**
 * The task's status: the reply's status once a result has arrived, else
 * pending. A 7.x hub fills `started` only at completion, so a record says
 * nothing about whether a pending task has started running.
 */
export function taskStatus(rec: TaskRecord): RecordStatus {
  // the content every successful reply has decides without being parsed
  if (storedText(rec, 'result_content') === OK_REPLY_TEXT) return 'ok';
  const fromReply =
    statusText(columnValue(rec, 'result_content')) ?? statusText(columnValue(rec, 'result_header')) ?? statusText(columnValue(rec, 'result_metadata'));
  if (fromReply === 'ok' || fromReply === 'error' || fromReply === 'aborted') return fromReply;
  if (isDict(columnValue(rec, 'error'))) return 'error';
  return columnValue(rec, 'completed') instanceof Timestamp ? 'ok' : 'pending';
}

function statusText(v: Value | undefined): string | undefined {
  if (!isDict(v)) return undefined;
  const s = v['status'];
  return typeof s === 'string' ? s : undefined;
}

/**
 * The integer id of the engine that ran the task: from the engine map when
 * known, else from the `engine_info` an error reply carries.
 */
export function engineIdOf(rec: TaskRecord, ctx: DeriveContext = {}): number | null {
  const uuid = rec['engine_uuid'];
  if (typeof uuid === 'string' && ctx.engineId) {
    const id = ctx.engineId(uuid);
    if (id !== undefined) return id;
  }
  const md = columnValue(rec, 'result_metadata');
  if (isDict(md) && typeof md['engine_id'] === 'number') return md['engine_id'];
  // 7.x puts engine_id -1 in the error content's engine_info; result_metadata's has the real one.
  for (const key of ENGINE_INFO_HOLDERS) {
    const holder = columnValue(rec, key);
    if (!isDict(holder)) continue;
    const info = holder['engine_info'];
    if (isDict(info) && typeof info['engine_id'] === 'number' && info['engine_id'] >= 0 && (typeof uuid !== 'string' || info['engine_uuid'] === uuid)) {
      return info['engine_id'];
    }
  }
  return null;
}

const ENGINE_INFO_HOLDERS = ['result_metadata', 'result_content', 'error'] as const;

/**
 * Engine id → uuid as the records tell it. A 7.x hub puts
 * `engine_info: {engine_uuid, engine_id}` in the result_metadata of a failed
 * task (the `engine_info` inside the error itself says -1: the engine does
 * not know its id); some records carry `engine_id` in result_metadata itself.
 */
export function enginesFromRecords(records: Iterable<TaskRecord>): Map<number, string> {
  const map = new Map<number, string>();
  const note = (id: Value | undefined, uuid: Value | undefined) => {
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && typeof uuid === 'string' && uuid) map.set(id, uuid);
  };
  for (const r of records) {
    const uuid = r['engine_uuid'];
    const md = r['result_metadata'];
    if (!isDict(md)) continue;
    note(md['engine_id'], uuid);
    const info = md['engine_info'];
    if (isDict(info)) note(info['engine_id'], info['engine_uuid'] ?? uuid);
  }
  return new Map([...map].sort((a, b) => a[0] - b[0]));
}


function seconds(from: Value | undefined, to: Value | undefined): number | null {
  if (!(from instanceof Timestamp) || !(to instanceof Timestamp)) return null;
  return (to.us - from.us) / 1e6;
}

/** Seconds from submission to start, or None when either time is missing. */
export function queueWait(rec: TaskRecord): number | null {
  return seconds(columnValue(rec, 'submitted'), columnValue(rec, 'started'));
}

/** Seconds from start to completion, or None when either time is missing. */
export function runTime(rec: TaskRecord): number | null {
  return seconds(columnValue(rec, 'started'), columnValue(rec, 'completed'));
}

/** The code an execute request ran: `execute_input`, else the request's `content.code`. */
export function taskCode(rec: TaskRecord): string | null {
  const input = columnValue(rec, 'execute_input');
  if (typeof input === 'string') return input;
  // an apply request's content is empty: no code, whatever the header says
  if (storedText(rec, 'content') === EMPTY_DICT_TEXT) return null;
  const header = columnValue(rec, 'header');
  const content = columnValue(rec, 'content');
  const isExecute = isDict(header) && header['msg_type'] === 'execute_request';
  if (isDict(content) && typeof content['code'] === 'string' && (isExecute || !isDict(header))) return content['code'];
  return null;
}
