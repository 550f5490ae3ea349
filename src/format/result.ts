import type { TaskResult } from '../records/index.js';
import { isDict } from '../records/index.js';
import { repr, type DisplayOptions } from './repr.js';
import { formatDuration } from './duration.js';
import { stripAnsi } from './paint.js';

export function isTaskResult(v: unknown): v is TaskResult {
  return typeof v === 'object' && v !== null && 'msgId' in v && 'status' in v && 'record' in v && 'queueWaitUs' in v;
}

/** What get_result shows of a task: status, engine, times, streams, error and result. */
export function renderTaskResult(r: TaskResult, options: DisplayOptions = {}): string {
  const utc = options.timezone === 'utc';
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`${k.padEnd(11)} ${v}`);
  row('msg_id', r.msgId);
  // A 7.x hub fills `started` only at completion: a pending task is "running" only when its start is known.
  const running = r.started ? `running${r.engineId !== null ? ` on engine ${r.engineId}` : ''}` : 'pending';
  row('status', r.status === 'pending' ? running : r.status);
  if (r.engineId !== null || r.engineUuid) {
    row('engine', r.engineId !== null ? `${r.engineId}${r.engineUuid ? ` (${r.engineUuid})` : ''}` : r.engineUuid!);
  }
  if (r.submitted) row('submitted', r.submitted.toLocalString(6, utc));
  if (r.started) row('started', `${r.started.toLocalString(6, utc)}${r.queueWaitUs !== null ? `  (queue wait ${formatDuration(r.queueWaitUs)})` : ''}`);
  if (r.completed) row('completed', `${r.completed.toLocalString(6, utc)}${r.runTimeUs !== null ? `  (run time ${formatDuration(r.runTimeUs)})` : ''}`);
  const label = r.record['label'];
  if (typeof label === 'string' && label) row('label', label);
  const code = r.record['execute_input'];
  if (typeof code === 'string' && code) block(lines, 'execute_input', code);
  if (r.stdout) block(lines, 'stdout', r.stdout);
  if (r.stderr) block(lines, 'stderr', r.stderr);
  if (r.error) {
    row('error', `${r.error.ename}: ${r.error.evalue}`);
    if (r.error.traceback.length) block(lines, 'traceback', stripAnsi(r.error.traceback.join('\n')));
  }
  if (r.executeResult) {
    const data = r.executeResult['data'];
    const plain = isDict(data) ? data['text/plain'] : undefined;
    row('result', typeof plain === 'string' ? plain : repr(r.executeResult, options));
  }
  return lines.join('\n');
}

function block(lines: string[], title: string, text: string): void {
  lines.push(`${title}:`);
  for (const l of text.replace(/\n$/, '').split('\n')) lines.push(`  ${l}`);
}

/** The plain JSON shape of a TaskResult. */
export function taskResultJSON(r: TaskResult): Record<string, unknown> {
  return {
    msg_id: r.msgId,
    status: r.status,
    engine_id: r.engineId,
    engine_uuid: r.engineUuid,
    submitted: r.submitted,
    started: r.started,
    completed: r.completed,
    queue_wait: r.queueWaitUs === null ? null : r.queueWaitUs / 1e6,
    run_time: r.runTimeUs === null ? null : r.runTimeUs / 1e6,
    stdout: r.stdout,
    stderr: r.stderr,
    error: r.error,
    execute_result: r.executeResult,
  };
}
