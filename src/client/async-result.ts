/**
 * What ipyparallel's AsyncHubResult answers, over the TaskResults of
 * get_result: `.get()` / `.result()` (the value; a failed task raises
 * RemoteError with the remote `ename(evalue)`), `.ready()`, `.successful()`,
 * `.metadata`, `.msg_ids`. Several ids answer lists, one id the value itself.
 */
import { remoteError, timeoutError } from '../errors.js';
import { stripAnsi } from '../format/index.js';
import { taskResultValue } from '../payload/index.js';
import { type Dict, type TaskResult, type Value } from '../records/index.js';

/** The value a task returned; raises RemoteError for a failed task, TimeoutError while it is pending. */
export function remoteValue(r: TaskResult): unknown {
  if (r.status === 'pending') throw timeoutError(`task '${r.msgId}' is still pending: its result is not ready`);
  if (r.status === 'error' || r.status === 'aborted') {
    const ename = r.error?.ename || (r.status === 'aborted' ? 'TaskAborted' : 'RemoteError');
    const evalue = r.error?.evalue ?? '';
    const tb = r.error?.traceback.length ? stripAnsi(r.error.traceback.join('\n')) : undefined;
    throw remoteError(`${ename}(${evalue})`, tb);
  }
  const value = taskResultValue(r.record);
  if (value === null && r.executeResult) return r.executeResult;
  return value;
}

/** `.get()`: the value of one task, or the list of values of several. */
export function asyncGet(results: readonly TaskResult[], single: boolean): unknown {
  const values = results.map(remoteValue);
  return single ? values[0] : values;
}

/** `.ready()`: every task has finished. */
export function asyncReady(results: readonly TaskResult[]): boolean {
  return results.every((r) => r.status !== 'pending');
}

/** `.successful()`: every task has finished without an error. */
export function asyncSuccessful(results: readonly TaskResult[]): boolean {
  return results.every((r) => r.status === 'ok');
}

/** ipyparallel's Metadata of a task: its times, engine, status, streams and error. */
export function taskMetadata(r: TaskResult): Dict {
  const rec = r.record;
  const dependencies = rec['metadata'];
  const of = (k: string): Value => (dependencies !== null && typeof dependencies === 'object' && !Array.isArray(dependencies) ? ((dependencies as Dict)[k] ?? null) : null);
  return {
    msg_id: r.msgId,
    submitted: r.submitted,
    started: r.started,
    completed: r.completed,
    received: rec['received'] ?? null,
    engine_uuid: r.engineUuid,
    engine_id: r.engineId,
    follow: of('follow'),
    after: of('after'),
    status: r.status === 'pending' ? null : r.status,
    execute_input: rec['execute_input'] ?? null,
    execute_result: r.executeResult,
    error: r.error ? { ename: r.error.ename, evalue: r.error.evalue, traceback: [...r.error.traceback] } : null,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}
