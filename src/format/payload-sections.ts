import { IpcError } from '../errors.js';
import { callArgs, mappedFunction, taskCall, taskResultValue } from '../payload/index.js';
import { PyFunctionRef, taskCode, taskStatus, isDict, Unreadable, type TaskRecord } from '../records/index.js';
import { repr, type DisplayOptions } from './repr.js';

/** One part of what a task ran and returned, for the record view and %show. */
export interface PayloadSection {
  readonly title: 'Call' | 'Result' | 'Error' | 'Code';
  readonly text: string;
  /** Beside the title: where the function was written (`file:line`). */
  readonly note?: string;
}

/**
 * The payload of a task as text: `Call  add(1, 2, 3, 4, scale=3, tag='t')`
 * (with the function's file:line), `Result  30` or the remote error, and
 * `Code` for an execute request. A payload that cannot be decoded shows why.
 */
export function payloadSections(rec: TaskRecord, options: DisplayOptions = {}): PayloadSection[] {
  const out: PayloadSection[] = [];
  const code = taskCode(rec);
  if (code !== null) out.push({ title: 'Code', text: code });
  const call = decoded(() => taskCall(rec));
  if (call instanceof IpcError) out.push({ title: 'Call', text: call.message });
  else if (call) {
    // a view.map task shows as the map of the mapped function over the task's part of each sequence
    const mapped = mappedFunction(call);
    const fn = mapped ?? call.function;
    const name = fn instanceof PyFunctionRef ? fn.name : repr(fn, options);
    const args = callArgs(call);
    const parts = [...args.map((a) => repr(a, options)), ...Object.entries(call.kwargs).map(([k, v]) => `${k}=${repr(v, options)}`)];
    const where = fn instanceof PyFunctionRef && fn.filename !== null ? `${fn.filename}:${fn.line}` : undefined;
    const text = mapped ? `map(${[name, ...parts].join(', ')})` : `${name}(${parts.join(', ')})`;
    out.push({ title: 'Call', text, ...(where ? { note: where } : {}) });
  }
  const status = taskStatus(rec);
  if (status === 'error' || status === 'aborted') {
    const source = isDict(rec['error']) ? rec['error'] : rec['result_content'];
    const e = isDict(source) ? source : {};
    out.push({ title: 'Error', text: `${String(e['ename'] ?? status)}: ${String(e['evalue'] ?? '')}` });
  } else if (status === 'ok' && ((Array.isArray(rec['result_buffers']) && rec['result_buffers'].length > 0) || rec['result_buffers'] instanceof Unreadable)) {
    const value = decoded(() => taskResultValue(rec));
    out.push({ title: 'Result', text: value instanceof IpcError ? value.message : repr(value, options) });
  }
  return out;
}

function decoded<T>(f: () => T): T | IpcError {
  try {
    return f();
  } catch (e) {
    if (e instanceof IpcError && e.kind === 'ValueError') return e;
    throw e;
  }
}
