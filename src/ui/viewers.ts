import type { TaskRecord } from '../records/index.js';
import type { KeyEvent } from './keys.js';
import { START, pageRows, scrollTop, selectRow, type RowScroll } from './scroll.js';
import { stripAnsi, type Painter } from './style.js';
import { GAP, recordBlock, searchPattern, type Rows, type TableModel } from './table-columns.js';
import { IndexedRows, answerIndex, sortRows } from './table-view.js';
import { fitId, fitText, textWidth, wrapWords } from './text-width.js';

/**
 * The two full-screen viewers: the table viewer of a long answer and the
 * record pager. Each holds its scroll position and its `/` search, answers
 * keys, and gives its screen as lines (one per terminal row); what follows
 * (closing, opening a record) is for the session to do.
 */
export interface ScreenSize {
  readonly columns: number;
  readonly rows: number;
}

/** What a key asks of the session beyond moving inside the viewer. */
export type ViewerAction =
  | { readonly kind: 'close' }
  | { readonly kind: 'open'; readonly record: TaskRecord }
  /** `a` in the %errors table: every task of the selected signature. */
  | { readonly kind: 'list'; readonly row: number }
  | null;

const CLOSE: ViewerAction = { kind: 'close' };
/** How long one slice of a `/` search may hold the event loop. */
const SEARCH_SLICE_MS = 12;

export function isCtrl(ev: KeyEvent, letter: string): boolean {
  return ev.name === 'ctrl' && ev.text === letter;
}

/** Letters are commands in a viewer (`/`, `q`, `n`). */
function isLetter(ev: KeyEvent, letter: string): boolean {
  return ev.name === 'text' && !ev.meta && ev.text === letter;
}

abstract class Viewer {
  /** The `/` search being typed, or null. */
  searchInput: string | null = null;
  lastSearch = '';
  message = '';

  constructor(protected size: ScreenSize) {}

  get searching(): boolean {
    return this.searchInput !== null;
  }

  /** Outside a search every character is a command, also when several arrive in one chunk. */
  handleKey(ev: KeyEvent): ViewerAction {
    if (ev.name !== 'text' || this.searchInput !== null || [...ev.text].length === 1) return this.key(ev);
    let action: ViewerAction = null;
    for (const ch of ev.text) action = this.handleKey({ ...ev, text: ch }) ?? action;
    return action;
  }

  protected abstract key(ev: KeyEvent): ViewerAction;

  /** Moves to the next (1) or previous (-1) match of `query`. */
  protected abstract find(query: string, dir: 1 | -1): void;

  /** Typing a `/` search: true when the key was part of it. */
  protected searchKey(ev: KeyEvent): boolean {
    if (this.searchInput === null) return false;
    const q = this.searchInput;
    if (ev.name === 'enter') {
      this.searchInput = null;
      this.find(q, 1);
    } else if (ev.name === 'escape' || isCtrl(ev, 'c') || isCtrl(ev, 'g')) {
      this.searchInput = null;
    } else if (ev.name === 'backspace') {
      this.searchInput = q === '' ? null : q.slice(0, -1);
    } else if ((ev.name === 'text' && !ev.meta) || ev.name === 'paste') {
      this.searchInput = q + ev.text.replace(/\n/g, ' ');
    }
    return true;
  }

  /** `/` starts a search, `n` and `N` go to the next and previous match: true when the key was one of them. */
  protected searchCommand(ev: KeyEvent): boolean {
    if (isLetter(ev, '/')) {
      this.searchInput = '';
      this.message = '';
      return true;
    }
    if (isLetter(ev, 'n') || isLetter(ev, 'N')) {
      this.find(this.lastSearch, ev.text === 'n' ? 1 : -1);
      return true;
    }
    return false;
  }

  protected statusLine(text: string, p: Painter): string {
    return p.inverse(fitText(this.searchInput !== null ? `/${this.searchInput}` : text, Math.max(1, this.size.columns - 1)));
  }
}

/** The viewer's keys, as `?` lists them (and the README's table). */
export const TABLE_KEYS: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'select a row'],
  ['PgUp PgDn  Space', 'a page up or down'],
  ['Home End  g G', 'the first or last row'],
  ['← →', 'select a column (msg_id stays at the left)'],
  ['s  S', 'sort by the selected column, ascending or descending (again: the answer’s order)'],
  ['&PATTERN Enter', 'keep only the rows that hold PATTERN (&!PATTERN: that do not; & Enter: all rows)'],
  ['c', 'choose columns: Space shows or hides, K J move one up or down, Enter applies'],
  ['x', 'one record per block, or the table again'],
  ['/PATTERN Enter  n N', 'search, next and previous match'],
  ['Enter', 'the selected record in full'],
  ['?', 'this list'],
  ['q  Esc', 'close'],
];

/** The `c` dialog: every column of the answer, in the order shown, each shown or hidden. */
interface ColumnChooser {
  cursor: number;
  order: number[];
  hidden: Set<number>;
}

/** A scan over every row (a filter), a few milliseconds at a time. */
interface Job {
  cancelled: boolean;
  /** What Esc stops, as the status line says it. */
  readonly what: 'search' | 'filter';
}

/** A record list too tall or too wide for the terminal, one screen of it at a time. */
export class TableViewer extends Viewer {
  scroll: RowScroll = START;
  /** The viewer that q goes back to (the %errors table a list of its tasks was opened from), else the prompt. */
  back: TableViewer | null = null;
  /** The keys the status line names. */
  protected hint = '? keys · q';
  /** First scrolled column (msg_id stays at the left). */
  first = 1;
  /** The selected column: what s and S sort by. */
  col = 0;
  /** One record per block (x), instead of one per line. */
  expanded = false;
  /** What the viewer shows: the answer, sorted, filtered, its columns chosen. */
  model: TableModel;
  sort: { readonly title: string; readonly descending: boolean } | null = null;
  filter: { readonly text: string; readonly invert: boolean } | null = null;
  /** The `&` filter being typed, or null. */
  filterInput: string | null = null;
  chooser: ColumnChooser | null = null;
  showingKeys = false;
  private job: Job | null = null;
  /** The answer's rows in the sort's order (all of them, before the filter). */
  private sorted: Rows;
  /** Every column of the answer in the order chosen (positions in the answer's columns), and those hidden. */
  private columnOrder: number[];
  private hidden = new Set<number>();

  constructor(
    /** The answer as it came, every column. */
    readonly answer: TableModel,
    /** The `Out[n]` this answer is. */
    readonly out: number,
    size: ScreenSize,
    /** Called when a search slice changed the screen. */
    private readonly onChange: () => void,
  ) {
    super(size);
    this.model = answer;
    this.sorted = answer.records;
    this.columnOrder = answer.columns.map((_, i) => i);
    // psql's \x auto: a row whose first two columns cannot stand side by side is shown as a block
    const [a, b] = answer.columns;
    this.expanded = !!a && !!b && a.width + GAP.length + b.width > this.width;
  }

  get bodyHeight(): number {
    return Math.max(1, this.size.rows - 2);
  }

  /** One column of gutter marks the selected row, also without colour. */
  get width(): number {
    return Math.max(10, this.size.columns - 2);
  }

  /** Where the selected row (or row i) is in the answer itself; -1 when the store sorted the answer. */
  answerRow(i = this.scroll.selected): number {
    return answerIndex(this.model.records, i, this.answer.records);
  }

  resize(size: ScreenSize): void {
    this.size = size;
    this.first = Math.min(this.first, this.model.lastFirst(this.width));
    this.showColumn();
    this.scroll = selectRow(this.scroll, this.scroll.selected, this.model.rowCount, this.bodyHeight);
  }

  /** Scrolls sideways just enough that the selected column shows whole. */
  private showColumn(): void {
    const cols = this.model.columns;
    this.col = Math.max(0, Math.min(this.col, cols.length - 1));
    if (this.col === 0) return;
    if (this.col < this.first) this.first = this.col;
    const fits = () => {
      let w = cols[0]!.width;
      for (let i = this.first; i <= this.col; i++) w += GAP.length + cols[i]!.width;
      return w <= this.width;
    };
    while (this.first < this.col && !fits()) this.first++;
  }

  protected key(ev: KeyEvent): ViewerAction {
    if (this.job) {
      if (ev.name === 'escape' || isCtrl(ev, 'c') || isCtrl(ev, 'g')) {
        this.message = `${this.job.what} stopped`;
        this.stopSearch();
      }
      return null;
    }
    if (this.showingKeys) {
      this.showingKeys = false;
      if (!(isLetter(ev, 'q') || isCtrl(ev, 'c'))) return null;
    }
    if (this.searchKey(ev)) return null;
    if (this.filterKey(ev)) return null;
    if (this.chooser) {
      this.chooserKey(this.chooser, ev);
      return null;
    }
    const count = this.model.rowCount;
    const h = this.expanded ? 1 : this.bodyHeight;
    const to = (s: RowScroll) => {
      this.scroll = s;
      this.message = '';
      return null;
    };
    const row = this.scroll.selected;
    if (isLetter(ev, 'q') || ev.name === 'escape' || isCtrl(ev, 'c')) {
      this.stopSearch();
      return CLOSE;
    }
    if (this.searchCommand(ev)) return null;
    if (ev.name === 'up' || isLetter(ev, 'k')) return to(selectRow(this.scroll, row - 1, count, h));
    if (ev.name === 'down' || isLetter(ev, 'j')) return to(selectRow(this.scroll, row + 1, count, h));
    if (ev.name === 'pageup') return to(this.expanded ? selectRow(this.scroll, row - this.blocksInView(), count, h) : pageRows(this.scroll, -1, count, h));
    if (ev.name === 'pagedown' || isLetter(ev, ' ')) {
      return to(this.expanded ? selectRow(this.scroll, row + this.blocksInView(), count, h) : pageRows(this.scroll, 1, count, h));
    }
    if (ev.name === 'home' || isLetter(ev, 'g')) return to(selectRow(this.scroll, 0, count, h));
    if (ev.name === 'end' || isLetter(ev, 'G')) return to(selectRow(this.scroll, count - 1, count, h));
    if (ev.name === 'left' || ev.name === 'right') {
      this.col += ev.name === 'left' ? -1 : 1;
      this.showColumn();
    }
    if (isLetter(ev, 's') || isLetter(ev, 'S')) this.sortBy(this.col, ev.text === 'S');
    if (isLetter(ev, '&')) {
      this.filterInput = '';
      this.message = '';
    }
    if (isLetter(ev, 'c')) {
      this.chooser = { cursor: 0, order: [...this.columnOrder], hidden: new Set(this.hidden) };
    }
    if (isLetter(ev, 'x')) {
      this.expanded = !this.expanded;
      this.scroll = selectRow(this.scroll, row, count, this.expanded ? 1 : this.bodyHeight);
    }
    if (isLetter(ev, '?')) this.showingKeys = true;
    if (ev.name === 'enter') {
      const record = this.read(() => this.model.records.at(row));
      return record ? { kind: 'open', record } : null;
    }
    return null;
  }

  /** How many record blocks the screen holds (a page in the expanded view). */
  private blocksInView(): number {
    return Math.max(1, Math.floor(this.bodyHeight / (this.model.columns.length + 1)));
  }

  /**
   * `s` and `S`: the answer sorted by a column (an answer kept in the store
   * is sorted by SQLite), ascending or descending, None last; the same key
   * again on the sorted column gives back the answer's order. A filter
   * applies to the sorted rows again.
   */
  sortBy(col: number, descending: boolean): void {
    const column = this.model.columns[col];
    if (!column) return;
    const again = this.sort?.title === column.title && this.sort.descending === descending;
    const started = performance.now();
    const sorted = again ? this.answer.records : this.read(() => sortRows(this.answer.records, { by: column.sort, descending }));
    if (sorted === undefined) return;
    this.sorted = sorted;
    this.sort = again ? null : { title: column.title, descending };
    const took = (performance.now() - started) / 1000;
    const said = this.sort ? (took >= 0.1 ? `sorted in ${took.toFixed(1)} s` : '') : "the answer's order";
    if (this.filter) this.applyFilter(this.filter, said);
    else {
      this.rebuild(this.sorted);
      this.message = said;
    }
  }

  /** The model over `rows` with the chosen columns; the selection goes to the first row. */
  private rebuild(rows: Rows): void {
    const title = this.model.columns[this.col]?.title;
    this.model = this.answer.view(rows, this.columnOrder.filter((i) => !this.hidden.has(i)).map((i) => this.answer.columns[i]!));
    const at = this.model.columns.findIndex((c) => c.title === title);
    this.col = at >= 0 ? at : Math.min(this.col, this.model.columns.length - 1);
    this.first = Math.max(1, Math.min(this.first, this.model.lastFirst(this.width)));
    this.showColumn();
    this.scroll = START;
  }

  /** Typing an `&` filter: true when the key was part of it. */
  private filterKey(ev: KeyEvent): boolean {
    if (this.filterInput === null) return false;
    const text = this.filterInput;
    if (ev.name === 'enter') {
      this.filterInput = null;
      const invert = text.startsWith('!');
      const pattern = invert ? text.slice(1) : text;
      if (pattern === '') {
        this.filter = null;
        this.rebuild(this.sorted);
        this.message = 'all rows';
      } else this.applyFilter({ text: pattern, invert }, '');
    } else if (ev.name === 'escape' || isCtrl(ev, 'c') || isCtrl(ev, 'g')) {
      this.filterInput = null;
    } else if (ev.name === 'backspace') {
      this.filterInput = text === '' ? null : text.slice(0, -1);
    } else if ((ev.name === 'text' && !ev.meta) || ev.name === 'paste') {
      this.filterInput = text + ev.text.replace(/\n/g, ' ');
    }
    return true;
  }

  /**
   * Keeps the rows that hold the pattern (or do not), as `less`'s `&` does,
   * testing values as `/` does; the rows are read in slices of a few
   * milliseconds so keys still answer, and Esc stops it.
   */
  private applyFilter(filter: { text: string; invert: boolean }, said: string): void {
    const { pattern, datesToo } = searchPattern(filter.text);
    const source = this.answer.view(this.sorted);
    const count = source.rowCount;
    const kept: number[] = [];
    const job: Job = { cancelled: false, what: 'filter' };
    this.job = job;
    const name = `&${filter.invert ? '!' : ''}${filter.text}`;
    this.message = `${name}…`;
    let i = 0;
    const slice = () => {
      if (job.cancelled) return;
      const deadline = performance.now() + SEARCH_SLICE_MS;
      for (; i < count; i++) {
        const found = this.read(() => source.rowMatches(i, pattern, datesToo));
        if (found === undefined) {
          this.job = null;
          this.onChange();
          return;
        }
        if (found !== filter.invert) kept.push(i);
        if ((i & 1023) === 1023 && performance.now() > deadline) {
          i++;
          break;
        }
      }
      if (i < count) {
        this.message = `${name} (${Math.floor((100 * i) / count)}%, Esc stops)`;
        setImmediate(slice);
      } else {
        this.job = null;
        if (kept.length === 0) {
          this.message = `no row matches ${name}${said ? ' · ' + said : ''}`;
          if (said) {
            this.filter = null;
            this.rebuild(this.sorted);
          }
        } else {
          this.filter = filter;
          this.rebuild(new IndexedRows(this.sorted, Uint32Array.from(kept)));
          this.message = said;
        }
      }
      this.onChange();
    };
    slice();
  }

  private chooserKey(ch: ColumnChooser, ev: KeyEvent): void {
    const n = ch.order.length;
    const move = (by: number) => {
      const to = ch.cursor + by;
      // the first column (msg_id) stays where it is
      if (ch.cursor === 0 || to < 1 || to >= n) return;
      [ch.order[ch.cursor], ch.order[to]] = [ch.order[to]!, ch.order[ch.cursor]!];
      ch.cursor = to;
    };
    if (ev.name === 'up' || isLetter(ev, 'k')) ch.cursor = Math.max(0, ch.cursor - 1);
    else if (ev.name === 'down' || isLetter(ev, 'j')) ch.cursor = Math.min(n - 1, ch.cursor + 1);
    else if (isLetter(ev, 'K') || isLetter(ev, '-')) move(-1);
    else if (isLetter(ev, 'J') || isLetter(ev, '+')) move(1);
    else if (isLetter(ev, ' ') && ch.cursor > 0) {
      const c = ch.order[ch.cursor]!;
      if (ch.hidden.has(c)) ch.hidden.delete(c);
      else ch.hidden.add(c);
    } else if (ev.name === 'enter') {
      this.chooser = null;
      this.columnOrder = ch.order;
      this.hidden = ch.hidden;
      const hidden = ch.hidden.size;
      this.rebuildColumns();
      this.message = `${this.model.columns.length} columns shown${hidden ? `, ${hidden} hidden` : ''}`;
    } else if (ev.name === 'escape' || isLetter(ev, 'q') || isCtrl(ev, 'c')) this.chooser = null;
  }

  /** The chosen columns over the same rows; the selection stays. */
  private rebuildColumns(): void {
    const scroll = this.scroll;
    this.rebuild(this.model.records);
    this.scroll = scroll;
  }

  /**
   * Searches the rows after (or before) the selection in slices of a few
   * milliseconds, so that keys still answer while a million rows are
   * searched; Esc or Ctrl-C stops it.
   */
  protected find(query: string, dir: 1 | -1): void {
    if (query === '') return;
    const { pattern, datesToo } = searchPattern(query);
    const count = this.model.rowCount;
    const from = this.scroll.selected;
    const job: Job = { cancelled: false, what: 'search' };
    this.job = job;
    this.lastSearch = query;
    this.message = `searching /${query}`;
    let k = 1;
    const slice = () => {
      if (job.cancelled) return;
      const deadline = performance.now() + SEARCH_SLICE_MS;
      for (; k <= count; k++) {
        const i = (((from + dir * k) % count) + count) % count;
        const found = this.read(() => this.model.rowMatches(i, pattern, datesToo));
        if (found === undefined) {
          this.job = null;
          this.onChange();
          return;
        }
        if (found) {
          this.job = null;
          this.scroll = selectRow(this.scroll, i, count, this.expanded ? 1 : this.bodyHeight);
          this.message = `/${query}`;
          this.onChange();
          return;
        }
        if ((k & 1023) === 0 && performance.now() > deadline) break;
      }
      if (k > count) {
        this.job = null;
        this.message = `pattern not found: ${query}`;
      } else {
        this.message = `searching /${query} (${Math.floor((100 * k) / count)}%, Esc stops)`;
        setImmediate(slice);
      }
      this.onChange();
    };
    slice();
  }

  /**
   * Reads rows of the answer: those of an answer kept in the store are read
   * now, and the store may fail (the file locked for longer than a reader
   * waits, or gone); the viewer then says so in its status line and stays.
   */
  private read<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      this.message = e instanceof Error ? e.message : String(e);
      return undefined;
    }
  }

  stopSearch(): void {
    if (this.job) this.job.cancelled = true;
    this.job = null;
  }

  /** Header, the rows in view (only those are formatted), status line. */
  lines(p: Painter): string[] {
    const body = this.showingKeys ? this.keyLines(p) : this.chooser ? this.chooserLines(this.chooser, p) : this.expanded ? this.blockLines(p) : this.rowLines(p);
    const lines = body.slice(0, this.size.rows - 1);
    while (lines.length < this.size.rows - 1) lines.push('');
    const m = this.model;
    const column = m.columns[this.col]?.title ?? '';
    const sorted = this.sort ? ` · sorted by ${this.sort.title} ${this.sort.descending ? '↓' : '↑'}` : '';
    const filtered = this.filter ? ` (&${this.filter.invert ? '!' : ''}${this.filter.text}, of ${this.sorted.length})` : '';
    const where = `row ${m.rowCount ? this.scroll.selected + 1 : 0} of ${m.rowCount}${filtered} · column ${column} ${this.col + 1}/${m.columns.length}${sorted}`;
    const status = this.filterInput !== null ? `&${this.filterInput}` : `${this.message ? this.message + ' · ' : ''}${where} · ${this.hint}`;
    lines.push(this.statusLine(status, p));
    return lines;
  }

  /** How the rows shown differ from the answer (its order, a filter, hidden columns), or ''. */
  viewNote(): string {
    const parts: string[] = [];
    if (this.filter) parts.push(`&${this.filter.invert ? '!' : ''}${this.filter.text}: ${this.model.rowCount} rows`);
    if (this.sort) parts.push(`sorted by ${this.sort.title} ${this.sort.descending ? '↓' : '↑'}`);
    if (this.hidden.size) parts.push(`${this.hidden.size} column${this.hidden.size === 1 ? '' : 's'} hidden`);
    return parts.join(', ');
  }

  private rowLines(p: Painter): string[] {
    const width = this.width;
    const m = this.model;
    const lines = [' ' + m.header(this.first, width, p, this.col, this.sort)];
    const end = Math.min(m.rowCount, this.scroll.top + this.bodyHeight);
    for (let i = this.scroll.top; i < end; i++) {
      const line = this.read(() => m.row(i, this.first, width, p));
      if (line === undefined) break;
      lines.push(i === this.scroll.selected ? '>' + (p.enabled ? p.inverse(stripAnsi(line)) : line) : ' ' + line);
    }
    return lines;
  }

  /** `x`: the selected record and those after it, one block each, a line per column. */
  private blockLines(p: Painter): string[] {
    const lines: string[] = [];
    const m = this.model;
    for (let i = this.scroll.selected; i < m.rowCount && lines.length < this.size.rows - 1; i++) {
      const block = this.read(() => recordBlock(m, i, this.size.columns - 1, p));
      if (block === undefined) break;
      const [head, ...rest] = block;
      lines.push((i === this.scroll.selected ? '>' : ' ') + (i === this.scroll.selected ? p.inverse(head!) : head!));
      for (const l of rest) lines.push(' ' + l);
    }
    return lines;
  }

  private chooserLines(ch: ColumnChooser, p: Painter): string[] {
    const w = this.size.columns - 1;
    const head = p.bold(fitText('Columns: ↑↓ select · Space shows or hides · K J move up or down · Enter applies · Esc cancels', w));
    const height = this.size.rows - 2;
    const top = Math.max(0, Math.min(ch.cursor - Math.floor(height / 2), ch.order.length - height));
    const items = ch.order.slice(top, top + height).map((c, k) => {
      const i = top + k;
      const title = this.answer.columns[c]!.title;
      const mark = i === 0 ? '[x]' : ch.hidden.has(c) ? '[ ]' : '[x]';
      const text = fitText(`${mark} ${title}${i === 0 ? ' (stays at the left)' : ''}`, w - 1);
      return (i === ch.cursor ? '>' : ' ') + (i === ch.cursor ? p.inverse(text) : text);
    });
    return [head, ...items];
  }

  private keyLines(p: Painter): string[] {
    const w = TABLE_KEYS.reduce((m, [k]) => Math.max(m, textWidth(k)), 0);
    const lines = [p.bold(' Keys of the table viewer (any key closes this list)')];
    for (const [k, what] of TABLE_KEYS) lines.push(fitText(` ${fitText(k, w)}  ${what}`, this.size.columns - 1));
    return lines;
  }
}

/** The record view when it is taller than the terminal: a pager over its lines. */
export class RecordPager extends Viewer {
  top = 0;
  private wrapped: string[] = [];

  constructor(
    readonly title: string,
    /** The record view's lines, before wrapping to the terminal width. */
    readonly source: readonly string[],
    /** Where `q` goes: back to the table or timeline it was opened from, or to the prompt. */
    readonly back: 'table' | 'timeline' | 'top' | 'prompt',
    size: ScreenSize,
  ) {
    super(size);
    this.resize(size);
  }

  get bodyHeight(): number {
    return Math.max(1, this.size.rows - 1);
  }

  resize(size: ScreenSize): void {
    this.size = size;
    this.wrapped = this.source.flatMap((l) => wrapWords(l, size.columns));
    this.top = scrollTop(this.top, this.wrapped.length, this.bodyHeight);
  }

  protected key(ev: KeyEvent): ViewerAction {
    const h = this.bodyHeight;
    if (this.searchKey(ev)) return null;
    const to = (top: number) => {
      this.top = scrollTop(top, this.wrapped.length, h);
      this.message = '';
      return null;
    };
    if (isLetter(ev, 'q') || ev.name === 'escape' || isCtrl(ev, 'c')) return CLOSE;
    if (this.searchCommand(ev)) return null;
    if (ev.name === 'up' || isLetter(ev, 'k')) return to(this.top - 1);
    if (ev.name === 'down' || ev.name === 'enter' || isLetter(ev, 'j')) return to(this.top + 1);
    if (ev.name === 'pageup') return to(this.top - h);
    if (ev.name === 'pagedown' || isLetter(ev, ' ')) return to(this.top + h);
    if (ev.name === 'home' || isLetter(ev, 'g')) return to(0);
    if (ev.name === 'end' || isLetter(ev, 'G')) return to(this.wrapped.length);
    return null;
  }

  protected find(query: string, dir: 1 | -1): void {
    if (query === '') return;
    this.lastSearch = query;
    const needle = query.toLowerCase();
    const n = this.wrapped.length;
    for (let k = 1; k <= n; k++) {
      const i = (((this.top + dir * k) % n) + n) % n;
      if (stripAnsi(this.wrapped[i]!).toLowerCase().includes(needle)) {
        this.top = scrollTop(i, n, this.bodyHeight);
        this.message = `/${query}`;
        return;
      }
    }
    this.message = `pattern not found: ${query}`;
  }

  lines(p: Painter): string[] {
    const h = this.bodyHeight;
    const lines = this.wrapped.slice(this.top, this.top + h);
    while (lines.length < h) lines.push('');
    const last = Math.min(this.wrapped.length, this.top + h);
    const where = ` · lines ${this.top + 1}–${last} of ${this.wrapped.length}`;
    const message = this.message ? this.message + ' · ' : '';
    // a long title (a msg_id with its controls escaped) gives way in the middle, so where the pager is stays in view
    const keys = ' · ↑↓ PgUp PgDn Home End / q';
    const room = Math.max(12, this.size.columns - 1 - textWidth(message) - textWidth(where) - textWidth(keys));
    const title = textWidth(this.title) > room ? fitId(this.title, room) : this.title;
    lines.push(this.statusLine(`${message}${title}${where}${keys}`, p));
    return lines;
  }
}
