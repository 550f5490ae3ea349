/**
 * Reads the top-level statements of a Python file without running any of it:
 * a tokenizer that knows Python's string forms (quotes single, double and
 * triple; prefixes r, b, f, u and their pairs; escapes; line continuations),
 * comments and brackets, so that an assignment inside a docstring, a string
 * or an indented block (`if False:`) is never taken for one at the top level.
 */

/** A string literal met in the source: its value, or null when it is an f-string or bytes (not read). */
export interface PyStringToken {
  readonly value: string | null;
}

/** One top-level logical line: its text with each string literal replaced by `\u0000<n>\u0000`, and those strings. */
export interface TopLevelStatement {
  readonly line: number;
  readonly text: string;
  readonly strings: readonly PyStringToken[];
}

const PREFIX = /(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])?(?:'''|"""|'|")/y;

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

function decode(body: string, raw: boolean): string | null {
  if (raw) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    if (n === undefined) return null;
    if (n === '\n') continue;
    if (n in ESCAPES) out += ESCAPES[n];
    else if (n === 'x' || n === 'u' || n === 'U') {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) return null;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) return null;
      out += String.fromCodePoint(cp);
      i += len;
    } else if (n === 'N') return null;
    else out += '\\' + n;
  }
  return out;
}

/** The top-level statements of `source`, in order; indented lines (block bodies) are left out. */
export function topLevelStatements(source: string): TopLevelStatement[] {
  const out: TopLevelStatement[] = [];
  let text = '';
  let strings: PyStringToken[] = [];
  let depth = 0;
  let line = 1;
  let startLine = 1;
  let indented = false;
  let atStart = true;
  const finish = () => {
    if (!indented && text.trim() !== '') out.push({ line: startLine, text: text.trim(), strings });
    text = '';
    strings = [];
    atStart = true;
  };
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    if (atStart) {
      if (c === '\n') {
        line++;
        i++;
        continue;
      }
      startLine = line;
      indented = c === ' ' || c === '\t';
      atStart = false;
    }
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && source[i + 1] === '\n') {
      line++;
      i += 2;
      text += ' ';
      continue;
    }
    if (c === '\n') {
      line++;
      i++;
      if (depth === 0) finish();
      else text += ' ';
      continue;
    }
    if (c === ';' && depth === 0) {
      const wasIndented: boolean = indented;
      finish();
      atStart = false;
      indented = wasIndented;
      startLine = line;
      i++;
      continue;
    }
    PREFIX.lastIndex = i;
    const m = /[\w]/.test(source[i - 1] ?? '') ? null : PREFIX.exec(source);
    if (m) {
      const quote = m[0].replace(/^[a-zA-Z]+/, '');
      const prefix = m[0].slice(0, m[0].length - quote.length).toLowerCase();
      let j = i + m[0].length;
      let closed = false;
      while (j < source.length) {
        const d = source[j]!;
        if (d === '\\') {
          if (source[j + 1] === '\n') line++;
          j += 2;
          continue;
        }
        if (source.startsWith(quote, j)) {
          closed = true;
          break;
        }
        if (d === '\n') {
          if (quote.length === 1) break;
          line++;
        }
        j++;
      }
      const body = source.slice(i + m[0].length, j);
      const readable = closed && !prefix.includes('f') && !prefix.includes('b');
      strings.push({ value: readable ? decode(body, prefix.includes('r')) : null });
      text += `\u0000${strings.length - 1}\u0000`;
      i = closed ? j + quote.length : j;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    text += c;
    i++;
  }
  finish();
  return out;
}
