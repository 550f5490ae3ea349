import { formatSeconds, niceStep, tickLabel } from '../format/index.js';
import { Timestamp, compareEngines, engineLabel, type RecordStatus, type TaskInterval } from '../records/index.js';
import type { KeyEvent } from './keys.js';
import type { Painter } from './style.js';
import { fitText } from './text-width.js';
import { isCtrl, type ScreenSize } from './viewers.js';

/**
 * `%timeline`: a per-engine Gantt chart in the terminal. The model holds the
 * tasks as typed arrays, one sorted run per engine row; a frame bins the
 * tasks in view into character cells, so its cost grows with the tasks in
 * view and the screen size, never with a full redraw of every task.
 */

/** Status codes, in the order a cell shows the most telling one. */
const OK = 1;
const RESUBMITTED = 2;
const ABORTED = 3;
const PENDING = 4;
const ERROR = 5;

const CODE: Record<RecordStatus, number> = { ok: OK, aborted: ABORTED, pending: PENDING, error: ERROR };
const STATUS_NAME = ['', 'ok', 'resubmitted', 'aborted', 'pending', 'error'];

export interface TimelineRow {
  readonly key: number | string | null;
  readonly label: string;
  /** Microseconds since the epoch, sorted by start. A task still pending has end NaN: it runs to the chart's end. */
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  readonly codes: Uint8Array;
  /** Index of each task into the model's msg_ids. */
  readonly tasks: Int32Array;
  /** The longest task of the row, to find every task overlapping a window from a search on starts. */
  readonly longest: number;
  /**
   * The row summed into BINS equal slices of the whole span (busy µs and the
   * most telling status of each), for a zoomed-out frame: it then reads a
   * few bins per cell instead of every task. Null for rows with few tasks.
   */
  readonly binBusy: Float64Array | null;
  readonly binWorst: Uint8Array | null;
}

/** Slices of the summary of a row; rows with fewer tasks than this are drawn from the tasks alone. */
const BINS = 16384;
/** A frame reads the summary once a character cell covers this many slices. */
const BINS_PER_CELL = 4;

export class TimelineModel {
  readonly rows: TimelineRow[];
  readonly msgIds: string[];
  readonly first: number;
  readonly last: number;
  /** Records without a time to place them. */
  readonly unplaced: number;

  constructor(rows: TimelineRow[], msgIds: string[], first: number, last: number, unplaced: number) {
    this.rows = rows;
    this.msgIds = msgIds;
    this.first = first;
    this.last = last;
    this.unplaced = unplaced;
  }

  get taskCount(): number {
    return this.msgIds.length;
  }

  get binWidth(): number {
    return (this.last - this.first) / BINS;
  }

  /** The model of intervals in hand; `TimelineBuilder` takes them one at a time as records arrive. */
  static build(intervals: Iterable<TaskInterval>, now: number | null = null): TimelineModel {
    const b = new TimelineBuilder();
    for (const t of intervals) b.add(t);
    return b.finish(now);
  }
}

/** One row's tasks as they arrive, in typed arrays that double when full. */
class RowColumns {
  n = 0;
  starts = new Float64Array(256);
  ends = new Float64Array(256);
  codes = new Uint8Array(256);
  tasks = new Int32Array(256);
  /** The engine id, once a record names it. */
  id: number | null = null;

  constructor(readonly key: number | string | null) {}

  push(start: number, end: number, code: number, task: number): void {
    if (this.n === this.starts.length) this.grow();
    const i = this.n++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.codes[i] = code;
    this.tasks[i] = task;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const starts = new Float64Array(size);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Float64Array(size);
    ends.set(this.ends);
    this.ends = ends;
    const codes = new Uint8Array(size);
    codes.set(this.codes);
    this.codes = codes;
    const tasks = new Int32Array(size);
    tasks.set(this.tasks);
    this.tasks = tasks;
  }
}

/**
 * Collects tasks for a timeline as the records arrive, straight into the
 * typed arrays of their engine's row, so that `finish` only sums each row's
 * summary. One row per engine uuid (named by the engine id the records
 * reveal), and a row for tasks not yet assigned. A task is drawn from its
 * start (else its submission: still queued) to its completion (else the end).
 */
export class TimelineBuilder {
  private readonly msgIds: string[] = [];
  private readonly rows = new Map<number | string | null, RowColumns>();
  private first = Infinity;
  private last = -Infinity;
  private unplaced = 0;
  private pending = false;

  add(t: TaskInterval): void {
    const start = t.started ?? t.submitted;
    if (start === null) {
      this.unplaced++;
      return;
    }
    const key = t.uuid ?? t.engine;
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = new RowColumns(key)));
    if (typeof t.engine === 'number') row.id = t.engine;
    row.push(start, t.completed ?? NaN, t.resubmitted && t.status === 'ok' ? RESUBMITTED : CODE[t.status], this.msgIds.length);
    this.msgIds.push(t.msgId);
    if (start < this.first) this.first = start;
    if (t.completed === null) this.pending = true;
    const end = t.completed ?? start;
    if (end > this.last) this.last = end;
  }

  /** The model; `now` (µs) is where pending tasks end on a live hub. */
  finish(now: number | null = null): TimelineModel {
    let { first, last } = this;
    if (now !== null && this.pending && now > last) last = now;
    if (!(last >= first)) {
      first = 0;
      last = 1;
    }
    if (last === first) last = first + 1;
    const shown = (r: RowColumns) => (typeof r.key === 'string' && r.id !== null ? r.id : r.key);
    const rows = [...this.rows.values()]
      .sort((a, b) => compareEngines(shown(a), shown(b)))
      .map((r) => summedRow(sortedRow(r.key, engineLabel(shown(r)), {
        starts: r.starts.subarray(0, r.n),
        ends: r.ends.subarray(0, r.n),
        codes: r.codes.subarray(0, r.n),
        tasks: r.tasks.subarray(0, r.n),
      }), first, last));
    return new TimelineModel(rows, this.msgIds, first, last, this.unplaced);
  }
}

/** The row with its longest task and, when it has many tasks, its summary in slices. */
function summedRow(row: TimelineRow, first: number, last: number): TimelineRow {
  const n = row.starts.length;
  const binned = n >= BINS / 4;
  const binBusy = binned ? new Float64Array(BINS) : null;
  const binWorst = binned ? new Uint8Array(BINS) : null;
  const bw = (last - first) / BINS;
  let longest = 0;
  for (let j = 0; j < n; j++) {
    const s = row.starts[j]!;
    const e0 = row.ends[j]!;
    const e = Number.isNaN(e0) ? last : e0;
    if (e - s > longest) longest = e - s;
    if (binBusy === null) continue;
    const code = row.codes[j]!;
    const b0 = Math.min(BINS - 1, Math.floor((s - first) / bw));
    const b1 = Math.min(BINS - 1, Math.floor((e - first) / bw));
    if (b0 === b1) {
      binBusy[b0]! += e - s;
      if (code > binWorst![b0]!) binWorst![b0] = code;
      continue;
    }
    for (let b = b0; b <= b1; b++) {
      binBusy[b]! += Math.max(0, Math.min(e, first + (b + 1) * bw) - Math.max(s, first + b * bw));
      if (code > binWorst![b]!) binWorst![b] = code;
    }
  }
  return { ...row, longest, binBusy, binWorst };
}

/** The row in start order: tasks usually arrive in it, else they are sorted once. */
function sortedRow(
  key: number | string | null, label: string,
  a: Pick<TimelineRow, 'starts' | 'ends' | 'codes' | 'tasks'>,
): TimelineRow {
  const row = { key, label, longest: 0, binBusy: null, binWorst: null };
  const n = a.starts.length;
  for (let i = 1; i < n; i++) {
    if (a.starts[i]! < a.starts[i - 1]!) {
      const order = Int32Array.from({ length: n }, (_, j) => j).sort((x, y) => a.starts[x]! - a.starts[y]!);
      return {
        ...row,
        starts: Float64Array.from(order, (j) => a.starts[j]!),
        ends: Float64Array.from(order, (j) => a.ends[j]!),
        codes: Uint8Array.from(order, (j) => a.codes[j]!),
        tasks: Int32Array.from(order, (j) => a.tasks[j]!),
      };
    }
  }
  return { ...row, ...a };
}

/** The first index whose start is ≥ t. */
function lowerBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type TimelineAction = { readonly kind: 'close' } | { readonly kind: 'open'; readonly msgId: string } | null;

const LABEL = 12;
/** Shades by how much of a cell the tasks fill. */
const SHADES = ['░', '▒', '▓', '█'];
/** Without colour, errors and pending tasks keep a mark of their own. */
const NO_COLOUR_MARK: Record<number, string> = { [PENDING]: '┄', [ERROR]: '╳' };

/** The view: which window of time, which row and task are selected, the `/` jump being typed. */
export class TimelineView {
  from: number;
  to: number;
  row = 0;
  /** The selected task: an index into its row, or -1. */
  task = -1;
  top = 0;
  searchInput: string | null = null;
  message = '';

  constructor(public model: TimelineModel, private size: ScreenSize, readonly title = 'timeline') {
    this.from = model.first;
    this.to = model.last;
    this.selectNear(this.from);
  }

  resize(size: ScreenSize): void {
    this.size = size;
  }

  /** A newer model of the same query (a live hub): the window and selection stay where they were. */
  replaceModel(model: TimelineModel): void {
    const selected = this.selectedId();
    const following = this.to >= this.model.last;
    const width = this.to - this.from;
    this.model = model;
    if (following) {
      this.to = model.last;
      this.from = Math.max(model.first, this.to - width);
    }
    const [from, to] = [this.from, this.to];
    if (selected === null || !this.jumpTo(selected, false)) this.selectNear(this.from);
    // The window stays put: new tasks arrive in it, the selection does not drag it back.
    [this.from, this.to] = [from, to];
  }

  get plotWidth(): number {
    return Math.max(10, this.size.columns - LABEL - 1);
  }

  get bodyHeight(): number {
    return Math.max(1, this.size.rows - 4);
  }

  selectedId(): string | null {
    const r = this.model.rows[this.row];
    if (!r || this.task < 0 || this.task >= r.tasks.length) return null;
    return this.model.msgIds[r.tasks[this.task]!]!;
  }

  handleKey(ev: KeyEvent): TimelineAction {
    if (this.searchInput !== null) {
      this.searchKey(ev);
      return null;
    }
    if (ev.name === 'text' && !ev.meta && [...ev.text].length > 1) {
      let action: TimelineAction = null;
      for (const ch of ev.text) action = this.handleKey({ ...ev, text: ch }) ?? action;
      return action;
    }
    this.message = '';
    const span = this.to - this.from;
    const letter = ev.name === 'text' && !ev.meta ? ev.text : '';
    if (letter === 'q' || ev.name === 'escape' || isCtrl(ev, 'c')) return { kind: 'close' };
    if (ev.name === 'enter') {
      const id = this.selectedId();
      if (id === null) this.message = 'no task selected: n or Tab selects the next one';
      return id === null ? null : { kind: 'open', msgId: id };
    }
    if (letter === '+' || letter === '=') this.zoom(0.5);
    else if (letter === '-' || letter === '_') this.zoom(2);
    else if (letter === '0' || ev.name === 'home') this.fit();
    else if (ev.name === 'left' || letter === 'h') this.pan(-span / 4);
    else if (ev.name === 'right' || letter === 'l') this.pan(span / 4);
    else if (ev.name === 'up' || letter === 'k') this.moveRow(-1);
    else if (ev.name === 'down' || letter === 'j') this.moveRow(1);
    else if (ev.name === 'pageup') this.moveRow(-this.bodyHeight);
    else if (ev.name === 'pagedown') this.moveRow(this.bodyHeight);
    else if (ev.name === 'tab' || letter === 'n') this.step(1);
    else if (ev.name === 'shift-tab' || letter === 'p' || letter === 'N') this.step(-1);
    else if (letter === '/') this.searchInput = '';
    return null;
  }

  private searchKey(ev: KeyEvent): void {
    const q = this.searchInput!;
    if (ev.name === 'enter') {
      this.searchInput = null;
      if (q !== '' && !this.jumpTo(q, true)) this.message = `no task has a msg_id starting '${q}'`;
    } else if (ev.name === 'escape' || isCtrl(ev, 'c') || isCtrl(ev, 'g')) {
      this.searchInput = null;
    } else if (ev.name === 'backspace') {
      this.searchInput = q === '' ? null : q.slice(0, -1);
    } else if ((ev.name === 'text' && !ev.meta) || ev.name === 'paste') {
      this.searchInput = q + ev.text.trim();
    }
  }

  private clampWindow(): void {
    const m = this.model;
    const full = m.last - m.first;
    const width = Math.min(full, Math.max(this.to - this.from, this.plotWidth));
    if (this.from < m.first) this.from = m.first;
    this.to = this.from + width;
    if (this.to > m.last) {
      this.to = m.last;
      this.from = this.to - width;
    }
  }

  /** Zooms around the selected task, else the middle, keeping at least a microsecond a cell. */
  zoom(factor: number): void {
    const centre = this.selectedCentre() ?? (this.from + this.to) / 2;
    const width = (this.to - this.from) * factor;
    this.from = centre - width / 2;
    this.to = centre + width / 2;
    this.clampWindow();
  }

  fit(): void {
    this.from = this.model.first;
    this.to = this.model.last;
  }

  pan(by: number): void {
    this.from += by;
    this.to += by;
    this.clampWindow();
    const c = this.selectedCentre();
    if (c === null || c < this.from || c > this.to) this.selectNear((this.from + this.to) / 2);
  }

  private selectedCentre(): number | null {
    const r = this.model.rows[this.row];
    if (!r || this.task < 0) return null;
    const e = r.ends[this.task]!;
    return (r.starts[this.task]! + (Number.isNaN(e) ? this.model.last : e)) / 2;
  }

  /** Selects the task of the current row nearest to time t. */
  private selectNear(t: number): void {
    const r = this.model.rows[this.row];
    if (!r || r.starts.length === 0) {
      this.task = -1;
      return;
    }
    const i = lowerBound(r.starts, t);
    const before = Math.max(0, i - 1);
    const after = Math.min(r.starts.length - 1, i);
    this.task = Math.abs(r.starts[before]! - t) <= Math.abs(r.starts[after]! - t) ? before : after;
  }

  private moveRow(by: number): void {
    const t = this.selectedCentre() ?? (this.from + this.to) / 2;
    this.row = Math.max(0, Math.min(this.model.rows.length - 1, this.row + by));
    this.selectNear(t);
    this.keepRowVisible();
  }

  private keepRowVisible(): void {
    if (this.row < this.top) this.top = this.row;
    if (this.row >= this.top + this.bodyHeight) this.top = this.row - this.bodyHeight + 1;
  }

  /** Next or previous task of the row; the window follows it. */
  private step(dir: 1 | -1): void {
    const r = this.model.rows[this.row];
    if (!r || r.starts.length === 0) return;
    this.task = Math.max(0, Math.min(r.starts.length - 1, this.task + dir));
    this.follow();
  }

  private follow(): void {
    const c = this.selectedCentre();
    if (c === null || (c >= this.from && c <= this.to)) return;
    const width = this.to - this.from;
    this.from = c - width / 2;
    this.to = c + width / 2;
    this.clampWindow();
  }

  /** Selects the first task whose msg_id starts with `prefix`, and brings it into view. */
  jumpTo(prefix: string, zoomIn: boolean): boolean {
    const m = this.model;
    const index = m.msgIds.findIndex((id) => id.startsWith(prefix));
    if (index < 0) return false;
    for (let r = 0; r < m.rows.length; r++) {
      const j = m.rows[r]!.tasks.indexOf(index);
      if (j < 0) continue;
      this.row = r;
      this.task = j;
      this.keepRowVisible();
      if (zoomIn) {
        const row = m.rows[r]!;
        const e = Number.isNaN(row.ends[j]!) ? m.last : row.ends[j]!;
        const width = Math.max((e - row.starts[j]!) * 8, this.plotWidth);
        if (width < this.to - this.from) {
          this.from = (row.starts[j]! + e) / 2 - width / 2;
          this.to = this.from + width;
          this.clampWindow();
        }
      }
      this.follow();
      return true;
    }
    return false;
  }

  /** The screen: a title, the time axis, one line per engine row in view, and a status line. */
  lines(p: Painter): string[] {
    const m = this.model;
    const W = this.plotWidth;
    const cell = (this.to - this.from) / W;
    const lines: string[] = [];
    const placed = m.unplaced ? `, ${m.unplaced} without a time` : '';
    lines.push(fitText(`${p.bold(this.title)}  ${m.taskCount} tasks on ${m.rows.length} rows${placed} · ${new Timestamp(this.from).toISOString().replace('T', ' ').slice(0, 23)} + ${formatSeconds((this.to - this.from) / 1e6)}`, this.size.columns));
    lines.push(p.dim(this.axis(W)));
    const busy = new Float64Array(W);
    const worst = new Uint8Array(W);
    const bw = m.binWidth;
    for (let r = this.top; r < Math.min(m.rows.length, this.top + this.bodyHeight); r++) {
      const row = m.rows[r]!;
      busy.fill(0);
      worst.fill(0);
      if (row.binBusy && row.binWorst && cell >= BINS_PER_CELL * bw) this.fromBins(row, busy, worst, cell);
      else this.fromTasks(row, busy, worst, cell);
      let sel0 = -1;
      let sel1 = -1;
      if (r === this.row && this.task >= 0) {
        const s = row.starts[this.task]!;
        const e = Number.isNaN(row.ends[this.task]!) ? m.last : row.ends[this.task]!;
        if (e >= this.from && s <= this.to) {
          sel0 = Math.max(0, Math.min(W - 1, Math.floor((s - this.from) / cell)));
          sel1 = Math.max(0, Math.min(W - 1, Math.floor((e - this.from) / cell)));
        }
      }
      let text = '';
      for (let c = 0; c < W; c++) {
        const code = worst[c]!;
        let ch = ' ';
        if (code) ch = !p.enabled && code >= PENDING ? NO_COLOUR_MARK[code]! : SHADES[Math.min(3, Math.floor((busy[c]! / cell) * 4))]!;
        if (c >= sel0 && c <= sel1 && sel0 >= 0) ch = p.inverse(code ? ch : '│');
        else if (code) ch = colour(p, code)(ch);
        text += ch;
      }
      const label = fitText(row.label, LABEL - 1).padEnd(LABEL - 1);
      lines.push((r === this.row ? p.bold(label) : label) + ' ' + text);
    }
    while (lines.length < this.size.rows - 1) lines.push('');
    lines.push(fitText(this.statusLine(p), this.size.columns));
    return lines.slice(0, this.size.rows);
  }

  /** Cells from the tasks in view: each adds the part of it that falls in a cell. */
  private fromTasks(row: TimelineRow, busy: Float64Array, worst: Uint8Array, cell: number): void {
    const W = busy.length;
    const last = this.model.last;
    for (let i = lowerBound(row.starts, this.from - row.longest); i < row.starts.length; i++) {
      const s = row.starts[i]!;
      if (s > this.to) break;
      const e0 = row.ends[i]!;
      const e = Number.isNaN(e0) ? last : e0;
      if (e < this.from) continue;
      const a = Math.max(s, this.from);
      const b = Math.min(e, this.to);
      const c0 = Math.min(W - 1, Math.floor((a - this.from) / cell));
      const c1 = Math.min(W - 1, Math.floor((b - this.from) / cell));
      const code = row.codes[i]!;
      if (c0 === c1) {
        busy[c0]! += Math.max(b - a, cell / 8);
        if (code > worst[c0]!) worst[c0] = code;
        continue;
      }
      for (let c = c0; c <= c1; c++) {
        const lo = Math.max(a, this.from + c * cell);
        const hi = Math.min(b, this.from + (c + 1) * cell);
        busy[c]! += hi - lo;
        if (code > worst[c]!) worst[c] = code;
      }
    }
  }

  /** Cells from the row's summary: a cell covers several slices, summed whole. */
  private fromBins(row: TimelineRow, busy: Float64Array, worst: Uint8Array, cell: number): void {
    const m = this.model;
    const bw = m.binWidth;
    const bins = row.binBusy!;
    const codes = row.binWorst!;
    for (let c = 0; c < busy.length; c++) {
      const b0 = Math.max(0, Math.round((this.from + c * cell - m.first) / bw));
      const b1 = Math.min(bins.length, Math.round((this.from + (c + 1) * cell - m.first) / bw));
      let sum = 0;
      let w = 0;
      for (let b = b0; b < b1; b++) {
        sum += bins[b]!;
        if (codes[b]! > w) w = codes[b]!;
      }
      busy[c] = sum;
      worst[c] = w;
    }
  }

  private axis(W: number): string {
    const span = (this.to - this.from) / 1e6;
    const step = niceStep(span, Math.max(1, Math.floor(W / 12)));
    const origin = this.model.first;
    const chars = new Array<string>(W).fill(' ');
    const firstTick = Math.ceil((this.from - origin) / 1e6 / step - 1e-9) * step;
    for (let s = firstTick; s <= (this.to - origin) / 1e6 + 1e-9; s += step) {
      const c = Math.round(((origin + s * 1e6 - this.from) / 1e6 / span) * W);
      if (c < 0 || c >= W) continue;
      const label = '┊' + tickLabel(s, step);
      if (c + label.length > W) continue;
      for (let k = 0; k < label.length; k++) chars[c + k] = label[k]!;
    }
    return ' '.repeat(LABEL) + chars.join('');
  }

  private statusLine(p: Painter): string {
    if (this.searchInput !== null) return `/${this.searchInput}`;
    if (this.message) return p.yellow(this.message);
    const r = this.model.rows[this.row];
    const keys = p.dim('  ←→ pan  +- zoom  0 fit  ↑↓ engine  n/p task  / msg_id  Enter record  q back');
    if (!r || this.task < 0) return keys.trimStart();
    const e = r.ends[this.task]!;
    const run = Number.isNaN(e) ? 'still pending' : formatSeconds((e - r.starts[this.task]!) / 1e6);
    const code = r.codes[this.task]!;
    return `${this.selectedId()} ${colour(p, code)(STATUS_NAME[code]!)} ${run}${keys}`;
  }
}

function colour(p: Painter, code: number): (s: string) => string {
  switch (code) {
    case ERROR:
      return p.red;
    case PENDING:
      return p.yellow;
    case RESUBMITTED:
      return p.cyan;
    case ABORTED:
      return p.dim;
    default:
      return p.green;
  }
}
