/**
 * Scroll positions of the viewers as pure values: a selected row kept inside
 * a window of `height` rows, and a horizontal column offset. The components
 * draw only rows [top, top + height).
 */
export interface RowScroll {
  readonly selected: number;
  readonly top: number;
}

export const START: RowScroll = { selected: 0, top: 0 };

/** Moves the selection to `to` (clamped) and scrolls just enough to show it. */
export function selectRow(s: RowScroll, to: number, count: number, height: number): RowScroll {
  if (count === 0) return START;
  const selected = Math.max(0, Math.min(count - 1, to));
  let top = s.top;
  if (selected < top) top = selected;
  if (selected >= top + height) top = selected - height + 1;
  top = Math.max(0, Math.min(top, Math.max(0, count - height)));
  return { selected, top };
}

/** Page moves keep the selection at the same place on the screen, as a pager does. */
export function pageRows(s: RowScroll, pages: number, count: number, height: number): RowScroll {
  if (count === 0) return START;
  const offset = s.selected - s.top;
  const maxTop = Math.max(0, count - height);
  const top = Math.max(0, Math.min(maxTop, s.top + pages * height));
  const selected = top === s.top ? (pages > 0 ? count - 1 : 0) : Math.min(count - 1, top + offset);
  return selectRow({ selected, top }, selected, count, height);
}

/** For a pager without a selection: the top line, clamped. */
export function scrollTop(top: number, count: number, height: number): number {
  return Math.max(0, Math.min(top, Math.max(0, count - height)));
}
