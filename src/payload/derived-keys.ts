import { EMPTY_DICT_TEXT, FAILURE_NEEDS, OK_REPLY_TEXT, engineIdOf, queueWait, runTime, taskCode, taskFailure, taskStatus, tracebackText, type DeriveContext, type StoredTextIs, type TaskRecord } from '../records/index.js';
import { decodedKey } from './task-call.js';

/** One derived key: what it holds (as `%help KEY` says it), the stored keys it is computed from, and how. */
export interface DerivedKeyEntry {
  readonly doc: string;
  /** The stored keys a store must fetch for it. */
  readonly needs: readonly string[];
  /**
   * Needed columns the value does not read while another column is handed
   * over as its stored text and that text is exactly `text` (see
   * StoredText): a store may leave them out of such records.
   */
  readonly unless?: Readonly<Record<string, NeedUnless>>;
  /** Its values are containers, so that a dotted path reaches inside (`kwargs.scale`). */
  readonly path?: boolean;
  /** Reads the DeriveContext (the engine map). */
  readonly context?: boolean;
  value(rec: TaskRecord, ctx: DeriveContext): unknown;
}

/** A stored column whose stored text, when it is exactly `text`, decides a derivation alone. */
export type NeedUnless = StoredTextIs;

const CALL_NEEDS = ['buffers', 'header', 'content', 'execute_input'];
/** An apply request's content is `{}`: no code, so the header is not read (taskCode). */
const CALL_UNLESS = { header: { key: 'content', text: EMPTY_DICT_TEXT } };
const STATUS_NEEDS = ['result_content', 'result_header', 'result_metadata', 'error', 'completed'];
/** A successful reply's content decides the status alone (taskStatus). */
const OK_REPLY = { key: 'result_content', text: OK_REPLY_TEXT };
const STATUS_UNLESS = { result_header: OK_REPLY, result_metadata: OK_REPLY, error: OK_REPLY, completed: OK_REPLY };

/**
 * ipc's own keys: computed on the client from a TaskRecord, never stored.
 * They are accepted wherever a key is (keys=[...], queries, tables, JSON);
 * a query on them is the residual after the stored keys are pushed down.
 * A new derived key is one entry here; its order is the order they are listed in.
 */
const TABLE = {
  function: {
    doc: "the function's name (add, <lambda>); None for execute requests",
    needs: CALL_NEEDS,
    unless: CALL_UNLESS,
    value: (rec) => decodedKey(rec, 'function'),
  },
  args: {
    doc: 'the positional arguments (a tuple)',
    needs: CALL_NEEDS,
    unless: CALL_UNLESS,
    path: true,
    value: (rec) => decodedKey(rec, 'args'),
  },
  kwargs: {
    doc: 'the keyword arguments (a dict)',
    needs: CALL_NEEDS,
    unless: CALL_UNLESS,
    path: true,
    value: (rec) => decodedKey(rec, 'kwargs'),
  },
  result: {
    doc: 'the returned value; None while pending or when the task failed',
    needs: ['result_buffers', ...STATUS_NEEDS],
    unless: STATUS_UNLESS,
    path: true,
    value: (rec) => decodedKey(rec, 'result'),
  },
  code: {
    doc: 'the code of an execute request (execute_input, else content.code)',
    needs: ['execute_input', 'header', 'content'],
    unless: CALL_UNLESS,
    value: (rec) => taskCode(rec),
  },
  status: {
    doc: "'ok', 'error', 'aborted' or 'pending'",
    needs: STATUS_NEEDS,
    unless: STATUS_UNLESS,
    value: (rec) => taskStatus(rec),
  },
  engine_id: {
    doc: "the engine's integer id, when the engine map or the reply tells it",
    needs: ['engine_uuid', 'result_metadata', 'result_content', 'error'],
    context: true,
    value: (rec, ctx) => engineIdOf(rec, ctx),
  },
  queue_wait: {
    doc: 'seconds from submitted to started',
    needs: ['submitted', 'started'],
    value: (rec) => queueWait(rec),
  },
  run_time: {
    doc: 'seconds from started to completed',
    needs: ['started', 'completed'],
    value: (rec) => runTime(rec),
  },
  ename: {
    doc: "the exception's class name of a failed task (ValueError, EngineError); None unless it failed",
    needs: FAILURE_NEEDS,
    value: (rec) => taskFailure(rec)?.ename ?? null,
  },
  evalue: {
    doc: "the exception's message of a failed task; None unless it failed",
    needs: FAILURE_NEEDS,
    value: (rec) => taskFailure(rec)?.evalue ?? null,
  },
  traceback: {
    doc: 'the traceback of a failed task as one text, lines joined; None unless it failed',
    needs: FAILURE_NEEDS,
    value: (rec) => tracebackText(rec),
  },
} satisfies Record<string, DerivedKeyEntry>;

export type DerivedKey = keyof typeof TABLE;

/** The derived keys by name. */
export const DERIVED_KEY_TABLE: Readonly<Record<DerivedKey, DerivedKeyEntry>> = TABLE;

/** The derived keys' names, in the table's order. */
export const DERIVED_KEYS = Object.keys(TABLE) as readonly DerivedKey[];

export function isDerivedKey(name: string): name is DerivedKey {
  return Object.hasOwn(TABLE, name);
}

/** The stored keys each derived key is computed from: what a store must fetch for it. */
export const DERIVED_NEEDS: Readonly<Record<DerivedKey, readonly string[]>> = Object.fromEntries(DERIVED_KEYS.map((k) => [k, TABLE[k].needs])) as Record<DerivedKey, readonly string[]>;

/** For each derived key, the needed columns it does not read while another column's stored text decides (see DerivedKeyEntry.unless). */
export const DERIVED_NEEDS_UNLESS: Readonly<Record<DerivedKey, Readonly<Record<string, NeedUnless>>>> = Object.fromEntries(
  DERIVED_KEYS.map((k) => [k, (TABLE[k] as DerivedKeyEntry).unless ?? {}]),
) as Record<DerivedKey, Readonly<Record<string, NeedUnless>>>;

/** The derived keys that read the DeriveContext (the engine map): a client looks it up only for them. */
export const DERIVED_CONTEXT_KEYS: readonly DerivedKey[] = DERIVED_KEYS.filter((k) => (TABLE[k] as DerivedKeyEntry).context === true);

/** What each derived key holds, as `%help KEY` says it. */
export const DERIVED_DOCS: Readonly<Record<DerivedKey, string>> = Object.fromEntries(DERIVED_KEYS.map((k) => [k, TABLE[k].doc])) as Record<DerivedKey, string>;

/** Derived keys whose values are containers, so that a dotted path reaches inside (`kwargs.scale`). */
export const DERIVED_PATH_KEYS: readonly DerivedKey[] = DERIVED_KEYS.filter((k) => (TABLE[k] as DerivedKeyEntry).path === true);

/** A derived key's value for a record, as shown (decoded Python values keep their classes). */
export function derivedValue(rec: TaskRecord, key: DerivedKey, ctx: DeriveContext = {}): unknown {
  return (TABLE[key] as DerivedKeyEntry).value(rec, ctx);
}
