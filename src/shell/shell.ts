import { RecordStream, type Client } from '../client/types.js';
import { IpcError, isIpcError } from '../errors.js';
import { OUTPUT_FORMATS, type DisplayOptions, type OutputFormat } from '../format/index.js';
import { Timestamp } from '../records/index.js';
import type { Completion, Confirm, ExecuteOptions, Outcome, Shell, ShellSettings } from './api.js';
import { completeAt } from './complete.js';
import { Interpreter } from './interpreter.js';
import { stripPrompts } from './lexer.js';
import { runMagic, type MagicContext } from './magics.js';
import { parseStatement } from './parser.js';
import { RC_METHODS, countDbQuery, makeRc, streamDbQuery } from './rc.js';
import { isCompleteSource, splitStatements } from './split.js';
import { makeBuiltins } from './builtins.js';
import { DATETIME, DATETIME_MODULE, TIMEDELTA, TIMEZONE, ago, todayMidnight } from './time.js';
import { PyFunction, PyObject } from './values.js';
import type { Expr, Statement } from './syntax.js';

export interface ShellOptions {
  readonly client: Client;
  /** Initial display settings (from the configuration and --format). */
  readonly settings?: Partial<ShellSettings>;
  /** Where print() writes when the statement runs; by default it goes into the outcome's `printed`. */
  readonly print?: (text: string) => void;
  /** The task tables of the store (%tables), when it has several. */
  readonly tables?: () => Promise<readonly string[]>;
}

/** The rc methods reachable without `rc.`, as the documentation's lines are often pasted. */
const RC_SHORTCUTS = ['db_query', 'get_result', 'hub_history', 'purge_results', 'queue_status', 'resubmit', 'session'];

class ShellImpl implements Shell {
  readonly client: Client;
  readonly settings: ShellSettings;
  confirm: Confirm | null = null;
  private readonly interp: Interpreter;
  private readonly builtins: Map<string, unknown>;
  private readonly out: Record<string, unknown> = {};
  private readonly inputs: string[] = [];
  private counter = 0;
  private printed: string[] | null = null;
  /** rc.db_query, which script mode streams when a statement calls it at the top. */
  private readonly dbQuery: unknown;

  constructor(private readonly options: ShellOptions) {
    this.client = options.client;
    this.settings = {
      format: options.settings?.format ?? 'table',
      timezone: options.settings?.timezone ?? 'local',
      maxColumnWidth: options.settings?.maxColumnWidth ?? 40,
    };
    const rc = makeRc(this.client);
    const print = (text: string) => {
      if (this.printed) this.printed.push(text);
      else options.print?.(text);
    };
    this.builtins = makeBuiltins((fn, args) => this.interp.call(fn, args), print, () => this.display());
    this.builtins.set('rc', rc);
    this.builtins.set('datetime', DATETIME);
    this.builtins.set('timedelta', TIMEDELTA);
    this.builtins.set('timezone', TIMEZONE);
    this.builtins.set('ago', new PyFunction('ago', (c) => ago(c.args[0]), "ago('90m' | '2h' | '3d'): that long before now"));
    this.builtins.set('Out', this.out);
    for (const name of ['_', '__', '___']) this.builtins.set(name, '');
    this.builtins.set('help', new PyFunction('help', (c) => {
      const x = c.args[0];
      const topic = x === undefined || x === null ? '' : x instanceof PyFunction ? x.name.replace(/^Client\./, '') : typeof x === 'string' ? x : '';
      if (x !== undefined && x !== null && topic === '') throw new IpcError('TypeError', 'help() takes a function or a name, such as help(db_query) or help("completed")');
      const ctx = this.magicContext('', 1, {}, []);
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
        if (name === 'ipyparallel' || name === 'ipyparallel.client' || name === 'IPython.parallel') return ipyparallel;
        throw new IpcError('NameError', `No module named '${name}'; the ipc shell knows datetime and ipyparallel`);
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
    });
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
    const outcomes: Outcome[] = [];
    let counted = 0;
    let lineAt = 1;
    for (const chunk of splitStatements(text)) {
      let from = chunk.from;
      while (from < chunk.to && /\s/.test(text[from]!)) from++;
      const stmtSource = text.slice(from, chunk.to).trimEnd();
      lineAt += newlines(text, counted, from);
      counted = from;
      const line = lineAt + firstLine - 1;
      const t0 = performance.now();
      const printed: string[] = [];
      this.printed = this.options.print ? null : printed;
      let value: unknown;
      let hasValue = false;
      let error: IpcError | undefined;
      if (options.signal?.aborted) {
        error = new IpcError('Interrupted', 'the statement was interrupted');
      } else {
        this.inputs.push(stmtSource);
        try {
          const st = parseStatement({ source: text, from, to: chunk.to, firstLine });
          const r = await this.runStatement(st, text, firstLine, options, printed);
          if (r.isExpression && r.value !== null && r.value !== undefined) {
            value = r.value;
            hasValue = true;
          }
        } catch (e) {
          error = asIpcError(e);
        }
      }
      this.printed = null;
      const outcome: Outcome = {
        line,
        source: stmtSource,
        hasValue,
        elapsedMs: performance.now() - t0,
        ...(hasValue ? { value } : {}),
        ...(error ? { error } : {}),
        ...(printed.length ? { printed: printed.join('') } : {}),
      };
      if (hasValue && !(value instanceof RecordStream)) {
        const n = options.promptNumber ?? ++this.counter;
        this.recordOutput(n, value);
      }
      outcomes.push(outcome);
      const go = await options.onOutcome?.(outcome);
      if (go === false) break;
      if (error && (options.bail || error.kind === 'Interrupted')) break;
    }
    return outcomes;
  }

  private magicContext(source: string, firstLine: number, options: ExecuteOptions, printed: string[]): MagicContext {
    return {
      shell: this,
      client: this.client,
      interp: this.interp,
      source,
      firstLine,
      builtins: this.builtins,
      display: () => this.display(),
      tables: this.options.tables,
      print: (t) => printed.push(t),
      // a statement inside a magic (%time) is measured whole: never streamed
      run: (inner) => this.runStatement(inner, source, firstLine, { ...options, streamRecords: false }, printed),
      rcMethods: RC_METHODS,
      outputFormats: OUTPUT_FORMATS as readonly OutputFormat[],
    };
  }

  private async runStatement(
    st: Statement,
    source: string,
    firstLine: number,
    options: ExecuteOptions,
    printed: string[],
  ): Promise<{ value: unknown; isExpression: boolean }> {
    this.interp.signal = options.signal;
    try {
      if (st.kind === 'magic' || st.kind === 'help') {
        const ctx = this.magicContext(source, firstLine, options, printed);
        if (st.kind === 'help') return { value: await runMagic({ kind: 'magic', at: st.at, name: 'help', arg: source.slice(st.expr.at, findHelpEnd(source, st.expr.at)), argAt: st.expr.at }, ctx), isExpression: true };
        return await runMagicStatement(st, ctx);
      }
      if (st.kind === 'expr' && isLenOfCall(st.expr) && !this.interp.globals.has('len')) {
        // len(db_query(Q)) counts: the records are never built
        let counted = false;
        const inner = await this.interp.evaluateCall(st.expr.args[0] as Extract<Expr, { kind: 'call' }>, (fn, call) =>
          fn === this.dbQuery ? ((counted = true), countDbQuery(this.client, call)) : undefined);
        return { value: counted ? inner : await this.interp.call(this.builtins.get('len'), [inner]), isExpression: true };
      }
      if (options.streamRecords && st.kind === 'expr' && st.expr.kind === 'call') {
        const value = await this.interp.evaluateCall(st.expr, (fn, call) =>
          fn === this.dbQuery ? streamDbQuery(this.client, call) : undefined);
        return { value, isExpression: true };
      }
      return await this.interp.run(st);
    } finally {
      this.interp.signal = undefined;
    }
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
  if (e instanceof RangeError && /call stack/i.test(e.message)) return new IpcError('ParseError', 'the statement is nested too deeply to run');
  if (e instanceof RangeError) return new IpcError('TypeError', `a value is out of range (${e.message})`);
  if (e instanceof Error) return new IpcError('TypeError', `internal error: ${e.message}`);
  return new IpcError('TypeError', `internal error: ${String(e)}`);
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
