import type { Client } from '../client/index.js';
import type { IpcError } from '../errors.js';

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
}

export interface ExecuteOptions {
  readonly signal?: AbortSignal;
  readonly bail?: boolean;
  /** The first line number of `source` in its file, for error messages. */
  readonly firstLine?: number;
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
}

export interface Completion {
  /** The span of `line` that the candidates replace. */
  readonly start: number;
  readonly end: number;
  readonly candidates: readonly string[];
}

/** Asks a yes/no question in a terminal (destructive calls); script mode answers from --yes. */
export type Confirm = (question: string) => Promise<boolean>;
