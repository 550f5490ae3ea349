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

const SGR_AT = /\x1b\[[0-9;:]*m/y;

/** The SGR colour sequence at `i`, or null. */
function sgrAt(s: string, i: number): string | null {
  if (s.charCodeAt(i) !== 0x1b) return null;
  SGR_AT.lastIndex = i;
  return SGR_AT.exec(s)?.[0] ?? null;
}

/** Width of text as drawn: SGR colour sequences take none (other controls are made visible first: safeText). */
export function textWidth(s: string): number {
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      w++;
      continue;
    }
    const sgr = sgrAt(s, i);
    if (sgr) {
      i += sgr.length - 1;
      continue;
    }
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    w += charWidth(cp);
  }
  return w;
}

/**
 * Cuts text to `width` columns, ending with … when something was cut. SGR
 * colour is never cut in half, and a colour left open by the cut is closed.
 */
export function cutText(s: string, width: number): string {
  if (width <= 0) return '';
  if (textWidth(s) <= width) return s;
  let w = 0;
  let out = '';
  let open = false;
  for (let i = 0; i < s.length; ) {
    const sgr = sgrAt(s, i);
    if (sgr) {
      out += sgr;
      open = !/^\x1b\[0*m$/.test(sgr);
      i += sgr.length;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const cw = charWidth(cp);
    if (w + cw > width - 1) break;
    out += String.fromCodePoint(cp);
    w += cw;
    i += cp > 0xffff ? 2 : 1;
  }
  return out + (open ? '\x1b[0m…' : '…');
}

/**
 * An id shortened to `width` columns without losing what tells ids apart:
 * the tail (`_pid_n` of a 7.x msg_id, the end of a uuid) stays and the
 * middle gives way to …. Whole when it fits.
 */
export function fitId(id: string, width: number): string {
  if (width <= 0) return '';
  if (id.length <= width) return id + ' '.repeat(width - id.length);
  if (width === 1) return '…';
  const tail = /(?:_\d+)+$/.exec(id)?.[0] ?? '';
  const keepTail = tail && tail.length <= width - 2 ? Math.max(tail.length, Math.ceil((width - 1) / 2)) : Math.floor((width - 1) / 2);
  const head = width - 1 - keepTail;
  return id.slice(0, head) + '…' + id.slice(id.length - keepTail);
}
