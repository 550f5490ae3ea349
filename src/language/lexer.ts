import { IpcError, parseError } from '../errors.js';

/**
 * Tokens of the statement language: Python's, as far as a line of the task
 * database documentation needs. Typographic quotes (‘ ’ “ ”) delimit strings
 * as plain quotes do, and the minus sign − is a minus.
 */
export type TokenType = 'name' | 'number' | 'string' | 'fstring' | 'op' | 'newline' | 'magic' | 'eof';

export interface Token {
  readonly type: TokenType;
  /** The name, the operator, the decoded string, or the number's text. */
  readonly value: string;
  /** Offset in the source; line (1-based, counted from the statement's start) and column (1-based). */
  readonly offset: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
}

const OPERATORS = [
  '**=', '//=', '==', '!=', '<=', '>=', '**', '//', '+=', '-=', '*=', '/=', '%=', '->',
  '(', ')', '[', ']', '{', '}', ',', ':', '.', ';', '+', '-', '*', '/', '%', '<', '>', '=', '@', '~', '|', '&', '^', '?',
];

export const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Which characters close a string opened by a given quote. */
export function closingQuotes(open: string): string {
  switch (open) {
    case "'": return "'";
    case '"': return '"';
    case '‘': case '’': case '‚': return "’‘'";
    case '“': case '”': case '„': return '”“"';
    default: return open;
  }
}
const QUOTES = `'"‘’“”„‚`;
const WHITESPACE = /[ \t\f\r\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]/;

/** Replaces the IPython and Python prompts a pasted line may carry with spaces, keeping columns. */
export function stripPrompts(source: string): string {
  return source
    .split('\n')
    .map((line) => {
      const m = /^(\s*(?:In \[\d*\]:|\.{3,}:|>>>|\.\.\.(?= |$)))( ?)/.exec(line);
      return m ? ' '.repeat(m[0].length) + line.slice(m[0].length) : line;
    })
    .join('\n');
}

/** Where the last lookup ended: errors come in source order, so counting resumes there. */
let counted = { source: '', offset: 0, line: 1, start: 0 };

export function lineColumn(source: string, offset: number): { line: number; column: number } {
  let { line, start } = counted.source === source && counted.offset <= offset ? counted : { line: 1, start: 0 };
  let i = counted.source === source && counted.offset <= offset ? counted.offset : 0;
  for (; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  counted = { source, offset: i, line, start };
  return { line, column: offset - start + 1 };
}

/** How much of a long line a caret shows around its column. */
const CARET_WINDOW = 80;

/** A caret under `offset` in its line, for the detail of a ParseError (a long line shows only the part around it). */
export function caret(source: string, offset: number): string {
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  const nl = source.indexOf('\n', offset);
  const lineEnd = nl < 0 ? source.length : nl;
  let from = lineStart;
  let to = lineEnd;
  if (to - from > CARET_WINDOW) {
    from = Math.max(lineStart, offset - CARET_WINDOW / 2);
    to = Math.min(lineEnd, from + CARET_WINDOW);
  }
  const shown = (from > lineStart ? '…' : '') + source.slice(from, to).replace(/\t/g, ' ') + (to < lineEnd ? '…' : '');
  return `  ${shown}\n  ${' '.repeat(offset - from + (from > lineStart ? 1 : 0))}^`;
}

/**
 * Where parse errors are reported: the whole source (for line, column and
 * the caret), the line its statement starts on, and the line number of the
 * source's first line in its file.
 */
export interface SourceSpan {
  readonly source: string;
  readonly from: number;
  readonly to: number;
  readonly firstLine?: number;
}

/** A ParseError naming the column (and the line, when it is not the statement's first). */
export function parseErrorAt(span: SourceSpan | string, offset: number, sentence: string): IpcError {
  const s = typeof span === 'string' ? { source: span, from: 0, to: span.length } : span;
  const { line, column } = lineColumn(s.source, offset);
  const startLine = lineColumn(s.source, s.from).line;
  const fileLine = line + (s.firstLine ?? 1) - 1;
  const where = line !== startLine ? `line ${fileLine}, column ${column}` : `column ${column}`;
  return parseError(`${sentence} (at ${where})`, caret(s.source, offset));
}

export function tokenize(span: SourceSpan | string): Token[] {
  const s: SourceSpan = typeof span === 'string' ? { source: span, from: 0, to: span.length } : span;
  const source = s.source.slice(0, s.to);
  const tokens: Token[] = [];
  const stack: { ch: string; offset: number }[] = [];
  let i = s.from;
  // Lines are counted from the statement's start; only columns matter to the parser.
  let line = 1;
  let lineStart = source.lastIndexOf('\n', i - 1) + 1;
  let atStatementStart = true;
  const push = (type: TokenType, value: string, start: number, end: number) => {
    tokens.push({ type, value, offset: start, end, line, column: start - lineStart + 1 });
  };

  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '\n') {
      if (stack.length === 0 && tokens.length && tokens[tokens.length - 1]!.type !== 'newline') push('newline', '\n', i, i + 1);
      if (stack.length === 0) atStatementStart = true;
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (WHITESPACE.test(ch)) {
      i++;
      continue;
    }
    if (ch === '\\' && source[i + 1] === '\n') {
      i += 2;
      line++;
      lineStart = i;
      continue;
    }
    if (ch === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (atStatementStart && stack.length === 0 && ch === '%') {
      let j = i;
      while (j < source.length && source[j] !== '\n') j++;
      push('magic', source.slice(i + 1, j).trimEnd(), i, j);
      i = j;
      atStatementStart = false;
      continue;
    }
    atStatementStart = false;

    const str = /^([rRbBuUfF]{0,2})(['"‘’“”„‚])/.exec(source.slice(i, i + 3));
    // an f-string is read as a string (escapes decoded); the parser splits its fields
    if (str && (str[1] === '' || /^(?:[rRbBuU]*|[fF][rR]?|[rR][fF])$/.test(str[1]!))) {
      const raw = /r/i.test(str[1]!);
      const end = readString(s, source, i + str[1]!.length, raw, (n) => {
        line += n.lines;
        if (n.lines) lineStart = n.lastLineStart;
      });
      push(/f/i.test(str[1]!) ? 'fstring' : 'string', end.value, start, end.end);
      i = end.end;
      continue;
    }
    if (/[A-Za-z_\u00c0-\uffff]/.test(ch) && !QUOTES.includes(ch) && ch !== '−') {
      let j = i + 1;
      while (j < source.length && /[\w\u00c0-\uffff]/.test(source[j]!) && !QUOTES.includes(source[j]!) && source[j] !== '−') j++;
      push('name', source.slice(i, j), i, j);
      i = j;
      continue;
    }
    const num = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?j?)/.exec(source.slice(i));
    if (num && num[0] !== '.') {
      if (num[0].endsWith('j')) throw parseErrorAt(s, i, 'complex numbers are not supported');
      push('number', num[0].replace(/_/g, ''), i, i + num[0].length);
      i += num[0].length;
      continue;
    }
    if (ch === '−') {
      push('op', '-', i, i + 1);
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) {
      const shown = ch === '`' ? '`' : JSON.stringify(ch);
      throw parseErrorAt(s, i, `unexpected character ${shown}`);
    }
    if (OPENERS[op]) stack.push({ ch: op, offset: i });
    else if (CLOSERS[op]) {
      const top = stack.pop();
      if (!top) throw parseErrorAt(s, i, `'${op}' closes nothing`);
      if (top.ch !== CLOSERS[op]) {
        const at = lineColumn(source, top.offset);
        throw parseErrorAt(s, i, `'${op}' does not match the '${top.ch}' opened at line ${at.line + (s.firstLine ?? 1) - 1}, column ${at.column}; expected '${OPENERS[top.ch]}'`);
      }
    } else if (op === ';' && stack.length === 0) atStatementStart = true;
    push('op', op, i, i + op.length);
    i += op.length;
  }
  if (stack.length) {
    const top = stack[stack.length - 1]!;
    throw parseErrorAt(s, top.offset, `this '${top.ch}' is never closed; expected '${OPENERS[top.ch]}' before the end of the statement`);
  }
  if (tokens.length && tokens[tokens.length - 1]!.type !== 'newline') push('newline', '\n', i, i);
  push('eof', '', i, i);
  return tokens;
}

function readString(
  span: SourceSpan,
  source: string,
  at: number,
  raw: boolean,
  onLines: (n: { lines: number; lastLineStart: number }) => void,
): { value: string; end: number } {
  const open = source[at]!;
  const closers = closingQuotes(open);
  const triple = (open === "'" || open === '"') && source.startsWith(open.repeat(3), at);
  let i = at + (triple ? 3 : 1);
  let out = '';
  let lines = 0;
  let lastLineStart = 0;
  for (;;) {
    if (i >= source.length || (!triple && source[i] === '\n')) {
      throw parseErrorAt(span, at, `the string opened here is not closed; expected ${triple ? open.repeat(3) : `a closing ${closers[0]}`}`);
    }
    const c = source[i]!;
    if (triple ? source.startsWith(open.repeat(3), i) : closers.includes(c)) {
      onLines({ lines, lastLineStart });
      return { value: out, end: i + (triple ? 3 : 1) };
    }
    if (c === '\n') {
      lines++;
      lastLineStart = i + 1;
    }
    if (c === '\\' && !raw) {
      const n = source[i + 1];
      if (n === undefined) {
        i++;
        continue;
      }
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };
      if (n in simple) {
        out += simple[n];
        if (n === '\n') {
          lines++;
          lastLineStart = i + 2;
        }
        i += 2;
        continue;
      }
      const hex = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
      if (hex) {
        const digits = source.slice(i + 2, i + 2 + hex);
        if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) {
          throw parseErrorAt(span, i, `\\${n} takes ${hex} hexadecimal digits`);
        }
        const cp = parseInt(digits, 16);
        if (cp > 0x10ffff) throw parseErrorAt(span, i, `\\${n}${digits} is not a character`);
        out += String.fromCodePoint(cp);
        i += 2 + hex;
        continue;
      }
      out += c + n;
      i += 2;
      continue;
    }
    if (raw && c === '\\' && i + 1 < source.length) {
      out += c + source[i + 1];
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
}
