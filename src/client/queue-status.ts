import type { Dict, TaskRecord, Value } from '../records/index.js';

/**
 * What `rc.queue_status()` answers: engine id (an int, as ipyparallel's
 * `int_keys` makes it) → `{'queue': …, 'completed': …, 'tasks': …}`, and
 * `'unassigned'`. A Map, because a Python dict keyed by ints prints
 * `{0: {...}}`, not `{'0': {...}}`.
 */
export type QueueStatus = Map<number | string, Value>;

/**
 * The hub's queue_reply as Python's Client returns it: `int_keys` pops each
 * numeric key and puts it back as an int, so the ints come after the keys
 * that stay text (`{'unassigned': 0, 0: {...}, 1: {...}}`).
 */
export function queueStatusOf(content: Dict): QueueStatus {
  const text: [string, Value][] = [];
  const ints: [number, Value][] = [];
  for (const [k, v] of Object.entries(content)) {
    if (k === 'status') continue;
    if (/^-?\d+$/.test(k)) ints.push([Number(k), v]);
    else text.push([k, v]);
  }
  return new Map<number | string, Value>([...text, ...ints]);
}

/**
 * queue_status from the records of a store: a completed task counts as
 * completed on its engine, a pending one as queued (direct, `mux`) or as a
 * task (load-balanced) of the engine it went to, or unassigned when it went
 * to none yet. Engines are keyed by id when the engine map knows them, else
 * by uuid; `targets` keeps those engines only, as the hub does.
 */
export function queueStatusFromRecords(
  records: readonly TaskRecord[],
  engines: ReadonlyMap<number, string>,
  targets: readonly number[] | null,
  verbose: boolean,
): QueueStatus {
  type Tally = { queue: string[]; completed: string[]; tasks: string[] };
  const idOf = new Map([...engines].map(([id, uuid]) => [uuid, id]));
  const tallies = new Map<string, Tally>();
  for (const id of [...engines.keys()].sort((a, b) => a - b)) tallies.set(engines.get(id)!, { queue: [], completed: [], tasks: [] });
  const unassigned: string[] = [];
  for (const r of records) {
    const id = r['msg_id'] as string;
    const uuid = r['engine_uuid'];
    if (typeof uuid !== 'string' || !uuid) {
      if (r['completed'] === null || r['completed'] === undefined) unassigned.push(id);
      continue;
    }
    let t = tallies.get(uuid);
    if (!t) tallies.set(uuid, (t = { queue: [], completed: [], tasks: [] }));
    if (r['completed'] !== null && r['completed'] !== undefined) t.completed.push(id);
    else if (r['queue'] === 'mux') t.queue.push(id);
    else t.tasks.push(id);
  }
  const wanted = targets ? new Set(targets.map((t) => engines.get(t))) : null;
  const byId: [number, Value][] = [];
  const byUuid: [string, Value][] = [];
  for (const [uuid, t] of tallies) {
    if (wanted && !wanted.has(uuid)) continue;
    const entry: Dict = verbose
      ? { queue: t.queue, completed: t.completed, tasks: t.tasks }
      : { queue: t.queue.length, completed: t.completed.length, tasks: t.tasks.length };
    const id = idOf.get(uuid);
    if (id !== undefined) byId.push([id, entry]);
    else byUuid.push([uuid, entry]);
  }
  return new Map<number | string, Value>([['unassigned', verbose ? unassigned : unassigned.length], ...byUuid, ...byId]);
}
