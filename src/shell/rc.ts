import { NEEDS_HUB, RecordList, RecordStream, remoteValue, waitOptions, type Client, type EngineAnswers, type TaskResult } from '../client/index.js';
import { predecodeRecords, type QueryInput } from '../query/index.js';
import { hubError, indexError, keyError, remoteError, timeoutError, typeError } from '../errors.js';
import { isTaskResult, writerOf, type OutputFormat } from '../format/index.js';
import { PyFloat, Text, isBatchedAnswer, isDict, setOwn, type TaskRecord } from '../records/index.js';
import { keepLive } from './live-result.js';
import { bindArgs, PyFunction, PyObject, iterate, truthy, typeName, type CallArgs } from '../language/index.js';

/** A value as plain query data: record lists become lists, engine maps dicts. */
export function toData(v: unknown): unknown {
  if (v instanceof RecordList) return v.records.map(toData);
  if (v instanceof Text) return v.text;
  if (v instanceof PyFloat) return v.value;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toData(x)]));
  if (Array.isArray(v)) return v.map(toData);
  if (isDict(v) && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, toData(x));
    return out;
  }
  if (v instanceof PyObject || v instanceof PyFunction) {
    throw typeError(`a query holds values (text, numbers, datetimes, None, lists, dicts), not ${typeName(v)} ${v.pyRepr()}`);
  }
  return v;
}

/** The rc methods, with ipyparallel's names and signatures, and what %help says of them. */
export const RC_METHODS: Record<string, string> = {
  db_query: "db_query(query, keys=None): the TaskRecords matching a query, such as db_query({'completed': None}, keys=['msg_id', 'started'])",
  result_status: "result_status(msg_ids, status_only=True): {'status': 'ok', 'pending': [...], 'completed': [...]}, sorted, no result fetched; with status_only=False also each completed task's value by its msg_id (a failed task raises)",
  get_result: 'get_result(indices_or_msg_ids=-1): status, engine, timing, streams, error and result of tasks (an int indexes hub_history())',
  hub_history: 'hub_history(): every msg_id the hub recorded, oldest first',
  purge_results: "purge_results(jobs=[], targets=[]): deletes records ('all' = every completed one); needs --write",
  queue_status: "queue_status(targets='all', verbose=False): per engine id, how many tasks are queued, assigned and completed (verbose: their msg_ids)",
  resubmit: 'resubmit(indices_or_msg_ids, block=False): runs tasks again; answers as get_result of the new tasks, .get() their values (needs a live hub: --hub)',
  abort: "abort(jobs=None, targets=None, block=None): asks the engines (targets: engine ids, default all) not to run these pending tasks (msg_ids, records or results; default this client's outstanding ones); a running task is not stopped; block=True waits for every engine's answer (a busy engine answers when its task ends) (needs a live hub)",
  send_signal: "send_signal(sig, targets=None, block=None): each target engine's nanny sends its engine process the signal (a number or a name such as 'SIGINT', which interrupts the running task); ipyparallel 7 and newer, engines started with their nanny (the default) (needs a live hub)",
  wait: "wait(jobs=None, timeout=-1): whether the tasks completed (within timeout seconds); without jobs, this client's outstanding tasks (those it resubmitted)",
};

/** How long rc.abort() without block waits for the engines' answers (it only needs the request sent). */
const NONBLOCKING_WAIT_MS = 200;
/** How long rc.send_signal() waits: a nanny answers at once, even while its engine is busy. */
const SIGNAL_WAIT_MS = 3000;

const engineWord = (ids: readonly number[]) => `engine${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;

/** An engine that answered a control request with an error: one sentence naming it. */
function refused(answers: EngineAnswers, what: string): void {
  const f = answers.failed[0];
  if (f) throw remoteError(`engine ${f.engine} refused ${what}: ${f.ename}: ${f.evalue}`);
}

const ENGINES_HINT =
  "the engine ids are known only with --hub or from the configuration: add engines: {'0': '<engine uuid>', '1': '...'} to .ipcrc (see .ipcrc.example)";

export function dbQueryArgs(c: CallArgs): { query: QueryInput; keys: string[] | string | null } {
  const a = bindArgs('db_query', ['query', 'keys'], c, 1);
  const keys = a.get('keys');
  return { query: toData(a.get('query')) as QueryInput, keys: (keys === undefined ? null : toData(keys)) as string[] | string | null };
}

/**
 * What `db_query(...)` answers, as a stream rather than a list: script mode
 * writes a top-level db_query record by record; for JSON output (`json`),
 * as the records' JSON text where the client gives it. The first record is
 * read here, so a bad query fails as the statement's error.
 */
export async function streamDbQuery(client: Client, c: CallArgs, format: OutputFormat = 'table'): Promise<RecordStream> {
  const args = dbQueryArgs(c);
  const { query } = args;
  // a trace reads what a timeline reads, the function's name among it; keys asked for are kept
  const writer = writerOf(format);
  const keys = writer.defaultKeys && args.keys === null ? [...writer.defaultKeys] : args.keys;
  const texts = writer.takesJsonText && client.capabilities.texts ? client.streamQueryTexts(query, keys) : null;
  const source: AsyncIterable<TaskRecord | string> = texts ?? client.streamQuery(query, keys, c.signal ? { signal: c.signal } : {});
  const ks = client.answerKeys(keys);
  // A store reading several task tables at once says which table each record came from.
  const tableOf = (first: TaskRecord | string | undefined) => (first !== undefined && typeof first !== 'string' && 'table' in first && !ks.includes('table') ? ['table'] : []);
  const batches = isBatchedAnswer<TaskRecord | string>(source) ? await source.batchSource() : null;
  if (batches) {
    // a batch at a time: the writers turn the event loop once a batch, not once a record
    const it = batches[Symbol.asyncIterator]();
    let head = await it.next();
    while (!head.done && head.value.length === 0) head = await it.next();
    return RecordStream.ofBatches<TaskRecord | string>([...ks, ...tableOf(head.done ? undefined : head.value[0])], it, head);
  }
  const iterator: AsyncIterator<TaskRecord | string> = source[Symbol.asyncIterator]();
  const head = await iterator.next();
  return new RecordStream<TaskRecord | string>([...ks, ...tableOf(head.done ? undefined : head.value)], iterator, head);
}

/**
 * What `db_query(...)` answers at the top of an interactive statement: an
 * answer of more than `over` records stays in the store, paged, where the
 * client can keep it there; a smaller one is read whole at once.
 */
export async function pagedDbQuery(client: Client, c: CallArgs, over: number): Promise<RecordList> {
  const { query, keys } = dbQueryArgs(c);
  const paged = client.capabilities.paged ? await client.pagedQuery(query, keys) : null;
  if (!paged) return client.dbQuery(query, keys, c.signal);
  if (paged.length <= over) void paged.records;
  return paged;
}

/**
 * What `len(db_query(...))` answers: the count, without the records where
 * the client can count.
 */
export async function countDbQuery(client: Client, c: CallArgs): Promise<number> {
  const { query, keys } = dbQueryArgs(c);
  return client.countQuery(query, keys, c.signal);
}

/** Builds `rc`: ipyparallel's Client as far as the task database goes. */
export function makeRc(client: Client): PyObject {
  const history = () => client.hubHistory();

  /** msg_ids from what get_result and friends accept: ids, history indices, records, results. */
  async function msgIds(v: unknown, fn: string): Promise<{ ids: string[]; single: boolean }> {
    const one = async (x: unknown): Promise<string> => {
      if (typeof x === 'string') return x;
      if (typeof x === 'number' && Number.isInteger(x)) {
        const h = await history();
        const i = x < 0 ? h.length + x : x;
        if (i < 0 || i >= h.length) throw indexError(`index ${x} is out of range: hub_history() has ${h.length} task${h.length === 1 ? '' : 's'}`);
        return h[i]!;
      }
      if (isTaskResult(x)) return x.msgId;
      if (isDict(x) && typeof (x as Record<string, unknown>)['msg_id'] === 'string') return (x as Record<string, string>)['msg_id']!;
      throw typeError(`${fn}() takes msg_ids (text), history indices (int) or records, not ${typeName(x)}`);
    };
    if (v instanceof RecordList || Array.isArray(v)) {
      const ids: string[] = [];
      for (const x of iterate(v)) ids.push(await one(x));
      return { ids, single: false };
    }
    return { ids: [await one(v)], single: true };
  }

  const engineIds = (v: unknown, fn: string): number[] => {
    if (v === null || v === undefined) return [];
    const list = typeof v === 'number' ? [v] : iterate(v, fn);
    return list.map((x) => {
      if (typeof x !== 'number' || !Number.isInteger(x)) throw typeError(`${fn}() targets are engine ids (int), not ${typeName(x)}`);
      return x;
    });
  };

  /** targets as ipyparallel's _build_targets takes them: None or 'all' for every engine, an id, or a list of ids. */
  const targetsOf = (v: unknown, fn: string): number[] | null => (v === undefined || v === null || v === 'all' ? null : engineIds(v, fn));

  const knownEngines = async (): Promise<Map<number, string>> => {
    const engines = await client.engines();
    if (engines.size === 0 && client.mode === 'store') throw keyError(ENGINES_HINT);
    return engines;
  };

  const fn = (name: string, body: (c: CallArgs) => unknown) =>
    new PyFunction(`Client.${name}`, body, RC_METHODS[name] ?? '', 'bound method');

  // Looked up on first use: a store finds the most recent client by reading its summary.
  const session = new PyObject('Session', { session: () => client.sessionId() }, '<ipc Session>', new Set(['session']));

  return new PyObject(
    'Client',
    {
      db_query: fn('db_query', (c) => {
        const { query, keys } = dbQueryArgs(c);
        return client.dbQuery(query, keys, c.signal);
      }),
      get_result: fn('get_result', async (c) => {
        const a = bindArgs('get_result', ['indices_or_msg_ids', 'block', 'owner'], c);
        const which = a.has('indices_or_msg_ids') && a.get('indices_or_msg_ids') !== null ? a.get('indices_or_msg_ids') : -1;
        const { ids, single } = await msgIds(which, 'get_result');
        const results: TaskResult[] = await client.getResult(ids);
        // a large result is decoded now, in slices, so that `.get()` reads it at once
        await predecodeRecords(results.map((r) => r.record), ['result'], c.signal);
        const answer = single ? results[0]! : results;
        keepLive(answer, client, results);
        return answer;
      }),
      result_status: fn('result_status', async (c) => {
        const a = bindArgs('result_status', ['msg_ids', 'status_only'], c, 1);
        const statusOnly = a.has('status_only') ? truthy(a.get('status_only')) : true;
        const { ids } = await msgIds(a.get('msg_ids'), 'result_status');
        // As the hub answers a result_request: ids sorted; only status_only=False fetches results
        const status = await client.resultStatus(ids);
        const out: Record<string, unknown> = { status: 'ok', pending: status.pending, completed: status.completed };
        if (statusOnly) return out;
        // as Python's: the values by msg_id, and a failed task raises its RemoteError
        for (const r of await client.getResult(status.completed)) setOwn(out, r.msgId, remoteValue(r));
        return out;
      }),
      hub_history: fn('hub_history', (c) => {
        bindArgs('hub_history', [], c);
        return history();
      }),
      purge_results: fn('purge_results', async (c) => {
        const a = bindArgs('purge_results', ['jobs', 'targets'], c);
        const jobs = a.get('jobs') ?? [];
        const targets = engineIds(a.get('targets'), 'purge_results');
        const ids = jobs === 'all' ? 'all' : (await msgIds(jobs, 'purge_results')).ids;
        if (ids !== 'all' && ids.length === 0 && targets.length === 0) {
          throw typeError("purge_results() needs jobs (msg_ids or 'all') or targets (engine ids)");
        }
        const n = await client.purgeResults(ids, targets);
        return new Text(`purged ${n} record${n === 1 ? '' : 's'}`);
      }),
      queue_status: fn('queue_status', async (c) => {
        const a = bindArgs('queue_status', ['targets', 'verbose'], c);
        const t = a.get('targets');
        const all = t === undefined || t === null || t === 'all';
        const status = await client.queueStatus(all ? null : engineIds(t, 'queue_status'), truthy(a.get('verbose')));
        // As in ipyparallel: one int target answers that engine's dict itself.
        if (typeof t !== 'number') return status;
        if (!status.has(t)) throw keyError(`engine ${t} is not in queue_status's answer (engines: ${[...status.keys()].filter((k) => typeof k === 'number').join(', ') || 'none'})`);
        return status.get(t);
      }),
      resubmit: fn('resubmit', async (c) => {
        const a = bindArgs('resubmit', ['indices_or_msg_ids', 'metadata', 'block'], c, 1);
        const { ids } = await msgIds(a.get('indices_or_msg_ids'), 'resubmit');
        const mapping = await client.resubmit(ids);
        // as ipyparallel's AsyncHubResult of the new tasks: a list, however many (block=True waits for them)
        const fresh = ids.map((id) => mapping[id]!);
        if (truthy(a.get('block') ?? false)) await client.wait(fresh, null, waitOptions(c.signal));
        const results = await client.getResult(fresh);
        keepLive(results, client, results);
        return results;
      }),
      abort: fn('abort', async (c) => {
        const a = bindArgs('abort', ['jobs', 'targets', 'block'], c);
        if (client.mode !== 'hub') throw hubError(NEEDS_HUB('abort'));
        const jobs = a.get('jobs');
        // no jobs: this client's outstanding tasks; with none, nothing is sent (an empty list would make ipykernel abort every task queued on the engine)
        const ids = jobs === undefined || jobs === null ? client.outstandingTasks() : (await msgIds(jobs, 'abort')).ids;
        if (ids.length === 0) return null;
        const block = truthy(a.get('block') ?? false);
        const answers = await client.abort(ids, targetsOf(a.get('targets'), 'abort'), block ? undefined : NONBLOCKING_WAIT_MS);
        refused(answers, 'abort_request');
        if (block && answers.silent.length) {
          throw timeoutError(`${engineWord(answers.silent)} did not answer the abort request in time: an engine busy with a task reads it when that task ends, and then aborts these tasks before they run`);
        }
        return null;
      }),
      send_signal: fn('send_signal', async (c) => {
        const a = bindArgs('send_signal', ['sig', 'targets', 'block'], c, 1);
        if (client.mode !== 'hub') throw hubError(NEEDS_HUB('send_signal'));
        const sig = a.get('sig');
        if (typeof sig !== 'string' && typeof sig !== 'number') throw typeError(`send_signal() takes a signal number or name such as 'SIGINT', not ${typeName(sig)}`);
        const block = truthy(a.get('block') ?? false);
        const answers = await client.sendSignal(sig, targetsOf(a.get('targets'), 'send_signal'), block ? undefined : SIGNAL_WAIT_MS);
        refused(answers, 'the signal request');
        if (answers.silent.length) {
          const sent = answers.ok.length ? `the signal went to ${engineWord(answers.ok)}, but ` : '';
          throw hubError(`${sent}${engineWord(answers.silent)} did not answer the signal request: only an engine's nanny takes it (ipyparallel 7 and newer, unless the engine runs with --IPEngine.enable_nanny=False); signal such an engine's process on its machine (kill -INT PID)`);
        }
        return null;
      }),
      wait: fn('wait', async (c) => {
        const a = bindArgs('wait', ['jobs', 'timeout'], c);
        const jobs = a.get('jobs');
        const t = a.get('timeout');
        const timeout = t === undefined || t === null || (typeof t === 'number' && t < 0) ? null : Number(t);
        // no jobs: this client's outstanding tasks, as ipyparallel's (not every task of every client)
        const ids = jobs === undefined || jobs === null ? null : (await msgIds(jobs, 'wait')).ids;
        return client.wait(ids, timeout, waitOptions(c.signal));
      }),
      session,
      ids: async () => [...(await knownEngines()).keys()].sort((x, y) => x - y),
      _engines: async () => new Map([...(await knownEngines())].sort((x, y) => x[0] - y[0])),
    },
    `<ipc Client: ${client.mode === 'hub' ? 'a live hub' : 'a task database'}>`,
    new Set(['ids', '_engines']),
  );
}
