import { createRequire } from 'node:module';

/**
 * Terminal column widths of text, as Ink lays text out (string-width): a
 * grapheme cluster takes the width of what the terminal draws for it, so an
 * emoji ZWJ sequence is two columns, a combining mark or a soft hyphen none,
 * East Asian wide and fullwidth characters two. Tables pad and cut by these
 * widths so that script-mode columns and Ink's layout line up.
 */

let measure: typeof import('string-width').default | undefined;

/**
 * string-width, loaded when text other than plain ASCII is first measured:
 * loading it takes longer than a script of ASCII output runs.
 */
function stringWidth(s: string): number {
  measure ??= (createRequire(import.meta.url)('string-width') as typeof import('string-width')).default;
  return measure(s);
}

let graphemes: Intl.Segmenter | undefined;

/** Width of one code point on its own (tab stops count columns by it). */
export function charWidth(cp: number): number {
  if (cp >= 0x20 && cp < 0x7f) return 1;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  return stringWidth(String.fromCodePoint(cp));
}

/** Width of one grapheme cluster (a character with its marks, an emoji sequence). */
export function clusterWidth(g: string): number {
  const c = g.charCodeAt(0);
  if (g.length === 1 && c >= 0x20 && c < 0x7f) return 1;
  return stringWidth(g);
}

/** The grapheme clusters of text that holds no escape sequence. */
export function clustersOf(s: string): Iterable<string> {
  const out: string[] = [];
  graphemes ??= new Intl.Segmenter();
  for (const { segment } of graphemes.segment(s)) out.push(segment);
  return out;
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
  for (let i = 0; i < s.length; i++) {
    // one column a character (what string-width says of each); anything else is measured as Ink measures it
    if (!isNarrow(s.charCodeAt(i))) return stringWidth(s);
  }
  return s.length;
}

/**
 * Characters string-width gives one column each and that join no other
 * into one cluster: printable ASCII and Latin-1 (but the soft hyphen), the
 * dashes and bullets of U+2010–2027, the arrows ←↑→↓ and the box drawing
 * and block characters ipc draws tables, timelines and bars with. Text of
 * these alone is measured without loading string-width (which takes longer
 * than a short script runs).
 */
export function isNarrow(c: number): boolean {
  if (c < 0x7f) return c >= 0x20;
  if (c <= 0xff) return c >= 0xa0 && c !== 0xad;
  return (c >= 0x2010 && c <= 0x2027) || (c >= 0x2190 && c <= 0x2193) || (c >= 0x2500 && c <= 0x259f);
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
    // the text up to the next escape, cluster by cluster, so that no cluster is cut in half
    const next = s.indexOf('\x1b', i + 1);
    const end = next < 0 ? s.length : next;
    for (const g of clustersOf(s.slice(i, end))) {
      const cw = clusterWidth(g);
      if (w + cw > width - 1) return out + (open ? '\x1b[0m…' : '…');
      out += g;
      w += cw;
    }
    i = end;
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
