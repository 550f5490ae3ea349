import type { Timestamp } from '../records/index.js';
import { oneLine } from './cell-text.js';
import { formatDuration } from './duration.js';
import type { Paint } from './paint.js';
import { cutText, textWidth } from './width.js';

/** How `%top` groups its progress bars. */
export const TOP_GROUPS = ['engine', 'label', 'function', 'client'] as const;
export type TopGroup = (typeof TOP_GROUPS)[number];

/** The task an engine runs now, as far as ipc knows. */
export interface TopTask {
  readonly msgId: string;
  readonly function: string | null;
  readonly label: string | null;
  /** Seconds it has run; null when nothing tells (a store). */
  readonly runningSeconds: number | null;
  /** True when the time is an estimate (from its submission or the engine's last completion), not the engine's own `busy`. */
  readonly estimated: boolean;
}

export interface TopEngine {
  /** The engine's integer id, when the engine map knows it. */
  readonly id: number | null;
  readonly uuid: string;
  /** False once the hub said the engine unregistered (died or stopped). */
  readonly up: boolean;
  readonly busy: boolean;
  /** What it runs now; for an engine that is gone, what it was running. */
  readonly task: TopTask | null;
  /** Tasks of the selection waiting on this engine, the running one not counted. */
  readonly queued: number;
  readonly done: number;
  readonly failed: number;
  readonly lastError: string | null;
}

export interface TopGroupRow {
  readonly key: string;
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly etaSeconds: number | null;
}

export interface TopError {
  readonly msgId: string;
  readonly time: Timestamp | null;
  readonly engine: number | null;
  readonly ename: string;
  readonly evalue: string;
}

/** One frame of `%top`: the numbers, the engines, the groups and the last errors of the selection. */
export interface TopSnapshot {
  /** The hub or store, in the user's words. */
  readonly source: string;
  /** A live hub (IOPub and notifications), not a store. */
  readonly live: boolean;
  /** Engines up (a hub's registered engines; on a store, the engines the records name). */
  readonly enginesUp: number;
  readonly pending: number;
  readonly running: number;
  readonly done: number;
  readonly failed: number;
  /** Tasks completed in each of the last 60 seconds, oldest first. */
  readonly perSecond: readonly number[];
  /** Seconds until what is pending is done: median run time × pending / engines; null when unknown. */
  readonly etaSeconds: number | null;
  readonly engines: readonly TopEngine[];
  readonly by: TopGroup | null;
  readonly groups: readonly TopGroupRow[];
  /** The last few failures, newest first. */
  readonly errors: readonly TopError[];
  readonly polledAt: Timestamp;
}

export interface TopViewState {
  readonly columns: number;
  readonly rows: number;
  /** The selected engine row. */
  readonly selected: number;
  readonly paused: boolean;
  /** The errors list in place of the engine rows (`e`). */
  readonly showErrors: boolean;
  /** Refresh interval, seconds. */
  readonly seconds: number;
  readonly utc: boolean;
  readonly message?: string;
}

const BLOCKS = ' ▁▂▃▄▅▆▇█';

/** Counts as one bar per count: the height of each is its share of the largest. */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0 || values.length === 0) return '';
  // several seconds to a column when there is less room than seconds
  const per = Math.ceil(values.length / width);
  const cols: number[] = [];
  for (let i = values.length % per === 0 ? 0 : -(per - (values.length % per)); i < values.length; i += per) {
    let sum = 0;
    for (let j = Math.max(0, i); j < i + per; j++) sum += values[j]!;
    cols.push(sum);
  }
  const max = cols.reduce((a, b) => Math.max(a, b), -Infinity);
  return cols.map((v) => (max === 0 ? BLOCKS[0]! : BLOCKS[v === 0 ? 0 : Math.max(1, Math.round((v / max) * 8))]!)).join('');
}

/** The tail of a msg_id that tells tasks apart: `_20931_14` of a 7.x id, the last 8 characters of a uuid. */
export function msgIdTail(id: string): string {
  const m = /(_\d+_\d+)$/.exec(id);
  return oneLine(m ? m[1]! : id.length > 8 ? '…' + id.slice(-8) : id);
}

function seconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '';
  return s < 60 ? `${s.toFixed(1)} s` : formatDuration(s * 1e6);
}

function pad(s: string, w: number): string {
  const cut = cutText(s, w);
  return cut + ' '.repeat(Math.max(0, w - textWidth(cut)));
}

function clock(t: Timestamp | null, utc: boolean): string {
  if (!t) return '';
  const s = t.toLocalString(3, utc);
  return s.slice(s.indexOf(' ') + 1, s.indexOf('.'));
}

function progressBar(done: number, failed: number, total: number, width: number, p: Paint): string {
  if (width <= 0) return '';
  const okCells = total ? Math.floor(((done - failed) / total) * width) : 0;
  const failCells = total ? Math.ceil((failed / total) * width) : 0;
  const rest = Math.max(0, width - okCells - failCells);
  return p.green('█'.repeat(Math.max(0, okCells))) + p.red('█'.repeat(Math.min(width, failCells))) + p.dim('░'.repeat(rest));
}

/** The engine table's columns: their titles and widths at this terminal width (the last error takes the rest). */
function engineColumns(columns: number): { name: string; width: number }[] {
  const wide = columns >= 120;
  return [
    { name: 'engine', width: 7 },
    { name: 'state', width: 6 },
    { name: 'task', width: wide ? 16 : 12 },
    { name: 'function', width: wide ? 18 : 10 },
    ...(wide ? [{ name: 'label', width: 14 }] : []),
    { name: 'running', width: 10 },
    { name: 'queue', width: 6 },
    { name: 'done', width: 7 },
    { name: 'failed', width: 7 },
  ];
}

function engineRow(e: TopEngine, columns: number, p: Paint): string {
  const cols = engineColumns(columns);
  const t = e.task;
  const running = t?.runningSeconds === null || t?.runningSeconds === undefined ? (t ? '?' : '') : (t.estimated ? '~' : '') + seconds(t.runningSeconds);
  const state = !e.up ? p.red('gone') : e.busy ? p.green('busy') : p.dim('idle');
  const cells: Record<string, string> = {
    engine: e.id === null ? oneLine(e.uuid.slice(0, 6)) : String(e.id),
    state,
    task: t ? msgIdTail(t.msgId) : '',
    function: t?.function ? oneLine(t.function) : '',
    label: t?.label ? oneLine(t.label) : '',
    running,
    queue: String(e.queued),
    done: String(e.done),
    failed: e.failed ? p.red(String(e.failed)) : '0',
  };
  const fixed = cols.map((c) => pad(cells[c.name]!, c.width)).join(' ');
  return `${fixed} ${e.lastError ? p.red(oneLine(e.lastError)) : ''}`;
}

/**
 * `%top` as lines, one per terminal row, none wider than the terminal: the
 * header, the engines (or the errors), the groups' progress bars, the last
 * errors and the keys. The same text is script mode's snapshot.
 */
export function renderTop(s: TopSnapshot, v: TopViewState, p: Paint): string[] {
  const W = Math.max(20, v.columns);
  const out: string[] = [];
  const rate = s.perSecond.reduce((a, b) => a + b, 0) / Math.max(1, s.perSecond.length);
  const state = v.paused ? p.yellow('paused') : `every ${v.seconds} s`;
  const engines = `${s.enginesUp} engine${s.enginesUp === 1 ? '' : 's'} ${s.live ? 'up' : 'seen'}`;
  out.push(`${p.bold('top')}  ${v.paused ? state : p.dim(state)}  ${p.dim('·')} ${engines}  ${p.dim('·')} ${clock(s.polledAt, v.utc)}  ${p.dim('·')} ${oneLine(s.source)}`);
  const counts = `pending ${p.bold(String(s.pending))}  running ${p.bold(String(s.running))}  done ${p.green(String(s.done))}  failed ${s.failed ? p.red(String(s.failed)) : '0'}`;
  const tail = `  ${rate.toFixed(1)}/s  ETA ${s.etaSeconds === null ? '?' : seconds(s.etaSeconds)}`;
  const room = W - textWidth(`tasks  pending ${s.pending}  running ${s.running}  done ${s.done}  failed ${s.failed}`) - textWidth(tail) - 4;
  out.push(`tasks  ${counts}  ${p.cyan(sparkline(s.perSecond, Math.min(30, room)))}${tail}`);
  if (!s.live) out.push(p.dim('a store, not a live hub: running times are unknown; refreshed when the store changes'));
  if (v.message) out.push(p.yellow(oneLine(v.message)));

  const keys = p.dim('↑↓ select · Enter record · e errors · t tail · p pause · q quit');
  const groupLines: string[] = [];
  if (s.by && s.by !== 'engine' && s.groups.length) {
    const keyW = Math.min(24, s.groups.reduce((w, g) => Math.max(w, textWidth(oneLine(g.key))), s.by.length));
    groupLines.push(p.bold(`${pad(s.by, keyW)} ${pad('progress', 22)} done/total  failed  ETA`));
    const barW = 20;
    for (const g of s.groups) {
      const pct = g.total ? Math.floor((g.done / g.total) * 100) : 0;
      groupLines.push(`${pad(oneLine(g.key), keyW)} ${progressBar(g.done, g.failed, g.total, barW, p)} ${String(pct).padStart(3)}% ${pad(`${g.done}/${g.total}`, 11)} ${pad(g.failed ? p.red(String(g.failed)) : '0', 7)} ${g.total === g.done ? p.green('done') : seconds(g.etaSeconds) || '?'}`);
    }
  }
  const errorLines = (n: number) => s.errors.slice(0, n).map((e) =>
    `${pad(clock(e.time, v.utc), 9)} ${pad(e.engine === null ? '' : `engine ${e.engine}`, 9)} ${p.red(oneLine(e.ename))}: ${oneLine(e.evalue)}  ${p.dim(msgIdTail(e.msgId))}`);

  // what is left for the engines, the groups and the errors
  const free = v.rows - out.length - 1 - 1;
  const body: string[] = [];
  if (v.showErrors) {
    body.push(p.bold(`errors (newest first; ${s.failed} failed in all)`));
    for (const line of s.errors.length ? errorLines(Math.max(0, free - 1)) : [p.dim('no task of the selection failed')]) body.push(line);
  } else {
    const recent = s.errors.length ? Math.min(3, s.errors.length) : 0;
    const groupRoom = groupLines.length ? Math.min(groupLines.length, Math.max(2, Math.floor((free - 2) / 2))) : 0;
    const engineRoom = Math.max(1, free - 1 - (groupRoom ? groupRoom + 1 : 0) - (recent ? recent + 1 : 0));
    body.push(' ' + p.bold(engineColumns(W).map((c) => pad(c.name, c.width)).join(' ') + ' last error'));
    const first = Math.max(0, Math.min(v.selected - engineRoom + 1, s.engines.length - engineRoom));
    for (let i = first; i < Math.min(s.engines.length, first + engineRoom); i++) {
      const row = engineRow(s.engines[i]!, W, p);
      body.push(i === v.selected ? p.bold(p.cyan('›')) + cutText(row, W - 1) : ' ' + cutText(row, W - 1));
    }
    if (s.engines.length === 0) body.push(p.dim(s.live ? ' no engine is registered' : ' no engine named in the records'));
    if (s.engines.length > engineRoom) body.push(p.dim(` … ${s.engines.length} engines; ↑↓ scrolls`));
    if (groupRoom) {
      body.push('');
      for (const line of groupLines.slice(0, groupRoom)) body.push(line);
    }
    if (recent) {
      body.push(p.bold('last errors'));
      for (const line of errorLines(recent)) body.push(line);
    }
  }
  out.push('');
  for (const line of body.slice(0, Math.max(0, free))) out.push(line);
  while (out.length < v.rows - 1) out.push('');
  out.push(keys);
  return out.slice(0, v.rows).map((l) => cutText(l, W));
}

/** The numbers of a snapshot as plain data: what `%top` prints in script mode with --format json. */
export function topData(s: TopSnapshot): Record<string, unknown> {
  return {
    source: s.source,
    live: s.live,
    engines_up: s.enginesUp,
    pending: s.pending,
    running: s.running,
    done: s.done,
    failed: s.failed,
    per_second: [...s.perSecond],
    eta_seconds: s.etaSeconds,
    engines: s.engines.map((e) => ({
      id: e.id, uuid: e.uuid, up: e.up, busy: e.busy, queued: e.queued, done: e.done, failed: e.failed, last_error: e.lastError,
      task: e.task ? { msg_id: e.task.msgId, function: e.task.function, label: e.task.label, running_seconds: e.task.runningSeconds, estimated: e.task.estimated } : null,
    })),
    by: s.by,
    groups: s.groups.map((g) => ({ [s.by ?? 'group']: g.key, total: g.total, done: g.done, failed: g.failed, eta_seconds: g.etaSeconds })),
    errors: s.errors.map((e) => ({ msg_id: e.msgId, time: e.time, engine_id: e.engine, ename: e.ename, evalue: e.evalue })),
  };
}
