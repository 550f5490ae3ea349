/**
 * The multi-line input of the prompt as a pure value: text plus a cursor
 * offset. Every edit returns a new buffer, so the editing rules are tested
 * without a terminal and the Ink component only draws the result.
 */
export interface TextBuffer {
  readonly text: string;
  /** Offset into `text`, 0..text.length. */
  readonly cursor: number;
  /** The last killed text (Ctrl-K, Ctrl-U, Ctrl-W), for Ctrl-Y. */
  readonly killed: string;
}

export const EMPTY_BUFFER: TextBuffer = { text: '', cursor: 0, killed: '' };

export function bufferOf(text: string, cursor = text.length): TextBuffer {
  return { text, cursor: clamp(cursor, 0, text.length), killed: '' };
}

function clamp(n: number, lo: number, hi: number): number {
  return n < lo ? lo : n > hi ? hi : n;
}

function withCursor(b: TextBuffer, cursor: number): TextBuffer {
  const c = clamp(cursor, 0, b.text.length);
  return c === b.cursor ? b : { ...b, cursor: c };
}

function splice(b: TextBuffer, from: number, to: number, insert: string, killed?: string): TextBuffer {
  return {
    text: b.text.slice(0, from) + insert + b.text.slice(to),
    cursor: from + insert.length,
    killed: killed ?? b.killed,
  };
}

/** Text typed or pasted at the cursor; CR and CRLF become LF, tabs become four spaces. */
export function insert(b: TextBuffer, s: string): TextBuffer {
  const clean = s.replace(/\r\n?/g, '\n').replace(/\t/g, '    ');
  return splice(b, b.cursor, b.cursor, clean);
}

/** A code point is one step, so surrogate pairs move and delete together. */
function prevIndex(text: string, i: number): number {
  if (i <= 0) return 0;
  const c = text.charCodeAt(i - 1);
  if (c >= 0xdc00 && c <= 0xdfff && i >= 2) {
    const h = text.charCodeAt(i - 2);
    if (h >= 0xd800 && h <= 0xdbff) return i - 2;
  }
  return i - 1;
}

function nextIndex(text: string, i: number): number {
  if (i >= text.length) return text.length;
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? i + 2 : i + 1;
}

export function backspace(b: TextBuffer): TextBuffer {
  if (b.cursor === 0) return b;
  return splice(b, prevIndex(b.text, b.cursor), b.cursor, '');
}

export function deleteForward(b: TextBuffer): TextBuffer {
  if (b.cursor >= b.text.length) return b;
  return splice(b, b.cursor, nextIndex(b.text, b.cursor), '');
}

export function left(b: TextBuffer): TextBuffer {
  return withCursor(b, prevIndex(b.text, b.cursor));
}

export function right(b: TextBuffer): TextBuffer {
  return withCursor(b, nextIndex(b.text, b.cursor));
}

const WORD = /[\p{L}\p{N}_]/u;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD.test(ch);
}

/** Start of the word before the cursor (Alt-B, Ctrl-Left). */
export function wordStartBefore(text: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && !isWordChar(text[i - 1])) i--;
  while (i > 0 && isWordChar(text[i - 1])) i--;
  return i;
}

/** End of the word after the cursor (Alt-F, Ctrl-Right). */
export function wordEndAfter(text: string, cursor: number): number {
  let i = cursor;
  while (i < text.length && !isWordChar(text[i])) i++;
  while (i < text.length && isWordChar(text[i])) i++;
  return i;
}

export function wordLeft(b: TextBuffer): TextBuffer {
  return withCursor(b, wordStartBefore(b.text, b.cursor));
}

export function wordRight(b: TextBuffer): TextBuffer {
  return withCursor(b, wordEndAfter(b.text, b.cursor));
}

function lineStart(text: string, cursor: number): number {
  return text.lastIndexOf('\n', cursor - 1) + 1;
}

function lineEnd(text: string, cursor: number): number {
  const i = text.indexOf('\n', cursor);
  return i === -1 ? text.length : i;
}

/** Home, Ctrl-A: start of the current line. */
export function home(b: TextBuffer): TextBuffer {
  return withCursor(b, lineStart(b.text, b.cursor));
}

/** End, Ctrl-E: end of the current line. */
export function end(b: TextBuffer): TextBuffer {
  return withCursor(b, lineEnd(b.text, b.cursor));
}

/** Ctrl-K: kills to the end of the line; at the end of a line, joins the next one. */
export function killToEnd(b: TextBuffer): TextBuffer {
  const e = lineEnd(b.text, b.cursor);
  const to = e === b.cursor && e < b.text.length ? e + 1 : e;
  if (to === b.cursor) return b;
  return splice(b, b.cursor, to, '', b.text.slice(b.cursor, to));
}

/** Ctrl-U: kills from the start of the line to the cursor. */
export function killToStart(b: TextBuffer): TextBuffer {
  const s = lineStart(b.text, b.cursor);
  if (s === b.cursor) return b;
  return splice(b, s, b.cursor, '', b.text.slice(s, b.cursor));
}

/** Ctrl-W: kills the whitespace-delimited word before the cursor, as readline does. */
export function killWordBack(b: TextBuffer): TextBuffer {
  let i = b.cursor;
  while (i > 0 && /\s/.test(b.text[i - 1]!)) i--;
  while (i > 0 && !/\s/.test(b.text[i - 1]!)) i--;
  if (i === b.cursor) return b;
  return splice(b, i, b.cursor, '', b.text.slice(i, b.cursor));
}

/** Alt-Backspace: kills back to the start of the previous word (word characters only). */
export function killWordBackAlnum(b: TextBuffer): TextBuffer {
  const i = wordStartBefore(b.text, b.cursor);
  if (i === b.cursor) return b;
  return splice(b, i, b.cursor, '', b.text.slice(i, b.cursor));
}

/** Alt-D: kills to the end of the next word. */
export function killWordForward(b: TextBuffer): TextBuffer {
  const i = wordEndAfter(b.text, b.cursor);
  if (i === b.cursor) return b;
  return splice(b, b.cursor, i, '', b.text.slice(b.cursor, i));
}

/** Ctrl-Y: puts back the last killed text. */
export function yank(b: TextBuffer): TextBuffer {
  return b.killed === '' ? b : splice(b, b.cursor, b.cursor, b.killed);
}

/** Row and column of the cursor (column in UTF-16 units within its line). */
export function cursorPosition(b: TextBuffer): { row: number; column: number } {
  const before = b.text.slice(0, b.cursor);
  const row = before.split('\n').length - 1;
  return { row, column: b.cursor - lineStart(b.text, b.cursor) };
}

/** Up within a multi-line input; undefined on the first line (the caller goes to history). */
export function up(b: TextBuffer): TextBuffer | undefined {
  const s = lineStart(b.text, b.cursor);
  if (s === 0) return undefined;
  const column = b.cursor - s;
  const prevStart = lineStart(b.text, s - 1);
  return withCursor(b, Math.min(prevStart + column, s - 1));
}

/** Down within a multi-line input; undefined on the last line. */
export function down(b: TextBuffer): TextBuffer | undefined {
  const e = lineEnd(b.text, b.cursor);
  if (e === b.text.length) return undefined;
  const column = b.cursor - lineStart(b.text, b.cursor);
  const nextStart = e + 1;
  return withCursor(b, Math.min(nextStart + column, lineEnd(b.text, nextStart)));
}

/** Replaces the span [start, end) with `s` (completion). */
export function replaceRange(b: TextBuffer, start: number, endAt: number, s: string): TextBuffer {
  return splice(b, clamp(start, 0, b.text.length), clamp(endAt, 0, b.text.length), s);
}
