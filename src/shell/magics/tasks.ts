import { retryChain, type Client } from '../../client/index.js';
import { RecordView, isRecordView } from '../../format/index.js';
import { predecodeRecords } from '../../query/index.js';
import { Text, type TaskRecord } from '../../records/index.js';
import type { Magic } from '../magic.js';
import { fetchRecord, resolveMsgId, taskOf } from './task-ids.js';

/** The magics that show one task: its output, its traceback, its record. */
export const TASK_MAGICS: readonly Magic[] = [
  {
    name: 'stdout',
    completes: 'msg_id',
    usage: '%stdout ID',
    help: 'what the task printed to stdout (ID: a msg_id, a unique prefix or suffix such as _14 of one, or an expression)',
    run: async (st, ctx) => new Text((await taskOf(st, ctx)).stdout),
  },
  {
    name: 'stderr',
    completes: 'msg_id',
    usage: '%stderr ID',
    help: 'what the task printed to stderr',
    run: async (st, ctx) => new Text((await taskOf(st, ctx)).stderr),
  },
  {
    name: 'tb',
    completes: 'msg_id',
    usage: '%tb ID',
    help: 'the traceback of a failed task',
    async run(st, ctx) {
      const r = await taskOf(st, ctx);
      if (!r.error) return new Text(`task ${r.msgId} has no traceback (status ${r.status})`);
      return new Text(r.error.traceback.length ? r.error.traceback.join('\n') : `${r.error.ename}: ${r.error.evalue}`);
    },
  },
  {
    name: 'show',
    completes: 'msg_id',
    usage: '%show ID',
    help: 'the record view: every key, stdout and stderr in full, the traceback, queue wait and run time',
    async run(st, ctx) {
      if (!st.arg.trim() && isRecordView(ctx.builtins.get('_'))) return ctx.builtins.get('_');
      const id = await resolveMsgId(st, ctx);
      const rec = await fetchRecord(ctx.client, id);
      // its large pickles decoded now, in slices (Ctrl-C is seen between two), for the view to read at once
      await predecodeRecords([rec], ['function', 'args', 'result'], ctx.interp.signal);
      const context = await ctx.client.deriveContext().catch(() => ({}));
      return new RecordView(rec, { ...context, ...(await retriesOf(ctx.client, rec)) });
    },
  },
];

/** The Retries line of %show: the chain through `resubmitted` both ways, where the store keeps that key. */
async function retriesOf(client: Client, rec: TaskRecord): Promise<{ retries?: { before: string[]; after: string[] } }> {
  if (!('resubmitted' in rec) || typeof rec['msg_id'] !== 'string') return {};
  try {
    return { retries: await retryChain(client, rec['msg_id'], typeof rec['resubmitted'] === 'string' ? rec['resubmitted'] : null) };
  } catch {
    // a store that cannot look the chain up (NoDB): the record view goes without it
    return {};
  }
}
