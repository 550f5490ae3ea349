/**
 * The TaskRecord keys, in the column order of ipyparallel's SQLiteDB, with the
 * kind of value each holds. `label` arrived in ipyparallel 9.1.
 */
export type KeyKind =
  /** plain text (uuids, queue name, code, streams) */
  | 'text'
  /** a dict (message header, metadata, content) */
  | 'dict'
  /** an instant, microsecond precision */
  | 'datetime'
  /** a list of byte buffers */
  | 'buffers'
  /** a dict that SQLiteDB keeps as JSON text (error, execute_result) */
  | 'json';

export interface KeySpec {
  readonly name: string;
  readonly kind: KeyKind;
  /** The column type SQLiteDB declares. */
  readonly sqlType: string;
  readonly doc: string;
}

export const TASK_KEYS: readonly KeySpec[] = [
  { name: 'msg_id', kind: 'text', sqlType: 'text', doc: 'the request message id (uuid)' },
  { name: 'header', kind: 'dict', sqlType: 'dict text', doc: 'the request message header' },
  { name: 'metadata', kind: 'dict', sqlType: 'dict text', doc: 'the request metadata (dependencies, targets, retries)' },
  { name: 'content', kind: 'dict', sqlType: 'dict text', doc: 'the request content' },
  { name: 'buffers', kind: 'buffers', sqlType: 'bufs blob', doc: 'the request buffers (serialized function and arguments)' },
  { name: 'submitted', kind: 'datetime', sqlType: 'timestamp', doc: 'when the client submitted the task' },
  { name: 'client_uuid', kind: 'text', sqlType: 'text', doc: 'the session id of the submitting client' },
  { name: 'engine_uuid', kind: 'text', sqlType: 'text', doc: 'the uuid of the engine that ran the task' },
  { name: 'started', kind: 'datetime', sqlType: 'timestamp', doc: 'when the engine started the task' },
  { name: 'completed', kind: 'datetime', sqlType: 'timestamp', doc: 'when the engine finished the task' },
  { name: 'resubmitted', kind: 'text', sqlType: 'text', doc: 'the msg_id this task was resubmitted as' },
  { name: 'received', kind: 'datetime', sqlType: 'timestamp', doc: 'when the hub received the result' },
  { name: 'result_header', kind: 'dict', sqlType: 'dict text', doc: 'the reply message header' },
  { name: 'result_metadata', kind: 'dict', sqlType: 'dict text', doc: 'the reply metadata' },
  { name: 'result_content', kind: 'dict', sqlType: 'dict text', doc: 'the reply content (status, ename, evalue)' },
  { name: 'result_buffers', kind: 'buffers', sqlType: 'bufs blob', doc: 'the reply buffers (the serialized result)' },
  { name: 'queue', kind: 'text', sqlType: 'text', doc: "the scheduler queue: 'mux' (direct) or 'task' (load-balanced)" },
  { name: 'execute_input', kind: 'text', sqlType: 'text', doc: 'the code of an execute request' },
  { name: 'execute_result', kind: 'json', sqlType: 'text', doc: 'the execute_result or display_data content' },
  { name: 'error', kind: 'json', sqlType: 'text', doc: 'the error content: ename, evalue, traceback' },
  { name: 'stdout', kind: 'text', sqlType: 'text', doc: 'what the task printed to stdout' },
  { name: 'stderr', kind: 'text', sqlType: 'text', doc: 'what the task printed to stderr' },
  { name: 'label', kind: 'text', sqlType: 'text', doc: 'the task label (ipyparallel 9.1)' },
];

export const KEY_NAMES: readonly string[] = TASK_KEYS.map((k) => k.name);
const BY_NAME = new Map(TASK_KEYS.map((k) => [k.name, k]));

/** The 22 columns of ipyparallel 7.x, before `label`. */
export const KEY_NAMES_7X: readonly string[] = KEY_NAMES.filter((k) => k !== 'label');

export const DATETIME_KEYS: readonly string[] = TASK_KEYS.filter((k) => k.kind === 'datetime').map((k) => k.name);
export const BUFFER_KEYS: readonly string[] = ['buffers', 'result_buffers'];
/** What a query returns when no `keys` are given: every key but the buffers. */
export const DEFAULT_KEYS: readonly string[] = KEY_NAMES.filter((k) => !BUFFER_KEYS.includes(k));
/** What `keys='*'` asks for: every stored key, the buffers too (what an export that is loaded again needs). */
export const ALL_KEYS: readonly string[] = KEY_NAMES;
/** The `keys` value that names ALL_KEYS. */
export const EVERY_KEY = '*';

export function keySpec(name: string): KeySpec | undefined {
  return BY_NAME.get(name);
}

export function isTaskKey(name: string): boolean {
  return BY_NAME.has(name);
}

/** Keys whose values are dicts and so take dotted paths (`header.msg_type`). */
export function takesPath(name: string): boolean {
  const kind = BY_NAME.get(name)?.kind;
  return kind === 'dict' || kind === 'json';
}
