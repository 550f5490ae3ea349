import { payloadSections, toPlainJSON } from '../format/index.js';
import { KEY_NAMES, Timestamp, isDict, type TaskRecord } from '../records/index.js';
import { formatDuration, inlineText, span } from './cells.js';
import type { Painter } from './style.js';

/**
 * One task record, every field, as lines for the record view: timestamps
 * with queue wait and run time, header and metadata as indented JSON,
 * stdout and stderr in full, the traceback with the engine's own colours,
 * buffer sizes.
 */
export function recordLines(rec: TaskRecord, p: Painter, options: { utc?: boolean } = {}): string[] {
  const out: string[] = [];
  const msgId = typeof rec['msg_id'] === 'string' ? rec['msg_id'] : '?';
  out.push(`${p.bold('Task')} ${p.cyan(msgId)}  ${statusText(rec, p)}`);
  const label = (name: string) => p.bold(name.padEnd(16));
  const none = p.dim('None');
  for (const s of payloadSections(rec)) {
    const title = s.title === 'Error' ? p.red(s.title) : p.bold(s.title);
    out.push('', s.note ? `${title}  ${p.dim(s.note)}` : title, ...s.text.split('\n').map((line) => '  ' + line));
  }

  const timeKeys = ['submitted', 'started', 'completed', 'received'].filter((k) => k in rec);
  if (timeKeys.length > 0) {
    out.push('', p.bold('Timing'));
    for (const k of timeKeys) {
      const v = rec[k];
      out.push(`  ${label(k)}${v instanceof Timestamp ? `${v.toLocalString(6, options.utc ?? false)}  ${p.dim(v.toISOString())}` : none}`);
    }
    const wait = span(rec['submitted'], rec['started']);
    const run = span(rec['started'], rec['completed']);
    if ('submitted' in rec && 'started' in rec) out.push(`  ${label('queue wait')}${wait === null ? none : formatDuration(wait)}`);
    if ('started' in rec && 'completed' in rec) out.push(`  ${label('run time')}${run === null ? none : formatDuration(run)}`);
  }

  const scalarKeys = ['client_uuid', 'engine_uuid', 'queue', 'label', 'resubmitted'].filter((k) => k in rec);
  const engineId = isDict(rec['result_metadata']) ? rec['result_metadata']['engine_id'] : undefined;
  if (scalarKeys.length > 0) {
    out.push('', p.bold('Task'));
    for (const k of scalarKeys) {
      const v = rec[k];
      let text = v === null || v === undefined ? none : inlineText(v);
      if (k === 'engine_uuid' && typeof engineId === 'number') text += p.dim(`  (engine ${engineId})`);
      out.push(`  ${label(k)}${text}`);
    }
  }

  for (const k of ['buffers', 'result_buffers']) {
    if (!(k in rec)) continue;
    out.push(`  ${label(k)}${bufferSizes(rec[k], p)}`);
  }

  if ('execute_result' in rec && rec['execute_result'] !== null && rec['execute_result'] !== undefined) {
    const r = rec['execute_result'];
    const plain = isDict(r) && isDict(r['data']) ? r['data']['text/plain'] : undefined;
    if (typeof plain === 'string') block(out, 'execute_result', plain, p);
    else jsonBlock(out, 'execute_result', r, p);
  }
  for (const k of ['stdout', 'stderr']) {
    if (!(k in rec)) continue;
    const v = rec[k];
    if (typeof v === 'string' && v !== '') block(out, k, p.raw(v), p);
    else out.push('', `${p.bold(k)} ${p.dim(v === '' ? '(empty)' : 'None')}`);
  }
  if ('error' in rec) {
    const e = rec['error'];
    if (isDict(e)) {
      out.push('', `${p.bold('error')} ${p.red(`${String(e['ename'] ?? '')}: ${String(e['evalue'] ?? '')}`)}`);
      const tb = e['traceback'];
      if (Array.isArray(tb)) {
        for (const line of tb.map(String).join('\n').split('\n')) out.push('  ' + p.raw(line));
      }
    } else if (e !== null && e !== undefined) {
      block(out, 'error', inlineText(e), p);
    }
  }

  for (const k of ['header', 'metadata', 'content', 'result_header', 'result_metadata', 'result_content']) {
    if (k in rec) jsonBlock(out, k, rec[k], p);
  }
  const known = new Set(KEY_NAMES);
  for (const k of Object.keys(rec)) {
    if (known.has(k)) continue;
    jsonBlock(out, k, rec[k], p);
  }
  return out;
}

function statusText(rec: TaskRecord, p: Painter): string {
  const rc = rec['result_content'];
  const status = isDict(rc) && typeof rc['status'] === 'string' ? rc['status'] : undefined;
  if (status === 'ok') return p.green('ok');
  if (status === 'error' || (rec['error'] !== null && rec['error'] !== undefined)) return p.red('error');
  if (status !== undefined) return p.yellow(status);
  if (rec['completed'] instanceof Timestamp) return p.green('completed');
  if (rec['started'] instanceof Timestamp) return p.yellow('running');
  if ('started' in rec || 'completed' in rec) return p.yellow('pending');
  return '';
}

function bufferSizes(v: unknown, p: Painter): string {
  if (!Array.isArray(v)) return p.dim('None');
  if (v.length === 0) return '0 buffers';
  const sizes = v.map((b) => (b instanceof Uint8Array ? b.byteLength : 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  return `${v.length} buffer${v.length === 1 ? '' : 's'}, ${total} bytes (${sizes.join(' + ')})`;
}

function block(out: string[], title: string, text: string, p: Painter): void {
  out.push('', p.bold(title));
  const lines = text.replace(/\n$/, '').split('\n');
  for (const line of lines) out.push('  ' + line);
}

function jsonBlock(out: string[], title: string, v: unknown, p: Painter): void {
  if (v === null || v === undefined) {
    out.push('', `${p.bold(title)} ${p.dim('None')}`);
    return;
  }
  out.push('', p.bold(title));
  for (const line of JSON.stringify(toPlainJSON(v), null, 2).split('\n')) out.push('  ' + line);
}
