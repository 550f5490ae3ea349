import type { TaskRecord } from '../records/index.js';
import type { KeyEvent } from './keys.js';
import { START, pageRows, scrollTop, selectRow, type RowScroll } from './scroll.js';
import { stripAnsi, type Painter } from './style.js';
import { searchPattern, type TableModel } from './table-columns.js';
import { fitId, fitText, textWidth, wrapAnsiLine } from './text-width.js';

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

/** A record list too tall or too wide for the terminal, one screen of it at a time. */
export class TableViewer extends Viewer {
  scroll: RowScroll = START;
  /** The viewer that q goes back to (the %errors table a list of its tasks was opened from), else the prompt. */
  back: TableViewer | null = null;
  /** The keys the status line names. */
  protected hint = '↑↓ PgUp PgDn Home End ←→ / Enter q';
  /** First scrolled column (msg_id stays at the left). */
  first = 1;
  private searchJob: { cancelled: boolean } | null = null;

  constructor(
    readonly model: TableModel,
    /** The `Out[n]` this answer is. */
    readonly out: number,
    size: ScreenSize,
    /** Called when a search slice changed the screen. */
    private readonly onChange: () => void,
  ) {
    super(size);
  }

  get bodyHeight(): number {
    return Math.max(1, this.size.rows - 2);
  }

  /** One column of gutter marks the selected row, also without colour. */
  get width(): number {
    return Math.max(10, this.size.columns - 2);
  }

  resize(size: ScreenSize): void {
    this.size = size;
    this.first = Math.min(this.first, this.model.lastFirst(this.width));
    this.scroll = selectRow(this.scroll, this.scroll.selected, this.model.rowCount, this.bodyHeight);
  }

  protected key(ev: KeyEvent): ViewerAction {
    const count = this.model.rowCount;
    const h = this.bodyHeight;
    if (this.searchJob) {
      if (ev.name === 'escape' || isCtrl(ev, 'c') || isCtrl(ev, 'g')) {
        this.stopSearch();
        this.message = 'search stopped';
      }
      return null;
    }
    if (this.searchKey(ev)) return null;
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
    if (ev.name === 'pageup') return to(pageRows(this.scroll, -1, count, h));
    if (ev.name === 'pagedown' || isLetter(ev, ' ')) return to(pageRows(this.scroll, 1, count, h));
    if (ev.name === 'home' || isLetter(ev, 'g')) return to(selectRow(this.scroll, 0, count, h));
    if (ev.name === 'end' || isLetter(ev, 'G')) return to(selectRow(this.scroll, count - 1, count, h));
    if (ev.name === 'left') this.first = Math.max(1, this.first - 1);
    if (ev.name === 'right') this.first = Math.min(this.model.lastFirst(this.width), this.first + 1);
    if (ev.name === 'enter') {
      const record = this.read(() => this.model.records.at(row));
      return record ? { kind: 'open', record } : null;
    }
    return null;
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
    const job = { cancelled: false };
    this.searchJob = job;
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
          this.searchJob = null;
          this.onChange();
          return;
        }
        if (found) {
          this.searchJob = null;
          this.scroll = selectRow(this.scroll, i, count, this.bodyHeight);
          this.message = `/${query}`;
          this.onChange();
          return;
        }
        if ((k & 1023) === 0 && performance.now() > deadline) break;
      }
      if (k > count) {
        this.searchJob = null;
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
    if (this.searchJob) this.searchJob.cancelled = true;
    this.searchJob = null;
  }

  /** Header, the rows in view (only those are formatted), status line. */
  lines(p: Painter): string[] {
    const width = this.width;
    const lines = [' ' + this.model.header(this.first, width, p)];
    const end = Math.min(this.model.rowCount, this.scroll.top + this.bodyHeight);
    for (let i = this.scroll.top; i < end; i++) {
      const line = this.read(() => this.model.row(i, this.first, width, p));
      if (line === undefined) break;
      lines.push(i === this.scroll.selected ? '>' + (p.enabled ? p.inverse(stripAnsi(line)) : line) : ' ' + line);
    }
    while (lines.length < this.size.rows - 1) lines.push('');
    const where = `row ${this.scroll.selected + 1} of ${this.model.rowCount} · column ${this.first + 1}/${this.model.columns.length}`;
    lines.push(this.statusLine(`${this.message ? this.message + ' · ' : ''}${where} · ${this.hint}`, p));
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
    readonly back: 'table' | 'timeline' | 'prompt',
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
    this.wrapped = this.source.flatMap((l) => wrapAnsiLine(l, size.columns));
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
    const room = Math.max(12, this.size.columns - 1 - textWidth(message) - textWidth(where));
    const title = textWidth(this.title) > room ? fitId(this.title, room) : this.title;
    lines.push(this.statusLine(`${message}${title}${where} · ↑↓ PgUp PgDn Home End / q`, p));
    return lines;
  }
}
