import type { QueryInput } from '../query/index.js';
import type { TaskSelection } from './abort.js';
import type { Client } from './types.js';

/** msg_ids per resubmit_request: SQLiteDB turns `$in` into a chain of ORs, which SQLite refuses past 1000. */
const RESUBMIT_BATCH = 400;

export interface RetryTask {
  readonly msgId: string;
  readonly function: string | null;
  /** The exception a failed task raised; null for an aborted one. */
  readonly ename: string | null;
  readonly status: 'error' | 'aborted';
}

/** How many tasks of one function failed with one exception (or were aborted). */
export interface RetryGroup {
  readonly function: string | null;
  /** null: aborted. */
  readonly ename: string | null;
  readonly count: number;
}

export interface RetryPlan {
  readonly tasks: readonly RetryTask[];
  /** The tasks by function and ename, the largest group first. */
  readonly groups: readonly RetryGroup[];
}

/**
 * The failed and aborted tasks of a selection that were not resubmitted
 * yet (their record's `resubmitted` is None), as rc.resubmit would take them.
 */
export async function planRetry(client: Client, selection: TaskSelection): Promise<RetryPlan> {
  const base: QueryInput = 'query' in selection ? selection.query : { msg_id: { $in: [...selection.msgIds] } };
  const query = { $and: [base, { resubmitted: null }, { status: { $in: ['error', 'aborted'] } }] };
  const records = (await client.dbQuery(query, ['function', 'ename', 'status'])).records;
  const tasks: RetryTask[] = records.map((r) => ({
    msgId: String(r['msg_id']),
    function: typeof r['function'] === 'string' ? r['function'] : null,
    ename: typeof r['ename'] === 'string' ? r['ename'] : null,
    status: r['status'] === 'aborted' ? 'aborted' : 'error',
  }));
  const counts = new Map<string, RetryGroup>();
  for (const t of tasks) {
    const key = JSON.stringify([t.function, t.ename]);
    const g = counts.get(key);
    counts.set(key, { function: t.function, ename: t.ename, count: (g?.count ?? 0) + 1 });
  }
  const groups = [...counts.values()].sort((a, b) => b.count - a.count || String(a.function).localeCompare(String(b.function)) || String(a.ename).localeCompare(String(b.ename)));
  return { tasks, groups };
}

/** Resubmits the plan's tasks (rc.resubmit) in batches; answers old msg_id → new msg_id, in the plan's order. */
export async function retryTasks(client: Client, plan: RetryPlan): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ids = plan.tasks.map((t) => t.msgId);
  for (let i = 0; i < ids.length; i += RESUBMIT_BATCH) {
    const mapping = await client.resubmit(ids.slice(i, i + RESUBMIT_BATCH));
    for (const id of ids.slice(i, i + RESUBMIT_BATCH)) if (mapping[id] !== undefined) out.set(id, mapping[id]!);
  }
  return out;
}

/**
 * The retry chain of a task through `resubmitted`, both ways: the tasks it
 * was resubmitted from (oldest first) and those resubmitted from it, in
 * order. A loop or a very long chain stops at `limit` steps each way.
 */
export async function retryChain(client: Client, msgId: string, resubmitted: string | null, limit = 100): Promise<{ before: string[]; after: string[] }> {
  const seen = new Set([msgId]);
  const after: string[] = [];
  for (let next = resubmitted; next && !seen.has(next) && after.length < limit; ) {
    seen.add(next);
    after.push(next);
    const [r] = (await client.dbQuery({ msg_id: next }, ['resubmitted'])).records;
    next = typeof r?.['resubmitted'] === 'string' ? r['resubmitted'] : null;
  }
  const before: string[] = [];
  for (let at = msgId; before.length < limit; ) {
    const [r] = (await client.dbQuery({ resubmitted: at }, ['msg_id'])).records;
    const prev = typeof r?.['msg_id'] === 'string' ? r['msg_id'] : null;
    if (!prev || seen.has(prev)) break;
    seen.add(prev);
    before.unshift(prev);
    at = prev;
  }
  return { before, after };
}
