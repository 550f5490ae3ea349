import type { Client } from '../client/index.js';
import type { DisplayOptions, OutputFormat } from '../format/index.js';
import type { Interpreter, Statement } from '../language/index.js';
import type { Shell } from './api.js';
import type { NamedQueries } from './named-queries.js';

/** A `%name args` statement as the parser gives it. */
export type MagicStatement = Extract<Statement, { kind: 'magic' }>;

/**
 * One magic: a new one is one of these, added to a theme's list in
 * `magics/`; `%help`, completion and the README's tables read them.
 */
export interface Magic {
  readonly name: string;
  /** How it is called: `%show ID`. */
  readonly usage: string;
  /** What it does, as `%help` says it after the usage. */
  readonly help: string;
  /** The `--flags` Tab completes after it. */
  readonly flags?: readonly string[];
  /** What Tab completes after it: a task's msg_id, or a named query's name. */
  readonly completes?: 'msg_id' | 'query name';
  /** Set when it runs in the interactive shell only: what a script is told instead. */
  readonly terminalOnly?: string;
  /** What it answers: a value (shown as Out[n]), a request to the terminal, or undefined (nothing to show). */
  run(st: MagicStatement, ctx: MagicContext): unknown;
}

/** A magic's line of `%help`: `%show ID: the record view…`. */
export function helpLine(m: Magic): string {
  return `${m.usage}: ${m.help}`;
}

export interface MagicContext {
  readonly shell: Shell;
  readonly client: Client;
  readonly interp: Interpreter;
  readonly source: string;
  readonly firstLine: number;
  readonly builtins: Map<string, unknown>;
  display(): DisplayOptions;
  readonly tables: (() => Promise<readonly string[]>) | undefined;
  print(text: string): void;
  /** Runs a statement of this input, or of `text` (a named query's) when given. */
  run(st: Statement, text?: string): Promise<{ value: unknown; isExpression: boolean }>;
  readonly queries: NamedQueries;
  readonly rcMethods: Record<string, string>;
  readonly outputFormats: readonly OutputFormat[];
  /** The msg_ids of the values this session has shown or bound, newest first: `%show _14` looks among them. */
  seenIds(): Iterable<string>;
}

