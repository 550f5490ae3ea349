import { formatSeconds, niceStep, oneLine, tickLabel } from '../format/index.js';
import { Timestamp } from '../records/index.js';
import type { KeyEvent } from './keys.js';
import type { Painter } from './style.js';
import { fitText } from './text-width.js';
import { ABORTED, BINS_PER_CELL, ERROR, PENDING, RESUBMITTED, STATUS_NAME, lowerBound, type TimelineModel, type TimelineRow } from './timeline-model.js';
import { isCtrl, type ScreenSize } from './viewers.js';

export { TimelineBuilder, TimelineModel } from './timeline-model.js';

export type TimelineAction = { readonly kind: 'close' } | { readonly kind: 'open'; readonly msgId: string } | null;

const LABEL = 12;
/** Rows named by label or function may take up to this many columns, so that `train/batch-1` and `-2` stay apart. */
const WIDEST_LABEL = 24;
/** Shades by how much of a cell the tasks fill. */
const SHADES = ['░', '▒', '▓', '█'];
/** Without colour, errors and pending tasks keep a mark of their own. */
const NO_COLOUR_MARK: Record<number, string> = { [PENDING]: '┄', [ERROR]: '╳' };

/**
 * The view of a `%timeline`: which window of time, which row and task are
 * selected, the `/` jump being typed. A frame bins the tasks in view into
 * character cells, so its cost grows with the tasks in view and the screen
 * size, not with the number of tasks.
 */
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

  /** Columns of the row names: 12, wider when a row's name needs it (up to 24, never more than a third of the screen). */
  get labelWidth(): number {
    const longest = this.model.rows.reduce((w, r) => Math.max(w, [...r.label].length + 1), LABEL);
    return Math.min(longest, WIDEST_LABEL, Math.max(LABEL, Math.floor(this.size.columns / 3)));
  }

  get plotWidth(): number {
    return Math.max(10, this.size.columns - this.labelWidth - 1);
  }

  get bodyHeight(): number {
    return Math.max(1, this.size.rows - 4);
  }

  selectedId(): string | null {
    const r = this.model.rows[this.row];
    if (!r || this.task < 0 || this.task >= r.tasks.length) return null;
    return this.model.ids.at(r.tasks[this.task]!);
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
    const index = m.ids.find(prefix);
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
        if (c >= sel0 && c <= sel1 && sel0 >= 0) ch = p.inverse(code ? colour(p, code)(ch) : '│');
        else if (code) ch = colour(p, code)(ch);
        text += ch;
      }
      const label = fitText(oneLine(row.label), this.labelWidth - 1).padEnd(this.labelWidth - 1);
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
    const { starts, ends, codes } = row;
    for (let i = lowerBound(starts, this.from - row.longest); i < starts.length; i++) {
      const s = starts[i]!;
      if (s > this.to) break;
      const e0 = ends[i]!;
      const e = Number.isNaN(e0) ? last : e0;
      if (e < this.from) continue;
      const a = Math.max(s, this.from);
      const b = Math.min(e, this.to);
      const c0 = Math.min(W - 1, Math.floor((a - this.from) / cell));
      const c1 = Math.min(W - 1, Math.floor((b - this.from) / cell));
      const code = codes[i]!;
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
    return ' '.repeat(this.labelWidth) + chars.join('');
  }

  private statusLine(p: Painter): string {
    if (this.searchInput !== null) return `/${this.searchInput}`;
    if (this.message) return p.yellow(this.message);
    const r = this.model.rows[this.row];
    const keys = p.dim('  ←→ pan  +- zoom  0 fit  ↑↓ row  n/p task  / msg_id  Enter record  q back');
    if (!r || this.task < 0) return keys.trimStart();
    const e = r.ends[this.task]!;
    const run = Number.isNaN(e) ? 'still pending' : formatSeconds((e - r.starts[this.task]!) / 1e6);
    const code = r.codes[this.task]!;
    return `${oneLine(this.selectedId() ?? '')} ${colour(p, code)(STATUS_NAME[code]!)} ${run}${keys}`;
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
