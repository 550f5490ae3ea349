/**
 * Terminal column widths of text: combining marks take none, East Asian wide
 * and fullwidth characters (and most emoji) take two. Tables pad and cut by
 * these widths so columns line up.
 */
export function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Width of text without escape sequences. */
export function textWidth(s: string): number {
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      w++;
      continue;
    }
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    w += charWidth(cp);
  }
  return w;
}

/** Cuts plain text to `width` columns, ending with … when something was cut. */
export function cutText(s: string, width: number): string {
  if (width <= 0) return '';
  if (textWidth(s) <= width) return s;
  let w = 0;
  let out = '';
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

/** Pads plain text with spaces to `width` columns (cutting it first when longer). */
export function fitText(s: string, width: number, alignRight = false): string {
  const cut = cutText(s, width);
  const pad = ' '.repeat(Math.max(0, width - textWidth(cut)));
  return alignRight ? pad + cut : cut + pad;
}

/**
 * Drops the first `skip` columns of plain text and keeps the next `width`,
 * for horizontal scrolling of a long line.
 */
export function sliceColumns(s: string, skip: number, width: number): string {
  let w = 0;
  let out = '';
  let outW = 0;
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w < skip) {
      w += cw;
      continue;
    }
    if (outW + cw > width) break;
    out += ch;
    outW += cw;
  }
  return out;
}

const ANSI_AT = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/y;

/**
 * Hard-wraps one line that may hold ANSI colours to `width` columns. A colour
 * open at a break is closed there and opened again on the next line, so each
 * line stands alone when drawn.
 */
export function wrapAnsiLine(line: string, width: number): string[] {
  if (width <= 0) return [line];
  const out: string[] = [];
  let cur = '';
  let w = 0;
  let active = '';
  for (let i = 0; i < line.length; ) {
    if (line.charCodeAt(i) === 0x1b) {
      ANSI_AT.lastIndex = i;
      const m = ANSI_AT.exec(line);
      if (m) {
        const seq = m[0];
        cur += seq;
        if (seq.endsWith('m')) active = /^\x1b\[0?m$/.test(seq) ? '' : active + seq;
        i += seq.length;
        continue;
      }
      i++;
      continue;
    }
    const cp = line.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const cw = cp === 9 ? 4 : charWidth(cp);
    if (w + cw > width && w > 0) {
      out.push(active ? cur + '\x1b[0m' : cur);
      cur = active;
      w = 0;
    }
    cur += cp === 9 ? '    ' : ch;
    w += cw;
    i += ch.length;
  }
  out.push(cur);
  return out;
}
