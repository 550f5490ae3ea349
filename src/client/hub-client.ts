import { IpcError, hubError, keyError, noData, storeError, typeError } from '../errors.js';
import {
  HubChannel, HubReplyError, decodeRecord, detectBackend, hasLocalOffset, replyContent, resultRecord, toHubQuery, type HubQueryOptions,
  type HubBackend, type IopubMessage, type Json, type JsonDict, type Message,
} from '../hub/index.js';
import {
  compileQuery, compareRecords, derivedList, fieldKeys, matches, normalizeKeys, planDerived, project,
  type DerivedReader, type KeysInput, type Query, type QueryInput,
} from '../query/index.js';
import { ALL_KEYS, BUFFER_KEYS, DEFAULT_KEYS, Timestamp, isDict, type DeriveContext, type Dict, type TaskRecord } from '../records/index.js';
import { confirmPurge, purgeQuestion, type ConfirmDestructive } from './purge.js';
import { engineContext } from './engines.js';
import { pause } from './pause.js';
import { queueStatusOf, type QueueStatus } from './queue-status.js';
import { taskResult } from './store-client.js';
import type { EngineActivity, EngineEvent, IopubEvent, LiveFeed } from './live.js';
import { RecordList, type Client, type ClientCapabilities, type ClientDescription, type TaskColumns, type EngineAnswers, type IndexReport, type ResultStatus, type StreamOptions, type TaskResult, type WaitOptions } from './types.js';

/** msg_ids per purge_request. */
const PURGE_BATCH = 400;
export interface HubClientOptions {
  /** Path of ipcontroller-client.json. */
  readonly connectionFile: string;
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
  /** The largest message frame taken from the hub; default 256 MB. */
  readonly maxMessageBytes?: number;
  /** Whose tasks are "mine"; default ipc's own client session. */
  readonly session?: string;
  /** Asked before purge_results deletes records; without it, a call is its own consent (library use). */
  readonly confirm?: ConfirmDestructive;
  /** Asked before %abort and %retry act on the cluster; without it, a call is its own consent (library use). */
  readonly confirmAction?: ConfirmDestructive;
  /** How long the first request (the engine map) may take: short when ipc only tries whether a controller runs. */
  readonly connectTimeoutMs?: number;
  /** Why this hub was chosen, for the banner ("the running controller of profile default"). */
  readonly origin?: string;
}

/** Connects to a running ipcontroller the way ipyparallel.Client does. */
export async function openHubClient(options: HubClientOptions): Promise<Client> {
  const client = new HubClient(options);
  try {
    await client.channel.checkListening(Math.min(options.connectTimeoutMs ?? client.channel.timeoutMs, 2000));
    await client.refreshEngines(options.connectTimeoutMs);
  } catch (e) {
    await client.close();
    throw e;
  }
  return client;
}

/** The columns get_result takes from the database rather than from result_request. */
const RECORD_COLUMNS = [
  'submitted', 'client_uuid', 'engine_uuid', 'started', 'completed', 'received', 'resubmitted', 'queue', 'execute_input',
  // what the task ran, for its Call and Code
  'buffers', 'header', 'content',
];
/** How many result_request exchanges run at once. */
const RESULT_CONCURRENCY = 16;

/**
 * The live `rc`: every call is a request to the hub's query socket. Queries
 * go through the shared engine: the hub gets the part its backend evaluates
 * correctly (see toHubQuery) and ipc filters, orders and projects the answer,
 * so it equals what a store holding the same records gives.
 */
export class HubClient implements Client {
  readonly mode = 'hub' as const;
  /** The hub answers every query with its records: nothing is counted, paged or written as text without them. */
  readonly capabilities: ClientCapabilities = { count: false, paged: false, texts: false, indexes: false, changes: false, columns: false };
  readonly session: { readonly session: string | null };
  readonly channel: HubChannel;
  private readonly sessionOrigin: string;
  private readonly confirm: ConfirmDestructive | undefined;
  private readonly askAction: ConfirmDestructive | undefined;
  private readonly origin: string | undefined;
  private readonly engineIds = new Map<number, string>();
  private backend: HubBackend = 'unknown';
  private detecting: Promise<HubBackend> | null = null;
  /**
   * Whether the hub's records have a `label` column (ipyparallel 9.1), as
   * its replies told: records that carry the key, or a refusal of the key.
   * Never guessed from what a query happened to ask for.
   */
  private labelColumn: 'yes' | 'no' | 'unknown' = 'unknown';
  /** Tasks this client resubmitted and has not seen complete: what rc.wait() without ids waits for. */
  private readonly outstanding = new Set<string>();

  constructor(options: HubClientOptions) {
    this.origin = options.origin;
    this.channel = new HubChannel(options.connectionFile, {
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
      onReconnect: () => {
        this.backend = 'unknown';
        void this.refreshEngines().catch(() => undefined);
      },
    });
    this.session = { session: options.session ?? this.channel.session.session };
    this.sessionOrigin = options.session !== undefined ? '--session' : "ipc's own client session";
    this.confirm = options.confirm;
    this.askAction = options.confirmAction;
    this.channel.onNotification((m) => this.notified(m));
  }

  async sessionId(): Promise<string | null> {
    return this.session.session;
  }

  /** The hub's DB backend, when a query needed to know it. */
  get knownBackend(): HubBackend {
    return this.backend;
  }

  async refreshEngines(timeoutMs?: number): Promise<void> {
    const content = await this.ask('connection_request', {}, timeoutMs);
    const engines = content['engines'];
    this.engineIds.clear();
    if (isDict(engines)) {
      for (const [id, uuid] of Object.entries(engines)) if (typeof uuid === 'string') this.engineIds.set(Number(id), uuid);
    }
  }

  async describe(): Promise<ClientDescription> {
    const backend = this.backend === 'unknown' ? '' : `, ${this.backend}`;
    const source = `hub ${this.channel.address} (${this.channel.connectionFile}${backend})${this.origin ? ` — ${this.origin}` : ''}`;
    let history: string[] | null = null;
    try {
      history = await this.hubHistory();
    } catch (e) {
      if (!(e instanceof IpcError && e.kind === 'KeyError')) throw e;
    }
    let first: Timestamp | null = null;
    let last: Timestamp | null = null;
    if (history && history.length > 0) {
      const ends = await this.dbQuery({ msg_id: { $in: [history[0]!, history[history.length - 1]!] } }, ['submitted']);
      const dates = ends.records.map((r) => r['submitted']).filter((d): d is Timestamp => d instanceof Timestamp);
      first = dates[0] ?? null;
      last = dates[dates.length - 1] ?? null;
    }
    return { source, count: history ? history.length : null, firstSubmitted: first, lastSubmitted: last, sessionOrigin: this.sessionOrigin };
  }

  /** Without keys, `label` only from a hub whose records have it (ipyparallel 9.1). */
  answerKeys(keys?: KeysInput): readonly string[] {
    const ks = normalizeKeys(keys);
    return (ks === DEFAULT_KEYS || ks === ALL_KEYS) && this.labelColumn !== 'yes' ? ks.filter((k) => k !== 'label') : ks;
  }

  dbQuery(query: QueryInput, keys?: KeysInput, signal?: AbortSignal): Promise<RecordList> {
    return this.query(query, keys, signal, {});
  }

  private async query(query: QueryInput, keys: KeysInput | undefined, signal: AbortSignal | undefined, options: HubQueryOptions): Promise<RecordList> {
    // compiled once: the plan, the hub's part and the part matched here all take this one
    const q = compileQuery(query);
    const plan = planDerived(q, keys, engineContext(this.engineIds));
    if (!plan) return this.storedQuery(q, keys, options);
    // the hub answers the stored part as one reply, put in order here: the same steps as a store's ordered read
    const hub: DerivedReader = {
      ordered: (f) => (async function* (client: HubClient) {
        yield* (await client.storedQuery(f.query, f.keys, options)).records;
      })(this),
    };
    return new RecordList(plan.keys, await derivedList(plan, hub, signal ? { signal } : {}));
  }

  /** db_query on the stored keys: pushed down to the hub as far as its backend allows, the rest matched here. */
  private async storedQuery(query: QueryInput, keys: KeysInput | undefined, options: HubQueryOptions): Promise<RecordList> {
    const q = compileQuery(query);
    let ks = this.answerKeys(keys);
    if (this.backend === 'unknown' && needsBackend(q)) await this.detectBackend();
    if (this.backend === 'NoDB') throw noData();
    const plan = toHubQuery(q, this.backend, options);
    if (plan.kind === 'empty') return new RecordList(ks, []);
    const fetched = await this.fetchWithColumns(plan.query, q, normalizeKeys(keys));
    // The first answer may be what tells that the hub keeps labels.
    ks = this.answerKeys(keys);
    const out: TaskRecord[] = [];
    for (const rec of fetched) if (matches(q, rec)) out.push(rec);
    out.sort(compareRecords);
    return new RecordList(ks, out.map((r) => project(r, ks)));
  }

  async *streamQuery(query: QueryInput, keys?: KeysInput, options: StreamOptions = {}): AsyncIterable<TaskRecord> {
    yield* (await this.dbQuery(query, keys, options.signal)).records;
  }

  async countQuery(query: QueryInput, keys?: KeysInput, signal?: AbortSignal): Promise<number> {
    return (await this.dbQuery(query, keys, signal)).length;
  }

  async pagedQuery(): Promise<RecordList | null> {
    return null;
  }

  /** A hub answers records: %stats and %timeline read them. */
  async taskColumns(): Promise<TaskColumns | null> {
    return null;
  }

  readyColumnReads(): void {}

  streamQueryTexts(): AsyncIterable<string> | null {
    return null;
  }

  async createIndexes(): Promise<IndexReport> {
    throw storeError('%index makes indexes in a SQLite file; this session reads a live hub');
  }

  changeStamp(): string {
    return '';
  }

  async getResult(msgIds: readonly string[]): Promise<TaskResult[]> {
    const ids = checkIds(msgIds, 'get_result');
    const results = new Array<TaskResult>(ids.length);
    let next = 0;
    // One id per result_request: its buffers are then this task's alone, and
    // the hub's get_results looks at the right record (it reuses a stale loop
    // variable for records it did not see complete).
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const i = next++;
        results[i] = await this.resultOf(ids[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESULT_CONCURRENCY, ids.length) }, worker));
    return this.withRecordColumns(results);
  }

  /**
   * The task's columns as the hub's database holds them (result_request
   * leaves out submitted and the engine of a pending task, and rebuilds the
   * rest from headers, which a backend may keep more finely than its
   * columns); a database that keeps nothing leaves the results as they are.
   */
  private async withRecordColumns(results: TaskResult[]): Promise<TaskResult[]> {
    if (results.length === 0 || this.backend === 'NoDB') return results;
    let found: RecordList;
    try {
      found = await this.dbQuery({ msg_id: { $in: results.map((r) => r.msgId) } }, RECORD_COLUMNS);
    } catch (e) {
      if (e instanceof IpcError && e.kind === 'KeyError') return results;
      throw e;
    }
    const byId = new Map(found.records.map((r) => [r['msg_id'], r]));
    const ctx = engineContext(this.engineIds);
    return results.map((r) => {
      const columns = byId.get(r.msgId);
      if (!columns) return r;
      const completed = r.status === 'pending' ? null : columns['completed'] ?? r.record['completed'] ?? null;
      return taskResult({ ...r.record, ...columns, completed }, ctx);
    });
  }

  async hubHistory(): Promise<string[]> {
    const content = await this.ask('history_request', {});
    const history = content['history'];
    return Array.isArray(history) ? history.filter((h): h is string => typeof h === 'string') : [];
  }

  async purgeResults(msgIds: readonly string[] | 'all', targets: readonly number[] = []): Promise<number> {
    if (msgIds !== 'all' && msgIds.length === 0 && targets.length === 0) {
      throw typeError("purge_results needs msg_ids, 'all', or targets=[engine ids]");
    }
    const ids = msgIds === 'all' ? 'all' : checkIds(msgIds, 'purge_results');
    const plan = await this.planPurge(ids, targets);
    if (this.confirm) {
      await confirmPurge(this.confirm, purgeQuestion(ids, targets, `the hub at ${this.channel.address}`, plan.count));
    }
    if (plan.request) {
      // SQLiteDB turns $in into a chain of ORs, and SQLite refuses an expression deeper than 1000.
      const ids = plan.request['msg_ids'];
      if (Array.isArray(ids) && ids.length > PURGE_BATCH) {
        for (let i = 0; i < ids.length; i += PURGE_BATCH) {
          await this.ask('purge_request', { ...plan.request, msg_ids: ids.slice(i, i + PURGE_BATCH), engine_ids: i === 0 ? plan.request['engine_ids'] ?? [] : [] });
        }
      } else await this.ask('purge_request', plan.request);
    }
    return plan.count;
  }

  async queueStatus(targets: readonly number[] | null = null, verbose = false): Promise<QueueStatus> {
    // null asks for every engine; an empty list makes the hub answer "No Engines Registered".
    const content = await this.ask('queue_request', { targets: targets ? [...targets] : null, verbose });
    return queueStatusOf(content);
  }

  async engines(): Promise<Map<number, string>> {
    return new Map([...this.engineIds].sort((a, b) => a[0] - b[0]));
  }

  async deriveContext(): Promise<DeriveContext> {
    return engineContext(await this.engines());
  }

  async resubmit(msgIds: readonly string[]): Promise<Record<string, string>> {
    const ids = checkIds(msgIds, 'resubmit');
    if (ids.length === 0) return {};
    const content = await this.ask('resubmit_request', { msg_ids: ids });
    const map = content['resubmitted'];
    const out: Record<string, string> = {};
    if (isDict(map)) for (const id of ids) if (typeof map[id] === 'string') out[id] = map[id] as string;
    for (const id of Object.values(out)) this.outstanding.add(id);
    return out;
  }

  async abort(msgIds: readonly string[], targets: readonly number[] | null, waitMs?: number): Promise<EngineAnswers> {
    const ids = checkIds(msgIds, 'abort');
    return this.toEngines('abort_request', { msg_ids: ids }, targets, waitMs);
  }

  async sendSignal(sig: number | string, targets: readonly number[] | null, waitMs?: number): Promise<EngineAnswers> {
    if (!(typeof sig === 'string' ? /^SIG[A-Z0-9]+$/.test(sig) : Number.isInteger(sig) && sig > 0)) {
      throw typeError(`send_signal takes a signal number or name such as 'SIGINT', not ${JSON.stringify(sig)}`);
    }
    return this.toEngines('signal_request', { sig }, targets, waitMs);
  }

  outstandingTasks(): string[] {
    return [...this.outstanding];
  }

  async confirmAction(question: string): Promise<boolean> {
    return this.askAction ? this.askAction(question) : true;
  }

  /**
   * Sends one control request to each target engine at once and gathers
   * their answers, waiting at most `waitMs` (the request timeout) for each.
   */
  private async toEngines(msgType: string, content: Json, targets: readonly number[] | null, waitMs = this.channel.timeoutMs): Promise<EngineAnswers> {
    const engines = this.targetEngines(targets, msgType);
    const out: EngineAnswers = { ok: [], silent: [], failed: [] };
    const answers = await Promise.all(engines.map(([, uuid]) => this.channel.controlRequest(uuid, msgType, content, waitMs)));
    answers.forEach((m, i) => {
      const id = engines[i]![0];
      if (m === null) out.silent.push(id);
      else if (m.content['status'] === 'ok') out.ok.push(id);
      else out.failed.push({ engine: id, ename: String(m.content['ename'] ?? 'Error'), evalue: String(m.content['evalue'] ?? '') });
    });
    return out;
  }

  /** Engine ids and uuids of the targets (every registered engine when null), as ipyparallel's _build_targets. */
  private targetEngines(targets: readonly number[] | null, msgType: string): [number, string][] {
    const known = [...this.engineIds].sort((a, b) => a[0] - b[0]);
    if (known.length === 0) throw hubError(`no engines are registered with the hub, so there is nobody to send ${msgType} to`);
    if (targets === null) return known;
    return [...new Set(targets)].map((t) => {
      const uuid = this.engineIds.get(t);
      if (uuid === undefined) throw hubError(`no engine ${t} is registered with the hub (engines: ${known.map((e) => e[0]).join(', ')})`);
      return [t, uuid];
    });
  }

  /**
   * As the hub's result_request with status_only (no result is fetched).
   * The hub answers from memory and gives up on the first id it has not
   * seen this run (KeyError 'No such message'): such an id is answered from
   * its database record (a task of an earlier run on a kept database), and
   * only an id the database does not hold either is the KeyError. A purged
   * task is one the hub saw complete: completed, as the hub says.
   */
  async resultStatus(msgIds: readonly string[]): Promise<ResultStatus> {
    const ids = [...new Set(checkIds(msgIds, 'result_status'))].sort();
    const out: ResultStatus = { pending: [], completed: [] };
    let ask = ids;
    let stored: Map<string, boolean> | null = null;
    while (ask.length > 0) {
      const reply = await this.channel.request('result_request', { msg_ids: ask, status_only: true });
      const missing = missingTask(reply);
      if (missing === null) {
        const content = this.unwrap(reply, 'result_request');
        for (const k of ['pending', 'completed'] as const) {
          const list = content[k];
          if (Array.isArray(list)) for (const id of list) if (typeof id === 'string') out[k].push(id);
        }
        break;
      }
      if (stored === null) {
        stored = await this.storedStatus(ids);
        // what the database holds as completed needs no more asking
        for (const id of ask) if (stored.get(id) === true) out.completed.push(id);
        ask = ask.filter((id) => stored!.get(id) !== true);
        continue;
      }
      const done = stored.get(missing);
      if (done === undefined) throw keyError(`no such task: the hub has no task '${missing}', and its database holds no record of it`);
      (done ? out.completed : out.pending).push(missing);
      ask = ask.filter((id) => id !== missing);
    }
    out.pending.sort();
    out.completed.sort();
    for (const id of out.completed) this.outstanding.delete(id);
    return out;
  }

  /** msg_id → completed, for the records the hub's database holds (none on NoDB). */
  private async storedStatus(ids: readonly string[]): Promise<Map<string, boolean>> {
    const map = new Map<string, boolean>();
    try {
      const found = await this.dbQuery({ msg_id: { $in: [...ids] } }, ['completed']);
      for (const r of found.records) map.set(r['msg_id'] as string, r['completed'] instanceof Timestamp);
    } catch (e) {
      if (!(e instanceof IpcError && e.kind === 'KeyError')) throw e;
    }
    return map;
  }

  async wait(msgIds: readonly string[] | null, timeoutSeconds: number | null, options: WaitOptions = {}): Promise<boolean> {
    // Without ids, as ipyparallel's Client.wait(): this client's outstanding tasks (those ipc resubmitted), else none.
    const ids = msgIds === null ? [...this.outstanding] : [...new Set(checkIds(msgIds, 'wait'))];
    if (ids.length === 0) return true;
    const deadline = timeoutSeconds === null || timeoutSeconds < 0 ? Infinity : Date.now() + timeoutSeconds * 1000;
    let interval = 20;
    for (;;) {
      const done = (await this.resultStatus(ids)).completed.length;
      options.onProgress?.(done, ids.length);
      if (done === ids.length) return true;
      const left = deadline - Date.now();
      if (left <= 0 || options.signal?.aborted) return false;
      await pause(Math.min(interval, left), options.signal);
      interval = Math.min(interval * 1.5, 1000);
    }
  }

  async close(): Promise<void> {
    await this.channel.close();
  }

  /** Sends a request and returns the reply content, or raises what the hub reported. */
  private async ask(msgType: string, content: unknown, timeoutMs?: number): Promise<JsonDict> {
    return this.unwrap(await this.channel.request(msgType, content, timeoutMs), msgType);
  }

  private unwrap(msg: Message, msgType: string): JsonDict {
    try {
      return replyContent(msg, msgType);
    } catch (e) {
      if (e instanceof HubReplyError && e.ename === 'NoData') throw noData();
      throw e;
    }
  }

  private async fetchRecords(hubQuery: Dict, keys: string[] | null): Promise<TaskRecord[]> {
    const reply = await this.channel.request('db_request', { query: hubQuery, keys });
    const content = this.unwrap(reply, 'db_request');
    const raw = content['records'];
    if (!Array.isArray(raw)) return [];
    const bufferLens = content['buffer_lens'];
    const resultLens = content['result_buffer_lens'];
    checkBufferLens(raw.length, reply.buffers.length, bufferLens, resultLens);
    let at = 0;
    const take = (lens: Json | undefined, i: number): Uint8Array[] | undefined => {
      if (!Array.isArray(lens)) return undefined;
      const n = Number(lens[i] ?? 0);
      const bufs = reply.buffers.slice(at, at + n);
      at += n;
      return bufs;
    };
    if (this.backend === 'unknown' && hasLocalOffset(raw)) await this.detectBackend();
    const utcDigits = this.backend === 'MongoDB';
    const records: TaskRecord[] = [];
    for (let i = 0; i < raw.length; i++) {
      const item = raw[i];
      if (!isDict(item)) continue;
      const rec = decodeRecord(item, utcDigits);
      // A record without the key tells nothing: a MongoDB collection may hold records of 7.x and 9.x hubs.
      if ('label' in rec) this.labelColumn = 'yes';
      const b = take(bufferLens, i);
      if (b) rec['buffers'] = b;
      const rb = take(resultLens, i);
      if (rb) rec['result_buffers'] = rb;
      records.push(rec);
    }
    return records;
  }

  /**
   * The records for a query, with every stored key the answer and the
   * residual test need. `label` is asked for until the hub has said whether
   * it keeps one: a 7.x SQLiteDB refuses the key ("Bad record key(s)"), a
   * 7.x DictDB raises KeyError on its first record; then ipc asks again
   * without it (such a hub has no labels, so every label is None).
   */
  private async fetchWithColumns(hubQuery: Dict, q: Query, ks: readonly string[]): Promise<TaskRecord[]> {
    const keys = this.keysToFetch(q, ks);
    try {
      return await this.fetchRecords(hubQuery, keys);
    } catch (e) {
      if (!(keys?.includes('label') && e instanceof HubReplyError && refusesLabel(e))) throw e;
      this.labelColumn = 'no';
      return this.fetchRecords(hubQuery, this.keysToFetch(q, ks));
    }
  }

  /**
   * The keys the hub sends back: those asked for and those the query tests.
   * null asks for every key but the buffers (and takes `label` where the hub
   * has one), which an explicit list could only do on 9.1.
   */
  private keysToFetch(q: Query, ks: readonly string[]): string[] | null {
    // submitted orders the answer, whatever was asked for.
    const needed = new Set<string>([...ks, 'submitted', ...fieldKeys(q)]);
    const wantsBuffers = BUFFER_KEYS.some((k) => needed.has(k));
    if (!wantsBuffers && DEFAULT_KEYS.every((k) => needed.has(k) || k === 'label')) return null;
    if (this.labelColumn === 'no') needed.delete('label');
    return [...needed];
  }

  private detectBackend(): Promise<HubBackend> {
    this.detecting ??= detectBackend(this.channel)
      .then((b) => (this.backend = b))
      .finally(() => (this.detecting = null));
    return this.detecting;
  }

  private async resultOf(msgId: string): Promise<TaskResult> {
    const reply = await this.channel.request('result_request', { msg_ids: [msgId], status_only: false });
    if (purgedRecord(reply, msgId)) {
      throw keyError(`the record of task '${msgId}' is gone from the hub's database (purged): it completed, but its result can no longer be fetched`);
    }
    const content = this.unwrap(reply, 'result_request');
    const completed = Array.isArray(content['completed']) && content['completed'].includes(msgId);
    const item = content[msgId];
    if (!completed || !isDict(item)) return taskResult({ msg_id: msgId, completed: null }, engineContext(this.engineIds));
    return taskResult(resultRecord(msgId, item, reply.buffers, this.backend === 'MongoDB'), engineContext(this.engineIds));
  }

  /**
   * What to ask the hub to purge, and how many records that is. The
   * completed records of engines go as their msg_ids: the hub's own engine
   * purge matches nothing on DictDB (its equality binds late) and first runs
   * `$in: []` on SQLiteDB (invalid SQL) when no msg_ids come with it.
   */
  private async planPurge(ids: readonly string[] | 'all', targets: readonly number[]): Promise<{ request: Dict | null; count: number }> {
    const uuids = targets.map((t) => {
      const uuid = this.engineIds.get(t);
      if (uuid === undefined) {
        const known = [...this.engineIds.keys()].sort((a, b) => a - b);
        throw hubError(`no engine ${t} is registered with the hub (${known.length ? `engines: ${known.join(', ')}` : 'no engines'})`);
      }
      return uuid;
    });
    try {
      if (ids === 'all') {
        return { request: { msg_ids: 'all', engine_ids: [] }, count: (await this.dbQuery({ completed: { $ne: null } }, 'msg_id')).length };
      }
      const doomed = new Set<string>();
      const add = (list: RecordList) => list.records.forEach((r) => doomed.add(r['msg_id'] as string));
      if (ids.length > 0) add(await this.dbQuery({ msg_id: { $in: [...ids] } }, 'msg_id'));
      if (uuids.length > 0) add(await this.dbQuery({ engine_uuid: { $in: uuids }, completed: { $ne: null } }, 'msg_id'));
      // Ids the hub does not hold are passed on: it says which are pending.
      const msgIds = [...new Set([...ids, ...doomed])];
      return { request: msgIds.length ? { msg_ids: msgIds, engine_ids: [] } : null, count: doomed.size };
    } catch (e) {
      // A hub that keeps no records has nothing to purge (NoDB): let it say so.
      if (!(e instanceof IpcError && e.kind === 'KeyError')) throw e;
      return { request: { msg_ids: ids === 'all' ? 'all' : [...ids], engine_ids: [...targets] }, count: 0 };
    }
  }

  private notified(m: Message): void {
    const type = m.header['msg_type'];
    const id = Number(m.content['id']);
    const uuid = m.content['uuid'];
    let event: EngineEvent | null = null;
    if (type === 'registration_notification' && Number.isInteger(id) && typeof uuid === 'string') {
      this.engineIds.set(id, uuid);
      event = { kind: 'registered', id, uuid };
    } else if (type === 'unregistration_notification' && Number.isInteger(id)) {
      event = { kind: 'unregistered', id, uuid: this.engineIds.get(id) ?? (typeof uuid === 'string' ? uuid : null) };
      this.engineIds.delete(id);
      this.activity.delete(id);
    } else if (type === 'shutdown_notification') {
      this.engineIds.clear();
      this.activity.clear();
      event = { kind: 'shutdown', id: null, uuid: null };
    }
    if (event) for (const l of this.engineListeners) l(event);
  }

  private readonly engineListeners = new Set<(e: EngineEvent) => void>();

  /** What each engine is doing, as its IOPub status said since ipc began to watch (the first live view or %abort). */
  private readonly activity = new Map<number, EngineActivity>();
  private watching: Promise<void> | null = null;

  /**
   * Watches the engines' status messages for the rest of the session, so
   * that a later %abort or %top knows which task each engine runs: status
   * messages only (the rest of IOPub is dropped unread while nothing else
   * listens). An engine busy since before the watch began stays unknown
   * until it changes.
   */
  private watchEngines(): Promise<void> {
    this.watching ??= (async () => {
      try {
        const sub = this.channel.onIopub((m) => {
          const e = iopubEvent(m);
          const state = e.content['execution_state'];
          if (e.msgType !== 'status' || e.engine === null || (state !== 'busy' && state !== 'idle')) return;
          this.activity.set(e.engine, { busy: state === 'busy', task: state === 'busy' ? e.parentId : null, since: e.date });
        }, { statusOnly: true });
        await sub.ready;
      } catch (e) {
        // a connection file without an iopub port: nothing to watch
        if (!(e instanceof IpcError)) throw e;
      }
    })();
    return this.watching;
  }

  readonly live: LiveFeed = {
    iopub: async (listener) => {
      const sub = this.channel.onIopub((m) => listener(iopubEvent(m)));
      await Promise.all([sub.ready, this.watchEngines()]);
      return () => sub.close();
    },
    engineActivity: async () => {
      await this.watchEngines();
      return new Map(this.activity);
    },
    engineEvents: (listener) => {
      this.engineListeners.add(listener);
      return () => this.engineListeners.delete(listener);
    },
    recentQuery: (query, keys) => this.query(query, keys, undefined, { ownDates: true }),
  };
}

/** An IOPub message as the live views read it: the engine of its topic, the task of its parent, its date. */
function iopubEvent(m: IopubMessage): IopubEvent {
  const topic = /^engine\.(\d+)\./.exec(m.topic);
  const parent = m.parentHeader['msg_id'];
  const date = typeof m.header['date'] === 'string' ? Timestamp.parse(m.header['date']) : undefined;
  return {
    engine: topic ? Number(topic[1]) : null,
    msgType: String(m.header['msg_type']),
    parentId: typeof parent === 'string' ? parent : null,
    date: date ?? Timestamp.now(),
    content: m.content as Dict,
  };
}

/** The id of a result_request's KeyError 'No such message: X' (the hub stops at the first id it has not seen), else null. */
function missingTask(reply: Message): string | null {
  const c = reply.content;
  if (c['status'] !== 'error' || c['ename'] !== 'KeyError' || typeof c['evalue'] !== 'string') return null;
  const m = /^['"]?No such message: (.*?)['"]?$/.exec(c['evalue']);
  return m ? m[1]! : null;
}

/**
 * A hub that saw a task complete but whose database no longer holds it
 * (purge_results) fails get_results with KeyError(msg_id) from its lookup.
 */
function purgedRecord(reply: Message, msgId: string): boolean {
  const c = reply.content;
  const failed = reply.header['msg_type'] === 'hub_error' || c['status'] === 'error';
  return failed && c['ename'] === 'KeyError' && typeof c['evalue'] === 'string' && c['evalue'].replace(/^['"]|['"]$/g, '') === msgId;
}

/** A hub without a label column refusing the key: SQLiteDB's "Bad record key(s): ['label']", DictDB's KeyError('label'). */
function refusesLabel(e: HubReplyError): boolean {
  return e.ename === 'KeyError' && /['"]label['"]/.test(e.evalue);
}

/** Does a query hold a test that only some backends evaluate correctly? */
function needsBackend(q: Query): boolean {
  const unknown = JSON.stringify(toHubQuery(q, 'unknown'));
  return (['DictDB', 'SQLiteDB', 'MongoDB'] as const).some((b) => JSON.stringify(toHubQuery(q, b)) !== unknown);
}

function checkIds(ids: readonly unknown[], call: string): string[] {
  if (!Array.isArray(ids)) throw typeError(`${call} takes a list of msg_ids`);
  for (const id of ids) {
    if (typeof id !== 'string') throw typeError(`${call} takes msg_ids (text), not ${JSON.stringify(id)}`);
  }
  return ids as string[];
}

/** buffer_lens and result_buffer_lens, when sent, count each record's buffers among those that came: else one sentence, before anything is decoded. */
function checkBufferLens(records: number, buffers: number, ...lists: (Json | undefined)[]): void {
  let named = 0;
  for (const lens of lists) {
    if (lens === undefined || lens === null) continue;
    if (!Array.isArray(lens) || lens.length > records || !lens.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) {
      throw hubError(`the hub's db_reply is malformed: buffer_lens and result_buffer_lens must be one count of buffers per record (${records} records)`);
    }
    for (const n of lens) named += n as number;
  }
  if (named > buffers) throw hubError(`the hub's db_reply is malformed: its buffer_lens name ${named} buffers, but it sent ${buffers}`);
}
