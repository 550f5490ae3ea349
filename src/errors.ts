/**
 * Every failure a person can cause is an IpcError: a kind and one sentence
 * written for the person at the prompt. The shell prints it and goes on.
 */
export type ErrorKind =
  | 'ParseError'
  | 'QueryError'
  | 'KeyError'
  | 'StoreError'
  | 'HubError'
  | 'ConfigError'
  | 'TypeError'
  | 'NameError'
  | 'ValueError'
  | 'RemoteError'
  | 'TimeoutError'
  | 'Interrupted';

export class IpcError extends Error {
  readonly kind: ErrorKind;
  /** Extra lines shown under the sentence: a caret line, a remote traceback. */
  readonly detail?: string;

  constructor(kind: ErrorKind, message: string, detail?: string) {
    super(message);
    this.kind = kind;
    this.name = kind;
    if (detail !== undefined) this.detail = detail;
  }

  /** `Kind: sentence`, the form the shell prints. */
  override toString(): string {
    return `${this.kind}: ${this.message}`;
  }
}

export const parseError = (msg: string, detail?: string) => new IpcError('ParseError', msg, detail);
export const queryError = (msg: string) => new IpcError('QueryError', msg);
export const keyError = (msg: string) => new IpcError('KeyError', msg);
export const storeError = (msg: string) => new IpcError('StoreError', msg);
export const hubError = (msg: string, detail?: string) => new IpcError('HubError', msg, detail);
export const configError = (msg: string) => new IpcError('ConfigError', msg);

export function isIpcError(e: unknown): e is IpcError {
  return e instanceof IpcError;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if it is close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const near = nearest(word, candidates);
  return near === undefined ? '' : ` (did you mean '${near}'?)`;
}
