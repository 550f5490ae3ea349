import { Timestamp } from '../../records/index.js';
import { DEMO_PAYLOADS } from './pickles.js';
import type { Dict, TaskRecord } from '../../records/index.js';

/**
 * A deterministic generator of TaskRecords in the form the hub of
 * ipyparallel 7.x writes them: msg_ids `<session>_<pid>_<n>`, client and
 * engine ids `8hex-24hex`, direct (mux) and load-balanced (task) queues with
 * their metadata, apply requests whose buffers and results are what
 * ipyparallel itself serialized (DEMO_PAYLOADS), `dv.execute` cells, streams
 * with non-ASCII text, failed tasks with ANSI tracebacks and `engine_info`,
 * pending tasks (assigned or not; `started` is filled only at completion, as
 * a 7.x hub does) and a resubmission. The same seed and anchor always give
 * the same records.
 */
export interface DemoOptions {
  /** How many task requests (a resubmission adds one more record). */
  readonly count?: number;
  readonly seed?: number;
  /** The newest submission lands shortly before this instant. */
  readonly anchor?: Timestamp;
}

export const DEMO_ANCHOR = Timestamp.parse('2026-11-02T15:00:00Z')!;

const ENGINES = 4;

/** The demo's engine map (id → uuid) for a seed, as its controller would know it. */
export function demoEngineMap(seed = 1): Map<number, string> {
  const rng = prng(seed);
  return new Map(Array.from({ length: ENGINES }, (_, i) => [i, sessionId(rng)]));
}

interface Peer {
  readonly id: string;
  readonly pid: number;
  n: number;
}

type DecodedPayload = (typeof DEMO_PAYLOADS)[number] & { readonly request: Uint8Array[]; readonly result: Uint8Array[] };
let decoded: { ok: DecodedPayload[]; failing: DecodedPayload[] } | null = null;

/** The recorded payloads as bytes, decoded on first use: every start imports this module, few make demo records. */
function payloads(): { ok: DecodedPayload[]; failing: DecodedPayload[] } {
  if (!decoded) {
    const all = DEMO_PAYLOADS.map((p) => ({
      ...p,
      request: p.buffers.map((b) => Uint8Array.from(Buffer.from(b, 'base64'))),
      result: p.resultBuffers.map((b) => Uint8Array.from(Buffer.from(b, 'base64'))),
    }));
    decoded = { ok: all.filter((p) => p.kind !== 'error'), failing: all.filter((p) => p.kind === 'error') };
  }
  return decoded;
}

export function generateDemoRecords(options: DemoOptions = {}): TaskRecord[] {
  const count = options.count ?? 240;
  const rng = prng(options.seed ?? 1);
  const anchor = options.anchor ?? DEMO_ANCHOR;
  const peer = (): Peer => ({ id: sessionId(rng), pid: 1000 + Math.floor(rng() * 60000), n: 0 });
  const engines = Array.from({ length: ENGINES }, () => sessionId(rng)).map((id): Peer => ({ id, pid: 1000 + Math.floor(rng() * 60000), n: 0 }));
  const clients = Array.from({ length: 3 }, peer);
  const hub = peer();
  const nextId = (p: Peer) => `${p.id}_${p.pid}_${++p.n}`;
  const span = 6 * 3600e6;
  let t = anchor.us - span;
  const step = span / (count + 1);
  const records: TaskRecord[] = [];
  const execCount = new Map<string, number>();

  for (let i = 0; i < count; i++) {
    t += step * (0.5 + rng());
    const submitted = new Timestamp(t);
    const client = clients[Math.floor(rng() * clients.length)]!;
    const isExecute = rng() < 0.25;
    const queue = isExecute || rng() < 0.35 ? 'mux' : 'task';
    const msgId = nextId(client);
    const late = i >= count - 8;
    const state = late ? (i % 2 === 0 ? 'pending' : 'assigned') : rng() < 0.12 ? 'error' : 'ok';
    const engineIndex = Math.floor(rng() * engines.length);
    const engine = engines[engineIndex]!;
    const header: Dict = {
      msg_id: msgId,
      msg_type: isExecute ? 'execute_request' : 'apply_request',
      username: 'username',
      session: client.id,
      date: submitted,
      version: '5.3',
    };
    // A load-balanced view's flags: retries, a subset of engines, a dependency on an earlier task of the client.
    const metadata: Dict = queue === 'task'
      ? {
          after: client.n > 1 && rng() < 0.1 ? [`${client.id}_${client.pid}_${client.n - 1}`] : [],
          follow: [],
          timeout: 0,
          targets: rng() < 0.15 ? [engineIndex] : [],
          retries: pick(rng, [0, 0, 0, 0, 1, 2]),
        }
      : {};
    const failure = state === 'error' ? pick(rng, ERRORS) : null;
    const payload = isExecute ? null : state === 'error' ? pick(rng, payloads().failing) : pick(rng, payloads().ok);
    // dv.execute sends silent cells: the hub records no execute_input for them.
    const silent = isExecute && rng() < 0.5;
    const code = failure && isExecute ? failure.code : pick(rng, CELLS);
    const content: Dict = isExecute ? { code, silent, user_expressions: {} } : {};
    const unassigned = state === 'pending' && queue === 'task';
    const rec: TaskRecord = {
      msg_id: msgId,
      header,
      metadata,
      content,
      buffers: payload ? payload.request : [],
      submitted,
      client_uuid: client.id,
      engine_uuid: unassigned ? null : engine.id,
      started: null,
      completed: null,
      resubmitted: null,
      received: null,
      result_header: null,
      result_metadata: null,
      result_content: null,
      result_buffers: null,
      queue,
      execute_input: isExecute && !silent ? code : null,
      execute_result: null,
      error: null,
      stdout: '',
      stderr: '',
    };
    if (state === 'ok' || state === 'error') {
      const slow = payload?.kind === 'slow';
      const started = submitted.plus(Math.floor(2_000 + rng() * 400_000));
      const completed = started.plus(slow ? 2_500_000 + Math.floor(rng() * 20_000) : Math.floor(1_000 + rng() * 9_000_000 * rng()));
      rec['started'] = started;
      rec['completed'] = completed;
      rec['received'] = completed.plus(Math.floor(200 + rng() * 3_000));
      if (payload) rec['stdout'] = payload.stdout;
      else if (rng() < 0.5) rec['stdout'] = pick(rng, STDOUT)(i);
      if (rng() < 0.15) rec['stderr'] = pick(rng, STDERR)(i);
      rec['result_header'] = {
        msg_id: nextId(engine),
        msg_type: isExecute ? 'execute_reply' : 'apply_reply',
        username: 'username',
        session: engine.id,
        date: completed,
        version: '5.3',
      };
      const resultMetadata: Dict = {
        started,
        dependencies_met: true,
        engine: engine.id,
        is_broadcast: false,
        is_coalescing: false,
        original_msg_id: '',
        status: state,
      };
      rec['result_metadata'] = resultMetadata;
      if (state === 'error') {
        const err = isExecute ? failure! : { ...payload!.error!, code: undefined };
        const cell = (execCount.get(engine.id) ?? 0) + 1;
        if (isExecute && !silent) execCount.set(engine.id, cell);
        const tb = traceback(err.ename, err.evalue, isExecute ? { code: err.code!, cell } : { fn: payload!.function, ...payload!.error! });
        // The engine does not know its own id when it wraps the error (-1); the hub's metadata does.
        const engineInfo: Dict = { engine_uuid: engine.id, engine_id: -1, method: isExecute ? 'execute' : 'apply' };
        resultMetadata['engine_info'] = { engine_uuid: engine.id, engine_id: engineIndex };
        if (isExecute) {
          rec['error'] = { traceback: tb, ename: err.ename, evalue: err.evalue };
          rec['result_content'] = { status: 'error', traceback: tb, ename: err.ename, evalue: err.evalue, engine_info: engineInfo, execution_count: silent ? 0 : cell, user_expressions: {}, payload: [] };
        } else {
          rec['error'] = { traceback: tb, ename: err.ename, evalue: err.evalue, engine_info: engineInfo };
          rec['result_content'] = { traceback: tb, ename: err.ename, evalue: err.evalue, engine_info: engineInfo, status: 'error' };
        }
        rec['result_buffers'] = [];
      } else if (isExecute) {
        const n = silent ? 0 : (execCount.get(engine.id) ?? 0) + 1;
        if (!silent) execCount.set(engine.id, n);
        rec['result_content'] = { status: 'ok', execution_count: n, user_expressions: {}, payload: [] };
        rec['result_buffers'] = [];
        if (!silent && rng() < 0.7) {
          rec['execute_result'] = { data: { 'text/plain': pick(rng, ['500.0', '4242', '{0: 0, 1: 1, 2: 4, 3: 9}', "'ok'"]) }, metadata: {}, execution_count: n };
        }
      } else {
        rec['result_content'] = { status: 'ok' };
        rec['result_buffers'] = payload!.result;
      }
    }
    records.push(rec);
  }

  // One resubmission of a load-balanced task: the hub sends it again under a msg_id of its own
  // session, keeping the client's header otherwise, and records no request metadata.
  const original = records.find((r) => r['queue'] === 'task' && r['error'] !== null);
  if (original) {
    const newId = nextId(hub);
    const resubmittedAt = (records[records.length - 9]!['submitted'] as Timestamp).plus(1_500_000);
    records.push({
      ...Object.fromEntries(Object.keys(original).map((k) => [k, null])),
      msg_id: newId,
      header: { ...(original['header'] as Dict), msg_id: newId, date: resubmittedAt },
      metadata: {},
      content: original['content'] ?? {},
      buffers: original['buffers'] ?? [],
      submitted: resubmittedAt,
      client_uuid: original['client_uuid'] ?? null,
      queue: 'task',
      stdout: '',
      stderr: '',
    });
    original['resubmitted'] = newId;
  }
  return records;
}

const CELLS = [
  'import numpy as np\nx = np.linspace(0, 1, 1000)\nx.sum()',
  'print("température:", 21.5)',
  'import os\nos.getpid()',
  'result = {k: k ** 2 for k in range(10)}',
  'sum(range(10 ** 6))',
];

const STDOUT: ((i: number) => string)[] = [
  (i) => `step ${i}: loaded 1000 rows\n`,
  (i) => `température moyenne: ${(18 + (i % 7) * 0.5).toFixed(1)} °C\n`,
  (i) => `進捗: ${i % 100}% 完了\n`,
  (i) => `epoch ${i % 10}/10 — loss=${(1 / (1 + i)).toFixed(4)}\nepoch done ✓\n`,
];

const STDERR: ((i: number) => string)[] = [
  () => 'UserWarning: converting a masked element to nan.\n',
  (i) => `WARNING: retrying connection (attempt ${(i % 3) + 1})\n`,
  () => 'RuntimeWarning: invalid value encountered in divide — résultat ignoré\n',
];

const ERRORS = [
  { ename: 'ZeroDivisionError', evalue: 'division by zero', code: 'total = 10\ntotal / 0' },
  { ename: 'KeyError', evalue: "'température'", code: "readings = {}\nreadings['température']" },
  { ename: 'ValueError', evalue: 'could not convert string to float: \'n/a\'', code: "float('n/a')" },
  { ename: 'MemoryError', evalue: '', code: 'import numpy as np\nnp.zeros((10 ** 6, 10 ** 6))' },
];

/** A traceback as an IPython 8 engine stores it: a list of ANSI-coloured lines. */
function traceback(ename: string, evalue: string, at: { code: string; cell: number } | { fn: string; first: string; line: string }): string[] {
  const red = '\u001b[0;31m', green = '\u001b[0;32m', cyan = '\u001b[0;36m', reset = '\u001b[0m';
  const bar = `${red}${'-'.repeat(75)}${reset}`;
  const head = `${red}${ename}${reset}${' '.repeat(Math.max(1, 42 - ename.length))}Traceback (most recent call last)`;
  const frames =
    'code' in at
      ? [`Cell ${green}In [${at.cell}], line ${at.code.split('\n').length}${reset}\n${green}----> ${at.code.split('\n').length}${reset} ${at.code.split('\n').at(-1)}\n`]
      : [
          `File ${green}<string>:1${reset}\n`,
          `Cell ${green}In [3], line 2${reset}, in ${cyan}${at.fn}${reset}\n${green}      1${reset} ${at.first}\n${green}----> 2${reset}     ${at.line}\n`,
        ];
  return [bar, head, ...frames, `${red}${ename}${reset}: ${evalue}`];
}

function pick<T>(rng: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

/** A session (client or engine) id as ipyparallel 7.x makes them: 32 hex digits split 8-24. */
function sessionId(rng: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8)}`;
}

/** mulberry32: small, fast and the same everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
