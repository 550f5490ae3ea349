import { IpcError, interrupted } from '../errors.js';
import { reportWaitsTo } from '../client/index.js';
import type { OutputFormat } from '../format/index.js';
import type { DeriveContext, TaskRecord } from '../records/index.js';
import {
  terminalRequest, abortable, tailLineText, type EditRequest, type TailRequest, type TimelineRequest, type TopRequest, fetchRecord, type Outcome, type Shell, type WatchRequest,
} from '../shell/index.js';
import type { History } from './history.js';
import type { KeyEvent } from './keys.js';
import { present, recordPager, summary, tableOf, type PresentContext, type Presentation } from './present.js';
import { TimelineSession } from './timeline-session.js';
import { PromptEditor, type ReverseSearch } from './prompt-editor.js';
import { PROMPT, type Mode, type Question, type Screen } from './screens.js';
import { onScreen, type Painter } from './style.js';
import { tableLines, type TableOptions } from './table-columns.js';
import type { TextBuffer } from './text-buffer.js';
import { ErrorsViewer } from './errors-viewer.js';
import { RecordPager, TableViewer, isCtrl } from './viewers.js';
import { Watch } from './watch.js';
import { TopSession } from './top.js';

/** The reason a statement stops when Ctrl-C is pressed; printed as IPython prints it. */
const CTRL_C = interrupted();
/**
 * A top-level db_query answer of more records than this stays in the store
 * (SQLite) and the viewer reads the rows it shows: a million-row answer
 * costs pages, not records, until it is used as a list.
 */
const PAGED_ANSWER = 10_000;

export type { Mode, ReverseSearch };
export { tableOf };

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
  /** `%edit`: hands the terminal to $VISUAL/$EDITOR on the text, and answers what was saved (null: the editor failed). */
  readonly editText?: (text: string) => string | null;
}

/**
 * The interactive session as a state object: keys in, state out. The prompt
 * editor owns the input, the shell runs statements and magics; the session
 * decides what is finished (written once to the scrollback) and which screen
 * is live (the prompt, a running statement, a viewer, a watch). The Ink
 * components only draw it, so everything here is tested without a terminal.
 */
export class Session {
  readonly shell: Shell;
  readonly painter: Painter;
  readonly history: History;
  readonly editor: PromptEditor;
  columns: number;
  rows: number;
  screen: Screen = PROMPT;
  count = 1;
  finished: Finished[] = [];
  /** Clears the terminal and redraws the prompt (Ctrl-L); the component that draws the session sets it. */
  clearScreen: (() => void) | null = null;
  /** Keys typed while a statement runs, for the next prompt (as a terminal's type-ahead). */
  private typedAhead: KeyEvent[] = [];
  private nextKey = 0;
  private listeners = new Set<() => void>();
  private readonly options: SessionOptions;

  constructor(options: SessionOptions) {
    this.options = options;
    this.shell = options.shell;
    this.painter = options.painter;
    this.history = options.history;
    this.shell.terminal = { history: () => this.history.entries, columns: () => this.columns, ask: (r) => this.confirm(r.question) };
    this.editor = new PromptEditor({
      history: options.history,
      complete: (text, cursor) => this.shell.complete(text, cursor),
      isComplete: (source) => this.shell.isComplete(source),
    });
    this.columns = options.columns;
    this.rows = options.rows;
    if (options.banner && options.banner.length > 0) this.print(options.banner.join('\n'));
  }

  get mode(): Mode {
    return this.screen.kind;
  }

  /** The table viewer on screen, or the one the record pager goes back to. */
  get table(): TableViewer | null {
    const s = this.screen;
    return s.kind === 'table' ? s.viewer : s.kind === 'pager' ? s.table : null;
  }

  get question(): Question | null {
    return this.screen.kind === 'running' ? this.screen.question : null;
  }

  get buffer(): TextBuffer {
    return this.editor.buffer;
  }

  get reverse(): ReverseSearch | null {
    return this.editor.reverse;
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
    this.finished = [...this.finished, { key: this.nextKey++, text: onScreen(text, this.painter) }];
  }

  /** Rows Ink's live area (a short answer, a watch) may use: it stays below the terminal height. */
  get viewHeight(): number {
    return Math.max(3, this.rows - 1);
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    const s = this.screen;
    if (s.kind === 'pager') s.pager.resize({ columns, rows });
    if (s.kind === 'timeline') s.timeline.view.resize({ columns, rows });
    const top = this.topOf(s);
    top?.resize({ columns, rows });
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

  completionLines(): string[] {
    return this.editor.completionLines(this.columns, this.rows, this.painter.dim);
  }

  // ---- keys ---------------------------------------------------------------

  handleKey(ev: KeyEvent): void {
    const s = this.screen;
    switch (s.kind) {
      case 'prompt':
        this.promptKey(ev);
        break;
      case 'running':
        if (s.question) this.answer(s, s.question, ev);
        else if (isCtrl(ev, 'c')) {
          this.typedAhead = [];
          s.abort.abort(CTRL_C);
        } else this.typedAhead.push(ev);
        break;
      case 'table': {
        const action = s.viewer.handleKey(ev);
        if (action?.kind === 'close') this.closeTable(s.viewer);
        else if (action?.kind === 'open' && s.viewer instanceof ErrorsViewer) void this.openTraceback(s.viewer);
        else if (action?.kind === 'open') void this.openSelected(s.viewer, action.record);
        else if (action?.kind === 'list' && s.viewer instanceof ErrorsViewer) void this.listSignature(s.viewer, action.row);
        break;
      }
      case 'pager':
        if (s.pager.handleKey(ev)?.kind !== 'close') break;
        if (s.top) this.screen = { kind: 'top', top: s.top };
        else if (s.timeline) this.screen = { kind: 'timeline', timeline: s.timeline };
        else this.closePager(s.pager, s.table);
        break;
      case 'timeline':
        this.timelineKey(s.timeline, ev);
        break;
      case 'top':
        this.topKey(s.top, ev);
        break;
      case 'watch':
        if (isCtrl(ev, 'c') || (ev.name === 'text' && ev.text.includes('q')) || ev.name === 'escape') this.stopWatch(s.watch);
        break;
      case 'closed':
        break;
    }
    this.changed();
  }

  private promptKey(ev: KeyEvent): void {
    if (ev.name === 'tab' && !this.editor.reverse) {
      void this.editor.complete().then((applied) => {
        if (applied) this.changed();
      });
      return;
    }
    const action = this.editor.handleKey(ev);
    switch (action.kind) {
      case 'submit':
        if (action.source.trim() === '') this.print(this.echo('', this.count));
        else void this.run(action.source);
        return;
      case 'cancel':
        if (action.dropped !== '') this.print(this.echo(action.dropped, this.count) + this.painter.dim('^C'));
        this.print(this.painter.red('KeyboardInterrupt'));
        return;
      case 'clear-screen':
        this.clearScreen?.();
        return;
      case 'end':
        this.print(this.echo('', this.count));
        this.exit(0);
        return;
      case 'edit':
        return;
    }
  }

  private exit(code: number): void {
    if (this.screen.kind === 'watch') this.screen.watch.stop();
    this.timelineOf(this.screen)?.stop();
    this.topOf(this.screen)?.stop();
    this.screen = { kind: 'closed' };
    this.options.exit(code);
  }

  /** Asks a yes/no question while a statement runs; anything but y is no. */
  confirm(question: string): Promise<boolean> {
    this.typedAhead = [];
    return new Promise<boolean>((resolve) => {
      const s = this.screen;
      if (s.kind !== 'running') return resolve(false);
      s.question = { text: question, resolve };
      this.changed();
    });
  }

  private answer(s: Extract<Screen, { kind: 'running' }>, q: Question, ev: KeyEvent): void {
    const yes = ev.name === 'text' && /^y(es)?$/i.test(ev.text);
    s.question = null;
    this.print(`${q.text} [y/N] ${yes ? 'y' : 'n'}`);
    q.resolve(yes);
  }

  // ---- running statements -------------------------------------------------

  /** Runs one input as typed at the prompt: `In [n]`, then its outcomes. */
  async run(source: string): Promise<void> {
    const n = this.count;
    this.print(this.echo(source, n));
    this.history.add(source);
    this.count++;
    if (/^(exit|quit)(\(\))?$/.test(source.trim())) {
      this.changed();
      this.exit(0);
      return;
    }
    const running: Extract<Screen, { kind: 'running' }> = { kind: 'running', abort: new AbortController(), question: null, status: null };
    this.screen = running;
    reportWaitsTo(running.abort.signal, (text) => {
      if (running.status === text) return;
      running.status = text;
      if (this.screen === running) this.changed();
    });
    this.changed();
    let edit: EditRequest | null = null;
    try {
      // promptNumber: the shell records the value as Out[n] and `_`.
      const outcomes = await abortable(this.shell.execute(source, { signal: running.abort.signal, promptNumber: n, pageRecordsOver: PAGED_ANSWER }), running.abort.signal);
      // Only what may be drawn as a table or record view needs engine ids; a timeline learns them as it reads, and asks after its first frame.
      if (outcomes.some((o) => typeof o.value === 'object' && o.value !== null && terminalRequest(o.value)?.kind !== 'timeline')) await this.learnEngines();
      for (const o of outcomes) {
        // Reading a timeline's records is part of running the statement: Ctrl-C stops it.
        const request = terminalRequest(o.value);
        if (request?.kind === 'timeline' && this.screen === running) {
          await this.openTimeline(request, running.abort.signal);
          void this.learnEngines();
        }
        else if (request?.kind === 'tail' && this.screen === running) await this.runTail(request, running);
        else if (request?.kind === 'top' && this.screen === running) this.startTop(request);
        else if (request?.kind === 'edit') edit = request;
        else this.showOutcome(o, n);
      }
    } catch (e) {
      this.printError(e);
    } finally {
      if (running.question) running.question.resolve(false);
      if (this.screen === running) this.screen = PROMPT;
      const typed = this.typedAhead;
      this.typedAhead = [];
      if (this.screen.kind === 'prompt') for (const ev of typed) this.handleKey(ev);
      this.changed();
    }
    if (edit) this.runEdited(edit);
  }

  /** `%edit`: the editor has the terminal until it exits; what it saved runs as the next input, as IPython does. */
  private runEdited(request: EditRequest): void {
    if (!this.options.editText) {
      this.print(`${this.painter.red('Error')}: %edit needs a terminal to open an editor in`);
      return;
    }
    const saved = this.options.editText(request.text);
    if (saved === null) {
      this.print(`${this.painter.red('Error')}: the editor ($VISUAL or $EDITOR) did not finish; nothing was run`);
      this.changed();
      return;
    }
    const text = saved.replace(/\s+$/, '');
    if (text.trim() === '') {
      this.print(this.painter.dim(`(the editor saved nothing; ${request.label} is not run)`));
      this.changed();
      return;
    }
    void this.run(text);
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
    return { utc: st?.timezone === 'utc', maxColumnWidth: st?.maxColumnWidth, ...this.engines };
  }

  /** Engine ids by uuid as the client knows them (the hub's registrations, the configured map), for tables. */
  private engines: DeriveContext = {};

  private async learnEngines(): Promise<void> {
    try {
      this.engines = await this.shell.client.deriveContext();
    } catch {
      // Without a map, tables fall back on the ids the records carry.
    }
  }

  private outLabel(n: number): string {
    return this.painter.red(`Out[${n}]: `);
  }

  private presenting(): PresentContext {
    const st = this.shell.settings;
    return {
      painter: this.painter,
      columns: this.columns,
      rows: this.rows,
      format: st?.format ?? this.options.format ?? 'table',
      display: { timezone: st?.timezone, maxColumnWidth: st?.maxColumnWidth },
      table: this.tableOptions(),
      viewerOpen: this.screen.kind === 'table',
      onChange: () => this.changed(),
    };
  }

  /** A value as the screen shows it: a table (in the viewer when large), a record view, text (in the pager when long). */
  showValue(value: unknown, n: number): void {
    this.apply(present(value, n, this.presenting()), n);
  }

  private apply(p: Presentation, n: number): void {
    switch (p.kind) {
      case 'print':
        this.print(p.text);
        return;
      case 'page':
        // Only an answer being given may take the screen; otherwise its text goes to the scrollback.
        if (this.screen.kind === 'running') this.screen = { kind: 'pager', pager: p.pager, table: null };
        else this.print(p.text);
        return;
      case 'table':
        this.screen = { kind: 'table', viewer: p.viewer };
        return;
      case 'watch':
        this.startWatch(p.request, n);
        return;
    }
  }

  /**
   * The screen of the table viewer or the record pager, one string per
   * terminal row, none wider than the terminal. Only the rows in view are
   * formatted, so a frame costs the same for ten records or a million.
   */
  viewerLines(): string[] {
    const s = this.screen;
    if (s.kind === 'table') return s.viewer.lines(this.painter);
    if (s.kind === 'pager') return s.pager.lines(this.painter);
    if (s.kind === 'timeline') return s.timeline.view.lines(this.painter);
    if (s.kind === 'top') return s.top.lines(this.painter);
    return [];
  }

  // ---- the table viewer and the record pager ------------------------------

  private async openSelected(viewer: TableViewer, rec: TaskRecord): Promise<void> {
    let full = rec;
    const id = rec['msg_id'];
    if (typeof id === 'string') {
      try {
        full = await fetchRecord(this.shell.client, id);
      } catch {
        full = rec;
      }
    }
    const s = this.screen;
    if (s.kind !== 'table' || s.viewer !== viewer) return;
    this.screen = { kind: 'pager', pager: recordPager(full, {}, this.presenting(), 'table'), table: viewer };
    this.changed();
  }

  /** Enter in the %errors table: the traceback of the selected signature's sample, as %tb shows it. */
  private async openTraceback(viewer: ErrorsViewer): Promise<void> {
    const sig = viewer.signature(viewer.answerRow());
    if (!sig) return;
    let lines: string[];
    try {
      const [r] = await this.shell.client.getResult([sig.sample]);
      const e = r?.error;
      lines = e ? (e.traceback.length ? e.traceback.join('\n') : `${e.ename}: ${e.evalue}`).split('\n').map((l) => this.painter.raw(l)) : [`task ${sig.sample} has no traceback`];
    } catch (e) {
      viewer.message = e instanceof Error ? e.message : String(e);
      this.changed();
      return;
    }
    if (this.screen.kind !== 'table' || this.screen.viewer !== viewer) return;
    this.screen = { kind: 'pager', pager: new RecordPager(sig.sample, lines, 'table', { columns: this.columns, rows: this.rows }), table: viewer };
    this.changed();
  }

  /** `a` in the %errors table: every task of the selected signature, as a db_query answer in the table viewer; q goes back. */
  private async listSignature(viewer: ErrorsViewer, row: number): Promise<void> {
    const sig = viewer.signature(row);
    if (!sig) return;
    try {
      const list = await this.shell.client.dbQuery({ msg_id: { $in: [...sig.msgIds] } });
      if (this.screen.kind !== 'table' || this.screen.viewer !== viewer) return;
      const model = tableOf(list, this.tableOptions());
      if (!model) return;
      const shown = new TableViewer(model, viewer.out, { columns: this.columns, rows: this.rows }, () => this.changed());
      shown.back = viewer;
      this.screen = { kind: 'table', viewer: shown };
    } catch (e) {
      viewer.message = e instanceof Error ? e.message : String(e);
    }
    this.changed();
  }

  /**
   * Back at the prompt, the first screen of rows stays in the scrollback
   * under the answer's size, all of it in view above the next prompt.
   */
  private closeTable(viewer: TableViewer): void {
    viewer.stopSearch();
    if (viewer.back) {
      this.screen = { kind: 'table', viewer: viewer.back };
      return;
    }
    const model = viewer.model;
    const note = viewer.viewNote();
    // columns that do not fit the width are named, not dropped in silence
    const fit = model.visibleColumns(1, this.columns);
    const cut = model.columns.filter((_, i) => !fit.includes(i)).map((c) => c.title);
    const right = cut.length ? [this.painter.dim(`(${cut.length} more column${cut.length === 1 ? '' : 's'} to the right: ${cut.join(', ')})`)] : [];
    // The Out line, the header and its rule, the "more" line, the next prompt and the line under it take six rows; the columns' note one more.
    const shown = Math.max(1, Math.min(model.rowCount, this.rows - 6 - right.length));
    const first = tableLines(model, this.columns, this.painter, shown);
    const more = model.rowCount > shown ? [this.painter.dim(`… ${model.rowCount - shown} more${note ? ' shown' : ''}; Out[${viewer.out}] holds them all`)] : [];
    const head = summary(viewer.answer) + (note ? ` (shown: ${note})` : '');
    this.print([this.outLabel(viewer.out) + this.painter.dim(head), ...first, ...more, ...right].join('\n'));
    this.screen = PROMPT;
  }

  private closePager(pager: RecordPager, table: TableViewer | null): void {
    if (table) {
      this.screen = { kind: 'table', viewer: table };
      return;
    }
    const first = pager.source.slice(0, Math.max(1, this.viewHeight - 2));
    const more = pager.source.length > first.length ? [this.painter.dim(`… ${pager.source.length - first.length} more lines (${pager.title})`)] : [];
    this.print([...first, ...more].join('\n'));
    this.screen = PROMPT;
  }

  // ---- %timeline ----------------------------------------------------------

  /** Reads the records of a %timeline and shows the chart full screen. */
  private async openTimeline(request: TimelineRequest, signal: AbortSignal): Promise<void> {
    const timeline = await abortable(TimelineSession.open(request, { columns: this.columns, rows: this.rows }, () => this.changed()), signal);
    // Keys typed while the chart was made may reach the process only now: two turns of the event loop read them
    // while the statement still runs, into the type-ahead that is dropped when a view opens, so none reaches the chart.
    try {
      await abortable((async () => {
        for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
      })(), signal);
    } catch (e) {
      timeline.stop();
      throw e;
    }
    this.screen = { kind: 'timeline', timeline };
  }

  private timelineOf(s: Screen): TimelineSession | null {
    return s.kind === 'timeline' ? s.timeline : s.kind === 'pager' ? s.timeline ?? null : null;
  }

  private timelineKey(timeline: TimelineSession, ev: KeyEvent): void {
    const action = timeline.view.handleKey(ev);
    if (action?.kind === 'close') {
      timeline.stop();
      this.print(this.painter.dim(`(timeline of ${timeline.view.model.taskCount} tasks closed)`));
      this.screen = PROMPT;
    } else if (action?.kind === 'open') {
      fetchRecord(this.shell.client, action.msgId).then(
        (rec) => {
          const s = this.screen;
          if (s.kind !== 'timeline' || s.timeline !== timeline) return;
          this.screen = { kind: 'pager', pager: recordPager(rec, {}, this.presenting(), 'timeline'), table: null, timeline };
          this.changed();
        },
        (e: unknown) => {
          timeline.view.message = e instanceof Error ? e.message : String(e);
          this.changed();
        },
      );
    }
  }

  // ---- %tail and %top -----------------------------------------------------

  /** `%tail`: each line goes to the scrollback as the task prints it; Ctrl-C (or the tasks' end) stops. */
  private async runTail(request: TailRequest, running: Extract<Screen, { kind: 'running' }>): Promise<void> {
    running.status = 'following the output; Ctrl-C stops';
    this.changed();
    for await (const line of request.lines(running.abort.signal)) {
      this.print(tailLineText(line, this.painter));
      this.changed();
    }
    if (running.abort.signal.aborted) this.print(this.painter.dim('(tail stopped)'));
  }

  private startTop(request: TopRequest): void {
    const top = new TopSession(request, { columns: this.columns, rows: this.rows }, this.shell.settings?.timezone === 'utc', () => this.changed());
    this.screen = { kind: 'top', top };
    top.start();
  }

  private topOf(s: Screen): TopSession | null {
    return s.kind === 'top' ? s.top : s.kind === 'pager' ? s.top ?? null : null;
  }

  private topKey(top: TopSession, ev: KeyEvent): void {
    const action = top.handleKey(ev);
    if (!action) return;
    if (action.kind === 'close') {
      top.stop();
      this.print(this.painter.dim(top.summary()));
      this.screen = PROMPT;
    } else if (action.kind === 'tail') {
      top.stop();
      this.print(this.painter.dim(top.summary()));
      this.screen = PROMPT;
      void this.run(`%tail ${action.msgId}`);
    } else {
      fetchRecord(this.shell.client, action.msgId).then(
        (rec) => {
          const s = this.screen;
          if (s.kind !== 'top' || s.top !== top) return;
          this.screen = { kind: 'pager', pager: recordPager(rec, {}, this.presenting(), 'top'), table: null, top };
          this.changed();
        },
        (e: unknown) => {
          top.message = e instanceof Error ? e.message : String(e);
          this.changed();
        },
      );
    }
  }

  // ---- %watch -------------------------------------------------------------

  private startWatch(request: WatchRequest, n: number): void {
    const watch = new Watch({
      shell: this.shell,
      statement: request.statement,
      seconds: request.seconds,
      out: n,
      painter: this.painter,
      tableOf: (v) => tableOf(v, this.tableOptions()),
      size: () => ({ columns: this.columns, rows: this.rows }),
      onChange: () => this.changed(),
    });
    this.screen = { kind: 'watch', watch };
    this.changed();
    watch.start();
  }

  private stopWatch(watch: Watch): void {
    watch.stop();
    this.print(watch.text());
    this.screen = PROMPT;
  }

  /** Stops timers and running work (the session is ending). */
  dispose(): void {
    const s = this.screen;
    if (s.kind === 'watch') s.watch.stop();
    this.timelineOf(s)?.stop();
    this.topOf(s)?.stop();
    this.table?.stopSearch();
    this.shell.terminal = null;
    this.listeners.clear();
  }
}
