import { OK_REPLY_TEXT, columnValue, storedText } from './stored-text.js';
import { isDict, type Dict, type TaskRecord, type Value } from './task-record.js';

/** What a failed task's record says of its exception. */
export interface TaskFailure {
  readonly ename: string | null;
  readonly evalue: string | null;
  /** The traceback's lines as the engine (or the scheduler) wrote them, colour codes and all. */
  readonly traceback: readonly string[];
  /** The content the failure was read from: the `error` column, else the reply's content. */
  readonly content: Dict;
}

const text = (v: Value | undefined): string | null => (typeof v === 'string' ? v : null);

/**
 * The exception of a failed task: the `error` column (what the engine
 * published), else the reply's `result_content` when its status is error
 * (what the scheduler or hub wrote for a dead engine or an impossible
 * dependency); null for a task that did not fail.
 */
export function taskFailure(rec: TaskRecord): TaskFailure | null {
  const err = columnValue(rec, 'error');
  // a successful reply's content holds no exception
  if (err === null && storedText(rec, 'result_content') === OK_REPLY_TEXT) return null;
  const reply = columnValue(rec, 'result_content');
  const content = isDict(err) && (typeof err['ename'] === 'string' || Array.isArray(err['traceback']))
    ? err
    : isDict(reply) && reply['status'] === 'error' ? reply : null;
  if (!content) return null;
  const tb = content['traceback'];
  return {
    ename: text(content['ename']),
    evalue: text(content['evalue']),
    traceback: Array.isArray(tb) ? tb.filter((l): l is string => typeof l === 'string') : [],
    content,
  };
}

/** The traceback as one text, its lines joined; null for a task that did not fail. */
export function tracebackText(rec: TaskRecord): string | null {
  const f = taskFailure(rec);
  if (!f) return null;
  return f.traceback.length ? f.traceback.join('\n') : `${f.ename ?? 'Error'}: ${f.evalue ?? ''}`;
}

/** The stored keys a failure is read from. */
export const FAILURE_NEEDS: readonly string[] = ['error', 'result_content'];
