import { engineIdOf, taskStatus, type DeriveContext, type RecordStatus, Timestamp, Unreadable } from '../records/index.js';
import { taskFunctionName } from '../payload/index.js';
import { IpcError } from '../errors.js';
import type { TaskRecord } from '../records/index.js';

/** Where a task sits on a timeline: its engine row, when it ran, how it ended. */
export interface TaskInterval {
  readonly msgId: string;
  /** The engine id, else the engine uuid when no map names it, else null (not yet assigned). */
  readonly engine: number | string | null;
  readonly uuid: string | null;
  /** Microseconds since the epoch; null when the record lacks the time. */
  readonly submitted: number | null;
  readonly started: number | null;
  readonly completed: number | null;
  readonly status: RecordStatus;
  /** The task was resubmitted: another task re-ran it. */
  readonly resubmitted: boolean;
  readonly function: string | null;
  /** The task's label (ipyparallel 9.1), null without one. */
  readonly label: string | null;
}

/** What the rows of a timeline stand for. */
export const TIMELINE_ROWS = ['engine', 'label', 'function'] as const;
export type TimelineRows = (typeof TIMELINE_ROWS)[number];

/** The keys a timeline reads from each record. */
export const INTERVAL_KEYS = [
  'msg_id', 'submitted', 'started', 'completed', 'engine_uuid', 'resubmitted',
  'result_header', 'result_content', 'result_metadata', 'error', 'function', 'label',
];

const micros = (v: unknown): number | null => (v instanceof Timestamp ? v.us : null);

/** The function of a task whose payload cannot be decoded, as stats and timelines count it. */
export const UNREADABLE_FUNCTION = '(unreadable)';

/**
 * The value of the derived key `function` (a name, None, or the marker of
 * a payload that cannot be decoded) as stats and timelines count it: what
 * `functionOf` gives a record that holds it.
 */
export function functionKey(v: unknown): string | null {
  if (typeof v === 'string') return v;
  return v instanceof Unreadable ? UNREADABLE_FUNCTION : null;
}

/**
 * The task's function name: the derived key `function`, which the client
 * computes when `keys` asks for it, so a record read for a timeline or for
 * stats carries it; a record read without it (`db_query({})` written as a
 * trace) has it from its `buffers`, when it holds them. A pickle that cannot
 * be decoded (or unreadable buffers) is counted as `(unreadable)`: one bad
 * record does not stop a trace or a table of stats.
 */
export function functionOf(rec: TaskRecord): string | null {
  const f = rec['function'];
  if (typeof f === 'string') return f;
  if (f instanceof Unreadable) return UNREADABLE_FUNCTION;
  if (f !== undefined || !(Array.isArray(rec['buffers']) || rec['buffers'] instanceof Unreadable)) return null;
  try {
    return taskFunctionName(rec);
  } catch (e) {
    if (e instanceof IpcError) return UNREADABLE_FUNCTION;
    throw e;
  }
}

export function taskInterval(rec: TaskRecord, ctx: DeriveContext = {}): TaskInterval {
  return {
    msgId: typeof rec['msg_id'] === 'string' ? rec['msg_id'] : '',
    engine: engineIdOf(rec, ctx) ?? (typeof rec['engine_uuid'] === 'string' && rec['engine_uuid'] !== '' ? rec['engine_uuid'] : null),
    uuid: typeof rec['engine_uuid'] === 'string' && rec['engine_uuid'] !== '' ? rec['engine_uuid'] : null,
    submitted: micros(rec['submitted']),
    started: micros(rec['started']),
    completed: micros(rec['completed']),
    status: taskStatus(rec),
    resubmitted: typeof rec['resubmitted'] === 'string' && rec['resubmitted'] !== '',
    function: functionOf(rec),
    label: typeof rec['label'] === 'string' && rec['label'] !== '' ? rec['label'] : null,
  };
}

/** An engine row's name: `engine 3`, a shortened uuid, or `unassigned`. */
export function engineLabel(engine: number | string | null): string {
  if (engine === null) return 'unassigned';
  if (typeof engine === 'number') return `engine ${engine}`;
  return engine.length > 13 ? engine.slice(0, 8) + '…' : engine;
}

/** Engines in row order: ids ascending, then uuids, then the unassigned row. */
export function compareEngines(a: number | string | null, b: number | string | null): number {
  const rank = (k: unknown) => (typeof k === 'number' ? 0 : typeof k === 'string' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
