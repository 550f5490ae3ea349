import { cellText as textOf } from '../format/index.js';

/** A table cell on screen: the shared cell text, and whether it is None (drawn dimmed). */
export interface CellText {
  readonly text: string;
  readonly none: boolean;
}

const NONE: CellText = { text: 'None', none: true };

/** How a table shows values: datetimes in local time (ipyparallel's naive datetimes) or in UTC. */
export interface CellOptions {
  readonly utc?: boolean;
}

export function cellText(v: unknown, options: CellOptions = {}): CellText {
  if (v === null || v === undefined) return NONE;
  return { text: textOf(v, { timezone: options.utc ? 'utc' : 'local' }), none: false };
}
