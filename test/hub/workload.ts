/**
 * What a Python client does to a real cluster before ipc looks at its hub:
 * load-balanced and direct tasks, one that fails, one that prints, and
 * (in the second step) one still running while the queries are asked.
 */
import { KEY_NAMES_7X, Timestamp, type TaskRecord, type Value } from '../../src/records/index.js';
import type { Cluster } from './cluster.js';

export interface Workload {
  /** The Python client's session: client_uuid of its tasks. */
  readonly session: string;
  readonly ids: string[];
  readonly failed: string;
  readonly talker: string;
  readonly executes: string[];
  /** engine id → uuid, from the Python client. */
  readonly engines: Record<string, string>;
  /** The tasks of a view.map: msg_id → [the mapped function's name, repr of the task's part of the sequence], as Python unpacks them. */
  readonly mapped: Record<string, [string, string]>;
}

export async function runWorkload(cluster: Cluster): Promise<Workload> {
  return (await cluster.python(`
import time, ipyparallel as ipp
c = ipp.Client(INPUT['file'])
c.wait_for_engines(2, timeout=60)
v = c.load_balanced_view()
def square(x):
    return x * x
def boom():
    return 1 / 0
def talk(s):
    import sys
    print('hello ' + s)
    print('warn ' + s, file=sys.stderr)
    return s
ars = [v.apply_async(square, i) for i in range(6)]
failed = v.apply_async(boom)
talker = v.apply_async(talk, 'world')
ex = c[:].execute('a = 1')
direct = c[0].apply_async(square, 7)
ars += [failed, talker, ex, direct]
def cube(x):
    return x ** 3
mapped = v.map_async(cube, range(3))
for ar in ars + [mapped]:
    try:
        ar.get(timeout=30)
    except Exception:
        pass
time.sleep(0.5)
from ipyparallel.serialize import unpack_apply_message
calls = {}
for r in c.db_query({'msg_id': {'$in': mapped.msg_ids}}, keys=['buffers']):
    f, args, kwargs = unpack_apply_message(r['buffers'], {})
    calls[r['msg_id']] = [args[0].__name__, repr(args[1:])]
emit({'session': c.session.session, 'ids': [m for ar in ars + [mapped] for m in ar.msg_ids],
      'failed': failed.msg_ids[0], 'talker': talker.msg_ids[0], 'executes': ex.msg_ids,
      'engines': {str(k): v for k, v in c._engines.items()}, 'mapped': calls})
c.close()
`)) as unknown as Workload;
}

export interface BatteryItem {
  readonly name: string;
  readonly query: Record<string, unknown>;
  readonly keys?: string[];
}

/** db_query lines over the workload, many of them ones ipyparallel's backends get wrong. */
export function battery(w: Workload, submitted: Timestamp[]): BatteryItem[] {
  const sorted = [...submitted].sort((a, b) => a.us - b.us);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  const late = sorted[sorted.length - 3]!;
  const uuid0 = w.engines['0']!;
  return [
    { name: 'everything', query: {} },
    { name: 'pending', query: { completed: null }, keys: ['msg_id', 'started'] },
    { name: 'completed', query: { completed: { $ne: null } }, keys: ['msg_id', 'completed'] },
    { name: 'mine, load-balanced', query: { client_uuid: w.session, queue: 'task' }, keys: ['queue'] },
    { name: 'submitted after', query: { submitted: { $gt: mid } }, keys: ['submitted'] },
    { name: 'submitted between', query: { submitted: { $gte: mid, $lt: late } }, keys: ['submitted', 'queue'] },
    { name: 'submitted with an offset', query: { submitted: { $ge: mid.toISOString().replace('Z', '+05:30') } } },
    { name: 'by msg_id', query: { msg_id: { $in: [w.ids[0], w.failed] } }, keys: ['result_content'] },
    { name: 'in nothing', query: { msg_id: { $in: [] } } },
    { name: 'engine 0 or none', query: { engine_uuid: { $in: [uuid0, null] } }, keys: ['engine_uuid'] },
    { name: 'not engine 0', query: { engine_uuid: { $nin: [uuid0] } }, keys: ['engine_uuid'] },
    { name: 'not on engine 0', query: { engine_uuid: { $ne: uuid0 } }, keys: ['engine_uuid'] },
    { name: 'direct or printed', query: { $or: [{ queue: 'mux' }, { stdout: { $regex: 'hello' } }] }, keys: ['queue', 'stdout'] },
    { name: 'executes by header', query: { 'header.msg_type': 'execute_request' }, keys: ['header'] },
    { name: 'regex on code', query: { execute_input: { $regex: '^a\\s*=' } }, keys: ['execute_input'] },
    { name: 'failed by status', query: { 'result_content.status': 'error' }, keys: ['result_content', 'error'] },
    { name: 'failed by ename', query: { 'error.ename': 'ZeroDivisionError' }, keys: ['error'] },
    { name: 'not completed', query: { completed: { $exists: false } }, keys: ['completed'] },
    { name: 'glob on stdout', query: { stdout: { $glob: '*hello*' } }, keys: ['stdout', 'stderr'] },
    { name: 'started since', query: { started: { $gte: mid } }, keys: ['started'] },
    { name: 'buffers of the early tasks', query: { submitted: { $lt: mid } }, keys: ['buffers', 'result_buffers'] },
    { name: 'mine and completed', query: { client_uuid: w.session, completed: { $ne: null } }, keys: ['client_uuid', 'completed'] },
  ];
}

/** Lines each backend of ipyparallel 7.1 answers wrongly (or refuses). */
export const IPYPARALLEL_WRONG: Record<string, string[]> = {
  // It relays $ge and $glob, which MongoDB does not know, and MongoDB's
  // `$exists: False` means "missing", while a pending record holds None.
  '--mongodb': ['submitted with an offset', 'not completed', 'glob on stdout'],
  '--dictdb': [
    'mine, load-balanced', 'submitted after', 'submitted with an offset', 'direct or printed', 'executes by header', 'regex on code',
    'failed by status', 'failed by ename', 'glob on stdout', 'started since', 'mine and completed',
  ],
  '--sqlitedb': [
    'everything', 'in nothing', 'engine 0 or none', 'not engine 0', 'not on engine 0', 'direct or printed', 'executes by header',
    'regex on code', 'failed by status', 'failed by ename', 'not completed', 'glob on stdout', 'submitted with an offset',
  ],
};

export interface PythonAnswers {
  readonly slow: string;
  readonly answers: Record<string, string[] | { error: string }>;
  readonly records: TaskRecord[];
  readonly history: string[];
}

/**
 * Submits a task that keeps running, then asks Python's db_query every line
 * of the battery and fetches every record (with buffers) for the reference.
 */
export async function pythonAnswers(cluster: Cluster, items: BatteryItem[], sleepSeconds: number): Promise<PythonAnswers> {
  const out = (await cluster.python(`
import time, json, ipyparallel as ipp
c = ipp.Client(INPUT['file'])
slow = c.load_balanced_view().apply_async(time.sleep, INPUT['sleep'])
time.sleep(0.5)
answers = {}
for item in INPUT['items']:
    try:
        recs = c.db_query(item['query'], item.get('keys'))
        answers[item['name']] = sorted(r['msg_id'] for r in recs)
    except Exception as e:
        answers[item['name']] = {'error': type(e).__name__}
records = c.db_query({'msg_id': {'$ne': None}}, INPUT['keys'])
for r in records:
    for k in ('error', 'execute_result'):
        if isinstance(r.get(k), str) and r[k].startswith('{'):
            r[k] = json.loads(r[k])
emit({'slow': slow.msg_ids[0], 'answers': answers, 'records': records, 'history': c.hub_history()})
c.close()
`, { items, sleep: sleepSeconds, keys: [...KEY_NAMES_7X] })) as Record<string, Value>;
  return out as unknown as PythonAnswers;
}
