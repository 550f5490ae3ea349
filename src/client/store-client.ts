import { hubError, notConfirmed, keyError, storeError } from '../errors.js';
import { compileQuery, derivedBatches, derivedCount, derivedList, normalizeKeys, planDerived, type DerivedFetch, type DerivedReader, type KeysInput, type QueryInput } from '../query/index.js';
import { ALL_KEYS, DEFAULT_KEYS, RecordBatches, Timestamp, type BatchedAnswer, engineIdOf, isDict, type DeriveContext, type TaskRecord, type Value } from '../records/index.js';
import { collect, type FindOptions, type IndexReport, type Store } from '../stores/index.js';
import { engineContext, enginesFromRecords } from './engines.js';
import { pause } from './pause.js';
import { confirmPurge, purgeQuestion, type ConfirmDestructive } from './purge.js';
import { queueStatusFromRecords, type QueueStatus } from './queue-status.js';
import { RecordList, type FollowedChanges, type RecordFollow, type StreamOptions, type TaskColumns, type TaskColumnsRequest, type Client, type ClientCapabilities, type ClientDescription, type EngineAnswers, type ResultStatus, type TaskResult, type TaskStatus, type WaitOptions } from './types.js';
import { jsonText } from '../format/index.js';


/** How StoreClient.find reads. */
interface FindHow {
  readonly signal?: AbortSignal;
  readonly lazy?: readonly string[];
  readonly unordered?: boolean;
  readonly holdAll?: boolean;
}

export interface StoreClientOptions {
  /** Whose tasks are "mine"; default the most recent client_uuid in the store. */
  readonly session?: string | null;
  /** Where `session` came from, for the banner ("--session", "the config"). */
  readonly sessionOrigin?: string;
  /** Engine id → uuid, when the configuration knows it. */
  readonly engines?: ReadonlyMap<number, string> | null;
  /** Destructive calls (purge_results) are refused unless this is set (--write). */
  readonly write?: boolean;
  /** Asked before every destructive call; without it they are refused. */
  readonly confirm?: ConfirmDestructive;
  /** How the banner names the store, when not `<kind> <location>`. */
  readonly source?: string;
  /** Why this store was opened, for the banner ("the tasks.db of profile default: no controller is running"). */
  readonly origin?: string;
  /** The TaskRecord keys the store holds (its table's columns), when it knows them: the default keys of an answer. */
  readonly columns?: readonly string[] | null;
  /** How often `wait` looks again at a live store. */
  readonly pollMs?: number;
}

/**
 * The `rc` object over a Store: what ipyparallel's Client answers from the
 * task database, without a hub. Requests that need a running controller
 * (resubmit) say so.
 */
/** What a store says of a call only a running controller can answer. */
export const NEEDS_HUB = (call: string) =>
  `${call} needs a running hub: a store only records tasks, it cannot reach engines; start ipc with --hub [CONNECTION_FILE]`;

export class StoreClient implements Client {
  readonly mode = 'store' as const;
  /** Filled in once known: at once from --session, else when sessionId() or describe() first runs. */
  readonly session: { session: string | null };
  private sessionOrigin: string;
  /** Finding the most recent client reads the store's summary: done on first use only. */
  private sessionLookup: Promise<string | null> | null;
  private engineLookup: Promise<Map<number, string>> | null = null;

  readonly capabilities: ClientCapabilities;

  private constructor(
    readonly store: Store,
    private readonly options: StoreClientOptions,
  ) {
    const can = store.capabilities;
    this.capabilities = { count: true, paged: can.paged, texts: can.texts, indexes: can.indexes, changes: can.changes, columns: can.columns };
    const given = options.session ? options.session : null;
    this.session = { session: given };
    this.sessionOrigin = given ? options.sessionOrigin ?? '--session' : '';
    this.sessionLookup = given ? Promise.resolve(given) : null;
    if (store.readChanges) this.follow = { changes: (mark, q, k, ids, idKeys) => this.changes(mark, q, k, ids, idKeys) };
  }

  changeStamp(): string {
    return this.store.changeStamp();
  }

  /** On a store that finds the rows added since a mark (SQLite), a view following it reads those only. */
  readonly follow?: RecordFollow;

  /** The records added since the mark that db_query would answer (derived keys computed here), and the records of some msg_ids. */
  private async changes(mark: string | null, query: QueryInput, keys: KeysInput, ids: readonly string[], idKeys: KeysInput): Promise<FollowedChanges> {
    const store = this.store;
    const ks = this.answerKeys(keys);
    const ctx: DeriveContext = {};
    const q = compileQuery(query);
    const plan = planDerived(q, ks, ctx);
    const read = store.readChanges!(mark, plan ? plan.stored : q, plan ? plan.fetch : ks, ids, idKeys);
    if (!plan) return read;
    if (plan.context) Object.assign(ctx, await this.deriveContext());
    // the records read are the stored part of the answer, in the file's order: the plan finishes them as any ordered read
    return { ...read, added: await derivedList(plan, { ordered: () => read.added }) };
  }

  static async open(store: Store, options: StoreClientOptions = {}): Promise<StoreClient> {
    return new StoreClient(store, options);
  }

  /** rc.session.session: --session, or the most recent client in the store (looked up once, on first use). */
  sessionId(): Promise<string | null> {
    this.sessionLookup ??= this.store.summary().then(
      (s) => this.settleSession(s.latestClient),
      () => this.settleSession(null),
    );
    return this.sessionLookup;
  }

  private settleSession(latest: string | null): string | null {
    if (this.options.session) return this.options.session;
    this.session.session = latest;
    this.sessionOrigin = latest ? 'the most recent client in the store' : 'none: the store names no client';
    return latest;
  }

  async describe(): Promise<ClientDescription> {
    const s = await this.store.summary();
    if (!this.sessionLookup) this.sessionLookup = Promise.resolve(this.settleSession(s.latestClient));
    else await this.sessionLookup;
    return {
      source: (this.options.source ?? `${this.store.info.kind} ${this.store.info.location}`) + (this.options.origin ? ` — ${this.options.origin}` : ''),
      count: s.count,
      firstSubmitted: s.firstSubmitted,
      lastSubmitted: s.lastSubmitted,
      sessionOrigin: this.sessionOrigin,
    };
  }

  answerKeys(keys?: KeysInput): readonly string[] {
    const ks = normalizeKeys(keys);
    const columns = this.options.columns;
    return (ks === DEFAULT_KEYS || ks === ALL_KEYS) && columns ? ks.filter((k) => columns.includes(k)) : ks;
  }

  async dbQuery(query: QueryInput, keys?: KeysInput, signal?: AbortSignal): Promise<RecordList> {
    const ks = this.answerKeys(keys);
    // the list holds the whole answer anyway: a derived answer read in one pass is held and ordered whatever its size
    const found = await this.find(query, ks, { ...(signal ? { signal } : {}), holdAll: true });
    const records = found instanceof RecordBatches ? await collectBatches(found) : await collect(found);
    // A store reading several task tables at once says which table each record came from.
    const extra = records.length && 'table' in records[0]! && !ks.includes('table') ? ['table'] : [];
    return new RecordList([...ks, ...extra], records);
  }

  async pagedQuery(query: QueryInput, keys?: KeysInput): Promise<RecordList | null> {
    const ks = this.answerKeys(keys);
    if (!this.store.capabilities.paged) return null;
    const q = compileQuery(query);
    if (planDerived(q, ks)) return null;
    const pages = await this.store.pagedRecords(q, ks);
    return pages && new RecordList(ks, pages);
  }

  /**
   * How many records dbQuery would answer. The store counts when it alone
   * answers the query; a query naming a derived key counts what the derived
   * tests keep of the store's answer to the rest.
   */
  async countQuery(query: QueryInput, keys?: KeysInput, signal?: AbortSignal): Promise<number> {
    normalizeKeys(keys);
    const q = compileQuery(query);
    const ctx: DeriveContext = {};
    const plan = planDerived(q, ['msg_id'], ctx);
    if (plan) {
      if (plan.context) Object.assign(ctx, await this.deriveContext());
      // a count does not depend on the order: the store may read in its own, in one pass
      return derivedCount(plan, this.derivedReader(), signal);
    }
    return this.store.countRecords(q);
  }

  async createIndexes(): Promise<IndexReport> {
    const store = this.store;
    // a store without indexes says so before anything is asked
    if (!store.capabilities.indexes) return store.createIndexes();
    const question = `%index adds indexes on submitted, completed, started, engine_uuid and client_uuid to ${store.info.location}`;
    if (!this.options.write) throw storeError(`${question}, and the store is open read-only; start ipc with --write to allow it`);
    // what would be refused is refused, and what is there already said, before anyone is asked
    const plan = await store.planIndexes();
    if (plan.missing.length === 0) return { created: [], present: plan.present, seconds: 0, bytesAdded: 0 };
    if (!this.options.confirm) throw storeError(`${question}; nothing is written without a confirmation`);
    if (!(await this.options.confirm(`${question}. Go on?`))) throw notConfirmed(question, 'written');
    return store.createIndexes();
  }

  readyColumnReads(): void {
    this.store.readyColumnReads();
  }

  /**
   * The store's columns of the answer, read against the engine map that
   * `deriveContext` gives: the map given, else the one looked up before;
   * a read of every record learns it on the way (the store finds what the
   * lookup would, in the same pass), else it is looked up first. A row
   * whose engine the map names needs nothing else to name it.
   */
  async taskColumns(query: QueryInput, request: TaskColumnsRequest): Promise<TaskColumns | null> {
    const store = this.store;
    // a derived key in the query is tested on records
    if (!store.capabilities.columns || planDerived(query, ['msg_id'])) return null;
    if (!request.state) {
      const read = store.taskColumns(query, { ...request, mapped: new Set() });
      return read && { read, ctx: {} };
    }
    const given = this.options.engines;
    if (!(given && given.size > 0) && !this.engineLookup) {
      // filled in before the first chunk comes
      const ctx: DeriveContext = {};
      const read = store.taskColumns(query, {
        ...request,
        mapped: new Set(),
        learn: (engines) => {
          Object.assign(ctx, engineContext(engines));
          this.engineLookup ??= Promise.resolve(engines);
        },
      });
      if (read) return { read, ctx };
    }
    const engines = await this.engines();
    const read = store.taskColumns(query, { ...request, mapped: new Set(engines.values()) });
    return read && { read, ctx: engineContext(engines) };
  }

  streamQuery(query: QueryInput, keys?: KeysInput, options: StreamOptions = {}): AsyncIterable<TaskRecord> {
    const find = this.find(query, this.answerKeys(keys), { lazy: options.lazy ?? [], unordered: options.unordered ?? false, ...(options.signal ? { signal: options.signal } : {}) });
    // a derived answer comes in batches: a reader that takes them (script mode's writers) may
    return new StoreAnswer(find);
  }

  streamQueryTexts(query: QueryInput, keys?: KeysInput): AsyncIterable<string> | null {
    const ks = this.answerKeys(keys);
    if (!this.store.capabilities.texts) return null;
    const q = compileQuery(query);
    if (planDerived(q, ks)) return null;
    return this.store.recordTexts(q, ks, jsonText);
  }

  /** The store's answer, through the derived keys' plan when the query or keys name one; the query is compiled once, here. */
  private async find(query: QueryInput, keys: readonly string[], how: FindHow = {}): Promise<AsyncIterable<TaskRecord>> {
    const store = this.store;
    const q = compileQuery(query);
    const lazy = how.lazy ?? [];
    // The engine map may cost a scan of the store: only a plan whose derivations read it asks for it.
    const ctx: DeriveContext = {};
    const plan = planDerived(q, keys, ctx, lazy);
    if (!plan) {
      const options = { lazy, ...(how.signal ? { signal: how.signal } : {}) };
      return how.unordered ? store.scanRecords(q, keys, options) : store.findRecords(q, keys, options);
    }
    if (plan.context) Object.assign(ctx, await this.deriveContext());
    return new RecordBatches(derivedBatches(plan, this.derivedReader(), { ...(how.signal ? { signal: how.signal } : {}), unordered: how.unordered ?? false, holdAll: how.holdAll ?? false }));
  }

  /** How a derived answer reads this store: in order, or in one pass in the store's own order where it can. */
  private derivedReader(): DerivedReader {
    const store = this.store;
    const options = (f: DerivedFetch): FindOptions => ({ lazy: f.lazy, sparse: f.sparse });
    return {
      ordered: (f) => store.findRecords(f.query, f.keys, options(f)),
      ...(store.capabilities.scan ? { scan: (f: DerivedFetch) => store.scanSlices(f.query, f.keys, options(f)) } : {}),
    };
  }

  async getResult(msgIds: readonly string[]): Promise<TaskResult[]> {
    const ctx = await this.deriveContext();
    const out: TaskResult[] = [];
    for (const id of msgIds) out.push(taskResult(await this.store.getRecord(id), ctx));
    return out;
  }

  hubHistory(): Promise<string[]> {
    return this.store.getHistory();
  }

  async purgeResults(msgIds: readonly string[] | 'all', targets: readonly number[] = []): Promise<number> {
    await this.allowDestructive(purgeQuestion(msgIds, targets, this.store.info.location));
    let dropped = 0;
    if (msgIds === 'all') {
      dropped += await this.store.dropMatchingRecords({ completed: { $ne: null } });
    } else if (msgIds.length) {
      const found = await collect(this.store.findRecords({ msg_id: { $in: [...msgIds] } }, ['completed']));
      const pending = found.find((r) => r['completed'] === null);
      if (pending) throw keyError(`msg pending: '${pending['msg_id']}' has not completed, so it is not purged`);
      dropped += await this.store.dropMatchingRecords({ msg_id: { $in: [...msgIds] } });
    }
    if (targets.length) {
      const engines = await this.engines();
      for (const t of targets) {
        const uuid = engines.get(t);
        if (uuid === undefined) throw keyError(`no such engine: ${t}${engineMapHint(engines)}`);
        dropped += await this.store.dropMatchingRecords({ engine_uuid: uuid, completed: { $ne: null } });
      }
    }
    return dropped;
  }

  async queueStatus(targets: readonly number[] | null = null, verbose = false): Promise<QueueStatus> {
    const engines = await this.engines();
    for (const t of targets ?? []) {
      if (!engines.has(t)) throw keyError(`no such engine: ${t}${engineMapHint(engines)}`);
    }
    const records = await collect(this.store.findRecords({}, ['engine_uuid', 'queue', 'completed']));
    return queueStatusFromRecords(records, engines, targets, verbose);
  }

  /**
   * Engine id → uuid: the map given (configuration, the controller's
   * engines.json), else what the failed tasks' records tell, read once.
   */
  engines(): Promise<Map<number, string>> {
    const given = this.options.engines;
    if (given && given.size > 0) return Promise.resolve(new Map(given));
    this.engineLookup ??= collect(this.store.findRecords({ error: { $ne: null } }, ['engine_uuid', 'result_metadata'])).then(
      (records) => enginesFromRecords(records),
      () => new Map<number, string>(),
    );
    return this.engineLookup.then((m) => new Map(m));
  }

  async deriveContext(): Promise<DeriveContext> {
    return engineContext(await this.engines());
  }

  async resubmit(_msgIds: readonly string[]): Promise<Record<string, string>> {
    throw hubError('resubmit needs a live hub: a store only records tasks; start ipc with --hub [CONNECTION_FILE] to resubmit');
  }

  async abort(_msgIds: readonly string[]): Promise<EngineAnswers> {
    throw hubError(NEEDS_HUB('abort'));
  }

  async sendSignal(): Promise<EngineAnswers> {
    throw hubError(NEEDS_HUB('send_signal'));
  }

  outstandingTasks(): string[] {
    return [];
  }

  async confirmAction(_question: string): Promise<boolean> {
    return false;
  }

  async resultStatus(msgIds: readonly string[]): Promise<ResultStatus> {
    const ids = [...new Set(msgIds)].sort();
    const found = new Map<string, boolean>();
    for (const r of await collect(this.store.findRecords({ msg_id: { $in: ids } }, ['completed']))) found.set(r['msg_id'] as string, r['completed'] !== null);
    const out: ResultStatus = { pending: [], completed: [] };
    for (const id of ids) {
      const done = found.get(id);
      if (done === undefined) throw keyError(`no such task: '${id}' is not in ${this.store.info.location}`);
      (done ? out.completed : out.pending).push(id);
    }
    return out;
  }

  async wait(msgIds: readonly string[] | null, timeoutSeconds: number | null, options: WaitOptions = {}): Promise<boolean> {
    // A store client submits nothing, so nothing of its own is outstanding.
    if (msgIds === null) return true;
    const deadline = timeoutSeconds === null ? Infinity : Date.now() + timeoutSeconds * 1000;
    let noted = false;
    for (;;) {
      const found = await collect(this.store.findRecords({ msg_id: { $in: [...msgIds] } }, ['completed']));
      const done = found.filter((r) => r['completed'] !== null).length;
      // once, when there is something to wait for: a reason it may never come
      if (!noted && done < msgIds.length && this.store.info.live && options.onNote) {
        noted = true;
        const note = this.store.idleNote();
        if (note) options.onNote(note);
      }
      options.onProgress?.(done, msgIds.length);
      if (done === msgIds.length && found.length === msgIds.length) return true;
      if (!this.store.info.live || Date.now() >= deadline || options.signal?.aborted) return false;
      await pause(Math.min(this.options.pollMs ?? 500, Math.max(0, deadline - Date.now())), options.signal);
    }
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async allowDestructive(question: string): Promise<void> {
    if (!this.options.write) {
      throw storeError(`${question}, and the store is open read-only; start ipc with --write to allow it`);
    }
    if (!this.options.confirm) throw storeError(`${question}; nothing is deleted without a confirmation`);
    await confirmPurge(this.options.confirm, question);
  }
}

/** A store's answer, found asynchronously: in batches when a derived plan answers it, else record by record as the store gives it. */
class StoreAnswer implements BatchedAnswer<TaskRecord> {
  constructor(private readonly found: Promise<AsyncIterable<TaskRecord>>) {}

  async batchSource(): Promise<AsyncIterable<readonly TaskRecord[]> | null> {
    const found = await this.found;
    return found instanceof RecordBatches ? found.batches() : null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TaskRecord> {
    yield* await this.found;
  }
}

async function collectBatches(found: RecordBatches<TaskRecord>): Promise<TaskRecord[]> {
  const out: TaskRecord[] = [];
  for await (const batch of found.batches()) for (const r of batch) out.push(r);
  return out;
}

function engineMapHint(engines: ReadonlyMap<number, string>): string {
  return engines.size
    ? ` (known engines: ${[...engines.keys()].join(', ')})`
    : '; the engine ids are known only from the `engines` map of the configuration (id → uuid) or with --hub';
}

/** The get_result view of one record. */
export function taskResult(record: TaskRecord, ctx: DeriveContext = {}): TaskResult {
  const ts = (k: string) => (record[k] instanceof Timestamp ? (record[k] as Timestamp) : null);
  const submitted = ts('submitted');
  const started = ts('started');
  const completed = ts('completed');
  const content = isDict(record['result_content']) ? record['result_content'] : null;
  const engineUuid = typeof record['engine_uuid'] === 'string' ? record['engine_uuid'] : null;
  const engineId = engineIdOf(record, ctx);

  let status: TaskStatus;
  if (completed === null) status = 'pending';
  else if (content && typeof content['status'] === 'string') {
    const s = content['status'];
    status = s === 'ok' || s === 'error' || s === 'aborted' ? s : 'unknown';
  } else status = record['error'] ? 'error' : 'unknown';

  const errorSource = isDict(record['error']) ? record['error'] : status === 'error' ? content : null;
  const error = errorSource
    ? {
        ename: String(errorSource['ename'] ?? ''),
        evalue: String(errorSource['evalue'] ?? ''),
        traceback: Array.isArray(errorSource['traceback']) ? errorSource['traceback'].map((l: Value) => String(l)) : [],
      }
    : null;
  return {
    msgId: record['msg_id'] as string,
    status,
    record,
    engineId,
    engineUuid,
    submitted,
    started,
    completed,
    queueWaitUs: submitted && started ? started.us - submitted.us : null,
    runTimeUs: started && completed ? completed.us - started.us : null,
    stdout: typeof record['stdout'] === 'string' ? record['stdout'] : '',
    stderr: typeof record['stderr'] === 'string' ? record['stderr'] : '',
    error,
    executeResult: isDict(record['execute_result']) ? record['execute_result'] : null,
  };
}
