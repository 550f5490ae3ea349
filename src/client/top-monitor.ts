import { IpcError } from '../errors.js';
import type { TopEngine, TopError, TopGroup, TopGroupRow, TopSnapshot, TopTask } from '../format/index.js';
import { Timestamp, engineIdOf, isDict, taskFailure, taskStatus, type DeriveContext, type Dict, type TaskRecord } from '../records/index.js';
import { compileQuery, fieldKeys } from '../query/index.js';
import { engineContext } from './engines.js';
import type { EngineActivity, EngineEvent, IopubEvent } from './live.js';
import type { Client } from './types.js';

/** What `%top` keeps of each task of the selection. */
interface Task {
  readonly msgId: string;
  submitted: Timestamp | null;
  started: Timestamp | null;
  completed: Timestamp | null;
  engineUuid: string | null;
  clientUuid: string | null;
  label: string | null;
  fn: string | null;
  status: 'pending' | 'ok' | 'error' | 'aborted';
  ename: string | null;
  evalue: string | null;
  /** The engine id the record itself tells (an error's engine_info), when the map does not know its uuid. */
  engineHint: number | null;
}

/** The keys a task is read with when first seen pending; a finished one adds what its outcome needs. */
const PENDING_KEYS = ['msg_id', 'submitted', 'engine_uuid', 'client_uuid'];
/** What a finished task adds: its times and its reply's content (the status; for a failure, ename and evalue). */
const FINISH_KEYS = ['msg_id', 'engine_uuid', 'started', 'completed', 'result_content'];
const DONE_KEYS = [...PENDING_KEYS, ...FINISH_KEYS.slice(2)];
/** What only a failure is read with besides: the engine its reply names, when the engine map does not know its uuid. */
const FAILURE_KEYS = ['msg_id', 'error', 'result_metadata'];
/** Completions read again on the next poll: a task that completed just before a poll may be committed after it. */
const OVERLAP_US = 2_000_000;
/**
 * msg_ids asked at once: a hub's SQLiteDB makes an `$in` a chain of ORs
 * (SQLite refuses one deeper than 1000), and ipc keeps a longer list to
 * itself (MAX_PUSHED_LIST), which would read every record.
 */
const ID_CHUNK = 900;
/** The keys a task has from its submission on: a selection on these alone keeps a task in or out for good. */
const FIXED_KEYS = new Set(['msg_id', 'header', 'metadata', 'content', 'buffers', 'submitted', 'client_uuid', 'queue', 'label', 'function', 'args', 'kwargs', 'code']);
const ERRORS_KEPT = 8;
/** A pending set this small is read again every poll on a hub (its tasks' engines); a larger one every tenth. */
const PENDING_REREAD = 1000;
const PENDING_REREAD_EVERY = 10;
/**
 * Finished tasks are kept one by one while they are recent (completed
 * within this of the latest completion, and not submitted within
 * FOLD_SUBMITTED_US of the latest submission, so that no later read can
 * bring them back); older ones are folded into counts, so that what %top
 * holds and each refresh's work stay the same however long it runs.
 */
const RECENT_US = 60_000_000;
const FOLD_SUBMITTED_US = 10_000_000;
/** The median run time is that of the last this many tasks that finished well. */
const RUN_TIMES_KEPT = 100_000;
/** A hub holding more tasks than this is first read a chunk of msg_ids at a time. */
const FIRST_READ_AT_ONCE = 5000;

export interface TopMonitorOptions {
  readonly client: Client;
  /** The selection: a query dict ({} for every task). */
  readonly query: Dict;
  readonly by: TopGroup | null;
}

/**
 * The numbers behind `%top`, kept up to date a poll at a time: the first
 * poll reads the selection; each later one reads only what changed (the
 * tasks completed since the last completion seen, and the pending set), so
 * a quiet cluster costs two small queries a refresh. On a live hub, IOPub
 * tells which task each engine runs and since when, and the notification
 * channel which engines come and go.
 */
export class TopMonitor {
  private readonly tasks = new Map<string, Task>();
  private readonly activity = new Map<number, EngineActivity>();
  /** Engines that unregistered while %top ran: uuid → id and what it was running. */
  private readonly gone = new Map<string, { id: number | null; task: string | null }>();
  private engines = new Map<number, string>();
  /** Engine uuid → id, as failed tasks' replies told it (a store without the engine map). */
  private readonly learned = new Map<string, number>();
  private ctx: DeriveContext = {};
  private watermark: Timestamp | null = null;
  /** Where the store's records stood at the last poll, when it can tell (a SQLite store). */
  private mark: string | null = null;
  private fixed: boolean | null = null;
  /** The latest submission seen: a hub's tasks submitted since are asked by that. */
  private lastSubmitted: Timestamp | null = null;
  private polls = 0;
  private loaded = false;
  private stamp: string | null = null;
  private labels: 'yes' | 'no' | 'unknown' = 'unknown';
  private unsubscribe: Array<() => void> = [];
  private stopped = false;
  /** Run times (s) of the last RUN_TIMES_KEPT tasks that finished well, as a ring; the median is computed when they changed. */
  private readonly runTimes = new Float64Array(RUN_TIMES_KEPT);
  private runCount = 0;
  private median: number | null | undefined = undefined;
  /** The finished tasks folded into counts. */
  private readonly folded = {
    done: 0,
    failed: 0,
    engines: new Map<string, { done: number; failed: number; lastError: Task | null; lastDone: Timestamp | null; hint: number | null }>(),
    groups: new Map<string, { total: number; done: number; failed: number }>(),
    errors: [] as Task[],
  };
  /** Called when IOPub or the notification channel changed what the snapshot shows. */
  onEvent: (() => void) | null = null;

  constructor(private readonly o: TopMonitorOptions) {}

  get live(): boolean {
    return this.o.client.live !== undefined;
  }

  /** Subscribes to IOPub and the engine notifications (a hub), then reads the selection. */
  async start(): Promise<void> {
    const live = this.o.client.live;
    if (live) {
      this.unsubscribe.push(live.engineEvents((e) => this.engineEvent(e)));
      try {
        this.unsubscribe.push(await live.iopub((e) => this.iopub(e)));
        // what the session's watch saw before (a status that came since is newer, and kept)
        for (const [id, a] of await live.engineActivity()) if (!this.activity.has(id)) this.activity.set(id, a);
      } catch (e) {
        // a connection file without an iopub port: running times are estimates
        if (!(e instanceof IpcError)) throw e;
      }
      if (this.stopped) this.stop();
    }
    await this.poll();
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /**
   * Reads what changed since the last poll; answers whether anything did.
   * On a store, only when the store changed. The tasks read are those
   * added since the last poll, and those that left the pending set:
   * - on a store that finds the rows added since a mark (SQLite, by rowid),
   *   those rows, and the tasks known pending by msg_id (its index), in
   *   one read of the file (a writer's lock is waited for once);
   * - elsewhere (a hub), the msg_ids of the tasks submitted and of those
   *   completed since the last of each seen; the pending set itself is read
   *   again (its msg_ids and engines) only while it is small, or every
   *   tenth poll, or when the selection tests keys that change as a task
   *   runs (then every poll): it tells of tasks sent to an engine's queue,
   *   and of tasks whose submitted time a client's slow clock put behind.
   * Every task among these not seen before, or seen pending and now
   * finished, is then read by msg_id: the first with every key the view
   * shows, the others with what their finish adds.
   */
  async poll(): Promise<boolean> {
    const client = this.o.client;
    const stamps = client.capabilities.changes;
    if (!this.live && this.loaded && stamps) {
      const stamp = client.changeStamp();
      if (stamp !== '' && stamp === this.stamp) return false;
    }
    this.stamp = stamps ? client.changeStamp() : null;
    this.engines = await client.engines().catch(() => this.engines);
    this.ctx = engineContext(this.engines);
    const q = this.o.query;
    const changes = { any: false, failed: [] as string[] };
    if (!this.loaded) {
      // the mark first: a task added while the selection is read comes again, never not at all
      if (this.following()) this.mark = (await client.follow!.changes(null, q, ['msg_id'], [], ['msg_id'])).mark;
      for (const part of await this.firstReads(q)) for (const r of (await this.read(part, DONE_KEYS)).records) this.merge(r, changes);
      this.loaded = true;
    } else {
      this.polls++;
      // tasks to read by msg_id: known pending tasks that finished, and tasks not seen yet (finished, or pending)
      const finished = new Set<string>();
      const unseen = new Set<string>();
      const unseenPending = new Set<string>();
      const pendingBefore = [...this.tasks.values()].filter((t) => t.status === 'pending').map((t) => t.msgId);
      if (this.following()) {
        // in one read of the store: the tasks added since, and the pending ones known before
        // (finished ones come with what their finish adds)
        const follow = client.follow!;
        let known: TaskRecord[] = [];
        const added = await this.read(q, DONE_KEYS, async (keys) => {
          const read = await follow.changes(this.mark, q, keys, pendingBefore, FINISH_KEYS);
          this.mark = read.mark;
          known = read.known;
          return { records: read.added };
        });
        for (const r of added.records) this.merge(r, changes);
        const seen = new Set<string>();
        for (const r of known) {
          const id = String(r['msg_id']);
          seen.add(id);
          if (r['completed'] instanceof Timestamp) this.merge(r, changes);
          else changes.any = this.moved(id, r['engine_uuid']) || changes.any;
        }
        // purged since
        for (const id of pendingBefore) if (!seen.has(id)) changes.any = this.tasks.delete(id) || changes.any;
      } else {
        const recent = client.live ? client.live.recentQuery.bind(client.live) : client.dbQuery.bind(client);
        const reread = !this.fixedSelection() || pendingBefore.length <= PENDING_REREAD || this.polls % PENDING_REREAD_EVERY === 0;
        if (reread) {
          const now = new Set<string>();
          for (const r of (await client.dbQuery({ $and: [q, { completed: null }] }, ['msg_id', 'engine_uuid'])).records) {
            const id = String(r['msg_id']);
            now.add(id);
            if (this.tasks.has(id)) changes.any = this.moved(id, r['engine_uuid']) || changes.any;
            else unseenPending.add(id);
          }
          // pending before, not now: finished (or purged, or out of the selection)
          for (const id of pendingBefore) if (!now.has(id)) finished.add(id);
        } else {
          const since = this.lastSubmitted ? { submitted: { $gte: new Timestamp(this.lastSubmitted.us - OVERLAP_US) } } : { completed: null };
          for (const r of (await recent({ $and: [q, since] }, ['msg_id'])).records) {
            const id = String(r['msg_id']);
            if (!this.tasks.has(id)) unseenPending.add(id);
          }
        }
        // tasks that finished since the last completion seen (some never seen pending)
        const since = this.watermark ? { completed: { $gte: new Timestamp(this.watermark.us - OVERLAP_US) } } : { completed: { $ne: null } };
        for (const r of (await recent({ $and: [q, since] }, ['msg_id'])).records) {
          const id = String(r['msg_id']);
          const t = this.tasks.get(id);
          if (!t) unseen.add(id);
          else if (t.status === 'pending') finished.add(id);
        }
      }
      // a task seen first in both (it finished since it was submitted) is read whole
      for (const id of unseen) unseenPending.delete(id);
      for (const [ids, keys] of [[[...finished], FINISH_KEYS], [[...unseen], DONE_KEYS], [[...unseenPending], PENDING_KEYS]] as const) {
        for (const part of chunks(ids)) {
          const found = new Set<string>();
          for (const r of (await this.read({ msg_id: { $in: part } }, keys)).records) {
            const id = String(r['msg_id']);
            found.add(id);
            // known pending, still pending, yet out of the selection's pending set: it has left the selection
            if (r['completed'] === null && this.tasks.get(id)?.status === 'pending') changes.any = this.tasks.delete(id) || changes.any;
            else this.merge(r, changes);
          }
          for (const id of part) if (!found.has(id)) changes.any = this.tasks.delete(id) || changes.any;
        }
      }
    }
    await this.placeFailures(changes.failed);
    if (this.o.by === 'function') await this.nameFunctions([...this.tasks.values()].filter((t) => t.fn === null).map((t) => t.msgId));
    this.fold();
    return changes.any;
  }

  /** Folds the finished tasks no read can bring back any more into counts (per engine, per group, the latest failures). */
  private fold(): void {
    if (!this.watermark) return;
    const completedBefore = this.watermark.us - RECENT_US;
    const submittedBefore = (this.lastSubmitted?.us ?? -Infinity) - FOLD_SUBMITTED_US;
    const f = this.folded;
    for (const t of this.tasks.values()) {
      if (t.status === 'pending' || !t.completed || t.completed.us >= completedBefore) continue;
      if (t.submitted && t.submitted.us >= submittedBefore) continue;
      const failed = t.status !== 'ok';
      if (failed) f.failed++;
      else f.done++;
      if (t.engineUuid !== null) {
        let e = f.engines.get(t.engineUuid);
        if (!e) f.engines.set(t.engineUuid, (e = { done: 0, failed: 0, lastError: null, lastDone: null, hint: null }));
        if (failed) {
          e.failed++;
          if (!e.lastError || t.completed.us > (e.lastError.completed?.us ?? 0)) e.lastError = t;
        } else e.done++;
        if (!e.lastDone || t.completed.us > e.lastDone.us) e.lastDone = t.completed;
        e.hint ??= t.engineHint;
      }
      if (this.o.by !== null) {
        const key = this.groupKey(t, true);
        let g = f.groups.get(key);
        if (!g) f.groups.set(key, (g = { total: 0, done: 0, failed: 0 }));
        g.total++;
        g.done++;
        if (failed) g.failed++;
      }
      if (failed) {
        f.errors.push(t);
        f.errors.sort((a, b) => (b.completed?.us ?? 0) - (a.completed?.us ?? 0));
        f.errors.length = Math.min(f.errors.length, ERRORS_KEPT);
      }
      this.tasks.delete(t.msgId);
    }
  }

  /**
   * A task's group for `by`. Folded by engine, the key holds the engine's
   * uuid (after a NUL), named at each snapshot: its id may be learned later.
   */
  private groupKey(t: Task, folding = false): string {
    const by = this.o.by;
    if (by === 'label') return t.label ?? '(no label)';
    if (by === 'function') return t.fn ?? '(unknown)';
    if (by === 'client') return t.clientUuid ?? '(none)';
    if (folding && t.engineUuid !== null) return `\u0000${t.engineUuid}`;
    return String(this.engineIdOf(t) ?? t.engineUuid ?? '(unassigned)');
  }

  /**
   * The queries of the first read. A hub answers a db_request in one reply,
   * made while it does nothing else: one that holds many tasks keeps it from
   * its cluster (and from ipc, past the request's timeout). So a hub that
   * holds many tasks is read by msg_ids of its history, a few hundred at a
   * time; a store, at once.
   */
  private async firstReads(q: Dict): Promise<Dict[]> {
    if (!this.live) return [q];
    let ids: string[];
    try {
      ids = await this.o.client.hubHistory();
    } catch {
      return [q];
    }
    if (ids.length <= FIRST_READ_AT_ONCE) return [q];
    return chunks(ids).map((part) => ({ $and: [q, { msg_id: { $in: part } }] }));
  }

  /** Takes a record, noting whether anything changed and which tasks failed. */
  private merge(r: TaskRecord, changes: { any: boolean; failed: string[] }): void {
    changes.any = this.take(r) || changes.any;
    const id = String(r['msg_id']);
    const status = this.tasks.get(id)?.status;
    if (status === 'error' || status === 'aborted') changes.failed.push(id);
  }

  /**
   * Whether the client finds the tasks added since a mark (a SQLite store)
   * and the selection keeps a task in or out from its submission on (so
   * the tasks known, and those added, are all there is to read again).
   */
  private following(): boolean {
    return this.o.client.follow !== undefined && this.fixedSelection();
  }

  /** Whether the selection tests only keys a task has from its submission on. */
  private fixedSelection(): boolean {
    this.fixed ??= [...fieldKeys(compileQuery(this.o.query))].every((k) => FIXED_KEYS.has(k));
    return this.fixed;
  }

  /** The engine id a task's reply names: the id of its engine's uuid too, for the tasks that name none. */
  private hint(t: Task, id: number | null): void {
    t.engineHint = id;
    if (id !== null && t.engineUuid !== null) this.learned.set(t.engineUuid, id);
  }

  /** A pending task read again: the engine it was sent to, if that changed. */
  private moved(id: string, engineUuid: unknown): boolean {
    const t = this.tasks.get(id);
    const uuid = typeof engineUuid === 'string' && engineUuid !== '' ? engineUuid : null;
    if (!t || t.engineUuid === uuid || uuid === null) return false;
    t.engineUuid = uuid;
    return true;
  }

  /** The engines of failed tasks whose uuid the engine map does not know, from what their replies say (an error's engine_info). */
  private async placeFailures(ids: string[]): Promise<void> {
    const unplaced = ids.filter((id) => {
      const t = this.tasks.get(id);
      return t && t.engineHint === null && (t.engineUuid === null || (this.ctx.engineId?.(t.engineUuid) === undefined && !this.learned.has(t.engineUuid)));
    });
    for (const part of chunks(unplaced)) {
      for (const r of (await this.o.client.dbQuery({ msg_id: { $in: part } }, FAILURE_KEYS)).records) {
        const t = this.tasks.get(String(r['msg_id']));
        if (t) this.hint(t, engineIdOf(r, {}));
      }
    }
  }

  /** The records of a query, with `label` when grouping by it (asked once, and not again where the store has no such column). */
  private async read(query: Dict, keys: string[], ask: (keys: string[]) => Promise<{ records: TaskRecord[] }> = (ks) => this.o.client.dbQuery(query, ks)) {
    const withLabel = this.o.by === 'label' && this.labels !== 'no';
    try {
      const list = await ask(withLabel ? [...keys, 'label'] : keys);
      if (withLabel) this.labels = 'yes';
      return list;
    } catch (e) {
      if (!withLabel || this.labels === 'yes' || !(e instanceof IpcError)) throw e;
      this.labels = 'no';
      return ask(keys);
    }
  }

  /** The function names of tasks not yet named, read by msg_id. */
  private async nameFunctions(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      for (const part of chunks(ids)) {
        for (const r of (await this.o.client.dbQuery({ msg_id: { $in: part } }, ['msg_id', 'function'])).records) {
          const t = this.tasks.get(String(r['msg_id']));
          if (t) t.fn = typeof r['function'] === 'string' ? r['function'] : '(unknown)';
        }
      }
    } catch {
      for (const id of ids) {
        const t = this.tasks.get(id);
        if (t) t.fn = '(unknown)';
      }
    }
  }

  /** Merges one record; answers whether it changed what %top shows. */
  private take(r: TaskRecord): boolean {
    const id = String(r['msg_id']);
    const old = this.tasks.get(id);
    const ts = (k: string) => (r[k] instanceof Timestamp ? (r[k] as Timestamp) : null);
    const text = (k: string) => (typeof r[k] === 'string' && r[k] !== '' ? (r[k] as string) : null);
    const hasOutcome = 'completed' in r;
    const status = hasOutcome ? taskStatus(r) : 'pending';
    const failure = hasOutcome && (status === 'error' || status === 'aborted') ? taskFailure(r) : null;
    const t: Task = {
      msgId: id,
      submitted: ts('submitted') ?? old?.submitted ?? null,
      started: hasOutcome ? ts('started') : old?.started ?? null,
      completed: hasOutcome ? ts('completed') : null,
      engineUuid: text('engine_uuid') ?? old?.engineUuid ?? null,
      clientUuid: text('client_uuid') ?? old?.clientUuid ?? null,
      label: 'label' in r ? text('label') : old?.label ?? null,
      fn: typeof r['function'] === 'string' ? r['function'] : old?.fn ?? null,
      status,
      ename: failure ? failure.ename ?? (status === 'aborted' ? 'TaskAborted' : 'Error') : null,
      evalue: failure ? failure.evalue ?? '' : null,
      engineHint: hasOutcome ? engineIdOf(r, {}) : old?.engineHint ?? null,
    };
    this.hint(t, t.engineHint);
    if (t.completed && (!this.watermark || t.completed.us > this.watermark.us)) this.watermark = t.completed;
    if (t.submitted && (!this.lastSubmitted || t.submitted.us > this.lastSubmitted.us)) this.lastSubmitted = t.submitted;
    this.tasks.set(id, t);
    if (t.status === 'ok' && old?.status !== 'ok' && t.started && t.completed) {
      this.runTimes[this.runCount++ % RUN_TIMES_KEPT] = (t.completed.us - t.started.us) / 1e6;
      this.median = undefined;
    }
    return !old || old.status !== t.status || old.engineUuid !== t.engineUuid || old.completed?.us !== t.completed?.us || old.label !== t.label;
  }

  private iopub(e: IopubEvent): void {
    if (e.msgType !== 'status' || e.engine === null) return;
    const state = isDict(e.content) ? e.content['execution_state'] : undefined;
    if (state === 'busy') {
      this.activity.set(e.engine, { busy: true, task: e.parentId, since: e.date });
      // a load-balanced task is sent to an engine as it starts there: that is where it is, before a poll says so
      const t = e.parentId === null ? undefined : this.tasks.get(e.parentId);
      const uuid = this.engines.get(e.engine);
      if (t && t.status === 'pending' && t.engineUuid === null && uuid) t.engineUuid = uuid;
    }
    else if (state === 'idle') this.activity.set(e.engine, { busy: false, task: null, since: e.date });
    else return;
    this.onEvent?.();
  }

  private engineEvent(e: EngineEvent): void {
    if (e.kind === 'unregistered' && e.uuid) {
      const act = e.id === null ? undefined : this.activity.get(e.id);
      this.gone.set(e.uuid, { id: e.id, task: act?.busy ? act.task : this.assignedRunning(e.uuid) });
      if (e.id !== null) this.activity.delete(e.id);
    } else if (e.kind === 'registered' && e.uuid) this.gone.delete(e.uuid);
    void this.o.client.engines().then((m) => {
      this.engines = m;
      this.ctx = engineContext(m);
      this.onEvent?.();
    }, () => undefined);
  }

  /** The pending task of an engine that has waited longest: the one it most likely runs. */
  private assignedRunning(uuid: string): string | null {
    let best: Task | null = null;
    for (const t of this.tasks.values()) {
      if (t.status !== 'pending' || t.engineUuid !== uuid) continue;
      if (!best || (t.submitted?.us ?? 0) < (best.submitted?.us ?? 0)) best = t;
    }
    return best?.msgId ?? null;
  }

  private engineIdOf(t: Task): number | null {
    if (t.engineUuid === null) return t.engineHint;
    return this.ctx.engineId?.(t.engineUuid) ?? this.gone.get(t.engineUuid)?.id ?? this.learned.get(t.engineUuid) ?? t.engineHint;
  }

  /** The median run time of the selection's tasks that finished well (the last RUN_TIMES_KEPT of them), in seconds. */
  private medianRunTime(): number | null {
    if (this.median === undefined) {
      const n = Math.min(this.runCount, RUN_TIMES_KEPT);
      const times = this.runTimes.slice(0, n).sort();
      this.median = n === 0 ? null : n % 2 ? times[(n - 1) / 2]! : (times[n / 2 - 1]! + times[n / 2]!) / 2;
    }
    return this.median;
  }

  /** A snapshot whose engine rows name their tasks' functions (read for the few tasks shown, once each). */
  async namedSnapshot(source: string): Promise<TopSnapshot> {
    const snap = this.snapshot(source);
    const unnamed = snap.engines.map((e) => e.task?.msgId).filter((id): id is string => id !== undefined && this.tasks.get(id)?.fn === null);
    if (unnamed.length === 0) return snap;
    await this.nameFunctions(unnamed);
    return this.snapshot(source);
  }

  snapshot(source: string): TopSnapshot {
    const now = Timestamp.now();
    const live = this.live;
    type Tally = { uuid: string; id: number | null; done: number; failed: number; pending: Task[]; lastError: Task | null; lastDone: Timestamp | null };
    const tallies = new Map<string, Tally>();
    const tally = (uuid: string, id: number | null): Tally => {
      let x = tallies.get(uuid);
      if (!x) tallies.set(uuid, (x = { uuid, id, done: 0, failed: 0, pending: [], lastError: null, lastDone: null }));
      return x;
    };
    for (const [id, uuid] of [...this.engines].sort(([a], [b]) => a - b)) tally(uuid, id);
    for (const [uuid, g] of this.gone) tally(uuid, g.id);
    const f = this.folded;
    let pendingAll = 0, done = f.done, failed = f.failed;
    const perSecond = new Array<number>(60).fill(0);
    const failures: Task[] = [...f.errors];
    for (const [uuid, e] of f.engines) {
      if (live && !tallies.has(uuid)) continue;
      const x = tally(uuid, this.ctx.engineId?.(uuid) ?? this.gone.get(uuid)?.id ?? this.learned.get(uuid) ?? e.hint);
      x.done += e.done;
      x.failed += e.failed;
      if (e.lastError && (!x.lastError || (e.lastError.completed?.us ?? 0) > (x.lastError.completed?.us ?? 0))) x.lastError = e.lastError;
      if (e.lastDone && (!x.lastDone || e.lastDone.us > x.lastDone.us)) x.lastDone = e.lastDone;
    }
    for (const t of this.tasks.values()) {
      if (t.status === 'pending') pendingAll++;
      else if (t.status === 'ok') done++;
      else {
        failed++;
        failures.push(t);
      }
      if (t.completed) {
        const ago = Math.floor((now.us - t.completed.us) / 1e6);
        if (ago >= 0 && ago < 60) perSecond[59 - ago]!++;
      }
      if (t.engineUuid === null) continue;
      // on a hub, only the engines it knows (and those that left while %top ran) have rows
      if (live && !tallies.has(t.engineUuid)) continue;
      const x = tally(t.engineUuid, this.engineIdOf(t));
      if (t.status === 'pending') x.pending.push(t);
      else {
        if (t.status === 'ok') x.done++;
        else {
          x.failed++;
          if (!x.lastError || (t.completed?.us ?? 0) > (x.lastError.completed?.us ?? 0)) x.lastError = t;
        }
        if (t.completed && (!x.lastDone || t.completed.us > x.lastDone.us)) x.lastDone = t.completed;
      }
    }
    const taskOf = (id: string | null, runningSeconds: number | null, estimated: boolean): TopTask | null => {
      if (id === null) return null;
      const t = this.tasks.get(id);
      return { msgId: id, function: t?.fn ?? null, label: t?.label ?? null, runningSeconds, estimated };
    };
    let running = 0;
    const engines: TopEngine[] = [];
    const order = [...tallies.values()].sort((a, b) => (a.id ?? Infinity) - (b.id ?? Infinity) || a.uuid.localeCompare(b.uuid));
    for (const x of order) {
      const g = this.gone.get(x.uuid);
      const up = !g && (!live || [...this.engines.values()].includes(x.uuid));
      x.pending.sort((a, b) => (a.submitted?.us ?? 0) - (b.submitted?.us ?? 0));
      const act = x.id === null ? undefined : this.activity.get(x.id);
      let task: TopTask | null = null;
      let busy = false;
      if (!up) {
        task = taskOf(g?.task ?? null, null, false);
      } else if (act) {
        busy = act.busy;
        if (act.busy) task = taskOf(act.task, Math.max(0, (now.us - act.since.us) / 1e6), false);
      } else if (x.pending.length) {
        busy = true;
        const first = x.pending[0]!;
        const from = Math.max(first.submitted?.us ?? 0, x.lastDone?.us ?? 0);
        task = taskOf(first.msgId, live && from > 0 ? Math.max(0, (now.us - from) / 1e6) : null, true);
      }
      const runsOurs = task !== null && up && this.tasks.get(task.msgId)?.status === 'pending';
      if (runsOurs) running++;
      engines.push({
        id: x.id,
        uuid: x.uuid,
        up,
        busy,
        task,
        queued: x.pending.length - (runsOurs && x.pending.some((t) => t.msgId === task!.msgId) ? 1 : 0),
        done: x.done,
        failed: x.failed,
        lastError: x.lastError ? `${x.lastError.ename}: ${x.lastError.evalue}` : null,
      });
    }
    const enginesUp = live ? this.engines.size : engines.length;
    const median = this.medianRunTime();
    const eta = (pending: number) => (pending === 0 ? 0 : median === null ? null : (median * pending) / Math.max(1, enginesUp));
    failures.sort((a, b) => (b.completed?.us ?? 0) - (a.completed?.us ?? 0));
    return {
      source,
      live,
      enginesUp,
      pending: pendingAll - running,
      running,
      done,
      failed,
      perSecond,
      etaSeconds: eta(pendingAll),
      engines,
      by: this.o.by,
      groups: this.groups(eta),
      errors: failures.slice(0, ERRORS_KEPT).map((t): TopError => ({
        msgId: t.msgId, time: t.completed, engine: this.engineIdOf(t), ename: t.ename ?? 'Error', evalue: t.evalue ?? '',
      })),
      polledAt: now,
    };
  }

  private groups(eta: (pending: number) => number | null): TopGroupRow[] {
    const by = this.o.by;
    if (by === null) return [];
    const rows = new Map<string, { total: number; done: number; failed: number }>();
    for (const [folded, g] of this.folded.groups) {
      const uuid = folded.startsWith('\u0000') ? folded.slice(1) : null;
      const key = uuid === null ? folded : String(this.ctx.engineId?.(uuid) ?? this.gone.get(uuid)?.id ?? this.learned.get(uuid) ?? this.folded.engines.get(uuid)?.hint ?? uuid);
      const row = rows.get(key);
      if (row) {
        row.total += g.total;
        row.done += g.done;
        row.failed += g.failed;
      } else rows.set(key, { ...g });
    }
    for (const t of this.tasks.values()) {
      const key = this.groupKey(t);
      let g = rows.get(key);
      if (!g) rows.set(key, (g = { total: 0, done: 0, failed: 0 }));
      g.total++;
      if (t.status !== 'pending') g.done++;
      if (t.status === 'error' || t.status === 'aborted') g.failed++;
    }
    return [...rows].sort(([a], [b]) => a.localeCompare(b)).map(([key, g]) => ({ key, ...g, etaSeconds: eta(g.total - g.done) }));
  }

  /** The msg_id of the task engine row `i` shows, if any. */
  static taskOfRow(s: TopSnapshot, i: number): string | null {
    return s.engines[i]?.task?.msgId ?? null;
  }
}

/** A list in runs of ID_CHUNK. */
function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += ID_CHUNK) out.push(xs.slice(i, i + ID_CHUNK));
  return out;
}
