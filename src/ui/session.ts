import { RecordList } from '../client/index.js';
import { IpcError } from '../errors.js';
import { Text, renderDisplay, renderValue, type OutputFormat } from '../format/index.js';
import { KEY_NAMES, isDict, type TaskRecord } from '../records/index.js';
import type { Outcome, Shell } from '../shell/api.js';
import { abortable } from '../shell/interpreter.js';
import { expandPrefix } from '../shell/magics.js';
import { History, currentText, newerEntry, olderEntry, reverseSearch, startCursor, type HistoryCursor } from './history.js';
import type { KeyEvent } from './keys.js';
import { recordLines } from './record-view.js';
import type { Painter } from './style.js';
import { TableModel, tableLines, type TableOptions } from './table.js';
import * as tb from './text-buffer.js';
import { textWidth, wrapAnsiLine } from './text-width.js';
import { RecordPager, TableViewer, isCtrl } from './viewers.js';
import { Watch, parseWatch } from './watch.js';

/** The reason a statement stops when Ctrl-C is pressed. */
const CTRL_C = new IpcError('Interrupted', 'the statement was interrupted (Ctrl-C).');

/**
 * The interactive session as a state object: keys in, state out. It runs
 * statements through the Shell, keeps the history, and decides what is
 * finished (written once to the scrollback) and what is live (the prompt, a
 * viewer, a watch). The Ink components only draw it, so everything here is
 * tested without a terminal.
 */
export type Mode = 'prompt' | 'running' | 'table' | 'pager' | 'watch' | 'closed';

/** A block of finished output for the scrollback. */
export interface Finished {
  readonly key: number;
  readonly text: string;
}

export interface SessionOptions {
  readonly shell: Shell;
  readonly painter: Painter;
  readonly history: History;
  readonly banner?: readonly string[];
  readonly columns: number;
  readonly rows: number;
  /** How values are shown: tables and Python's repr, or json, jsonl, csv text. */
  readonly format?: OutputFormat;
  /** Ends the session with an exit status. */
  readonly exit: (code: number) => void;
}

export interface ReverseSearch {
  readonly query: string;
  /** The matching history entry, or undefined when nothing matches. */
  readonly index: number | undefined;
}

const INTERACTIVE_HELP = [
  'at this prompt:',
  '  %watch STATEMENT [SECONDS]: runs it again every SECONDS (2), marks the rows that changed; Ctrl-C or q stops',
  '  %show ID: the record view (every key, stdout and stderr in full, the traceback in colour)',
  '  %history [N]: the last N inputs, from this and earlier sessions (~/.ipc_history)',
  'keys: Tab completes · ↑↓ history (what is typed is the prefix) · Ctrl-R searches it · Ctrl-A/E/K/U/W/Y, Alt-B/F edit',
  '  Ctrl-C cancels the running statement · Ctrl-L clears the screen · Ctrl-D or exit leaves',
  'a result taller or wider than the screen opens a viewer: ↑↓ PgUp PgDn Home End, ←→ by column, / search (n N),',
  '  Enter the record view, q back',
].join('\n');

/** A msg_id or the first characters of one, quoted or not; other %show arguments are expressions for the shell. */
const MSG_ID_TEXT = /^(['"]?)[0-9a-fA-F][0-9a-fA-F-]{3,35}\1$/;
const MAX_COMPLETIONS_SHOWN = 40;

export class Session {
  readonly shell: Shell;
  readonly painter: Painter;
  readonly history: History;
  columns: number;
  rows: number;
  mode: Mode = 'prompt';
  count = 1;
  buffer: tb.TextBuffer = tb.EMPTY_BUFFER;
  finished: Finished[] = [];
  historyCursor: HistoryCursor | null = null;
  reverse: ReverseSearch | null = null;
  completions: readonly string[] = [];
  table: TableViewer | null = null;
  pager: RecordPager | null = null;
  watch: Watch | null = null;
  /** Clears the terminal and redraws the prompt (Ctrl-L); the component that draws the session sets it. */
  clearScreen: (() => void) | null = null;
  /** A statement is running: Ctrl-C aborts it. */
  private running: AbortController | null = null;
  /** A yes/no question of a running statement (purge_results), and how to answer it. */
  question: { readonly text: string; readonly resolve: (yes: boolean) => void } | null = null;
  /** Keys typed while a statement runs, for the next prompt (as a terminal's type-ahead). */
  private typedAhead: KeyEvent[] = [];
  private completionTicket = 0;
  private nextKey = 0;
  private listeners = new Set<() => void>();
  private readonly options: SessionOptions;

  constructor(options: SessionOptions) {
    this.options = options;
    this.shell = options.shell;
    this.painter = options.painter;
    this.history = options.history;
    this.shell.confirm = (q) => this.confirm(q);
    this.columns = options.columns;
    this.rows = options.rows;
    if (options.banner && options.banner.length > 0) this.print(options.banner.join('\n'));
  }

  /** Called after every change; the component re-renders. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private print(text: string): void {
    this.finished = [...this.finished, { key: this.nextKey++, text }];
  }

  /** Rows Ink's live area (a short answer, a watch) may use: it stays below the terminal height. */
  get viewHeight(): number {
    return Math.max(3, this.rows - 1);
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.pager?.resize({ columns, rows });
    this.table?.resize({ columns, rows });
    this.changed();
  }

  promptText(n = this.count): string {
    return `In [${n}]: `;
  }

  continuationText(n = this.count): string {
    const w = this.promptText(n).length;
    return ' '.repeat(Math.max(0, w - 5)) + '...: ';
  }

  /** The input as it is echoed in the scrollback once run. */
  private echo(source: string, n: number): string {
    const p = this.painter;
    return source
      .split('\n')
      .map((line, i) => (i === 0 ? p.green(this.promptText(n)) : p.green(this.continuationText(n))) + line)
      .join('\n');
  }

  // ---- keys ---------------------------------------------------------------

  handleKey(ev: KeyEvent): void {
    switch (this.mode) {
      case 'prompt':
        this.promptKey(ev);
        break;
      case 'running':
        if (this.question) {
          this.answer(ev);
        } else if (isCtrl(ev, 'c')) {
          this.typedAhead = [];
          this.interrupt();
        } else {
          this.typedAhead.push(ev);
        }
        break;
      case 'table':
        this.tableKey(ev);
        break;
      case 'pager':
        if (this.pager!.handleKey(ev)?.kind === 'close') this.closePager();
        break;
      case 'watch':
        if (isCtrl(ev, 'c') || (ev.name === 'text' && ev.text.includes('q')) || ev.name === 'escape') this.stopWatch();
        break;
    }
    this.changed();
  }

  private setBuffer(b: tb.TextBuffer, keepHistory = false): void {
    this.buffer = b;
    if (!keepHistory) this.historyCursor = null;
    this.completions = [];
  }

  private promptKey(ev: KeyEvent): void {
    if (this.reverse) {
      this.reverseKey(ev);
      return;
    }
    const b = this.buffer;
    if (ev.name === 'ctrl') {
      switch (ev.text) {
        case 'a':
          return this.setBuffer(tb.home(b), true);
        case 'e':
          return this.setBuffer(tb.end(b), true);
        case 'b':
          return this.setBuffer(tb.left(b), true);
        case 'f':
          return this.setBuffer(tb.right(b), true);
        case 'k':
          return this.setBuffer(tb.killToEnd(b));
        case 'u':
          return this.setBuffer(tb.killToStart(b));
        case 'w':
          return this.setBuffer(tb.killWordBack(b));
        case 'y':
          return this.setBuffer(tb.yank(b));
        case 'h':
          return this.setBuffer(tb.backspace(b));
        case 'o':
          return this.setBuffer(tb.insert(b, '\n'));
        case 'p':
          return this.historyOlder();
        case 'n':
          return this.historyNewer();
        case 'l':
          this.clearScreen?.();
          return;
        case 'r':
          this.reverse = { query: '', index: undefined };
          this.completions = [];
          return;
        case 'c':
          return this.cancelInput();
        case 'd':
          if (b.text === '') {
            this.print(this.echo('', this.count));
            return this.exit(0);
          }
          return this.setBuffer(tb.deleteForward(b));
        default:
          return;
      }
    }
    switch (ev.name) {
      case 'text':
        if (ev.meta) return this.metaKey(ev.text);
        return this.setBuffer(tb.insert(b, ev.text));
      case 'paste':
        return this.setBuffer(tb.insert(b, ev.text));
      case 'newline':
        return this.setBuffer(tb.insert(b, '\n'));
      case 'enter':
        return this.submit();
      case 'backspace':
        return this.setBuffer(ev.meta ? tb.killWordBackAlnum(b) : tb.backspace(b));
      case 'delete':
        return this.setBuffer(tb.deleteForward(b));
      case 'left':
        return this.setBuffer(ev.ctrl || ev.meta ? tb.wordLeft(b) : tb.left(b), true);
      case 'right':
        return this.setBuffer(ev.ctrl || ev.meta ? tb.wordRight(b) : tb.right(b), true);
      case 'home':
        return this.setBuffer(tb.home(b), true);
      case 'end':
        return this.setBuffer(tb.end(b), true);
      case 'up': {
        const moved = tb.up(b);
        return moved ? this.setBuffer(moved, true) : this.historyOlder();
      }
      case 'down': {
        const moved = tb.down(b);
        return moved ? this.setBuffer(moved, true) : this.historyNewer();
      }
      case 'tab':
        void this.complete();
        return;
      case 'escape':
        this.completions = [];
        return;
      default:
        return;
    }
  }

  private metaKey(letter: string): void {
    const b = this.buffer;
    switch (letter) {
      case 'b':
        return this.setBuffer(tb.wordLeft(b), true);
      case 'f':
        return this.setBuffer(tb.wordRight(b), true);
      case 'd':
        return this.setBuffer(tb.killWordForward(b));
      default:
        return;
    }
  }

  private historyOlder(): void {
    const entries = this.history.entries;
    const c = this.historyCursor ?? startCursor(entries, this.buffer.text);
    const next = olderEntry(entries, c);
    if (!next) return;
    this.historyCursor = next;
    this.buffer = tb.bufferOf(currentText(entries, next));
    this.completions = [];
  }

  private historyNewer(): void {
    if (!this.historyCursor) return;
    const entries = this.history.entries;
    const next = newerEntry(entries, this.historyCursor);
    if (!next) return;
    this.historyCursor = next.index >= entries.length ? null : next;
    this.buffer = tb.bufferOf(currentText(entries, next));
    this.completions = [];
  }

  private reverseKey(ev: KeyEvent): void {
    const r = this.reverse!;
    const entries = this.history.entries;
    const found = (query: string, before: number): ReverseSearch => ({ query, index: query === '' ? undefined : reverseSearch(entries, query, before) });
    if (isCtrl(ev, 'r')) {
      const from = r.index ?? entries.length;
      const older = r.query === '' ? undefined : reverseSearch(entries, r.query, from);
      this.reverse = { query: r.query, index: older ?? r.index };
      return;
    }
    if (isCtrl(ev, 'g') || isCtrl(ev, 'c') || ev.name === 'escape') {
      this.reverse = null;
      return;
    }
    if (ev.name === 'backspace') {
      this.reverse = found(r.query.slice(0, -1), entries.length);
      return;
    }
    if ((ev.name === 'text' && !ev.meta) || ev.name === 'paste') {
      const q = r.query + ev.text;
      this.reverse = found(q, (r.index ?? entries.length - 1) + 1);
      return;
    }
    // Any other key takes the match into the input and acts on it, as readline does.
    this.reverse = null;
    if (r.index !== undefined) this.setBuffer(tb.bufferOf(entries[r.index]!));
    if (ev.name === 'enter') this.submit();
  }

  private cancelInput(): void {
    if (this.buffer.text !== '') this.print(this.echo(this.buffer.text, this.count) + this.painter.dim('^C'));
    this.setBuffer(tb.EMPTY_BUFFER);
    this.print(this.painter.red('KeyboardInterrupt'));
  }

  private exit(code: number): void {
    this.watch?.stop();
    this.mode = 'closed';
    this.options.exit(code);
  }

  /** Asks a yes/no question while a statement runs; anything but y is no. */
  confirm(question: string): Promise<boolean> {
    this.typedAhead = [];
    return new Promise<boolean>((resolve) => {
      this.question = { text: question, resolve };
      this.changed();
    });
  }

  private answer(ev: KeyEvent): void {
    const q = this.question!;
    const yes = ev.name === 'text' && /^y(es)?$/i.test(ev.text);
    this.question = null;
    this.print(`${q.text} [y/N] ${yes ? 'y' : 'n'}`);
    q.resolve(yes);
  }

  // ---- completion ---------------------------------------------------------

  /** Asks the shell; the answer applies only if the input has not changed meanwhile. */
  complete(): Promise<void> {
    const ticket = ++this.completionTicket;
    const before = this.buffer;
    return this.shell.complete(before.text, before.cursor).then(
      (c) => {
        if (ticket !== this.completionTicket || this.buffer !== before || this.mode !== 'prompt') return;
        const cands = [...new Set(c.candidates)];
        if (cands.length === 0) return;
        if (cands.length === 1) {
          this.setBuffer(tb.replaceRange(before, c.start, c.end, cands[0]!));
        } else {
          const common = commonPrefix(cands);
          const typed = before.text.slice(c.start, c.end);
          const b = common.length > typed.length ? tb.replaceRange(before, c.start, c.end, common) : before;
          this.setBuffer(b);
          this.completions = cands;
        }
        this.changed();
      },
      () => undefined,
    );
  }

  completionLines(): string[] {
    if (this.completions.length === 0) return [];
    const shown = this.completions.slice(0, MAX_COMPLETIONS_SHOWN);
    const w = Math.min(40, shown.reduce((m, s) => Math.max(m, textWidth(s)), -Infinity) + 2);
    const perLine = Math.max(1, Math.floor(this.columns / w));
    const lines: string[] = [];
    for (let i = 0; i < shown.length; i += perLine) {
      lines.push(shown.slice(i, i + perLine).map((s) => s.padEnd(w)).join('').trimEnd());
    }
    if (this.completions.length > shown.length) lines.push(this.painter.dim(`… ${this.completions.length - shown.length} more`));
    return lines.slice(0, Math.max(1, this.rows - 4));
  }

  // ---- running statements -------------------------------------------------

  private submit(): void {
    const source = this.buffer.text;
    if (source.trim() !== '' && !this.shell.isComplete(source)) {
      this.setBuffer(tb.insert(tb.bufferOf(source), '\n'));
      return;
    }
    this.setBuffer(tb.EMPTY_BUFFER);
    if (source.trim() === '') {
      this.print(this.echo('', this.count));
      return;
    }
    void this.run(source);
  }

  /** Runs one input as typed at the prompt: `In [n]`, then its outcomes. */
  async run(source: string): Promise<void> {
    const n = this.count;
    this.print(this.echo(source, n));
    this.history.add(source);
    this.count++;
    const trimmed = source.trim();
    if (/^(exit|quit)(\(\))?$/.test(trimmed)) {
      this.changed();
      this.exit(0);
      return;
    }
    const magic = /^%(\w+)\s*([\s\S]*)$/.exec(trimmed);
    this.mode = 'running';
    this.changed();
    const ac = new AbortController();
    this.running = ac;
    try {
      if (magic && magic[1] === 'history') this.showHistory(magic[2]!);
      else if (magic && magic[1] === 'show' && MSG_ID_TEXT.test(magic[2]!.trim())) await this.showRecord(magic[2]!.trim(), ac.signal);
      else if (magic && magic[1] === 'watch') return this.startWatch(magic[2]!, n);
      else {
        // promptNumber: the shell records the value as Out[n] and `_`.
        const outcomes = await abortable(this.shell.execute(source, { signal: ac.signal, promptNumber: n }), ac.signal);
        for (const o of outcomes) this.showOutcome(o, n);
        if (/^%help\s*$/.test(trimmed)) this.print(this.painter.dim(INTERACTIVE_HELP));
      }
    } catch (e) {
      this.printError(e);
    } finally {
      if (this.running === ac) this.running = null;
      if (this.mode === 'running') this.mode = 'prompt';
      const typed = this.typedAhead;
      this.typedAhead = [];
      if (this.mode === 'prompt') for (const ev of typed) this.handleKey(ev);
      this.changed();
    }
  }

  private interrupt(): void {
    if (this.question) {
      this.question.resolve(false);
      this.question = null;
    }
    this.running?.abort(CTRL_C);
  }

  private printError(e: unknown): void {
    const p = this.painter;
    // What IPython prints when Ctrl-C stops a cell.
    if (e === CTRL_C) this.print(p.red('KeyboardInterrupt'));
    else if (e instanceof IpcError) {
      this.print(`${p.red(e.kind)}: ${e.message}` + (e.detail ? '\n' + p.raw(e.detail) : ''));
    } else {
      this.print(`${p.red('Error')}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private showOutcome(o: Outcome, n: number): void {
    if (o.printed) this.print(this.painter.raw(o.printed.replace(/\n$/, '')));
    if (o.error) return this.printError(o.error);
    if (!o.hasValue) return;
    this.showValue(o.value, n);
  }

  /** The shell's display settings (%format and the configuration), read at each answer. */
  private tableOptions(): TableOptions {
    const st = this.shell.settings;
    return { utc: st?.timezone === 'utc', maxColumnWidth: st?.maxColumnWidth };
  }

  private outLabel(n: number): string {
    return this.painter.red(`Out[${n}]: `);
  }

  showValue(value: unknown, n: number): void {
    if (value instanceof Text) {
      this.print(this.painter.raw(value.text.replace(/\n$/, '')));
      return;
    }
    const format = this.shell.settings?.format ?? this.options.format ?? 'table';
    if (format !== 'table') {
      this.print(renderValue(value, format, { timezone: this.shell.settings?.timezone, maxColumnWidth: this.shell.settings?.maxColumnWidth }));
      return;
    }
    const model = tableOf(value, this.tableOptions());
    if (model) {
      if (model.rowCount === 0) {
        this.print(this.outLabel(n) + '[]' + this.painter.dim('  (no records)'));
        return;
      }
      const tall = model.rowCount + 3 > this.viewHeight;
      const wide = model.fullWidth > this.columns;
      if (!tall && !wide) {
        this.print(this.outLabel(n) + this.painter.dim(summary(model)) + '\n' + tableLines(model, this.columns, this.painter).join('\n'));
        return;
      }
      if (this.mode === 'table') {
        // One viewer at a time: a second large answer of the same input is summed up.
        this.print(this.outLabel(n) + this.painter.dim(summary(model)));
        return;
      }
      this.table = new TableViewer(model, n, { columns: this.columns, rows: this.rows }, () => this.changed());
      this.mode = 'table';
      return;
    }
    const text = renderDisplay(value, { timezone: this.shell.settings?.timezone, maxColumnWidth: this.shell.settings?.maxColumnWidth });
    this.print(this.outLabel(n) + (text.includes('\n') && !text.startsWith('[') && !text.startsWith('{') ? '\n' : '') + this.painter.raw(text));
  }

  private showHistory(arg: string): void {
    const entries = this.history.entries;
    const k = /^\d+$/.test(arg.trim()) ? Number(arg.trim()) : 20;
    const from = Math.max(0, entries.length - k);
    const lines = entries.slice(from).map((e, i) => `${this.painter.dim(String(from + i + 1).padStart(5))}  ${e.replace(/\n/g, '\n       ')}`);
    this.print(lines.join('\n') || this.painter.dim('(no history yet)'));
  }

  private async showRecord(id: string, signal: AbortSignal): Promise<void> {
    const msgId = id.replace(/^['"]|['"]$/g, '');
    if (msgId === '') throw new IpcError('ParseError', '%show needs a msg_id (or its first characters), e.g. %show 4f2a.');
    const rec = await abortable(this.fetchRecord(msgId), signal);
    this.openRecord(rec, 'prompt', null);
  }

  /** The whole record of a msg_id or of a unique msg_id prefix, with buffer sizes when the store has them. */
  async fetchRecord(id: string): Promise<TaskRecord> {
    const client = this.shell.client;
    const list = await client.dbQuery({ msg_id: await expandPrefix(id, client) });
    if (list.length === 0) throw new IpcError('KeyError', `no task has the msg_id '${id}'.`);
    const rec: TaskRecord = { ...list.records[0]! };
    try {
      const bufs = await client.dbQuery({ msg_id: rec['msg_id'] as string }, ['msg_id', 'buffers', 'result_buffers']);
      const b = bufs.records[0];
      if (b) for (const k of ['buffers', 'result_buffers']) if (k in b) rec[k] = b[k]!;
    } catch {
      // a store without buffer columns: the record view says None
    }
    return rec;
  }

  /** The record view: in the scrollback when it fits, else in the pager. */
  private openRecord(rec: TaskRecord, back: 'table' | 'prompt', n: number | null): void {
    const source = recordLines(rec, this.painter, { utc: this.tableOptions().utc });
    const wrapped = source.flatMap((l) => wrapAnsiLine(l, this.columns));
    if (back === 'prompt' && wrapped.length <= this.viewHeight - 1) {
      this.print((n === null ? '' : this.outLabel(n) + '\n') + source.join('\n'));
      this.mode = 'prompt';
      return;
    }
    const title = typeof rec['msg_id'] === 'string' ? rec['msg_id'] : 'record';
    this.pager = new RecordPager(title, source, back, { columns: this.columns, rows: this.rows });
    this.mode = 'pager';
  }

  /**
   * The screen of the table viewer or the record pager, one string per
   * terminal row, none wider than the terminal. Only the rows in view are
   * formatted, so a frame costs the same for ten records or a million.
   */
  viewerLines(): string[] {
    if (this.mode === 'table' && this.table) return this.table.lines(this.painter);
    if (this.mode === 'pager' && this.pager) return this.pager.lines(this.painter);
    return [];
  }

  // ---- the table viewer and the record pager ------------------------------

  private tableKey(ev: KeyEvent): void {
    const action = this.table!.handleKey(ev);
    if (action?.kind === 'close') this.closeTable();
    else if (action?.kind === 'open') void this.openSelected(action.record);
  }

  private async openSelected(rec: TaskRecord): Promise<void> {
    let full = rec;
    const id = rec['msg_id'];
    if (typeof id === 'string') {
      try {
        full = await this.fetchRecord(id);
      } catch {
        full = rec;
      }
    }
    if (this.mode !== 'table') return;
    this.openRecord(full, 'table', null);
    this.changed();
  }

  private closeTable(): void {
    const t = this.table!;
    t.stopSearch();
    this.print(this.outLabel(t.out) + this.painter.dim(summary(t.model)));
    this.table = null;
    this.mode = 'prompt';
  }

  private closePager(): void {
    const pg = this.pager!;
    this.pager = null;
    if (pg.back === 'table' && this.table) {
      this.mode = 'table';
      return;
    }
    this.print(this.painter.dim(`(record view of ${pg.title} closed)`));
    this.mode = 'prompt';
  }

  // ---- %watch -------------------------------------------------------------

  private startWatch(arg: string, n: number): void {
    this.running = null;
    const parsed = parseWatch(arg, (s) => this.shell.isComplete(s));
    if (!parsed) {
      this.printError(new IpcError('ParseError', 'usage: %watch STATEMENT [SECONDS], e.g. %watch rc.db_query({"completed": None}, ["msg_id", "submitted"]) 5'));
      this.mode = 'prompt';
      this.changed();
      return;
    }
    this.watch = new Watch({
      shell: this.shell,
      ...parsed,
      out: n,
      painter: this.painter,
      tableOf: (v) => tableOf(v, this.tableOptions()),
      size: () => ({ columns: this.columns, rows: this.rows }),
      onChange: () => this.changed(),
    });
    this.mode = 'watch';
    this.changed();
    this.watch.start();
  }

  private stopWatch(): void {
    const w = this.watch;
    w?.stop();
    if (w) this.print(w.text());
    this.watch = null;
    this.mode = 'prompt';
  }

  /** Stops timers and running work (the session is ending). */
  dispose(): void {
    this.watch?.stop();
    this.table?.stopSearch();
    this.shell.confirm = null;
    this.listeners.clear();
  }
}


function commonPrefix(words: readonly string[]): string {
  let prefix = words[0] ?? '';
  for (const w of words) {
    while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

/** A record list, or a list of records (dicts with a msg_id), as a table. */
export function tableOf(value: unknown, options: TableOptions = {}): TableModel | null {
  if (value instanceof RecordList) return TableModel.of(value, options);
  if (Array.isArray(value) && value.length > 0 && value.every((r) => isDict(r) && typeof r['msg_id'] === 'string')) {
    const keys: string[] = [];
    const seen = new Set<string>();
    for (const r of value.slice(0, 1000) as TaskRecord[]) {
      for (const k of Object.keys(r)) if (!seen.has(k)) (seen.add(k), keys.push(k));
    }
    const order = (k: string) => (k === 'msg_id' ? -1 : KEY_NAMES.indexOf(k) === -1 ? KEY_NAMES.length : KEY_NAMES.indexOf(k));
    keys.sort((a, b) => order(a) - order(b));
    return new TableModel(value as TaskRecord[], keys, options);
  }
  return null;
}

function summary(model: TableModel): string {
  const n = model.rowCount;
  return `${n} record${n === 1 ? '' : 's'} × ${model.keys.length} key${model.keys.length === 1 ? '' : 's'}`;
}
