import type { Tee } from './tee.js';
import type { Client, TailLine, TopMonitor } from '../client/index.js';
import type { IpcError } from '../errors.js';
import type { OutputFormat, TopGroup } from '../format/index.js';
import type { ErrorReport, IntervalTable, TimelineRows } from '../analytics/index.js';
import type { DeriveContext, Dict, TaskRecord } from '../records/index.js';

/**
 * The contract between the statement language (shell/) and whatever drives
 * it: script mode (plain stdout) or the interactive terminal (ui/). Nothing
 * here knows about a terminal.
 */
export interface Shell {
  readonly client: Client;
  /**
   * Runs the statements of `source` (one or more lines) in order. Each
   * statement gives one outcome; an error does not stop the rest unless
   * `bail` is set. `signal` cancels the running statement (Ctrl-C).
   */
  execute(source: string, options?: ExecuteOptions): Promise<Outcome[]>;
  /** Whether `source` is a complete statement (brackets closed) or needs more lines. */
  isComplete(source: string): boolean;
  /** Completion candidates at `cursor` in `line`. Never slow: store look-ups are bounded. */
  complete(line: string, cursor: number): Promise<Completion>;
  /** Names bound so far (variables), for completion and %who. */
  variables(): ReadonlyMap<string, unknown>;
  /** Display settings that %format and the configuration change; drivers read them when rendering. */
  readonly settings: ShellSettings;
  /**
   * Records a statement's value as `Out[n]` and shifts `_`, `__`, `___`.
   * `execute` does this itself when given `promptNumber`.
   */
  recordOutput(n: number, value: unknown): void;
  /** The statements run so far, oldest first (%history in script mode). */
  history(): readonly string[];
  /** This session's inputs by their In [n] (given as `promptNumber`), as %history, %save and %edit number them. */
  cells(): ReadonlyMap<number, string>;
  /**
   * Set by the interactive terminal: %watch is possible, %history reads the
   * history kept across sessions, %help lists the keys, a destructive call
   * asks there. Null in script mode (which answers a confirmation from --yes).
   */
  terminal: Terminal | null;
  /** `%tee`/`%once`: where each later Out[n] is also written, or null. */
  tee: Tee | null;
}

export interface Terminal {
  /** The inputs kept across sessions, oldest first. */
  history(): readonly string[];
  /** The terminal's width: text tables (%stats, %errors) fit it without wrapping a row. */
  columns?(): number;
  /**
   * A request a statement waits on while it runs (a destructive call's
   * confirmation): the terminal shows it and answers.
   */
  ask(request: ConfirmRequest): Promise<boolean>;
}

/**
 * What a statement asks the interactive terminal to do: the terminal
 * switches on `kind`. Given in place of a value to show: `%edit` opens
 * $VISUAL or $EDITOR on the text and runs what is saved; `%watch` runs a
 * statement again and again; `%timeline` draws its chart full screen;
 * `%errors` opens its table of failure signatures; `%top` and `%tail`.
 * Asked while the statement runs, which waits on the answer
 * (`Terminal.ask`): `confirm`, a yes/no question before a destructive call.
 * The pager is not asked for: the terminal shows there any answer taller
 * than the screen (text, a record view, a long repr), as it shows a long
 * table in its viewer.
 */
export type TerminalRequest =
  | { readonly kind: 'confirm'; readonly question: string }
  | { readonly kind: 'edit'; readonly text: string; /** What is being edited, for messages: `In [3]`, `a new input`. */ readonly label: string }
  | { readonly kind: 'watch'; readonly statement: string; readonly seconds: number }
  | {
      readonly kind: 'timeline';
      readonly open: () => AsyncIterable<TaskRecord> | Iterable<TaskRecord>;
      /** The engine map for the records, looked up when they are read. */
      readonly ctx: () => Promise<DeriveContext>;
      /** Whether the records change as the hub runs tasks, so the view polls. */
      readonly live: boolean;
      /** One row per engine, label or function. */
      readonly rows: TimelineRows;
      /** The tasks read as columns, where the client can (else null: read `open`). */
      readonly intervals?: () => Promise<IntervalTable | null>;
    }
  | {
      readonly kind: 'errors';
      readonly report: ErrorReport;
      /** The rows as drawn, one per signature, in the report's order. */
      readonly columns: readonly string[];
      readonly rows: readonly Record<string, string>[];
    }
  | {
      /** `%top`: a full-screen view of the cluster that refreshes itself. */
      readonly kind: 'top';
      readonly client: Client;
      readonly query: Dict;
      readonly by: TopGroup | null;
      readonly seconds: number;
      /** The statement as typed, for the view's title and `t`/`e`. */
      readonly source: string;
      monitor(): TopMonitor;
    }
  | {
      /** `%tail`: each line written as it comes, until the tasks are done or the signal aborts. */
      readonly kind: 'tail';
      lines(signal: AbortSignal): AsyncIterable<TailLine>;
    };

export type ConfirmRequest = Extract<TerminalRequest, { kind: 'confirm' }>;
export type EditRequest = Extract<TerminalRequest, { kind: 'edit' }>;
export type WatchRequest = Extract<TerminalRequest, { kind: 'watch' }>;
export type TimelineRequest = Extract<TerminalRequest, { kind: 'timeline' }>;
export type ErrorsRequest = Extract<TerminalRequest, { kind: 'errors' }>;
export type TopRequest = Extract<TerminalRequest, { kind: 'top' }>;
export type TailRequest = Extract<TerminalRequest, { kind: 'tail' }>;

const REQUESTS = new WeakSet<object>();

/** A request to the terminal, told apart from any value a statement gives. */
export function askTerminal<T extends TerminalRequest>(request: T): T {
  REQUESTS.add(request);
  return request;
}

/** The request a statement's value is, or null when it is a value to show. */
export function terminalRequest(v: unknown): TerminalRequest | null {
  return typeof v === 'object' && v !== null && REQUESTS.has(v) ? (v as TerminalRequest) : null;
}

export interface ShellSettings {
  format: OutputFormat;
  timezone: 'local' | 'utc';
  maxColumnWidth: number;
}

export interface ExecuteOptions {
  readonly signal?: AbortSignal;
  readonly bail?: boolean;
  /**
   * What a failed statement stops besides itself, as Python stops a cell at
   * its first exception: `input` (the default: the rest of the input, an
   * In [n] cell) or `line` (a script: the statements after it on the line
   * where it ends, joined to it by `;`; the next line runs, unless `bail`).
   */
  readonly stops?: 'input' | 'line';
  /** The first line number of `source` in its file, for error messages. */
  readonly firstLine?: number;
  /** The `In [n]` of this input: values are recorded as `Out[n]`. */
  readonly promptNumber?: number;
  /**
   * Called as each statement finishes; the next starts once it returns, or
   * once its promise settles (script mode writes a streamed answer out
   * first). Answering `false` stops the statements that follow.
   */
  readonly onOutcome?: (outcome: Outcome) => void | boolean | Promise<void | boolean>;
  /**
   * An expression statement that is a call of db_query (`db_query(...)`,
   * `rc.db_query(...)`) gives a RecordStream instead of a RecordList, to be
   * read by onOutcome before the next statement runs. Streamed values are
   * not recorded as `Out[n]` or `_`.
   */
  readonly streamRecords?: boolean;
  /**
   * An expression statement that is a call of db_query whose answer has
   * more records than this keeps them in the store (where the store can),
   * to be read a page at a time by the viewer; the list reads them all when
   * it is used as a list (`Out[n]`, `_`).
   */
  readonly pageRecordsOver?: number;
}

export interface Outcome {
  /** 1-based line of the statement's start. */
  readonly line: number;
  readonly source: string;
  /** Present when the statement is an expression with a value (not None, not an assignment). */
  readonly value?: unknown;
  readonly hasValue: boolean;
  readonly error?: IpcError;
  /** Wall time of the statement, for %time. */
  readonly elapsedMs: number;
  /** What the statement printed (print(), %time's timing), shown before its value. */
  readonly printed?: string;
}

export interface Completion {
  /** The span of `line` that the candidates replace. */
  readonly start: number;
  readonly end: number;
  readonly candidates: readonly string[];
}
