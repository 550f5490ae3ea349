import { KEY_NAMES, Timestamp, Unreadable, engineIdOf, isDict, taskStatus, type DeriveContext, type RecordStatus, type TaskRecord } from '../records/index.js';
import { cellText, oneLine } from './cell-text.js';
import { formatDuration, span } from './duration.js';
import { toPlainJSON } from './json.js';
import { PLAIN, type Paint } from './paint.js';
import { payloadSections } from './payload-sections.js';

/**
 * The record view of one task: what `%show` answers, the same sections on
 * screen (coloured, in the pager when long) and in script mode (plain text).
 */
export class RecordView {
  constructor(
    readonly record: TaskRecord,
    readonly context: RecordViewOptions = {},
  ) {}
}

export function isRecordView(v: unknown): v is RecordView {
  return v instanceof RecordView;
}

/** One named part of the record view. A new part is one more entry of the list recordSections makes. */
export type RecordSection =
  | { readonly kind: 'fields'; readonly title: string; readonly fields: readonly RecordField[] }
  /** Text shown in full, line by line; `ansi` when it may hold the engine's colours (streams, tracebacks). */
  | {
      readonly kind: 'text'; readonly title: string; readonly text: string | null; readonly ansi?: boolean; readonly summary?: string;
      /** Said after the title, dimmed on screen (where a function was written). */
      readonly note?: string;
    }
  | { readonly kind: 'json'; readonly title: string; readonly value: unknown };

export interface RecordField {
  readonly name: string;
  /** null: None. */
  readonly value: string | null;
  /** Said after the value, dimmed on screen. */
  readonly note?: string;
}

export interface RecordViewOptions extends DeriveContext {
  readonly utc?: boolean;
  /** The task's retry chain through `resubmitted`: the tasks it was resubmitted from (oldest first) and those resubmitted from it. */
  readonly retries?: { readonly before: readonly string[]; readonly after: readonly string[] };
}

/**
 * The task's state as far as its record tells. A 7.x hub fills `started`
 * only when a task completes, so output already printed is the sign that it
 * runs; a task only handed to an engine may still wait in that engine's queue.
 */
export function taskState(rec: TaskRecord, context: DeriveContext = {}): string {
  const status: RecordStatus = taskStatus(rec);
  if (status !== 'pending') return status;
  const engine = engineIdOf(rec, context);
  const printed = ['stdout', 'stderr'].some((k) => typeof rec[k] === 'string' && rec[k] !== '');
  if (rec['started'] instanceof Timestamp || printed) return engine === null ? 'running' : `running on engine ${engine}`;
  return engine === null ? 'pending' : `pending, sent to engine ${engine}`;
}

/** Every field of the record, in the order a person reads them. */
export function recordSections(rec: TaskRecord, options: RecordViewOptions = {}): RecordSection[] {
  const sections: RecordSection[] = [];
  const timeKeys = ['submitted', 'started', 'completed', 'received'].filter((k) => k in rec);
  if (timeKeys.length > 0) {
    const fields: RecordField[] = timeKeys.map((k) => {
      const v = rec[k];
      return v instanceof Timestamp ? { name: k, value: v.toLocalString(6, options.utc ?? false), note: v.toISOString() } : { name: k, value: null };
    });
    const wait = span(rec['submitted'], rec['started']);
    const run = span(rec['started'], rec['completed']);
    if ('submitted' in rec && 'started' in rec) fields.push({ name: 'queue wait', value: wait === null ? null : formatDuration(wait) });
    if ('started' in rec && 'completed' in rec) fields.push({ name: 'run time', value: run === null ? null : formatDuration(run) });
    sections.push({ kind: 'fields', title: 'Timing', fields });
  }

  const engineId = engineIdOf(rec, options);
  const task: RecordField[] = [];
  for (const k of ['client_uuid', 'engine_uuid', 'queue', 'label', 'resubmitted']) {
    if (!(k in rec)) continue;
    const v = rec[k];
    const value = v === null || v === undefined ? null : cellText(v);
    task.push(k === 'engine_uuid' && engineId !== null ? { name: k, value, note: `engine ${engineId}` } : { name: k, value });
  }
  const retries = options.retries;
  if (retries && retries.before.length + retries.after.length > 0) {
    const chain = [...retries.before.map(oneLine), 'this', ...retries.after.map(oneLine)].join(' → ');
    task.push({ name: 'retries', value: chain, note: `attempt ${retries.before.length + 1} of ${retries.before.length + retries.after.length + 1}` });
  }
  for (const k of ['buffers', 'result_buffers']) if (k in rec) task.push({ name: k, value: bufferSizes(rec[k]) });
  if (task.length > 0) sections.push({ kind: 'fields', title: 'Task', fields: task });
  // what the task ran and returned; the error section below has the traceback
  for (const p of payloadSections(rec)) {
    if (p.title === 'Error' && isDict(rec['error'])) continue;
    sections.push({ kind: 'text', title: p.title, text: p.text, ...(p.note ? { note: p.note } : {}) });
  }

  const result = rec['execute_result'];
  if (result !== null && result !== undefined) {
    const plain = isDict(result) && isDict(result['data']) ? result['data']['text/plain'] : undefined;
    sections.push(typeof plain === 'string' ? { kind: 'text', title: 'execute_result', text: plain } : { kind: 'json', title: 'execute_result', value: result });
  }
  for (const k of ['stdout', 'stderr']) {
    if (!(k in rec)) continue;
    const v = rec[k];
    sections.push({ kind: 'text', title: k, text: typeof v === 'string' ? v : null, ansi: true });
  }
  if ('error' in rec) {
    const e = rec['error'];
    if (isDict(e)) {
      const tb = Array.isArray(e['traceback']) ? e['traceback'].map(String).join('\n') : '';
      sections.push({ kind: 'text', title: 'error', summary: `${String(e['ename'] ?? '')}: ${String(e['evalue'] ?? '')}`, text: tb, ansi: true });
    } else if (e !== null && e !== undefined) {
      sections.push({ kind: 'text', title: 'error', text: cellText(e) });
    }
  }

  for (const k of ['header', 'metadata', 'content', 'result_header', 'result_metadata', 'result_content']) {
    if (k in rec) sections.push({ kind: 'json', title: k, value: rec[k] });
  }
  const known = new Set(KEY_NAMES);
  for (const k of Object.keys(rec)) if (!known.has(k)) sections.push({ kind: 'json', title: k, value: rec[k] });
  return sections;
}

/** The record view as lines: plain with PLAIN, coloured with a terminal's painter. */
export function recordLines(rec: TaskRecord, paint: Paint = PLAIN, options: RecordViewOptions = {}): string[] {
  const msgId = typeof rec['msg_id'] === 'string' ? rec['msg_id'] : '?';
  const out = [`${paint.bold('Task')} ${paint.cyan(oneLine(msgId))}  ${paintState(taskState(rec, options), paint)}`];
  for (const s of recordSections(rec, options)) sectionLines(s, paint, out);
  return out;
}

function paintState(state: string, paint: Paint): string {
  if (state === 'ok') return paint.green(state);
  if (state === 'error') return paint.red(state);
  return paint.yellow(state);
}

function sectionLines(s: RecordSection, paint: Paint, out: string[]): void {
  const none = paint.dim('None');
  switch (s.kind) {
    case 'fields':
      out.push('', paint.bold(s.title));
      for (const f of s.fields) {
        const note = f.note === undefined ? '' : '  ' + paint.dim(f.name === 'engine_uuid' ? `(${f.note})` : f.note);
        out.push(`  ${paint.bold(f.name.padEnd(16))}${f.value === null ? none : f.value}${note}`);
      }
      return;
    case 'text': {
      const title = s.note === undefined ? paint.bold(s.title) : `${paint.bold(s.title)}  ${paint.dim(s.note)}`;
      const head = s.summary === undefined ? title : `${title} ${paint.red(s.summary)}`;
      if (s.text === null || s.text === '') {
        out.push('', s.summary === undefined ? `${head} ${paint.dim(s.text === '' ? '(empty)' : 'None')}` : head);
        return;
      }
      out.push('', head);
      const text = s.ansi ? paint.raw(s.text) : s.text;
      // A traceback goes flush left: its header is as wide as IPython made it, and an indent would wrap it at 80 columns.
      const indent = s.summary === undefined ? '  ' : '';
      for (const line of text.replace(/\n$/, '').split('\n')) out.push(indent + line);
      return;
    }
    case 'json':
      if (s.value === null || s.value === undefined) {
        out.push('', `${paint.bold(s.title)} ${none}`);
        return;
      }
      out.push('', paint.bold(s.title));
      if (s.value instanceof Unreadable) {
        out.push('  ' + s.value.pyRepr());
        return;
      }
      for (const line of JSON.stringify(toPlainJSON(s.value), null, 2).split('\n')) out.push('  ' + line);
  }
}

function bufferSizes(v: unknown): string | null {
  if (v instanceof Unreadable) return v.pyRepr();
  if (!Array.isArray(v)) return null;
  if (v.length === 0) return '0 buffers';
  const sizes = v.map((b) => (b instanceof Uint8Array ? b.byteLength : 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  return `${v.length} buffer${v.length === 1 ? '' : 's'}, ${total} bytes (${sizes.join(' + ')})`;
}
