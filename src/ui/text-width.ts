import { charWidth, clusterWidth, clustersOf, cutText, fitId, safeText, textWidth } from '../format/index.js';

/** Widths are the format layer's, so tables line up the same in script mode and on screen. */
export { charWidth, cutText, fitId, textWidth };

/** Pads text with spaces to `width` columns (made safe, then cut when longer). */
export function fitText(s: string, width: number, alignRight = false): string {
  const cut = cutText(safeText(s), width);
  const pad = ' '.repeat(Math.max(0, width - textWidth(cut)));
  return alignRight ? pad + cut : cut + pad;
}

const ANSI_AT = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/y;

/**
 * Hard-wraps one line that may hold ANSI colours to `width` columns. A colour
 * open at a break is closed there and opened again on the next line, so each
 * line stands alone when drawn.
 */
export function wrapAnsiLine(text: string, width: number): string[] {
  // wrapped as it will be drawn: controls made visible first, so no break falls inside an escape
  const line = safeText(text);
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
    // the text up to the next escape, cluster by cluster: an emoji sequence is never split across lines
    const next = line.indexOf('\x1b', i);
    const end = next < 0 ? line.length : next;
    for (const g of clustersOf(line.slice(i, end))) {
      const tab = g === '\t';
      const cw = tab ? 4 : clusterWidth(g);
      if (w + cw > width && w > 0) {
        out.push(active ? cur + '\x1b[0m' : cur);
        cur = active;
        w = 0;
      }
      cur += tab ? '    ' : g;
      w += cw;
    }
    i = end;
  }
  out.push(cur);
  return out;
}

/** A piece of a line: an escape sequence (no width) or one character. */
interface Piece {
  readonly text: string;
  readonly width: number;
}

function pieces(line: string): Piece[] {
  const out: Piece[] = [];
  for (let i = 0; i < line.length; ) {
    if (line.charCodeAt(i) === 0x1b) {
      ANSI_AT.lastIndex = i;
      const m = ANSI_AT.exec(line);
      if (m) out.push({ text: m[0], width: 0 });
      i += m ? m[0].length : 1;
      continue;
    }
    const cp = line.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    out.push(cp === 9 ? { text: '    ', width: 4 } : { text: ch, width: charWidth(cp) });
    i += ch.length;
  }
  return out;
}

/** The colours in effect after `ps`. */
function activeColour(ps: readonly Piece[]): string {
  let active = '';
  for (const p of ps) if (p.width === 0 && p.text.endsWith('m')) active = /^\x1b\[0?m$/.test(p.text) ? '' : active + p.text;
  return active;
}

/**
 * Wraps one line (which may hold ANSI colours) to `width` columns at word
 * boundaries, as a pager does: the lines after the first are indented under
 * the text (a hanging indent: the line's own indent and two more), a word
 * longer than a line is broken, and a colour open at a break is closed there
 * and opened again on the next line.
 */
export function wrapWords(text: string, width: number): string[] {
  const line = safeText(text);
  const all = pieces(line);
  const total = all.reduce((w, p) => w + p.width, 0);
  if (width <= 0 || total <= width) return [line];
  const lead = all.findIndex((p) => p.width > 0 && p.text !== ' ');
  const indent = Math.min(Math.floor(width / 3), (lead < 0 ? 0 : all.slice(0, lead).reduce((w, p) => w + p.width, 0)) + 2);
  const out: string[] = [];
  let rest = all;
  let first = true;
  while (rest.length) {
    const room = first ? width : width - indent;
    let w = 0;
    let end = 0;
    let lastSpace = -1;
    for (; end < rest.length; end++) {
      const p = rest[end]!;
      if (w + p.width > room && w > 0) break;
      if (p.text === ' ' && w > 0) lastSpace = end;
      w += p.width;
    }
    if (end === rest.length) {
      out.push((first ? '' : ' '.repeat(indent)) + rest.map((p) => p.text).join(''));
      break;
    }
    const cut = lastSpace > 0 ? lastSpace : end;
    const head = rest.slice(0, cut);
    const colour = activeColour(head);
    const body = head.map((p) => p.text).join('').replace(/ +$/, '');
    out.push((first ? '' : ' '.repeat(indent)) + body + (colour ? '\x1b[0m' : ''));
    let next = cut;
    while (next < rest.length && rest[next]!.text === ' ') next++;
    rest = [...(colour ? [{ text: colour, width: 0 }] : []), ...rest.slice(next)];
    first = false;
  }
  return out;
}
