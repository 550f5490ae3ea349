import { engineLabel, type FailureSignature, type GroupStats, type RunReport, type Spread, type TaskStats } from '../analytics/index.js';
import type { DeriveContext, TaskRecord, Timestamp } from '../records/index.js';
import { groupNone } from './errors.js';
import { safeText } from './sanitize.js';
import { formatSeconds, histogram, type Histogram } from './stats-report.js';
import { escapeXml, renderSvg, xmlText } from './svg.js';

/** What a report page shows besides the numbers: where the records came from, and the records again for the timeline. */
export interface ReportPage {
  /** The store or hub, as the banner names it. */
  readonly source: string;
  /** The query typed, or null for every record. */
  readonly query: string | null;
  readonly generated: Timestamp;
  readonly report: RunReport;
  /** The traceback of each signature's sample, by its msg_id. */
  readonly tracebacks: ReadonlyMap<string, string>;
  /** The records once more, for each of the timeline's two passes. */
  readonly timeline: () => AsyncIterable<TaskRecord> | Iterable<TaskRecord>;
  readonly ctx: DeriveContext;
  readonly utc: boolean;
}

/** Rows a stats table shows; the total counts every group. */
const MAX_GROUP_ROWS = 200;
/** Signatures shown with their traceback. */
const MAX_SIGNATURES = 100;
/** Characters of one traceback shown; `%tb` shows it whole. */
const MAX_TRACEBACK = 20_000;

/** One line of task-controlled text, escaped for HTML and XML alike. */
const esc = (s: string): string => escapeXml(s);
/** Lines of task-controlled text (a traceback) for a <pre>: colour dropped, every other control shown. */
const escBlock = (s: string): string => xmlText(safeText(s, { sgr: 'strip' }));
const attr = (v: string | number | null): string => (v === null ? '' : esc(String(v)));
const num = (v: number | null): string => (v === null ? '' : String(v));

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1240px;padding:0 16px;color:#1d1d1f;background:#fff}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid #ddd}
h3{font-size:14px;margin:18px 0 6px}
p.meta{color:#555;margin:2px 0;font-size:13px}
code,pre,td.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:120px}
.card dt{font-size:12px;color:#666}
.card dd{margin:2px 0 0;font-size:20px;font-weight:600}
.card dd small{font-size:12px;font-weight:400;color:#666}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0}
th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#f6f6f6;font-weight:600}
td.name,th.name{text-align:left;max-width:320px;overflow:hidden;text-overflow:ellipsis}
td.text{text-align:left;white-space:normal;min-width:140px;max-width:460px;word-break:break-word}
td.evalue{min-width:240px}
tr.total td{font-weight:600;border-top:2px solid #ccc}
.scroll{overflow-x:auto}
.charts{display:flex;flex-wrap:wrap;gap:24px}
svg{max-width:100%;height:auto}
details{margin:6px 0;border:1px solid #eee;border-radius:4px;padding:4px 8px}
summary{cursor:pointer;font-size:13px}
pre{font-size:12px;background:#f8f8f8;padding:8px;overflow-x:auto;white-space:pre;margin:6px 0}
.note{color:#666;font-size:12px}
.error{color:#c62828}
`;

/**
 * A post-mortem of a run as one HTML page that stands alone: inline CSS and
 * SVG, no script, no link to fetch (its Content-Security-Policy forbids
 * both), markup that parses as XML too. Everything a task controls is
 * escaped. The numbers come whole from `report`; the timeline reads the
 * records again, twice, as the page is written.
 */
export async function* renderReport(page: ReportPage): AsyncGenerator<string> {
  const r = page.report;
  const when = (t: Timestamp | null) => (t === null ? '—' : t.toLocalString(3, page.utc));
  const title = `ipc report: ${page.source}`;
  let text = '<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="en">\n<head>\n<meta charset="utf-8"/>\n';
  text += `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/>\n`;
  text += `<meta name="generator" content="ipc"/>\n<title>${esc(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n`;
  text += `<h1>Run report</h1>\n`;
  text += `<p class="meta">store <code id="source">${esc(page.source)}</code></p>\n`;
  text += `<p class="meta">query <code id="query">${esc(page.query ?? '{} (every record)')}</code></p>\n`;
  text += `<p class="meta">from <span id="first-submitted" data-value="${attr(r.first_submitted?.toISOString() ?? null)}">${esc(when(r.first_submitted))}</span>`;
  text += ` (first submitted) to <span id="last-received" data-value="${attr(r.last_received?.toISOString() ?? null)}">${esc(when(r.last_received))}</span> (last received)`;
  text += `; written ${esc(when(page.generated))}${page.utc ? ' UTC' : ''}</p>\n`;
  text += summaryCards(r);
  yield text;

  text = '<h2>Tasks by engine, function and label</h2>\n';
  text += statsTable('engine', r.by_engine);
  text += statsTable('function', r.by_function);
  text += statsTable('label', r.by_label);
  text += `<p class="note">Run time is started → completed, queue wait submitted → started; busy is the summed run time, util busy over the span from the first start to the last completion (the total: over span × engines). Records without both times are counted, not timed.</p>\n`;
  text += '<h2>Run time and queue wait</h2>\n<div class="charts">\n';
  text += histogramSvg(histogram('run_time', r.run_times.values, r.run_times.missing, 16, true), 'run time', '#43a047');
  text += histogramSvg(histogram('queue_wait', r.queue_waits.values, r.queue_waits.missing, 16, true), 'queue wait', '#1e88e5');
  text += '</div>\n<h2>Timeline</h2>\n<div class="scroll" id="timeline">\n';
  yield text;
  yield* renderSvg(page.timeline, page.ctx, 'tasks by engine', false);
  text = '</div>\n';
  text += errorsSection(r, page.tracebacks, when);
  text += `<p class="note">Written by ipc. Wall time, serial time, speedup and efficiency as ipyparallel's visualizing-tasks example defines them: wall = last received − first submitted, serial = Σ (completed − started), speedup = serial / wall, efficiency = speedup / engines.</p>\n`;
  text += '</body>\n</html>\n';
  yield text;
}

function card(key: string, label: string, value: number | null, shown: string, small = ''): string {
  return `<div class="card"><dt>${label}</dt><dd data-key="${key}" data-value="${num(value)}">${esc(shown)}${small ? ` <small>${esc(small)}</small>` : ''}</dd></div>\n`;
}

function summaryCards(r: RunReport): string {
  const t = r.by_engine.total;
  let out = '<dl class="cards" id="summary">\n';
  out += card('records', 'tasks', r.records, String(r.records));
  out += card('ok', 'ok', t.ok, String(t.ok));
  out += card('error', 'failed', t.error, String(t.error));
  if (t.aborted) out += card('aborted', 'aborted', t.aborted, String(t.aborted));
  out += card('pending', 'pending', t.pending, String(t.pending));
  out += card('wall_time', 'wall time', r.wall_time, formatSeconds(r.wall_time));
  out += card('serial_time', 'serial time', r.serial_time, formatSeconds(r.serial_time));
  out += card('speedup', 'speedup', r.speedup, r.speedup === null ? '—' : `${r.speedup.toFixed(1)}×`, `/ ${r.engines} engine${r.engines === 1 ? '' : 's'}`);
  out += card('engines', 'engines', r.engines, String(r.engines));
  out += card('efficiency', 'efficiency', r.efficiency, r.efficiency === null ? '—' : `${(100 * r.efficiency).toFixed(1)}%`);
  return out + '</dl>\n';
}

const STAT_COLUMNS = ['count', 'ok', 'error', 'aborted', 'pending', 'busy', 'utilisation', 'throughput'] as const;
const SPREAD_COLUMNS = ['median', 'p95', 'max'] as const;

function groupName(g: GroupStats, word: string): string {
  if (g.key === null) return word === 'label' ? groupNone('label') : word === 'engine' ? 'unassigned' : 'None';
  return word === 'engine' ? engineLabel(g.key) : String(g.key);
}

function statCell(g: GroupStats, col: (typeof STAT_COLUMNS)[number]): string {
  const v = g[col];
  const shown = v === null ? '—'
    : col === 'busy' ? formatSeconds(v)
    : col === 'utilisation' ? `${(100 * v).toFixed(0)}%`
    : col === 'throughput' ? (v >= 100 ? v.toFixed(0) : v.toFixed(2))
    : String(v);
  return `<td data-col="${col}" data-value="${num(v)}">${esc(shown)}</td>`;
}

const spreadCells = (s: Spread, key: string) =>
  SPREAD_COLUMNS.map((q) => `<td data-col="${key}_${q}" data-value="${num(s[q])}">${esc(formatSeconds(s[q]))}</td>`).join('');

function statsRow(g: GroupStats, name: string, cls: string, key: string): string {
  return `<tr class="${cls}" data-group="${key}"><td class="name" title="${esc(name)}">${esc(name)}</td>` +
    STAT_COLUMNS.map((c) => statCell(g, c)).join('') + spreadCells(g.run_time, 'run_time') + spreadCells(g.queue_wait, 'queue_wait') + '</tr>\n';
}

function statsTable(word: string, st: TaskStats): string {
  const shown = st.groups.slice(0, MAX_GROUP_ROWS);
  let out = `<h3>by ${word}</h3>\n<div class="scroll"><table class="stats" id="stats-${word}">\n<thead><tr><th class="name">${word}</th>`;
  out += '<th>tasks</th><th>ok</th><th>error</th><th>aborted</th><th>pending</th><th>busy</th><th>util</th><th>tasks/s</th>';
  out += '<th>run median</th><th>p95</th><th>max</th><th>wait median</th><th>p95</th><th>max</th></tr></thead>\n<tbody>\n';
  for (const g of shown) out += statsRow(g, groupName(g, word), 'group', esc(jsonKey(g.key)));
  out += '</tbody>\n<tfoot>\n' + statsRow(st.total, 'total', 'total', 'total') + '</tfoot>\n</table></div>\n';
  if (st.groups.length > shown.length) {
    out += `<p class="note">${st.groups.length - shown.length} more ${word} groups are not shown; the total counts them.</p>\n`;
  }
  return out;
}

/** A group's key as JSON whose every control (and bidi mark) is a \\u escape: the attribute shows it whole, escaping changes nothing. */
const jsonKey = (k: string | number | null): string =>
  JSON.stringify(k).replace(/[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));

const CHART_W = 580;
const CHART_H = 220;

/** A histogram as an inline SVG bar chart, the bins' edges under it. */
function histogramSvg(h: Histogram, title: string, colour: string): string {
  const total = h.counts.reduce((a, b) => a + b, 0);
  const left = 56;
  const bottom = 44;
  const top = 28;
  const plotW = CHART_W - left - 36;
  const plotH = CHART_H - top - bottom;
  let out = `<svg xmlns="http://www.w3.org/2000/svg" class="histogram" id="hist-${h.key}" width="${CHART_W}" height="${CHART_H}" viewBox="0 0 ${CHART_W} ${CHART_H}" font-family="sans-serif" font-size="11">\n`;
  out += `<text x="${left}" y="16" font-size="13" font-weight="bold">${esc(`${title}: ${total} tasks, ${h.log ? 'logarithmic' : 'linear'} bins`)}</text>\n`;
  if (total === 0) {
    out += `<text x="${left}" y="${top + plotH / 2}" fill="#666">no task has one (${h.missing} without)</text>\n</svg>\n`;
    return out;
  }
  const most = h.counts.reduce((a, b) => Math.max(a, b), 0);
  const bw = plotW / h.counts.length;
  out += `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#999"/>\n`;
  out += `<text x="${left - 6}" y="${top + 4}" text-anchor="end" fill="#555">${most}</text><text x="${left - 6}" y="${top + plotH}" text-anchor="end" fill="#555">0</text>\n`;
  h.counts.forEach((c, i) => {
    const bh = (c / most) * plotH;
    const x = left + i * bw;
    const tip = `${formatSeconds(h.edges[i]!)} – ${formatSeconds(h.edges[i + 1]!)}: ${c}`;
    out += `<rect x="${(x + 1).toFixed(1)}" y="${(top + plotH - bh).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${colour}" data-count="${c}"><title>${esc(tip)}</title></rect>\n`;
  });
  const ticks = h.counts.length <= 8 ? 1 : 4;
  for (let i = 0; i <= h.counts.length; i += ticks) {
    const x = left + i * bw;
    out += `<text x="${x.toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" fill="#555">${esc(formatSeconds(h.edges[i]!))}</text>\n`;
  }
  const notes: string[] = [];
  if (h.missing) notes.push(`${h.missing} without one`);
  if (h.nonPositive) notes.push(`${h.nonPositive} zero or negative left out of the log scale`);
  if (notes.length) out += `<text x="${left}" y="${CHART_H - 8}" fill="#666">${esc(notes.join('; '))}</text>\n`;
  return out + '</svg>\n';
}

/** At most `n` characters of a long text in a cell (the data- attribute and the traceback keep it whole). */
const clip = (s: string, n: number): string => (s.length <= n ? s : s.slice(0, n) + '…');

const list = (xs: readonly (string | number)[], max = 4) =>
  xs.length <= max ? xs.join(' ') : `${xs.slice(0, max).join(' ')} +${xs.length - max}`;

function causeText(s: FailureSignature): string {
  if (s.cause === null) return '';
  const what = s.cause === 'engine died' ? 'engine died' : 'dependency failed';
  if (!s.caused_by.length) return what;
  return `${what}: ${list(s.cause === 'engine died' ? s.caused_by.map((e) => engineLabel(e)) : s.caused_by, 2)}`;
}

function errorsSection(r: RunReport, tracebacks: ReadonlyMap<string, string>, when: (t: Timestamp | null) => string): string {
  const e = r.errors;
  let out = '<h2>Failures</h2>\n';
  if (e.failed === 0) return out + `<p id="errors-summary" data-failed="0">no failures among ${e.selected} tasks</p>\n`;
  const n = e.signatures.length;
  out += `<p id="errors-summary" data-failed="${e.failed}" data-signatures="${n}">${e.failed} failure${e.failed === 1 ? '' : 's'} among ${e.selected} tasks: ${n} signature${n === 1 ? '' : 's'} (numbers, ids, paths and quoted values of the message as placeholders)</p>\n`;
  const shown = e.signatures.slice(0, MAX_SIGNATURES);
  out += '<div class="scroll"><table id="errors">\n<thead><tr><th>count</th><th>share</th><th class="name">ename</th><th class="name">evalue</th><th class="name">caused by</th><th class="name">functions</th><th class="name">engines</th><th>first</th><th>last</th><th class="name">sample</th></tr></thead>\n<tbody>\n';
  for (const s of shown) {
    const engines = s.engines.map((x) => (typeof x === 'number' ? String(x) : engineLabel(x)));
    out += `<tr data-sample="${attr(s.sample)}">`;
    out += `<td data-col="count" data-value="${s.count}">${s.count}</td>`;
    out += `<td data-col="share" data-value="${s.share}">${(100 * s.share).toFixed(s.share < 0.001 ? 2 : 1)}%</td>`;
    out += `<td class="name error" data-col="ename" data-value="${attr(s.ename)}" title="${attr(s.ename)}">${esc(s.ename ?? 'None')}</td>`;
    out += `<td class="text evalue" data-col="evalue" data-value="${attr(s.evalue)}">${esc(clip(s.evalue, 300))}</td>`;
    out += `<td class="text" data-col="cause" data-value="${attr(s.cause)}">${esc(causeText(s))}</td>`;
    out += `<td class="text" data-col="functions" data-value="${attr(JSON.stringify(s.functions))}">${esc(list(s.functions))}</td>`;
    out += `<td class="text" data-col="engines" data-value="${attr(JSON.stringify(s.engines))}">${esc(list(engines))}</td>`;
    out += `<td data-col="first" data-value="${attr(s.first?.toISOString() ?? null)}">${esc(when(s.first))}</td>`;
    out += `<td data-col="last" data-value="${attr(s.last?.toISOString() ?? null)}">${esc(when(s.last))}</td>`;
    out += `<td class="name mono" data-col="sample">${esc(s.sample)}</td></tr>\n`;
  }
  out += '</tbody>\n</table></div>\n';
  if (n > shown.length) out += `<p class="note">${n - shown.length} rarer signatures are not shown; %errors lists them all.</p>\n`;
  out += '<h3>First traceback of each signature</h3>\n';
  shown.forEach((s, i) => {
    const tb = tracebacks.get(s.sample) ?? `${s.ename ?? 'Error'}: (the sample's traceback could not be read)`;
    const cut = tb.length > MAX_TRACEBACK ? tb.slice(0, MAX_TRACEBACK) : tb;
    out += `<details class="traceback"${i === 0 ? ' open="open"' : ''} data-sample="${attr(s.sample)}"><summary><b class="error">${esc(clip(s.ename ?? 'None', 80))}</b> ${esc(clip(s.evalue, 160))} <span class="note">× ${s.count}, sample ${esc(s.sample)}</span></summary>\n`;
    out += `<pre>${escBlock(cut)}</pre>`;
    if (cut !== tb) out += `<p class="note">${tb.length - cut.length} more characters: %tb ${esc(s.sample)} shows it whole.</p>`;
    out += '</details>\n';
  });
  return out;
}
