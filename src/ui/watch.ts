import { interrupted } from '../errors.js';
import { prettyRepr, stripAnsi, textWidth } from '../format/index.js';
import type { Outcome, Shell } from '../shell/index.js';
import type { Painter } from './style.js';
import type { TableModel } from './table-columns.js';

/**
 * `%watch STATEMENT [SECONDS]`: runs the statement again and again, keeps
 * the latest answer in the live area, and marks the rows whose cells
 * changed since the run before (a row is known by its msg_id).
 */
export interface WatchSettings {
  readonly shell: Shell;
  readonly statement: string;
  readonly seconds: number;
  /** The In [n] of the %watch: each run's value becomes Out[n]. */
  readonly out: number;
  readonly painter: Painter;
  /** The value as a table, when it is one (the session's display settings). */
  readonly tableOf: (value: unknown) => TableModel | null;
  /** The live area's size now (it may change between runs). */
  readonly size: () => { columns: number; rows: number };
  readonly onChange: () => void;
}

export class Watch {
  lines: string[] = [];
  runs = 0;
  changed = 0;
  error = '';
  private signatures = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private running: AbortController | null = null;
  private stopped = false;

  constructor(private readonly w: WatchSettings) {}

  get statement(): string {
    return this.w.statement;
  }

  start(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const ac = new AbortController();
    this.running = ac;
    try {
      const outcomes = await this.w.shell.execute(this.w.statement, { signal: ac.signal, promptNumber: this.w.out });
      if (this.stopped) return;
      this.frame(outcomes);
    } catch (e) {
      if (this.stopped) return;
      this.runs++;
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (this.running === ac) this.running = null;
    }
    this.w.onChange();
    this.timer = setTimeout(() => void this.tick(), this.w.seconds * 1000);
  }

  private frame(outcomes: Outcome[]): void {
    const p = this.w.painter;
    const { columns, rows } = this.w.size();
    this.runs++;
    const failed = outcomes.find((o) => o.error);
    if (failed?.error) {
      this.error = `${failed.error.kind}: ${failed.error.message}`;
      return;
    }
    this.error = '';
    const value = [...outcomes].reverse().find((o) => o.hasValue)?.value;
    const model = this.w.tableOf(value);
    const room = Math.max(1, rows - 3 - this.headerRows(columns));
    const signatures = new Map<string, string>();
    if (!model) {
      const text = prettyRepr(value, {}, columns);
      const prev = this.signatures.get('');
      signatures.set('', text);
      this.changed = this.runs > 1 && prev !== text ? 1 : 0;
      this.lines = text.split('\n').slice(0, room).map((l) => (this.changed ? p.yellow(l) : l));
    } else {
      const lines = ['  ' + model.header(1, columns - 2, p)];
      let changed = 0;
      for (let i = 0; i < model.rowCount; i++) {
        const id = model.records.at(i)!['msg_id'];
        const key = typeof id === 'string' ? id : String(i);
        const sig = model.rowSearchText(i);
        signatures.set(key, sig);
        const isChanged = this.runs > 1 && this.signatures.get(key) !== sig;
        if (isChanged) changed++;
        if (i < room - 1) {
          const row = model.row(i, 1, columns - 2, p);
          lines.push(isChanged ? p.yellow('* ') + p.bold(row) : '  ' + row);
        }
      }
      if (model.rowCount > room - 1) lines.push(p.dim(`  … ${model.rowCount - (room - 1)} more records`));
      this.lines = lines;
      this.changed = changed;
    }
    this.signatures = signatures;
  }

  /**
   * The statement is shown whole (it is what the user typed). When the
   * header does not fit on one line, the run count and key hint go on a line
   * of their own rather than wherever the terminal breaks the line.
   */
  header(): string {
    const p = this.w.painter;
    const { columns } = this.w.size();
    const lead = `${p.bold(`Every ${this.w.seconds}s:`)} ${this.w.statement}`;
    const runs = p.dim(`run ${this.runs}${this.runs > 1 ? `, ${this.changed} changed` : ''} · Ctrl-C or q stops`);
    const oneLine = `${lead}  ${runs}`;
    return textWidth(stripAnsi(oneLine)) <= columns ? oneLine : `${lead}\n  ${runs}`;
  }

  /** Terminal lines the header takes at this width. */
  private headerRows(columns: number): number {
    return this.header()
      .split('\n')
      .reduce((n, l) => n + Math.max(1, Math.ceil(textWidth(stripAnsi(l)) / Math.max(1, columns))), 0);
  }

  /** The last frame, for the scrollback once the watch stops. */
  text(): string {
    return [this.header(), ...this.lines, ...(this.error ? [this.w.painter.red(this.error)] : [])].join('\n');
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running?.abort(interrupted());
    this.running = null;
  }
}
