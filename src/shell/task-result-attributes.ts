import { asyncGet, asyncReady, asyncSuccessful, taskMetadata, type TaskResult } from '../client/index.js';
import { timeoutError, typeError } from '../errors.js';
import { isTaskResult, taskResultJSON } from '../format/index.js';
import { MISSING, bindArgs, method, typeName, type AttributeProvider, type CallArgs } from '../language/index.js';
import { PyFloat } from '../records/index.js';
import { latestOf, refresh } from './live-result.js';

/**
 * The attributes of what get_result answers, as ipyparallel's
 * AsyncHubResult offers them: one result's fields and `.get()`, `.ready()`,
 * `.wait()`; a list of several also answers as one AsyncHubResult.
 */
export const TASK_RESULT_ATTRIBUTES: AttributeProvider = {
  names(v) {
    if (isTaskResult(v)) return Object.keys(taskResultJSON(v)).concat(['metadata', 'record', ...ASYNC_RESULT_NAMES]);
    if (isTaskResultList(v)) return ['count', 'index', 'append', 'copy', 'stdout', 'stderr', 'metadata', ...ASYNC_RESULT_NAMES];
    return undefined;
  },
  get(v, name) {
    if (isTaskResult(v)) {
      const a = asyncResultAttribute(v, [v], true, name);
      if (a !== undefined) return a;
      const now = latestOf(v, [v])[0]!;
      const plain = taskResultJSON(now);
      if (name in plain) return plain[name];
      if (name === 'metadata') return taskMetadata(now);
      if (name === 'record') return now.record;
      return MISSING;
    }
    if (isTaskResultList(v)) return asyncResultAttribute(v, v, false, name);
    return undefined;
  },
};

const ASYNC_RESULT_NAMES = ['get', 'result', 'ready', 'successful', 'wait', 'msg_ids'];

/** What get_result gave for several ids: a list of results that also answers as one AsyncHubResult. */
function isTaskResultList(v: unknown): v is TaskResult[] {
  return Array.isArray(v) && v.length > 0 && v.every(isTaskResult);
}

/** A timeout as ipyparallel takes it: None or below 0 waits as long as it takes. */
function waitSeconds(c: CallArgs, fn: string): number | null {
  const t = bindArgs(fn, ['timeout'], c).get('timeout');
  if (t === undefined || t === null) return null;
  if (t instanceof PyFloat) return t.value < 0 ? null : t.value;
  if (typeof t !== 'number') throw typeError(`${fn}() takes a timeout in seconds (or None), not ${typeName(t)}`);
  return t < 0 ? null : t;
}

/** AsyncHubResult's methods and the per-task lists of several results (stdout, stderr, metadata). */
function asyncResultAttribute(answer: object, results: TaskResult[], single: boolean, name: string): unknown {
  const owner = 'AsyncHubResult';
  switch (name) {
    case 'get':
    case 'result':
      return method(owner, name, async (c) => asyncGet(await refresh(answer, results, waitSeconds(c, name), c.signal), single));
    case 'wait':
      return method(owner, name, async (c) => {
        await refresh(answer, results, waitSeconds(c, name), c.signal);
        return null;
      });
    case 'ready':
      return method(owner, name, async () => asyncReady(await refresh(answer, results, 0)));
    case 'successful':
      return method(owner, name, async () => {
        const now = await refresh(answer, results, 0);
        if (!asyncReady(now)) throw timeoutError('Result not ready.');
        return asyncSuccessful(now);
      });
    case 'msg_ids':
      return results.map((r) => r.msgId);
  }
  if (single) return undefined;
  results = latestOf(answer, results);
  switch (name) {
    case 'stdout':
      return results.map((r) => r.stdout);
    case 'stderr':
      return results.map((r) => r.stderr);
    case 'metadata':
      return results.map(taskMetadata);
  }
  return undefined;
}

