import { closingQuotes } from './lexer.js';

/** One statement's extent in a source: [from, to). */
export interface Chunk {
  readonly from: number;
  readonly to: number;
}

interface ScanState {
  readonly chunks: Chunk[];
  /** Brackets still open at the end, outermost first. */
  readonly open: number[];
  /** A triple-quoted string still open at the end. */
  readonly inString: boolean;
  /** The source ends with a backslash continuation. */
  readonly continued: boolean;
  /** Where the statement left open at the end starts. */
  readonly pendingFrom: number;
}

const QUOTE = /['"‘’“”„‚]/;

/**
 * Splits a source into statements, as Python's tokenizer would: at newlines
 * and semicolons outside brackets and strings; a `%magic` takes its whole
 * line. A bracket never closed ends its statement at the end of the line it
 * was opened on, so that one typo does not swallow the rest of a script.
 */
export function splitStatements(source: string): Chunk[] {
  const chunks: Chunk[] = [];
  let from = 0;
  for (;;) {
    const s = scan(source, from);
    for (const c of s.chunks) chunks.push(c);
    if (!s.open.length) break;
    const next = nextStatementLine(source, s.open[0]!);
    chunks.push({ from: s.pendingFrom, to: next === null ? source.length : next - 1 });
    if (next === null) break;
    from = next;
  }
  return chunks.filter((c) => source.slice(c.from, c.to).trim() !== '');
}

/**
 * After a bracket that is never closed: the start of the next line that
 * begins in the first column with something other than a closing bracket,
 * taken to be the next statement (continuation lines are indented).
 */
function nextStatementLine(source: string, opener: number): number | null {
  let eol = source.indexOf('\n', opener);
  while (eol >= 0) {
    const start = eol + 1;
    const c = source[start];
    if (c !== undefined && !/[\s)\]}]/.test(c)) return start;
    eol = source.indexOf('\n', start);
  }
  return null;
}

/** Whether `source` is complete: no open bracket, no open triple-quoted string, no trailing backslash. */
export function isCompleteSource(source: string): boolean {
  const s = scan(source, 0);
  return !s.open.length && !s.inString && !s.continued;
}

function scan(source: string, start: number): ScanState {
  const chunks: Chunk[] = [];
  const open: number[] = [];
  let from = start;
  let i = start;
  let atStart = true;
  let inString = false;
  const cut = (to: number) => {
    chunks.push({ from, to });
    from = to + 1;
    atStart = true;
  };
  while (i < source.length) {
    const c = source[i]!;
    if (atStart && open.length === 0) {
      if (c === ' ' || c === '\t' || c === '\r') {
        i++;
        continue;
      }
      atStart = false;
      if (c === '%') {
        let eol = source.indexOf('\n', i);
        if (eol < 0) eol = source.length;
        i = eol;
        cut(eol);
        i++;
        continue;
      }
    }
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && source[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (QUOTE.test(c)) {
      const triple = (c === "'" || c === '"') && source.startsWith(c.repeat(3), i);
      const closers = closingQuotes(c);
      let j = i + (triple ? 3 : 1);
      for (;;) {
        if (j >= source.length) {
          if (triple) inString = true;
          break;
        }
        const d = source[j]!;
        if (!triple && d === '\n') break;
        if (d === '\\' && !isRaw(source, i)) {
          j += 2;
          continue;
        }
        if (triple ? source.startsWith(c.repeat(3), j) : closers.includes(d)) {
          j += triple ? 3 : 1;
          break;
        }
        j++;
      }
      i = j;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') open.push(i);
    else if (c === ')' || c === ']' || c === '}') open.pop();
    else if (open.length === 0 && (c === '\n' || c === ';')) {
      cut(i);
      i++;
      continue;
    }
    i++;
  }
  if (!open.length) {
    if (from < source.length) chunks.push({ from, to: source.length });
  }
  return { chunks, open, inString, pendingFrom: from, continued: /\\\s*$/.test(source) && !source.endsWith('\\\\') };
}

function isRaw(source: string, quoteAt: number): boolean {
  let k = quoteAt - 1;
  while (k >= 0 && /[rRbBuU]/.test(source[k]!)) {
    if (/[rR]/.test(source[k]!)) return true;
    k--;
  }
  return false;
}
