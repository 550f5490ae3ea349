import type { RecordList } from '../client/index.js';
import { escapeRegExp } from '../query/index.js';
import { DATETIME_KEYS, Timestamp, engineIdOf, taskStatus, type DeriveContext, type SortKey, type TaskRecord } from '../records/index.js';
import { ID_KEYS, formatDuration, span } from '../format/index.js';
import { cellText, type CellOptions, type CellText } from './cell-style.js';
import type { Painter } from './style.js';
import { cutText, fitId, fitText, textWidth } from './text-width.js';

/**
 * A record list as table columns: the keys asked for (msg_id first), then
 * queue wait (started − submitted) and run time (completed − started) when
 * those keys are there. Cells are formatted only for the rows drawn, and
 * column widths come from a bounded sample, so the cost of a screen does
 * not depend on how many records the answer holds.
 */
export interface Column {
  readonly title: string;
  readonly width: number;
  readonly alignRight: boolean;
  /** Ids are never cut while there is room; when they must be, the middle gives way (fitId). */
  readonly id: boolean;
  /** What `s` in the viewer sorts by for this column. */
  readonly sort: SortKey;
  cell(record: TaskRecord): CellText;
}

export const GAP = '  ';
/** Keys holding ids that are copied into the next query: msg_ids, session and engine ids. */
/** The widest a column of free text gets before its cells are cut with … (the shell's maxColumnWidth). */
export const MAX_TEXT_WIDTH = 40;

export interface TableOptions extends CellOptions, DeriveContext {
  readonly maxColumnWidth?: number;
}
const SAMPLE_HEAD = 400;
/** How many leading rows are looked through for engine ids. */
const ENGINE_SCAN = 5000;
/** 600 rows beyond the head, in 10 runs of 60. */
const SAMPLE_RUNS = 10;
const SAMPLE_RUN = 60;

/** Rows by index: a list of records, or a record list (read a page at a time when it is paged). */
export interface Rows {
  readonly length: number;
  at(index: number): TaskRecord | undefined;
}

export class TableModel {
  readonly columns: readonly Column[];
  private readonly utc: boolean;

  constructor(
    readonly records: Rows,
    readonly keys: readonly string[],
    options: TableOptions = {},
    /** The columns of another view of the same answer (sorted, filtered, columns chosen): widths are not measured again. */
    columns?: readonly Column[],
  ) {
    this.columns = columns ?? buildColumns(records, keys, options);
    this.utc = options.utc ?? false;
  }

  /** The same answer's table over other rows (sorted or filtered) and other columns (chosen, reordered). */
  view(records: Rows, columns: readonly Column[] = this.columns): TableModel {
    return new TableModel(records, this.keys, { utc: this.utc }, columns);
  }

  static of(list: RecordList, options: TableOptions = {}): TableModel {
    return new TableModel(list, list.keys, options);
  }

  get rowCount(): number {
    return this.records.length;
  }

  /** Width of the whole table, all columns. */
  get fullWidth(): number {
    return this.columns.reduce((w, c, i) => w + c.width + (i > 0 ? GAP.length : 0), 0);
  }

  /**
   * The columns drawn for a horizontal position: msg_id stays at the left,
   * then the columns from `first` on (first ≥ 1).
   */
  visibleColumns(first: number, width: number): number[] {
    const out = [0];
    let w = this.columns[0]!.width;
    for (let i = Math.max(1, first); i < this.columns.length && w < width; i++) {
      out.push(i);
      w += GAP.length + this.columns[i]!.width;
    }
    return out;
  }

  /** The largest useful `first`: scrolling further right would only hide columns. */
  lastFirst(width: number): number {
    let w = this.columns[0]!.width;
    let first = this.columns.length;
    while (first > 1 && w + GAP.length + this.columns[first - 1]!.width <= width) {
      first--;
      w += GAP.length + this.columns[first]!.width;
    }
    return Math.max(1, Math.min(first, this.columns.length - 1));
  }

  /** The titles; the selected column's in reverse video, the sorted one's with ↑ or ↓ when there is room. */
  header(first: number, width: number, p: Painter, selected = -1, sort: { title: string; descending: boolean } | null = null): string {
    const marked = (c: Column): string => {
      if (sort?.title !== c.title) return c.title;
      const arrow = sort.descending ? '↓' : '↑';
      return textWidth(c.title) < c.width ? c.title + arrow : cutText(c.title, c.width - 1) + arrow;
    };
    return this.line(first, width, (c) => ({ text: marked(c), none: false }), p, true, this.columns[selected]);
  }

  row(index: number, first: number, width: number, p: Painter): string {
    const rec = this.records.at(index)!;
    return this.line(first, width, (c) => c.cell(rec), p, false);
  }

  /** The plain text of every cell of a row, for telling changed rows apart (%watch). */
  rowSearchText(index: number): string {
    const rec = this.records.at(index)!;
    return this.columns.map((c) => c.cell(rec).text).join('\u0000');
  }

  /**
   * Whether a row holds `pattern` (`/` search): in its text values, at any
   * depth, and in its datetimes as the table shows them when the pattern
   * could be part of one. Values are tested as they are, without formatting
   * the row, so a million rows are searched in well under a second.
   */
  rowMatches(index: number, pattern: RegExp, datesToo: boolean): boolean {
    const rec = this.records.at(index)!;
    for (const k of this.keys) {
      if (valueMatches(rec[k], pattern, datesToo, this.utc)) return true;
    }
    return false;
  }

  private line(first: number, width: number, get: (c: Column) => CellText, p: Painter, isHeader: boolean, selected?: Column): string {
    let out = '';
    let used = 0;
    for (const i of this.visibleColumns(first, width)) {
      const c = this.columns[i]!;
      const sep = used === 0 ? '' : GAP;
      const room = width - used - sep.length;
      if (room <= 0) break;
      const cell = get(c);
      const w = Math.min(c.width, room);
      const text = c.id && !isHeader && !cell.none ? fitId(cell.text, w) : fitText(cell.text, w, c.alignRight && !isHeader);
      const painted = isHeader ? (c === selected ? p.inverse(text) : p.bold(text)) : cell.none ? p.dim(text) : text;
      out += sep + painted;
      used += sep.length + w;
    }
    return out;
  }
}

type ColumnSpec = Omit<Column, 'width'> & { cap: number };

/**
 * The default keys (the whole record) lead with what people read first:
 * msg_id, status, engine, submitted, run time and the head of stdout; the
 * dict columns (header, metadata, …) follow, to the right.
 */
const LEADING = ['msg_id', 'status', 'engine', 'submitted', 'run time', 'stdout'];

function buildColumns(records: Rows, keys: readonly string[], options: TableOptions): Column[] {
  const textCap = Math.max(8, options.maxColumnWidth ?? MAX_TEXT_WIDTH);
  const keyColumn = (k: string): ColumnSpec => {
    const id = ID_KEYS.has(k);
    return {
      title: k,
      alignRight: false,
      id,
      cap: id ? Infinity : DATETIME_KEYS.includes(k) ? 23 : textCap,
      sort: { kind: 'key', key: k },
      cell: (r: TaskRecord) => cellText(r[k], options),
    };
  };
  const has = (k: string) => keys.includes(k);
  const queueWait: ColumnSpec = {
    title: 'queue wait', alignRight: true, id: false, cap: 12, sort: { kind: 'span', from: 'submitted', to: 'started' }, cell: durationCell('submitted', 'started'),
  };
  const runTime: ColumnSpec = {
    title: 'run time', alignRight: true, id: false, cap: 12, sort: { kind: 'span', from: 'started', to: 'completed' }, cell: durationCell('started', 'completed'),
  };
  const ids = engineIds(records, options);
  const engineOf = (r: TaskRecord): number | null => {
    const uuid = r['engine_uuid'];
    return (typeof uuid === 'string' ? ids.get(uuid) : undefined) ?? engineIdOf(r, options);
  };
  const engine: ColumnSpec = {
    title: 'engine',
    alignRight: false,
    id: true,
    cap: Infinity,
    sort: { kind: 'engine', ids },
    cell: (r) => {
      const n = engineOf(r);
      return n !== null ? { text: String(n), none: false } : cellText(r['engine_uuid'], options);
    },
  };
  let cols: ColumnSpec[];
  if (has('header') && has('content') && has('engine_uuid') && has('stdout')) {
    const status: ColumnSpec = { title: 'status', alignRight: false, id: false, cap: 8, sort: { kind: 'status' }, cell: (r) => ({ text: taskStatus(r), none: false }) };
    const byTitle = new Map<string, ColumnSpec>([['status', status], ['engine', engine], ['run time', runTime]]);
    const lead = LEADING.map((t) => byTitle.get(t) ?? keyColumn(t));
    const rest = keys.filter((k) => !LEADING.includes(k)).map(keyColumn);
    cols = [...lead, ...rest, queueWait];
  } else {
    // Asked-for engine uuids get the engine ids beside them when any is known: "engine 0" is what people say.
    const besideUuid = has('engine_uuid') && !has('engine') && ids.size > 0;
    const beside: ColumnSpec = { ...engine, cell: (r) => cellText(engineOf(r), options) };
    cols = keys.flatMap((k) => (k === 'engine_uuid' && besideUuid ? [keyColumn(k), beside] : [keyColumn(k)]));
    if (has('submitted') && has('started')) cols.push(queueWait);
    if (has('started') && has('completed')) cols.push(runTime);
  }
  const sample = sampleRows(records.length);
  return cols.map((c) => {
    let w = textWidth(c.title);
    for (const i of sample) {
      if (w >= c.cap) break;
      w = Math.max(w, textWidth(c.cell(records.at(i)!).text));
    }
    return { title: c.title, alignRight: c.alignRight, id: c.id, sort: c.sort, cell: c.cell, width: Math.min(w, c.cap) };
  });
}

/**
 * Engine ids by engine uuid, learnt from the records that carry both (an
 * error's engine_info): then every row of that engine shows its id, not
 * only the failed ones.
 */
function engineIds(records: Rows, context: DeriveContext): Map<string, number> {
  const out = new Map<string, number>();
  const rows = new Set([...sampleRows(records.length), ...Array.from({ length: Math.min(records.length, ENGINE_SCAN) }, (_, i) => i)]);
  for (const i of rows) {
    const r = records.at(i)!;
    const uuid = r['engine_uuid'];
    if (typeof uuid !== 'string' || out.has(uuid)) continue;
    const id = engineIdOf(r, context);
    if (id !== null) out.set(uuid, id);
  }
  return out;
}

function valueMatches(v: unknown, pattern: RegExp, datesToo: boolean, utc: boolean): boolean {
  if (typeof v === 'string') return pattern.test(v);
  if (v === null || v === undefined || typeof v === 'boolean') return false;
  if (typeof v === 'number') return pattern.test(String(v));
  if (v instanceof Timestamp) return datesToo && pattern.test(v.toLocalString(3, utc));
  if (v instanceof Uint8Array) return false;
  if (Array.isArray(v)) return v.some((x) => valueMatches(x, pattern, datesToo, utc));
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as object)) {
      if (pattern.test(k) || valueMatches(x, pattern, datesToo, utc)) return true;
    }
  }
  return false;
}

/** A `/` search as a case-insensitive pattern, and whether it could be part of a datetime. */
export function searchPattern(query: string): { pattern: RegExp; datesToo: boolean } {
  return {
    pattern: new RegExp(escapeRegExp(query), 'i'),
    datesToo: /^[\d\-: .]+$/.test(query),
  };
}

function durationCell(from: string, to: string): (r: TaskRecord) => CellText {
  return (r) => {
    const us = span(r[from], r[to]);
    return us === null ? { text: '', none: false } : { text: formatDuration(us), none: false };
  };
}

/**
 * The first rows and an even spread of short runs over the rest: runs, so
 * that an answer kept in the store reads a few pages for its widths, not
 * one per sampled row.
 */
function sampleRows(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(n, SAMPLE_HEAD); i++) out.push(i);
  if (n > SAMPLE_HEAD) {
    const step = (n - SAMPLE_HEAD) / SAMPLE_RUNS;
    for (let k = 0; k < SAMPLE_RUNS; k++) {
      const start = SAMPLE_HEAD + Math.floor(k * step);
      for (let i = Math.max(start, out[out.length - 1]! + 1); i < Math.min(n, start + SAMPLE_RUN); i++) out.push(i);
    }
  }
  return out;
}

/**
 * One record as a block, a line per column (the table viewer's `x`, psql's
 * expanded display): a rule naming the row, then each title and its value,
 * the value cut to the width.
 */
export function recordBlock(model: TableModel, index: number, width: number, p: Painter): string[] {
  const rec = model.records.at(index)!;
  const titleWidth = Math.min(model.columns.reduce((w, c) => Math.max(w, textWidth(c.title)), -Infinity), Math.floor(width / 3));
  const room = Math.max(1, width - titleWidth - 3);
  const head = `-[ RECORD ${index + 1} ]`;
  const lines = [p.dim(head + '-'.repeat(Math.max(0, Math.min(width, titleWidth + 3 + 20) - head.length)))];
  for (const c of model.columns) {
    const cell = c.cell(rec);
    const text = (c.id && !cell.none ? fitId(cell.text, room) : fitText(cell.text, room)).trimEnd();
    lines.push(`${p.bold(fitText(c.title, titleWidth))} │ ${cell.none ? p.dim(text) : text}`);
  }
  return lines;
}

/** A table (or its first `rows` rows) as finished lines (header, rule, rows), for the scrollback. */
export function tableLines(model: TableModel, width: number, p: Painter, rows = model.rowCount): string[] {
  const header = model.header(1, width, p);
  const rule = p.dim('─'.repeat(Math.min(width, model.fullWidth)));
  const lines = [header, rule];
  for (let i = 0; i < Math.min(rows, model.rowCount); i++) lines.push(model.row(i, 1, width, p));
  return lines;
}
