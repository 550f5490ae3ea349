/**
 * Every failure a person can cause is an IpcError: a kind and one sentence
 * written for the person at the prompt. The shell prints it and goes on.
 */
export type ErrorKind =
  | 'ParseError'
  | 'QueryError'
  | 'KeyError'
  | 'IndexError'
  | 'StoreError'
  | 'HubError'
  | 'ConfigError'
  | 'TypeError'
  | 'NameError'
  | 'AttributeError'
  | 'ValueError'
  | 'RemoteError'
  | 'TimeoutError'
  | 'ZeroDivisionError'
  | 'OverflowError'
  | 'RecursionError'
  | 'MemoryError'
  | 'Interrupted';

/** A run of this many characters without a space is input quoted in a message, not prose. */
const LONG_WORD = 160;
const LONG_WORDS = new RegExp(`\\S{${LONG_WORD + 1},}`, 'g');

/** A long word cut by clip, keeping the punctuation that closes it (`';`). */
function clipWord(word: string): string {
  const tail = /\W{0,4}$/.exec(word)![0];
  return clip(word.slice(0, word.length - tail.length)) + tail;
}

export class IpcError extends Error {
  readonly kind: ErrorKind;
  /** Extra lines shown under the sentence: a caret line, a remote traceback. */
  readonly detail?: string;

  constructor(kind: ErrorKind, message: string, detail?: string) {
    // A sentence may quote what was typed: a huge name, key or pattern is cut, never echoed whole.
    super(message.length > LONG_WORD ? message.replace(LONG_WORDS, clipWord) : message);
    this.kind = kind;
    this.name = kind;
    if (detail !== undefined) this.detail = detail;
  }

  /** `Kind: sentence`, the form the shell prints. */
  override toString(): string {
    return `${this.kind}: ${this.message}`;
  }
}

/** The one place IpcErrors are made: a factory per kind. */
export const parseError = (msg: string, detail?: string) => new IpcError('ParseError', msg, detail);
export const queryError = (msg: string) => new IpcError('QueryError', msg);
export const keyError = (msg: string) => new IpcError('KeyError', msg);
export const indexError = (msg: string) => new IpcError('IndexError', msg);
export const storeError = (msg: string) => new IpcError('StoreError', msg);
export const hubError = (msg: string, detail?: string) => new IpcError('HubError', msg, detail);
export const configError = (msg: string) => new IpcError('ConfigError', msg);
export const typeError = (msg: string) => new IpcError('TypeError', msg);
export const nameError = (msg: string) => new IpcError('NameError', msg);
export const attributeError = (msg: string) => new IpcError('AttributeError', msg);
export const zeroDivisionError = (msg: string) => new IpcError('ZeroDivisionError', msg);
export const overflowError = (msg: string) => new IpcError('OverflowError', msg);
export const recursionError = (msg: string) => new IpcError('RecursionError', msg);
export const memoryError = (msg: string) => new IpcError('MemoryError', msg);
export const valueError = (msg: string) => new IpcError('ValueError', msg);
export const timeoutError = (msg: string) => new IpcError('TimeoutError', msg);
/** A task's own error, as ipyparallel raises it: `ename(evalue)`, the remote traceback as detail. */
export const remoteError = (msg: string, traceback?: string) => new IpcError('RemoteError', msg, traceback);

/** The same error with where it happened in front of its sentence (a file and line). */
export const withPlace = (e: IpcError, place: string) => new IpcError(e.kind, `${place}: ${e.message}`, e.detail);

/** Ctrl-C during a statement or a %watch: one sentence, whatever was running. */
export const interrupted = () => new IpcError('Interrupted', 'the statement was interrupted (Ctrl-C)');

/** What a stopped statement raises: the error its signal was raised with (the shell's Ctrl-C, a %watch's), else Interrupted. */
export function interruption(signal: AbortSignal): IpcError {
  return signal.reason instanceof IpcError ? signal.reason : interrupted();
}

/** Raises the statement's interruption when its signal (Ctrl-C) was raised; nothing without one. */
export function throwIfStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interruption(signal);
}

/**
 * Lets the event loop turn once, then throwIfStopped: synchronous work (a
 * read, a sort, an export) calls it every few milliseconds, so that keys and
 * SIGINT are heard and a raised signal stops it there.
 */
export async function loopTurn(signal?: AbortSignal): Promise<void> {
  await new Promise(setImmediate);
  throwIfStopped(signal);
}

/** The clock of synchronous work that lets the event loop turn (loopTurn) once every `ms` of it. */
export class LoopTurns {
  private since = performance.now();

  constructor(private readonly signal: AbortSignal | undefined, private readonly ms: number) {}

  /** Whether `ms` have passed since the last turn (or since the work began). */
  due(): boolean {
    return performance.now() - this.since > this.ms;
  }

  /** Turns the loop (raising the statement's interruption when it was stopped meanwhile), and counts from now. */
  async turn(): Promise<void> {
    await loopTurn(this.signal);
    this.since = performance.now();
  }
}

/** A destructive call the person declined at its `[y/N]` question. */
export const notConfirmed = (question: string, what: 'deleted' | 'written' | 'sent' = 'deleted') =>
  new IpcError('Interrupted', `${question}: not confirmed, nothing was ${what}`);

export const NODB_MESSAGE =
  "NoDB backend doesn't store any data. Start the Controller with a DB backend to enable resubmission / result persistence.";

/** ipyparallel's NoData: the KeyError every read of a NoDB (store or hub) raises. */
export const noData = () => new IpcError('KeyError', NODB_MESSAGE);

export function isIpcError(e: unknown): e is IpcError {
  return e instanceof IpcError;
}

/** User input quoted in a message: at most about 80 characters, so that a huge input never makes a huge message. */
export function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}… (${text.length} characters)`;
}

/**
 * Edit distance with a swap of two neighbouring letters counted as one edit
 * (optimal string alignment), for "did you mean" suggestions: `shwo` is one
 * slip from `show`.
 */
export function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = d;
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** Names longer than this are not typos of a known name; comparing them costs more than it helps. */
const LONGEST_SUGGESTED = 64;

/**
 * The closest candidate to `word`, if it is close enough to be a likely
 * typo. A leading `$` that operators all share says nothing about which one
 * was meant, and a short word needs a close match (`$foo` is not `$mod`).
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > LONGEST_SUGGESTED) return undefined;
  const stem = (w: string) => w.toLowerCase().replace(/^\$/, '');
  const w = stem(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, stem(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = w.length <= 4 ? 1 : Math.max(2, Math.floor(w.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const near = nearest(word, candidates);
  return near === undefined ? '' : ` (did you mean '${near}'?)`;
}
