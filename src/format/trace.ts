import { Timestamp, type TaskRecord } from '../records/index.js';
import type { DeriveContext } from '../records/derived.js';
import { engineLabel, taskInterval } from '../records/intervals.js';

/** About this many characters go out in one piece. */
const PIECE = 1 << 16;

/**
 * Task records as Chrome Trace Event JSON, the format Perfetto and
 * chrome://tracing open: one process per engine (named by a metadata
 * event), one complete event (`ph: 'X'`) per task that has both a start and
 * a completion, `ts`/`dur` in microseconds since the epoch. Records without
 * both times cannot be placed; their number is in `otherData`. Written as
 * records arrive: nothing is held but the engines seen.
 */
export async function* renderTrace(records: AsyncIterable<TaskRecord> | Iterable<TaskRecord>, ctx: DeriveContext = {}): AsyncGenerator<string> {
  const pids = new Map<number | string, number>();
  let text = '{"displayTimeUnit":"ms","traceEvents":[';
  let first = true;
  let events = 0;
  let untimed = 0;
  const push = (event: unknown) => {
    text += (first ? '\n' : ',\n') + JSON.stringify(event);
    first = false;
  };
  for await (const rec of records) {
    const t = taskInterval(rec, ctx);
    if (t.started === null || t.completed === null) {
      untimed++;
      continue;
    }
    const key = t.engine ?? 'unassigned';
    let pid = pids.get(key);
    if (pid === undefined) {
      // An engine id is its own pid; engines known only by uuid come after every id.
      pid = typeof key === 'number' ? key : 100_000 + pids.size;
      pids.set(key, pid);
      push({ name: 'process_name', ph: 'M', pid, tid: 0, ts: 0, args: { name: engineLabel(t.engine) } });
      push({ name: 'process_sort_index', ph: 'M', pid, tid: 0, ts: 0, args: { sort_index: pid } });
    }
    const args: Record<string, unknown> = { msg_id: t.msgId, function: t.function, status: t.status };
    if (t.submitted !== null) {
      args['submitted'] = new Timestamp(t.submitted).toISOString();
      args['queue_wait_us'] = t.started - t.submitted;
    }
    if (typeof rec['engine_uuid'] === 'string') args['engine_uuid'] = rec['engine_uuid'];
    if (t.resubmitted) args['resubmitted'] = rec['resubmitted'];
    push({
      name: t.function ?? t.msgId,
      cat: t.status,
      ph: 'X',
      ts: t.started,
      dur: Math.max(0, t.completed - t.started),
      pid,
      tid: 0,
      args,
    });
    events++;
    if (text.length >= PIECE) {
      yield text;
      text = '';
    }
  }
  text += `\n],"otherData":${JSON.stringify({ source: 'ipc', tasks: events, untimed })}}\n`;
  yield text;
}
