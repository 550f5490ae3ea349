import type { QueryInput } from '../query/index.js';
import { Timestamp, type TaskRecord } from '../records/index.js';
import type { EngineActivity } from './live.js';
import type { Client, EngineAnswers } from './types.js';

/** Which tasks an action (%abort, %retry) looks at: a query, or the msg_ids of records in hand. */
export type TaskSelection = { readonly query: QueryInput } | { readonly msgIds: readonly string[] };

/** What became of a task that %abort selected. */
export type AbortOutcome = 'aborted' | 'abort requested' | 'already running' | 'already done';

export interface AbortTask {
  readonly msgId: string;
  readonly function: string | null;
  /** The engine the hub handed it to, when it did and the engine map tells its id. */
  readonly engine: number | null;
  /** Its status when it is done: ok, error or aborted. */
  readonly status: string;
}

export interface AbortPlan {
  /** Pending tasks no engine has begun: these are asked to abort. */
  readonly queued: readonly AbortTask[];
  /** Pending tasks an engine is running: an abort request does not stop them. */
  readonly running: readonly AbortTask[];
  /** Tasks named that had already finished (a query selects pending tasks only). */
  readonly done: readonly AbortTask[];
}

export interface AbortRow extends AbortTask {
  readonly outcome: AbortOutcome;
}

export interface AbortReport {
  readonly rows: readonly AbortRow[];
  /** How the engines answered the abort request (none asked when nothing was queued). */
  readonly answers: EngineAnswers;
  /** How long each engine's answer was awaited, in ms. */
  readonly waitedMs: number;
}

const KEYS = ['msg_id', 'submitted', 'engine_uuid', 'status', 'engine_id', 'function'];

function taskOf(r: TaskRecord): AbortTask {
  const engine = r['engine_id'];
  const fn = r['function'];
  return { msgId: String(r['msg_id']), function: typeof fn === 'string' ? fn : null, engine: typeof engine === 'number' ? engine : null, status: String(r['status']) };
}

/**
 * The selected tasks, sorted into those to abort, those running and those
 * done. Where ipc has watched an engine's IOPub status this session, the
 * task it said the engine is busy with is the one running there, and none
 * when it said idle. Elsewhere: a 7.x hub records the engine a task was
 * handed to (engine_uuid) but not when it began; an engine runs its tasks in
 * the order they came, so of the pending tasks handed to one engine (all of
 * them, not only the selected) the first submitted is the one it runs, and
 * the rest wait in its queue, where an abort still stops them.
 */
export async function planAbort(client: Client, selection: TaskSelection): Promise<AbortPlan> {
  const query: QueryInput = 'query' in selection ? { $and: [selection.query, { completed: null }] } : { msg_id: { $in: [...selection.msgIds] } };
  const records = (await client.dbQuery(query, KEYS)).records;
  const activity = client.live ? await client.live.engineActivity() : new Map<number, EngineActivity>();
  const watched = new Set<string>();
  const runningIds = new Set<unknown>();
  if (activity.size) {
    const engines = await client.engines();
    for (const [id, a] of activity) {
      const uuid = engines.get(id);
      if (uuid) watched.add(uuid);
      if (a.busy && a.task) runningIds.add(a.task);
    }
  }
  const queued: AbortTask[] = [];
  const running: AbortTask[] = [];
  const done: AbortTask[] = [];
  // the first submitted of every pending task an engine holds, selected or not (it may run one the selection leaves out)
  const unwatched = new Set<string>();
  for (const r of records) {
    const uuid = r['engine_uuid'];
    if (r['status'] === 'pending' && typeof uuid === 'string' && !watched.has(uuid)) unwatched.add(uuid);
  }
  const first = new Map<string, TaskRecord>();
  if (unwatched.size) {
    const held = await client.dbQuery({ engine_uuid: { $in: [...unwatched] }, completed: null }, ['msg_id', 'submitted', 'engine_uuid']);
    for (const r of held.records) {
      const uuid = String(r['engine_uuid']);
      const was = first.get(uuid);
      if (!was || earlier(r, was)) first.set(uuid, r);
    }
  }
  for (const r of first.values()) runningIds.add(r['msg_id']);
  for (const r of records) {
    if (r['status'] !== 'pending') done.push(taskOf(r));
    else if (runningIds.has(r['msg_id'])) running.push(taskOf(r));
    else queued.push(taskOf(r));
  }
  return { queued, running, done };
}

function earlier(a: TaskRecord, b: TaskRecord): boolean {
  const x = a['submitted'];
  const y = b['submitted'];
  if (x instanceof Timestamp && y instanceof Timestamp && x.compare(y) !== 0) return x.compare(y) < 0;
  return String(a['msg_id']) < String(b['msg_id']);
}

/**
 * Asks every engine to abort the queued tasks of the plan, waits at most
 * `waitMs` for their answers (a busy engine answers only when its running
 * task ends, ipyparallel #851: never waited for), then reads what became of
 * each task: aborted, finished before the request came (already done), or
 * still waiting with the request on its way (abort requested).
 */
export async function abortTasks(client: Client, plan: AbortPlan, waitMs: number): Promise<AbortReport> {
  const ids = plan.queued.map((t) => t.msgId);
  const answers: EngineAnswers = ids.length ? await client.abort(ids, null, waitMs) : { ok: [], silent: [], failed: [] };
  const now = new Map<string, string>();
  if (ids.length) for (const r of (await client.dbQuery({ msg_id: { $in: ids } }, ['status'])).records) now.set(String(r['msg_id']), String(r['status']));
  const rows: AbortRow[] = [];
  for (const t of plan.queued) {
    const status = now.get(t.msgId) ?? 'pending';
    const outcome: AbortOutcome = status === 'aborted' ? 'aborted' : status === 'pending' ? 'abort requested' : 'already done';
    rows.push({ ...t, status, outcome });
  }
  for (const t of plan.running) rows.push({ ...t, outcome: 'already running' });
  for (const t of plan.done) rows.push({ ...t, outcome: 'already done' });
  return { rows, answers, waitedMs: waitMs };
}
