/**
 * The fields of an f-string, as Python splits them: `{{` and `}}` are
 * braces, `{expr!conversion:spec}` a replacement field, where the spec may
 * hold fields of its own (`{x:>{width}}`) and `{expr=}` writes the
 * expression's text before its value.
 */
import type { Expr, FStringPart } from './syntax.js';

/** Parses the text of one field's expression; errors are the caller's to place. */
export type ParseField = (text: string) => Expr;

export class FStringError extends Error {}

export function splitFString(body: string, parse: ParseField, nested = false): FStringPart[] {
  const parts: FStringPart[] = [];
  let text = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === '{' && body[i + 1] === '{' && !nested) {
      text += '{';
      i += 2;
      continue;
    }
    if (c === '}' && body[i + 1] === '}' && !nested) {
      text += '}';
      i += 2;
      continue;
    }
    if (c === '}') throw new FStringError("f-string: single '}' is not allowed");
    if (c !== '{') {
      text += c;
      i++;
      continue;
    }
    if (text) parts.push(text);
    text = '';
    const end = fieldEnd(body, i + 1);
    parts.push(field(body.slice(i + 1, end), parse, nested));
    i = end + 1;
  }
  if (text) parts.push(text);
  return parts;
}

/** The first index from `from` where `stop` holds outside brackets and string literals, or -1. */
function scanTopLevel(text: string, from: number, stop: (i: number) => boolean): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (depth === 0 && stop(i)) return i;
    if (c === "'" || c === '"') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
  }
  return -1;
}

/** The index of the `}` closing the field that starts at `from`. */
function fieldEnd(body: string, from: number): number {
  const end = scanTopLevel(body, from, (i) => body[i] === '}');
  if (end < 0) throw new FStringError("f-string: expecting '}'");
  return end;
}

function field(inner: string, parse: ParseField, nested: boolean): FStringPart {
  // the expression ends at the first top-level '!' (not '!=') or ':'
  const stop = scanTopLevel(inner, 0, (i) => (inner[i] === '!' && inner[i + 1] !== '=') || inner[i] === ':');
  const cut = stop < 0 ? inner.length : stop;
  let exprText = inner.slice(0, cut);
  let rest = inner.slice(cut);
  let echo: string | null = null;
  const eq = /=\s*$/.exec(exprText);
  if (eq && !/[=!<>]=\s*$/.test(exprText)) {
    echo = exprText;
    exprText = exprText.slice(0, eq.index);
  }
  if (!exprText.trim()) throw new FStringError('f-string: empty expression not allowed');
  let conversion: 'r' | 's' | 'a' | null = null;
  if (rest.startsWith('!')) {
    const m = /^!([rsa])(?=$|:)/.exec(rest);
    if (!m) throw new FStringError("f-string: invalid conversion character: expected 's', 'r', or 'a'");
    conversion = m[1] as 'r' | 's' | 'a';
    rest = rest.slice(2);
  }
  let spec: FStringPart[] | null = null;
  if (rest.startsWith(':')) {
    if (nested && rest.includes('{')) throw new FStringError('f-string: expressions nested too deeply');
    spec = splitFString(rest.slice(1), parse, true);
  }
  // Python's `{x=}` shows the repr unless a conversion or a spec is given
  if (echo !== null && conversion === null && spec === null) conversion = 'r';
  // in parentheses, so that a field may span lines as it may in Python
  return { expr: parse(`(${exprText})`), conversion, spec, echo };
}
