import { charWidth } from './width.js';

/**
 * What a task controls (its output, traceback, names, ids) must never reach
 * the terminal as control: one function makes text safe to write. SGR
 * colour (`ESC [ … m`) may be kept; every other escape sequence, C0/C1
 * control, DEL, a CR outside CRLF and the bidirectional overrides and
 * isolates are shown as visible escapes (`\x1b`, `\r`, `\u202e`) and never
 * sent. So are the characters Unicode makes prepend to the next one
 * (Grapheme_Cluster_Break=Prepend: the Arabic number signs, U+11D46 and a
 * few more): width measurement joins one with what follows into one
 * cluster of one column where a terminal draws two, and tables would be
 * padded and cut wrong. Safe text passes through unchanged, so applying it
 * twice is harmless.
 */
export interface SafeTextOptions {
  /** SGR colour: kept (the default), dropped, or shown as an escape like any other control. */
  readonly sgr?: 'keep' | 'strip' | 'show';
  /** Styles each visible escape (dim on a colour terminal). */
  readonly mark?: (s: string) => string;
  /** One line: newlines and tabs are escaped too (table cells). Otherwise tabs are expanded to 8-column stops. */
  readonly oneLine?: boolean;
}

/** The characters the sanitiser changes besides the C0 controls and ESC (a class's body: DEL, C1, the bidirectional controls, Prepend; isUnsafe tells each). */
const UNSAFE_ABOVE_C0 = String.raw`\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u0d4e\u{110bd}\u{110cd}\u{111c2}\u{111c3}\u{113d1}\u{1193f}\u{11941}\u{11a3a}\u{11a84}-\u{11a89}\u{11d46}\u{11f02}`;
/** Any character the sanitiser changes; text without one is returned as it is. */
const UNSAFE = new RegExp(String.raw`[\x00-\x09\x0b-\x1f${UNSAFE_ABOVE_C0}]`, 'u');
/** Anything unsafe but an ESC that starts an SGR sequence. */
const UNSAFE_BUT_SGR = new RegExp(String.raw`[\x00-\x09\x0b-\x1a\x1c-\x1f${UNSAFE_ABOVE_C0}]|\x1b(?!\[[0-9;:]*m)`, 'u');
const SGR_AT = /\x1b\[[0-9;:]*m/y;
const RESET = /^\x1b\[0*m$/;

export function safeText(s: string, options: SafeTextOptions = {}): string {
  const oneLine = options.oneLine ?? false;
  if (!UNSAFE.test(s) && !(oneLine && s.includes('\n'))) return s;
  const sgr = options.sgr ?? 'keep';
  if (sgr === 'keep' && !oneLine && !UNSAFE_BUT_SGR.test(s)) {
    // colour only (a frame of ipc's own lines): as it is, closed when it leaves a colour open
    const last = s.lastIndexOf('\x1b[');
    return RESET.test(s.slice(last, s.indexOf('m', last) + 1)) ? s : s + '\x1b[0m';
  }
  const mark = options.mark ?? ((x: string) => x);
  let out = '';
  let column = 0;
  // SGR kept and not yet reset: the text closes it, so no colour runs on past it.
  let open = false;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x1b && sgr !== 'show') {
      SGR_AT.lastIndex = i;
      const m = SGR_AT.exec(s);
      if (m) {
        if (sgr === 'keep') {
          out += m[0];
          open = !RESET.test(m[0]);
        }
        i += m[0].length;
        continue;
      }
    }
    if (c === 0x0a) {
      out += oneLine ? mark('\\n') : '\n';
      column = 0;
      i++;
      continue;
    }
    if (c === 0x0d && s.charCodeAt(i + 1) === 0x0a && !oneLine) {
      out += '\n';
      column = 0;
      i += 2;
      continue;
    }
    if (c === 0x09 && !oneLine) {
      const n = 8 - (column % 8);
      out += ' '.repeat(n);
      column += n;
      i++;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (isUnsafe(cp)) {
      const shown = visible(cp);
      out += mark(shown);
      column += shown.length;
      continue;
    }
    out += ch;
    column += charWidth(cp);
  }
  return open ? out + '\x1b[0m' : out;
}

function isUnsafe(c: number): boolean {
  return (
    c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x061c || c === 0x200e || c === 0x200f ||
    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || isPrepend(c)
  );
}

/** Grapheme_Cluster_Break=Prepend in Unicode 15.1 and 16 (Node's segmenter follows the one its ICU has). */
function isPrepend(c: number): boolean {
  if (c < 0x600) return false;
  if (c < 0x10000) return (c >= 0x600 && c <= 0x605) || c === 0x6dd || c === 0x70f || c === 0x890 || c === 0x891 || c === 0x8e2 || c === 0xd4e;
  return (
    c === 0x110bd || c === 0x110cd || c === 0x111c2 || c === 0x111c3 || c === 0x113d1 || c === 0x1193f || c === 0x11941 || c === 0x11a3a ||
    (c >= 0x11a84 && c <= 0x11a89) || c === 0x11d46 || c === 0x11f02
  );
}

/** The escape a control is shown as, as Python would write it in a string. */
function visible(c: number): string {
  switch (c) {
    case 0x09:
      return '\\t';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
  }
  if (c <= 0xff) return '\\x' + c.toString(16).padStart(2, '0');
  if (c <= 0xffff) return '\\u' + c.toString(16).padStart(4, '0');
  return '\\U' + c.toString(16).padStart(8, '0');
}
