import { charWidth, clusterWidth, clustersOf, cutText, safeText, textWidth } from '../format/index.js';

/** Widths are the format layer's, so tables line up the same in script mode and on screen. */
export { charWidth, cutText, textWidth };

/** Pads text with spaces to `width` columns (made safe, then cut when longer). */
export function fitText(s: string, width: number, alignRight = false): string {
  const cut = cutText(safeText(s), width);
  const pad = ' '.repeat(Math.max(0, width - textWidth(cut)));
  return alignRight ? pad + cut : cut + pad;
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
