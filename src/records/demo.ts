import { Timestamp } from './timestamp.js';
import type { Dict, TaskRecord, Value } from './values.js';

/**
 * A deterministic generator of realistic TaskRecords, shaped as the hub of
 * ipyparallel 7.x–9.x writes them: direct (mux) and load-balanced (task)
 * queues, apply and execute requests, streams with non-ASCII text, failed
 * tasks with ANSI-coloured tracebacks, pending tasks, a resubmission, labels
 * and buffers. The same seed and anchor always give the same records.
 */
export interface DemoOptions {
  /** How many task requests (a resubmission adds one more record). */
  readonly count?: number;
  readonly seed?: number;
  /** The newest submission lands shortly before this instant. */
  readonly anchor?: Timestamp;
}

export const DEMO_ANCHOR = Timestamp.parse('2026-11-02T15:00:00Z')!;

export function generateDemoRecords(options: DemoOptions = {}): TaskRecord[] {
  const count = options.count ?? 240;
  const rng = prng(options.seed ?? 1);
  const anchor = options.anchor ?? DEMO_ANCHOR;
  const uuid = () => uuid4(rng);
  const engines = Array.from({ length: 4 }, () => uuid());
  const clients = Array.from({ length: 3 }, () => uuid());
  const users = ['alice', 'bob', 'chloé'];
  const span = 6 * 3600e6;
  let t = anchor.us - span;
  const step = span / (count + 1);
  const records: TaskRecord[] = [];
  let execCount = 0;

  for (let i = 0; i < count; i++) {
    t += step * (0.5 + rng());
    const submitted = new Timestamp(t);
    const c = Math.floor(rng() * clients.length);
    const client = clients[c]!;
    const queue = rng() < 0.6 ? 'task' : 'mux';
    const isExecute = rng() < 0.25;
    const msgId = uuid();
    const late = i >= count - 8;
    const state = late ? (i % 2 === 0 ? 'pending' : 'running') : rng() < 0.12 ? 'error' : 'ok';
    const engineIndex = Math.floor(rng() * engines.length);
    const engine = state === 'pending' && queue === 'task' ? null : engines[engineIndex]!;
    const msgType = isExecute ? 'execute_request' : 'apply_request';
    const header: Dict = {
      msg_id: msgId,
      msg_type: msgType,
      username: users[c]!,
      session: client,
      date: submitted,
      version: '5.3',
    };
    const label = rng() < 0.3 ? pick(rng, ['preprocess', 'fit-model', 'render', 'étape-2']) : null;
    const metadata: Dict = {
      after: [],
      follow: [],
      timeout: null,
      targets: queue === 'mux' ? [engineIndex] : [],
      retries: queue === 'task' ? Math.floor(rng() * 2) : 0,
      is_broadcast: false,
      is_coalescing: false,
    };
    if (label) metadata['label'] = label;
    const code = pick(rng, [
      'import numpy as np\nx = np.linspace(0, 1, 1000)\nx.sum()',
      'print("température:", 21.5)',
      'import os\nos.getpid()',
      'result = {k: k ** 2 for k in range(10)}',
      'sum(range(10 ** 6))',
    ]);
    const content: Dict = isExecute ? { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false } : {};
    const buffers: Value = isExecute ? [] : [bytes(rng, 48 + Math.floor(rng() * 200)), bytes(rng, 16)];
    const rec: TaskRecord = {
      msg_id: msgId,
      header,
      metadata,
      content,
      buffers,
      submitted,
      client_uuid: client,
      engine_uuid: engine,
      started: null,
      completed: null,
      resubmitted: null,
      received: null,
      result_header: null,
      result_metadata: null,
      result_content: null,
      result_buffers: null,
      queue,
      execute_input: isExecute ? code : null,
      execute_result: null,
      error: null,
      stdout: '',
      stderr: '',
      label,
    };
    if (state !== 'pending') {
      const started = submitted.plus(Math.floor(2_000 + rng() * 400_000));
      rec['started'] = started;
      if (rng() < 0.5) rec['stdout'] = pick(rng, STDOUT)(i);
      if (rng() < 0.2) rec['stderr'] = pick(rng, STDERR)(i);
      if (state !== 'running') {
        const completed = started.plus(Math.floor(1_000 + rng() * 9_000_000 * rng()));
        const received = completed.plus(Math.floor(200 + rng() * 3_000));
        rec['completed'] = completed;
        rec['received'] = received;
        const replyId = uuid();
        const engineUuid = engine ?? engines[engineIndex]!;
        rec['engine_uuid'] = engineUuid;
        rec['result_header'] = {
          msg_id: replyId,
          msg_type: isExecute ? 'execute_reply' : 'apply_reply',
          username: users[c]!,
          session: engineUuid,
          date: completed,
          version: '5.3',
        };
        const status = state === 'error' ? 'error' : 'ok';
        rec['result_metadata'] = {
          started,
          dependencies_met: true,
          engine: engineUuid,
          status,
          is_broadcast: false,
          is_coalescing: false,
          engine_id: engineIndex,
        };
        if (state === 'error') {
          const err = pick(rng, ERRORS);
          if (isExecute) {
            // the cell that failed is one that raises this error
            content['code'] = err.code;
            rec['execute_input'] = err.code;
          }
          const tb = traceback(err.ename, err.evalue, isExecute ? err.code : undefined);
          const errorContent: Dict = {
            traceback: tb,
            ename: err.ename,
            evalue: err.evalue,
            engine_info: { engine_uuid: engineUuid, engine_id: engineIndex, method: isExecute ? 'execute' : 'apply' },
          };
          rec['error'] = errorContent;
          rec['result_content'] = { status: 'error', ...errorContent };
          rec['result_buffers'] = [];
        } else {
          rec['result_content'] = isExecute
            ? { status: 'ok', execution_count: ++execCount, user_expressions: {}, payload: [] }
            : { status: 'ok' };
          rec['result_buffers'] = isExecute ? [] : [bytes(rng, 32 + Math.floor(rng() * 400))];
          if (isExecute && rng() < 0.7) {
            rec['execute_result'] = {
              data: { 'text/plain': pick(rng, ['500.0', '4242', "{0: 0, 1: 1, 2: 4, 3: 9}", "'ok'"]) },
              metadata: {},
              execution_count: execCount,
            };
          }
        }
      }
    }
    records.push(rec);
  }

  // One resubmission: a failed task sent again under a new msg_id, as the hub records it.
  const failed = records.find((r) => r['error'] !== null);
  if (failed) {
    const newId = uuid();
    const resubmittedAt = (records[records.length - 9]!['submitted'] as Timestamp).plus(1_500_000);
    const header = { ...(failed['header'] as Dict), msg_id: newId, date: resubmittedAt };
    records.push({
      ...Object.fromEntries(Object.keys(failed).map((k) => [k, null])),
      msg_id: newId,
      header,
      metadata: failed['metadata'] ?? null,
      content: failed['content'] ?? null,
      buffers: failed['buffers'] ?? [],
      submitted: resubmittedAt,
      stdout: '',
      stderr: '',
      label: failed['label'] ?? null,
    });
    failed['resubmitted'] = newId;
  }
  return records;
}

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

/** A traceback as an IPython engine stores it: a list of ANSI-coloured lines. */
function traceback(ename: string, evalue: string, code?: string): string[] {
  const red = '\u001b[0;31m', green = '\u001b[0;32m', cyan = '\u001b[0;36m', reset = '\u001b[0m';
  const bar = `${red}${'-'.repeat(75)}${reset}`;
  const lines = code?.split('\n') ?? [];
  const where = code === undefined
    ? `File ${green}site-packages/ipyparallel/serialize/canning.py${reset}:${green}123${reset}, in ${cyan}__call__${reset}`
    : `Cell ${green}In[1]${reset}, line ${green}${lines.length}${reset}`;
  return [
    bar,
    `${red}${ename}${reset}                                 Traceback (most recent call last)`,
    `${where}\n${green}----> ${Math.max(lines.length, 1)}${reset} ${lines.at(-1) ?? 'return self.f(*args, **kwargs)'}\n`,
    `${red}${ename}${reset}: ${evalue}`,
  ];
}

function pick<T>(rng: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

function bytes(rng: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng() * 256);
  return b;
}

function uuid4(rng: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(rng() * 4)]!;
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
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
