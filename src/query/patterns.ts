import { clip, queryError } from '../errors.js';

/** What runs once, just before the first pattern is made (beforeFirstPattern). */
let beforeFirst: (() => void) | null = null;

/**
 * Has `f` run once, just before the first $regex or $glob pattern is made:
 * the command turns on V8's linear-time fallback there (cli.ts). V8 flags
 * changed at start would cost every thread started after them (a column
 * read's worker) Node's cache of its own compiled code: 25 ms of its start.
 */
export function beforeFirstPattern(f: () => void): void {
  beforeFirst = f;
}

function firstPattern(): void {
  const f = beforeFirst;
  beforeFirst = null;
  f?.();
}

/**
 * A Python `re` pattern as a JS RegExp. Python's syntax mostly carries over;
 * named groups `(?P<name>…)`, `(?P=name)` and leading inline flags `(?i)` are
 * rewritten. MongoDB and ipyparallel both search (not full-match).
 */
export function pythonRegExp(pattern: string, options: string, keyName: string): { re: RegExp; source: string; flags: string } {
  return compiled(() => translate(pattern, options, keyName), `$regex pattern for '${keyName}'`, pattern.length);
}

/**
 * V8 compiles a pattern at its first match: one too large ("Regular
 * expression too large") or nested past the stack throws then, not at
 * `new RegExp`. A first match here turns that into one QueryError sentence.
 * Every user pattern is made here (beforeFirstPattern's hook runs first).
 */
function compiled<T extends RegExp | { re: RegExp }>(make: () => T, what: string, length: number): T {
  firstPattern();
  try {
    const made = make();
    (made instanceof RegExp ? made : made.re).test('');
    return made;
  } catch (e) {
    if (e instanceof RangeError || (e instanceof SyntaxError && /too large|Stack overflow/.test(e.message))) {
      throw queryError(`the ${what} is too large or nested too deeply to compile (${length} characters); use a shorter pattern, or $in with the values themselves`);
    }
    throw e;
  }
}

function translate(pattern: string, options: string, keyName: string): { re: RegExp; source: string; flags: string } {
  let source = pattern;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    flags += inline[1]!.replace(/[aLux]/g, '');
    source = source.slice(inline[0].length);
  }
  for (const o of options) if (o !== 'x' && !flags.includes(o)) flags += o;
  if (options.includes('x') || inline?.[1]?.includes('x')) source = stripVerbose(source);
  source = source.replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>').replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>');
  source = source.replace(/\\A/g, '^').replace(/\\Z/g, '$');
  flags = [...new Set(flags)].join('');
  if (catastrophic(source)) {
    throw queryError(
      `the $regex pattern for '${keyName}' repeats a group that itself repeats or has alternatives, and uses a backreference or lookaround, so a match can take longer than any wait: drop the backreference/lookaround or the nested repeat`,
    );
  }
  // V8's linear-time engine (which ipc's command turns on for patterns that
  // backtrack too much) does not take the `u` flag: patterns that mean the
  // same without it go without it.
  const order = needsUnicode(source, flags) ? [flags + 'u', flags] : [flags, flags + 'u'];
  let failure: unknown;
  for (const f of order) {
    try {
      return { re: new RegExp(source, f), source, flags };
    } catch (e) {
      failure ??= e;
    }
  }
  const why = failure instanceof Error ? failure.message.replace(/^Invalid regular expression: /, '') : String(failure);
  throw queryError(`the $regex pattern for '${keyName}' is not a valid regular expression: ${clip(why)}`);
}

const NON_ASCII = /[^\x00-\x7f]/;
/**
 * What reads differently with and without `u`: code-point escapes and
 * properties, and whatever may consume half of a surrogate pair (`.`, negated
 * classes and escapes). Case folding differs too (the Kelvin sign).
 */
const UNICODE_SENSITIVE = /\\[uSWDpP]|\.|\[\^/;

function needsUnicode(source: string, flags: string): boolean {
  return NON_ASCII.test(source) || flags.includes('i') || UNICODE_SENSITIVE.test(source);
}

/**
 * Can the pattern backtrack without end? V8 falls back to its linear engine
 * when a match backtracks too much, except for patterns with backreferences
 * or lookaround: those keep backtracking, and a repeated group holding a
 * repeat or an alternation (`(a+)+`, `(a|a)*`) makes that exponential in the
 * text's length (120 ms at 24 characters, hours at a msg_id's 36), with no
 * way for Ctrl-C to stop it in the interactive shell. Such patterns are
 * refused; either half alone is fine.
 */
function catastrophic(source: string): boolean {
  let noFallback = false;
  let nested = false;
  const groups: { repeats: boolean }[] = [{ repeats: false }];
  let closed: { repeats: boolean } | null = null;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    const quantifier = c === '*' || c === '+' || (c === '{' && /^\{\d*,?\d*\}/.test(source.slice(i, i + 24)) && !/^\{\d*,?[01]\}/.test(source.slice(i, i + 24)));
    if (quantifier) {
      if (closed?.repeats) nested = true;
      groups[groups.length - 1]!.repeats = true;
      closed = null;
      continue;
    }
    closed = null;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') noFallback = true;
      i++;
    } else if (c === '[') {
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
    } else if (c === '(') {
      if (/^\(\?<?[=!]/.test(source.slice(i, i + 4))) noFallback = true;
      groups.push({ repeats: false });
    } else if (c === '|') {
      groups[groups.length - 1]!.repeats = true;
    } else if (c === ')' && groups.length > 1) {
      closed = groups.pop()!;
      if (closed.repeats) groups[groups.length - 1]!.repeats = true;
    }
  }
  return noFallback && nested;
}

function stripVerbose(source: string): string {
  return source
    .split('\n')
    .map((line) => line.replace(/(^|[^\\])#.*$/, '$1'))
    .join('')
    .replace(/(^|[^\\])\s+/g, '$1');
}

/**
 * A shell-style pattern (Python's fnmatch.fnmatchcase, as ipyparallel 9.1's
 * `$glob`): `*`, `?`, `[seq]`, `[!seq]`, matching the whole text, case-sensitive.
 */
export function globToRegExp(pattern: string): RegExp {
  return compiled(() => globTranslation(pattern), '$glob pattern', pattern.length);
}

function globTranslation(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      // '**' matches what '*' matches; a run of stars as one keeps the pattern linear.
      if (pattern[i - 1] !== '*') out += '[\\s\\S]*';
    } else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      const close = findClass(pattern, i);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!')) {
        negate = true;
        body = body.slice(1);
      }
      body = body.replace(/\\/g, '\\\\').replace(/\^/g, '\\^').replace(/\[/g, '\\[').replace(/\]/g, '\\]');
      out += `[${negate ? '^' : ''}${body}]`;
      i = close;
    } else out += escapeRegExp(c);
  }
  return new RegExp(`^${out}$`, NON_ASCII.test(out) ? 'u' : '');
}

function findClass(p: string, open: number): number {
  let j = open + 1;
  if (p[j] === '!') j++;
  if (p[j] === ']') j++;
  while (j < p.length && p[j] !== ']') j++;
  return j < p.length ? j : -1;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
