import type { GroupStats, Spread, TaskStats } from '../analytics/index.js';
import { oneLine } from './cell-text.js';
import { droppedNote, fitTable, wrapProse, type FitColumn } from './fit.js';
import { textWidth } from './width.js';

/** Seconds as a person reads them: µs, ms, s, then minutes and hours. */
export function formatSeconds(s: number | null): string {
  if (s === null) return '—';
  const a = Math.abs(s);
  const sign = s < 0 ? '-' : '';
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${sign}${(a * 1e6).toFixed(0)} µs`;
  if (a < 1) return `${sign}${(a * 1e3).toFixed(a < 0.01 ? 2 : 1)} ms`;
  if (a < 60) return `${sign}${a.toFixed(a < 10 ? 2 : 1)} s`;
  if (a < 3600) return `${sign}${Math.floor(a / 60)}m${String(Math.floor(a % 60)).padStart(2, '0')}s`;
  return `${sign}${Math.floor(a / 3600)}h${String(Math.floor((a % 3600) / 60)).padStart(2, '0')}m`;
}

const percent = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(0)}%`);
const idle = (x: number | null) => (x === null ? '—' : `${Math.max(0, x).toFixed(0)}%`);
const rate = (x: number | null) => (x === null ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(2));

/** A group's name in the table, its controls escaped; ids whole (the table shortens them only when it must). */
function keyText(g: GroupStats, by: string): string {
  if (g.key === null) return by === 'engine_id' ? '(none)' : by === 'label' ? '(no label)' : 'None';
  return oneLine(String(g.key));
}

const spreadCells = (s: Spread) => [s.min, s.median, s.p95, s.max].map(formatSeconds);

/** A table with a rule above its last (total) row. */
function withTotalRule(lines: string[]): string[] {
  const w = lines.reduce((m, l) => Math.max(m, textWidth(l)), 0);
  return [...lines.slice(0, -1), '─'.repeat(w), lines.at(-1)!];
}

/**
 * `%stats` as text: counts and utilisation per group, then the spread of run
 * times and queue waits, each with a total row, then what was not timed.
 * At a terminal's width the least telling columns are left out (said in a
 * note) and group ids shortened only when nothing else is left to give way.
 */
export function renderStats(st: TaskStats, width = Infinity): string {
  const label = st.by === 'engine_id' ? 'engine' : st.by === 'client_uuid' ? 'client' : st.by;
  const rows = [...st.groups, st.total];
  const name = (g: GroupStats) => (g === st.total ? 'total' : keyText(g, st.by));
  const showAborted = st.total.aborted > 0;
  const key: FitColumn = { title: label, left: true, id: st.by !== 'engine_id' };
  const counts = fitTable(
    [key, { title: 'tasks' }, { title: 'ok' }, { title: 'error' }, ...(showAborted ? [{ title: 'aborted', drop: 4 }] : []), { title: 'pending', drop: 5 },
      { title: 'busy', drop: 3 }, { title: 'util', drop: 6 }, { title: 'idle', drop: 2 }, { title: 'tasks/s', drop: 1 }],
    rows.map((g) => [
      name(g), String(g.count), String(g.ok), String(g.error), ...(showAborted ? [String(g.aborted)] : []), String(g.pending),
      formatSeconds(g.busy), percent(g.utilisation), idle(g.idle_percent), rate(g.throughput),
    ]),
    width,
  );
  const spread = (group: string, drops: number[]): FitColumn[] => ['min', 'median', 'p95', 'max'].map((title, i) => ({ title, group, drop: drops[i] }));
  const times = fitTable(
    [key, ...spread('run', [3, 7, 8, 6]), ...spread('wait', [1, 4, 5, 2])],
    rows.map((g) => [name(g), ...spreadCells(g.run_time), ...spreadCells(g.queue_wait)]),
    width,
  );
  const out = [...withTotalRule(counts.lines), '', ...withTotalRule(times.lines)];
  const notes: string[] = [];
  const dropped = [...counts.dropped, ...times.dropped];
  if (dropped.length) notes.push(droppedNote(dropped, width));
  if (st.span !== null) {
    notes.push(`span ${formatSeconds(st.span)} (first start to last completion) over ${st.engines} engine${st.engines === 1 ? '' : 's'}; util = busy / span (total: / span × engines)`);
  }
  if (st.total.untimed > 0) {
    notes.push(`${st.total.untimed} of ${st.total.count} records miss a start or completion time: counted, not timed (a 7.x hub writes started only when the result arrives)`);
  }
  return [...out, ...(notes.length ? ['', ...notes.flatMap((n) => wrapProse(n, width))] : [])].join('\n');
}

/** The eighths of a block, for bars of fractional length. */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

export interface Histogram {
  readonly key: string;
  readonly log: boolean;
  /** Bin edges, one more than counts. */
  readonly edges: number[];
  readonly counts: number[];
  /** Values that could not be binned on a log scale (zero or negative). */
  readonly nonPositive: number;
  readonly missing: number;
}

/**
 * Bins of durations: logarithmic when the positive values span two decades
 * or more (run times of 1 ms next to 10 min), else linear. Values already
 * in ascending order (`sorted`) are read where they are, not copied.
 */
export function histogram(key: string, values: Float64Array, missing: number, bins = 16, sorted_ = false): Histogram {
  const sorted = sorted_ ? values : Float64Array.from(values).sort();
  let firstPositive = 0;
  while (firstPositive < sorted.length && !(sorted[firstPositive]! > 0)) firstPositive++;
  const positive = sorted.subarray(firstPositive);
  const lo = sorted.length ? sorted[0]! : 0;
  const hi = sorted.length ? sorted[sorted.length - 1]! : 0;
  const log = positive.length > 1 && positive[positive.length - 1]! / positive[0]! >= 100;
  const edges: number[] = [];
  if (log) {
    const a = Math.log10(positive[0]!);
    const b = Math.log10(positive[positive.length - 1]!);
    for (let i = 0; i <= bins; i++) edges.push(10 ** (a + ((b - a) * i) / bins));
  } else {
    const n = hi > lo ? bins : 1;
    for (let i = 0; i <= n; i++) edges.push(lo + ((hi - lo) * i) / n);
  }
  const counts = new Array<number>(edges.length - 1).fill(0);
  const data = log ? positive : sorted;
  const first = edges[0]!;
  const width = log ? Math.log10(edges.at(-1)!) - Math.log10(first) : edges.at(-1)! - first;
  for (const v of data) {
    const x = log ? Math.log10(v) - Math.log10(first) : v - first;
    const i = width > 0 ? Math.min(counts.length - 1, Math.floor((x / width) * counts.length)) : 0;
    counts[i]!++;
  }
  return { key, log, edges, counts, nonPositive: log ? sorted.length - positive.length : 0, missing };
}

/** The histogram's lines; at a terminal's width the bars are shorter, so no line wraps. */
export function renderHistogram(h: Histogram, width = Infinity): string {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (total === 0) return `${h.key}: no record has one (${h.missing} missing)`;
  const most = h.counts.reduce((m, n) => Math.max(m, n), -Infinity);
  const labels = h.counts.map((_, i) => `${formatSeconds(h.edges[i]!)} – ${formatSeconds(h.edges[i + 1]!)}`);
  const w = labels.reduce((m, l) => Math.max(m, [...l].length), -Infinity);
  const countW = String(most).length;
  const barWidth = Math.max(4, Math.min(40, width - w - countW - 5));
  const lines = h.counts.map((c, i) => {
    const eighths = Math.round((c / most) * barWidth * 8);
    const bar = '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
    return `${labels[i]!.padStart(w)}  ${String(c).padStart(countW)}  ${bar}`;
  });
  const notes = [`${h.key}: ${total} values, ${h.log ? 'logarithmic' : 'linear'} bins`];
  if (h.nonPositive) notes.push(`${h.nonPositive} zero or negative (clock skew between hub and engine) left out of the log scale`);
  if (h.missing) notes.push(`${h.missing} records have no ${h.key} (a time is missing)`);
  return [...lines, '', ...notes].join('\n');
}
