import { cutText, fitId, textWidth } from './width.js';

/**
 * A table of text fitted to a terminal's width without wrapping a row:
 * columns stay whole while they fit; past the width the least important
 * columns are left out (and named in a note), then the widest id column
 * gives way in its middle, then free text is cut with …. At no width
 * (script mode) nothing is left out or cut.
 */
export interface FitColumn {
  readonly title: string;
  /** Left-aligned (names, ids); numbers are right-aligned. */
  readonly left?: boolean;
  /** An id (msg_id, uuid): shortened in the middle only when nothing else is left to give way. */
  readonly id?: boolean;
  /** Columns without a rank always stay; of the others, the lowest rank is left out first. */
  readonly drop?: number;
  /** A heading over a run of columns (`run`, `wait`): said before the first of them shown. */
  readonly group?: string;
}

export interface Fitted {
  readonly lines: string[];
  /** The titles of the columns left out, as the note says them. */
  readonly dropped: string[];
}

const GAP = 2;

export function fitTable(columns: readonly FitColumn[], rows: readonly (readonly string[])[], width = Infinity): Fitted {
  const titleOf = (i: number, shown: number[]) => {
    const c = columns[i]!;
    const firstOfGroup = c.group !== undefined && shown.find((k) => columns[k]!.group === c.group) === i;
    return firstOfGroup ? `${c.group} ${c.title}` : c.title;
  };
  let shown = columns.map((_, i) => i);
  const natural = (i: number, s: number[]) => rows.reduce((w, r) => Math.max(w, textWidth(r[i] ?? '')), textWidth(titleOf(i, s)));
  const total = (s: number[], w: (i: number) => number) => s.reduce((t, i) => t + w(i), 0) + GAP * (s.length - 1);
  const dropped: string[] = [];
  for (;;) {
    const s = shown;
    if (total(s, (i) => natural(i, s)) <= width) break;
    const candidates = s.filter((i) => columns[i]!.drop !== undefined);
    if (candidates.length === 0) break;
    const least = candidates.reduce((a, b) => (columns[b]!.drop! <= columns[a]!.drop! ? b : a));
    const c = columns[least]!;
    dropped.push(c.group ? `${c.group} ${c.title}` : c.title);
    shown = s.filter((i) => i !== least);
  }
  const widths = new Map(shown.map((i) => [i, natural(i, shown)]));
  let over = total(shown, (i) => widths.get(i)!) - width;
  // ids give way first (their middle), then free text, never below 8 columns
  for (const kind of ['id', 'text'] as const) {
    const give = shown.filter((i) => (kind === 'id' ? columns[i]!.id : columns[i]!.left && !columns[i]!.id));
    for (const i of give.sort((a, b) => widths.get(b)! - widths.get(a)!)) {
      if (over <= 0) break;
      const w = widths.get(i)!;
      const to = Math.max(8, w - over);
      widths.set(i, to);
      over -= w - to;
    }
  }
  const cell = (i: number, text: string, isTitle: boolean): string => {
    const c = columns[i]!;
    const w = widths.get(i)!;
    const fitted = textWidth(text) <= w ? text : c.id && !isTitle ? fitId(text, w).trimEnd() : cutText(text, w);
    const pad = ' '.repeat(Math.max(0, w - textWidth(fitted)));
    return c.left ? fitted + pad : pad + fitted;
  };
  const line = (texts: (i: number) => string, isTitle: boolean) => shown.map((i) => cell(i, texts(i), isTitle)).join(' '.repeat(GAP)).trimEnd();
  const lines = [line((i) => titleOf(i, shown), true), ...rows.map((r) => line((i) => r[i] ?? '', false))];
  return { lines, dropped };
}

/** The note under a table that left columns out. */
export function droppedNote(dropped: readonly string[], width: number): string {
  return dropped.length === 0 ? '' : `(not shown at ${width} columns: ${dropped.join(', ')}; a wider terminal shows them)`;
}

/** Prose under a table (its notes) wrapped at words to the width, lines after the first indented by two. */
export function wrapProse(text: string, width = Infinity): string[] {
  if (textWidth(text) <= width) return [text];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (textWidth(next) <= width || line.trim() === '') line = next;
    else {
      out.push(line);
      line = `  ${word}`;
    }
  }
  out.push(line);
  return out;
}
