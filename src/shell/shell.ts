import { AsyncLocalStorage } from 'node:async_hooks';
import { RecordList, RecordStream, type Client } from '../client/index.js';
import { IpcError, interrupted, isIpcError, loopTurn, nameError, parseError, typeError } from '../errors.js';
import { OUTPUT_FORMATS, WRITERS, isRecordView, isTaskResult, type DisplayOptions } from '../format/index.js';
import { Timestamp, isDict } from '../records/index.js';
import type { Completion, ExecuteOptions, Outcome, Shell, ShellSettings, Terminal } from './api.js';
import { provideAttributes, memoryError, Interpreter, stripPrompts, parseStatement, isCompleteSource, splitStatements, makeBuiltins, COLLECTIONS_MODULE, MATH_MODULE, DATETIME, DATETIME_MODULE, TIMEDELTA, TIMEZONE, ago, todayMidnight, PyFunction, PyObject } from '../language/index.js';
import { completeAt } from './complete.js';
import { runMagic } from './magics/index.js';
import type { MagicContext } from './magic.js';
import type { Tee } from './tee.js';
import { NamedQueries, defaultQueriesFile } from './named-queries.js';
import { RC_METHODS, countDbQuery, makeRc, pagedDbQuery, streamDbQuery } from './rc.js';
import { makeErrorsFunction, makeStatsFunction, reportOfCall } from './magics/index.js';
import type { Expr, Statement } from '../language/index.js';
import { TASK_RESULT_ATTRIBUTES } from './task-result-attributes.js';

/** A statement that ran this long has the event loop turn once before its value is shown (a Ctrl-C pending is then seen). */
const LONG_STATEMENT_MS = 10;

provideAttributes(TASK_RESULT_ATTRIBUTES);

export interface ShellOptions {
  readonly client: Client;
  /** Initial display settings (from the configuration and --format). */
  readonly settings?: Partial<ShellSettings>;
  /** Where print() writes when the statement runs; by default it goes into the outcome's `printed`. */
  readonly print?: (text: string) => void;
  /** The task tables of the store (%tables), when it has several. */
  readonly tables?: () => Promise<readonly string[]>;
  /** Where %q keeps named queries; default ~/.ipc_queries.json; null keeps none. */
  readonly queriesFile?: string | null;
}

/** The rc methods reachable without `rc.`, as the documentation's lines are often pasted. */
const RC_SHORTCUTS = ['db_query', 'get_result', 'hub_history', 'purge_results', 'queue_status', 'resubmit', 'session'];

/**
 * One call of execute(): its cancel signal, what its statements print, and
 * the interpreter that honours that signal. Two executions at once (a
 * %watch run beside a typed statement) keep apart.
 */
class Execution {
  readonly interp: Interpreter;
  constructor(
    base: Interpreter,
    readonly signal: AbortSignal | undefined,
    /** What the statement printed, for its outcome (%time's timing always; print() unless it goes straight out). */
    readonly printed: string[],
    /** print() writes to the shell's print option at once rather than into `printed`. */
    readonly printsOut: boolean,
  ) {
    this.interp = base.withSignal(signal);
  }
}

/** How many msg_ids of one value `%show _14` looks through. */
const SEEN_PER_VALUE = 100_000;

class ShellImpl implements Shell {
  readonly client: Client;
  readonly settings: ShellSettings;
  terminal: Terminal | null = null;
  private readonly interp: Interpreter;
  private readonly builtins: Map<string, unknown>;
  private readonly out: Record<string, unknown> = {};
  private readonly inputs: string[] = [];
  private counter = 0;
  private readonly execution = new AsyncLocalStorage<Execution>();
  /** Statements running now, each in its own execution context. */
  private running = 0;
  /** rc.db_query, which script mode streams when a statement calls it at the top. */
  private readonly dbQuery: unknown;

  constructor(private readonly options: ShellOptions) {
    this.client = options.client;
    this.queries = new NamedQueries(options.queriesFile === undefined ? defaultQueriesFile() : options.queriesFile);
    this.settings = {
      format: options.settings?.format ?? 'table',
      timezone: options.settings?.timezone ?? 'local',
      maxColumnWidth: options.settings?.maxColumnWidth ?? 40,
    };
    const rc = makeRc(this.client);
    const print = (text: string) => {
      const execution = this.execution.getStore();
      if (execution && !execution.printsOut) execution.printed.push(text);
      else options.print?.(text);
    };
    this.builtins = makeBuiltins((fn, args) => (this.execution.getStore()?.interp ?? this.interp).call(fn, args), print, () => this.display());
    this.builtins.set('rc', rc);
    this.builtins.set('datetime', DATETIME);
    this.builtins.set('timedelta', TIMEDELTA);
    this.builtins.set('timezone', TIMEZONE);
    this.builtins.set('ago', new PyFunction('ago', (c) => ago(c.args[0]), "ago('90m' | '2h' | '3d'): that long before now"));
    this.builtins.set('stats', makeStatsFunction(this.client));
    this.builtins.set('errors', makeErrorsFunction(this.client));
    this.builtins.set('Out', this.out);
    for (const name of ['_', '__', '___']) this.builtins.set(name, '');
    this.builtins.set('help', new PyFunction('help', (c) => {
      const x = c.args[0];
      const topic = x === undefined || x === null ? '' : x instanceof PyFunction ? x.name.replace(/^Client\./, '') : typeof x === 'string' ? x : '';
      if (x !== undefined && x !== null && topic === '') throw typeError('help() takes a function or a name, such as help(db_query) or help("completed")');
      const ctx = this.magicContext('', 1, {}, [], this.interp);
      return runMagic({ kind: 'magic', at: 0, name: 'help', arg: topic, argAt: 0 }, ctx);
    }, 'help(x): what a function, key or operator does; help() lists everything'));
    for (const name of RC_SHORTCUTS) this.builtins.set(name, rc.peek(name));
    this.dbQuery = rc.peek('db_query');
    const dynamic = new Map<string, () => unknown>([
      ['now', () => Timestamp.now()],
      ['today', () => todayMidnight()],
      ['hourago', () => new Timestamp(Date.now() * 1000 - 3600e6)],
    ]);
    const ipyparallel = new PyObject('module', { Client: new PyFunction('Client', () => rc, 'Client(): the rc of this session') }, "<module 'ipyparallel'>");
    this.interp = new Interpreter({
      builtins: this.builtins,
      dynamic,
      importModule: (name) => {
        if (name === 'datetime') return DATETIME_MODULE;
        if (name === 'collections') return COLLECTIONS_MODULE;
        if (name === 'math') return MATH_MODULE;
        if (name === 'ipyparallel' || name === 'ipyparallel.client' || name === 'IPython.parallel') return ipyparallel;
        throw nameError(`No module named '${name}'; the ipc shell knows datetime, collections, math and ipyparallel`);
      },
    });
  }

  display(): DisplayOptions {
    return { timezone: this.settings.timezone, maxColumnWidth: this.settings.maxColumnWidth };
  }

  variables(): ReadonlyMap<string, unknown> {
    return this.interp.globals;
  }

  history(): readonly string[] {
    return this.inputs;
  }

  /** This session's inputs by their In [n], as %history numbers them. */
  private readonly inputCells = new Map<number, string>();

  cells(): ReadonlyMap<number, string> {
    return this.inputCells;
  }

  isComplete(source: string): boolean {
    return isCompleteSource(stripPrompts(normalize(source)));
  }

  complete(line: string, cursor: number): Promise<Completion> {
    return completeAt(line, cursor, {
      variables: this.interp.globals,
      builtins: this.builtins,
      evaluatePath: async (path) => {
        const [first, ...rest] = path;
        let v: unknown = this.interp.globals.has(first!) ? this.interp.globals.get(first!) : this.builtins.get(first!);
        for (const name of rest) {
          if (!(v instanceof PyObject) || !v.has(name)) return undefined;
          v = await v.get(name);
        }
        return v;
      },
      msgIds: async (prefix) => {
        const found = await this.client.dbQuery({ msg_id: { $regex: '^' + prefix.replace(/[^0-9a-f_-]/g, '') } }, ['msg_id']);
        return found.records.slice(0, 50).map((r) => r['msg_id'] as string);
      },
      seenIds: () => this.seenIds(),
      queryNames: () => {
        try {
          return this.queries.names();
        } catch {
          return [];
        }
      },
    });
  }

  /** %q's named queries. */
  readonly queries: NamedQueries;

  /** Where %tee or %once copies each Out[n]. */
  tee: Tee | null = null;

  /** Copies a value to the tee; a failed write ends the tee and is the statement's error. */
  private teeOut(n: number, value: unknown): IpcError | undefined {
    try {
      if (!this.tee!.write(n, value, this.display())) this.tee = null;
      return undefined;
    } catch (e) {
      this.tee = null;
      return asIpcError(e);
    }
  }

  recordOutput(n: number, value: unknown): void {
    this.out[String(n)] = value;
    this.builtins.set('___', this.builtins.get('__') ?? '');
    this.builtins.set('__', this.builtins.get('_') ?? '');
    this.builtins.set('_', value);
    this.counter = Math.max(this.counter, n);
  }

  async execute(source: string, options: ExecuteOptions = {}): Promise<Outcome[]> {
    const text = stripPrompts(normalize(source));
    const firstLine = options.firstLine ?? 1;
    // the first run of In [n] is its input (%watch runs its statement again under the same n)
    if (options.promptNumber !== undefined && !this.inputCells.has(options.promptNumber) && text.trim()) {
      this.inputCells.set(options.promptNumber, text.trim());
    }
    const outcomes: Outcome[] = [];
    let counted = 0;
    let lineAt = 1;
    /** After a failed statement of a script: the line it ended on, whose statements after it do not run. */
    let stoppedLine = 0;
    for (const chunk of splitStatements(text)) {
      let from = chunk.from;
      while (from < chunk.to && /\s/.test(text[from]!)) from++;
      const stmtSource = text.slice(from, chunk.to).trimEnd();
      lineAt += newlines(text, counted, from);
      counted = from;
      const line = lineAt + firstLine - 1;
      // as Python runs `a; b`: b is not run once a has raised
      if (line === stoppedLine) continue;
      const t0 = performance.now();
      const printed: string[] = [];
      const execution = new Execution(this.interp, options.signal, printed, this.options.print !== undefined);
      let value: unknown;
      let hasValue = false;
      let error: IpcError | undefined;
      if (options.signal?.aborted) {
        error = interrupted();
      } else {
        this.inputs.push(stmtSource);
        try {
          const st = parseStatement({ source: text, from, to: chunk.to, firstLine });
          const r = await this.runInContext(execution, () => this.runStatement(st, text, firstLine, options, execution));
          // A Ctrl-C that came while the statement's last steps ran without the event loop turning (the numbers of a
          // large %stats) is seen now, before its value is shown: the loop turns once, after any statement that took a
          // while (a quick one is over before anyone could press it). A stream is left to its reader, which looks at
          // the signal between pieces.
          if (options.signal && performance.now() - t0 >= LONG_STATEMENT_MS && !(r.value instanceof RecordStream)) {
            await loopTurn(options.signal);
          }
          if (r.isExpression && r.value !== null && r.value !== undefined) {
            value = r.value;
            hasValue = true;
          }
        } catch (e) {
          error = asIpcError(e);
        }
      }
      if (hasValue && !(value instanceof RecordStream)) {
        const n = options.promptNumber ?? ++this.counter;
        this.recordOutput(n, value);
        if (this.tee) error ??= this.teeOut(n, value);
      }
      const outcome: Outcome = {
        line,
        source: stmtSource,
        hasValue,
        elapsedMs: performance.now() - t0,
        ...(hasValue ? { value } : {}),
        ...(error ? { error } : {}),
        ...(printed.length ? { printed: printed.join('') } : {}),
      };
      outcomes.push(outcome);
      const go = await options.onOutcome?.(outcome);
      if (go === false) break;
      if (error && (options.bail || error.kind === 'Interrupted' || options.stops !== 'line')) break;
      if (error) stoppedLine = line + newlines(text, from, chunk.to);
    }
    return outcomes;
  }

  private magicContext(source: string, firstLine: number, options: ExecuteOptions, printed: string[], interp: Interpreter): MagicContext {
    return {
      shell: this,
      client: this.client,
      interp,
      source,
      firstLine,
      builtins: this.builtins,
      display: () => this.display(),
      tables: this.options.tables,
      print: (t) => printed.push(t),
      // a statement inside a magic (%time) is measured whole: never streamed nor paged
      run: (inner, text = source) => {
        const execution = this.execution.getStore() ?? new Execution(this.interp, options.signal, printed, this.options.print !== undefined);
        const { pageRecordsOver: _paged, ...whole } = options;
        return this.runStatement(inner, text, text === source ? firstLine : 1, { ...whole, streamRecords: false }, execution);
      },
      queries: this.queries,
      rcMethods: RC_METHODS,
      // a report is a file of its own (%report FILE.html), or script mode's --format report
      outputFormats: OUTPUT_FORMATS.filter((f) => WRITERS[f].sessionFormat),
      seenIds: () => this.seenIds(),
    };
  }

  /** The msg_ids in the values shown as Out[n] and bound to variables, newest first. */
  private *seenIds(): Generator<string> {
    const outs = Object.keys(this.out).map(Number).sort((a, b) => b - a).map((n) => this.out[String(n)]);
    for (const v of [...outs, ...this.interp.globals.values()]) yield* idsIn(v);
  }


  /**
   * Runs a statement in its execution context. While one is set, Node 20
   * calls a hook on every promise, which a streamed answer of a million
   * records pays several times a record: with no statement running, the
   * context is let go, and the hooks with it, until the next statement.
   */
  private async runInContext<T>(execution: Execution, fn: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await this.execution.run(execution, fn);
    } finally {
      if (--this.running === 0) this.execution.disable();
    }
  }
  private async runStatement(
    st: Statement,
    source: string,
    firstLine: number,
    options: ExecuteOptions,
    execution: Execution,
  ): Promise<{ value: unknown; isExpression: boolean }> {
    const interp = execution.interp;
    if (st.kind === 'magic' || st.kind === 'help') {
      const ctx = this.magicContext(source, firstLine, options, execution.printed, interp);
      if (st.kind === 'help') return { value: await runMagic({ kind: 'magic', at: st.at, name: 'help', arg: source.slice(st.expr.at, findHelpEnd(source, st.expr.at)), argAt: st.expr.at }, ctx), isExpression: true };
      return runMagicStatement(st, ctx);
    }
    if (st.kind === 'expr' && isLenOfCall(st.expr) && !interp.globals.has('len')) {
      // len(db_query(Q)) counts: the records are never built
      let counted = false;
      const inner = await interp.evaluateCall(st.expr.args[0] as Extract<Expr, { kind: 'call' }>, (fn, call) =>
        fn === this.dbQuery ? ((counted = true), countDbQuery(this.client, call)) : undefined);
      return { value: counted ? inner : await interp.call(this.builtins.get('len'), [inner]), isExpression: true };
    }
    if (options.streamRecords && st.kind === 'expr' && st.expr.kind === 'call') {
      const value = await interp.evaluateCall(st.expr, (fn, call) =>
        fn !== this.dbQuery ? undefined
          : this.settings.format === 'report' ? reportOfCall(this.client, call, this.settings.timezone === 'utc')
          : streamDbQuery(this.client, call, this.settings.format));
      return { value, isExpression: true };
    }
    const over = options.pageRecordsOver;
    if (over !== undefined && st.kind === 'expr' && st.expr.kind === 'call') {
      const value = await interp.evaluateCall(st.expr, (fn, call) =>
        fn === this.dbQuery ? pagedDbQuery(this.client, call, over) : undefined);
      return { value, isExpression: true };
    }
    return interp.run(st);
  }
}

async function runMagicStatement(st: Extract<Statement, { kind: 'magic' }>, ctx: MagicContext): Promise<{ value: unknown; isExpression: boolean }> {
  if (st.name === 'time') {
    const t0 = performance.now();
    const inner = parseStatement({ source: ctx.source, from: st.argAt, to: st.argAt + st.arg.length, firstLine: ctx.firstLine });
    const r = await ctx.run(inner);
    ctx.print(`Wall time: ${formatMs(performance.now() - t0)}\n`);
    return r;
  }
  return { value: await runMagic(st, ctx), isExpression: true };
}

function* idsIn(v: unknown): Generator<string> {
  if (v instanceof RecordList) {
    for (let i = 0; i < Math.min(v.length, SEEN_PER_VALUE); i++) {
      const id = v.at(i)?.['msg_id'];
      if (typeof id === 'string') yield id;
    }
  } else if (isTaskResult(v)) yield v.msgId;
  else if (isRecordView(v) && typeof v.record['msg_id'] === 'string') yield v.record['msg_id'];
  else if (isDict(v) && typeof v['msg_id'] === 'string') yield v['msg_id'];
  else if (typeof v === 'string') yield v;
  else if (Array.isArray(v)) for (const x of v.slice(0, SEEN_PER_VALUE)) yield* idsIn(x);
}

function findHelpEnd(source: string, from: number): number {
  const q = source.indexOf('?', from);
  return q < 0 ? source.length : q;
}

function formatMs(ms: number): string {
  return ms < 1 ? `${Math.round(ms * 1000)} µs` : ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function newlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Line endings to \n; the typographic quotes stay, the lexer reads them as quotes. */
function normalize(source: string): string {
  return source.replace(/\r\n?/g, '\n');
}

/** Every failure as an IpcError: a JS error from a bug still reads as one sentence, never a stack. */
export function asIpcError(e: unknown): IpcError {
  if (isIpcError(e)) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return parseError('the statement is nested too deeply to run');
  // V8's own caps on one string or array: what the memory budget raises for the operations it knows.
  if (e instanceof RangeError && /^Invalid (string|array|typed array) length/.test(e.message)) return memoryError('the value');
  if (e instanceof RangeError) return typeError(`a value is out of range (${e.message})`);
  if (e instanceof Error) return typeError(`internal error: ${e.message}`);
  return typeError(`internal error: ${String(e)}`);
}

/** Makes the statement language over an rc (a store-backed or hub-backed Client). */
export function createShell(options: ShellOptions): Shell {
  return new ShellImpl(options);
}

/** `len(f(...))`, one positional argument that is itself a call. */
function isLenOfCall(e: Expr): e is Extract<Expr, { kind: 'call' }> {
  return e.kind === 'call' && e.callee.kind === 'name' && e.callee.name === 'len' &&
    e.args.length === 1 && e.kwargs.length === 0 && e.args[0]!.kind === 'call';
}
