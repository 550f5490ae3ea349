import { compareEngines, engineLabel, resubmittedAt, type ColumnChunk, type IntervalTable, type TaskInterval, type TimelineRows } from '../analytics/index.js';
import { type RecordStatus } from '../records/index.js';

/**
 * The tasks of a `%timeline` as typed arrays, one run per engine row sorted
 * by start, each row also summed into slices for zoomed-out frames.
 */

/** Status codes, in the order a cell shows the most telling one. */
const OK = 1;
export const RESUBMITTED = 2;
export const ABORTED = 3;
export const PENDING = 4;
export const ERROR = 5;

const CODE: Record<RecordStatus, number> = { ok: OK, aborted: ABORTED, pending: PENDING, error: ERROR };
export const STATUS_NAME = ['', 'ok', 'resubmitted', 'aborted', 'pending', 'error'];

export interface TimelineRow {
  readonly key: number | string | null;
  readonly label: string;
  /** Microseconds since the epoch, sorted by start. A task still pending has end NaN: it runs to the chart's end. */
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  readonly codes: Uint8Array;
  /** Index of each task into the model's msg_ids. */
  readonly tasks: Int32Array;
  /** The longest task of the row, to find every task overlapping a window from a search on starts. */
  readonly longest: number;
  /**
   * The row summed into BINS equal slices of the whole span (busy µs and the
   * most telling status of each), for a zoomed-out frame: it then reads a
   * few bins per cell instead of every task. Null for rows with few tasks.
   */
  readonly binBusy: Float64Array | null;
  readonly binWorst: Uint8Array | null;
}

/** Slices of the summary of a row; rows with fewer tasks than this are drawn from the tasks alone. */
const BINS = 16384;
/** A frame reads the summary once a character cell covers this many slices. */
export const BINS_PER_CELL = 4;

/** The msg_ids of a timeline's tasks, by task number, read when wanted. */
export interface TaskIds {
  readonly length: number;
  at(task: number): string;
  /** The first task whose msg_id starts with `prefix`, or -1. */
  find(prefix: string): number;
}

export class TimelineModel {
  readonly rows: TimelineRow[];
  readonly ids: TaskIds;
  readonly first: number;
  readonly last: number;
  /** Records without a time to place them. */
  readonly unplaced: number;

  constructor(rows: TimelineRow[], ids: TaskIds, first: number, last: number, unplaced: number) {
    this.rows = rows;
    this.ids = ids;
    this.first = first;
    this.last = last;
    this.unplaced = unplaced;
  }

  get taskCount(): number {
    return this.ids.length;
  }

  get binWidth(): number {
    return (this.last - this.first) / BINS;
  }

  /** The model of intervals in hand; `TimelineBuilder` takes them one at a time as records arrive. */
  static build(intervals: Iterable<TaskInterval>, now: number | null = null): TimelineModel {
    const b = new TimelineBuilder();
    for (const t of intervals) b.add(t);
    return b.finish(now);
  }
}

/** One row's tasks as they arrive, in typed arrays that double when full. */
class RowColumns {
  n = 0;
  starts = new Float64Array(256);
  ends = new Float64Array(256);
  codes = new Uint8Array(256);
  tasks = new Int32Array(256);
  /** The engine id, once a record names it. */
  id: number | null = null;

  /** `index`: the builder's rows are numbered as they are made. */
  constructor(readonly key: number | string | null, readonly index: number) {}

  push(start: number, end: number, code: number, task: number): void {
    if (this.n === this.starts.length) this.grow();
    const i = this.n++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.codes[i] = code;
    this.tasks[i] = task;
  }

  /** Room for `more` tasks past those held, exactly (when they are counted first). */
  reserve(more: number): void {
    if (this.n + more > this.starts.length) this.resize(this.n + more);
  }

  private grow(): void {
    this.resize(this.starts.length * 2);
  }

  private resize(size: number): void {
    const starts = new Float64Array(size);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Float64Array(size);
    ends.set(this.ends);
    this.ends = ends;
    const codes = new Uint8Array(size);
    codes.set(this.codes);
    this.codes = codes;
    const tasks = new Int32Array(size);
    tasks.set(this.tasks);
    this.tasks = tasks;
  }
}

/**
 * Collects tasks for a timeline as the records arrive, straight into the
 * typed arrays of their engine's row, so that `finish` only sums each row's
 * summary. One row per engine uuid (named by the engine id the records
 * reveal), and a row for tasks not yet assigned. A task is drawn from its
 * start (else its submission: still queued) to its completion (else the end).
 */
export class TimelineBuilder {
  /** The msg_id of each task of `add`, in task order (the table's tasks come between, as one block). */
  private readonly ids: string[] = [];
  private table: IntervalTable | null = null;
  /** The tasks of `addTable`: each one's row in `table`, numbered from `tableFrom` on. */
  private tableRows = new Int32Array(0);
  private tableFrom = 0;
  private readonly rows = new Map<number | string | null, RowColumns>();
  private first = Infinity;
  private last = -Infinity;
  private unplaced = 0;
  private pending = false;

  /** One row per engine (the default), per label or per function. */
  constructor(private readonly by: TimelineRows = 'engine') {}

  add(t: TaskInterval): void {
    const key = this.by === 'label' ? t.label : this.by === 'function' ? t.function : t.uuid ?? t.engine;
    this.place(t.started ?? t.submitted, t.completed, key, t.engine, t.resubmitted && t.status === 'ok' ? RESUBMITTED : CODE[t.status], t.msgId);
  }

  /**
   * The tasks of a column read in answer order: what `add` does with each
   * one's interval, a plain row's (status ok, its engine id the map's)
   * without making it; its msg_id is read from the table when first shown.
   */
  addTable(table: IntervalTable, order: Uint32Array): void {
    if (this.table) throw new Error('a timeline is built from one table');
    const by = this.by;
    this.table = table;
    // the table's tasks are numbered on from those added before it, each one's row in the table kept as a number
    const base = this.taskCount;
    const tableRows = new Int32Array(order.length);
    // Each task is noted first (its row, times, code), then every row is given room for its tasks at once and
    // they are copied in: rows of a large table would otherwise double their arrays many times over.
    const n = order.length;
    const rowOf = new Int32Array(n);
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    const codes = new Uint8Array(n);
    const tasks = new Int32Array(n);
    let m = 0;
    // a task with no start is counted, not placed: as in `add`, its row is not made (nor its engine id noted) for it
    const note = (start: number, completed: number | null, row: RowColumns, code: number, id: number) => {
      rowOf[m] = row.index;
      starts[m] = start;
      ends[m] = completed ?? NaN;
      codes[m] = code;
      tasks[m] = base + m;
      tableRows[m] = id;
      m++;
      this.extend(start, completed);
    };
    // a plain row's chart row (its engine, label or function); by engine, found once a uuid (by its index + 1)
    const byUuid: RowColumns[] = [];
    const plainRow = (c: ColumnChunk, j: number, engine: number): RowColumns => {
      if (by === 'engine') {
        const u = c.uuid[j]!;
        return (byUuid[u + 1] ??= this.row(table.uuidOf(u) || engine, engine));
      }
      if (by === 'label') {
        const label = c.values['label']![j];
        return this.row(typeof label === 'string' && label !== '' ? label : null, engine);
      }
      return this.row(c.functions![j]!, engine);
    };
    // a row with its record: its interval placed as `add` places one
    const otherRow = (t: TaskInterval, row: number): void => {
      const start = t.started ?? t.submitted;
      if (start === null) {
        this.unplaced++;
        return;
      }
      const key = by === 'label' ? t.label : by === 'function' ? t.function : t.uuid ?? t.engine;
      note(start, t.completed, this.row(key, t.engine), t.resubmitted && t.status === 'ok' ? RESUBMITTED : CODE[t.status], row);
    };
    const inOrder = table.chunksInOrder(order);
    if (inOrder) {
      // the rows in the order they were read (the usual case): walked chunk by chunk, as `visit` below would,
      // a plain row's task noted here as `note` would (the span's ends kept in locals meanwhile)
      let lo = Infinity;
      let hi = -Infinity;
      let pending = false;
      // one chunk's rows: a function of its own, made fast by the first chunks for the rest
      const walk = (c: ColumnChunk, first: number): void => {
        const { plain, uuid, submitted, started, completed } = c;
        for (let j = 0; j < c.length; j++) {
          if (!plain[j]) {
            otherRow(table.interval(first + j), first + j);
            continue;
          }
          const s = started[j]!;
          const end0 = completed[j]!;
          const start = s === s ? s : submitted[j]!;
          if (start !== start) {
            this.unplaced++;
            continue;
          }
          const r = (by === 'engine' ? byUuid[uuid[j]! + 1] : undefined) ?? plainRow(c, j, table.engineIdOf(uuid[j]!));
          rowOf[m] = r.index;
          starts[m] = start;
          ends[m] = end0;
          codes[m] = resubmittedAt(c, j) ? RESUBMITTED : OK;
          tasks[m] = base + m;
          tableRows[m] = first + j;
          m++;
          if (start < lo) lo = start;
          let end = end0;
          if (end0 !== end0) {
            pending = true;
            end = start;
          }
          if (end > hi) hi = end;
        }
      };
      for (const { chunk, first } of inOrder) walk(chunk, first);
      if (lo < this.first) this.first = lo;
      if (hi > this.last) this.last = hi;
      if (pending) this.pending = true;
    } else table.visit(
      order,
      (c, j, row, engine) => {
        const submitted = c.submitted[j]!;
        const started = c.started[j]!;
        const completed = c.completed[j]!;
        const code = resubmittedAt(c, j) ? RESUBMITTED : OK;
        const start = started === started ? started : submitted;
        if (start !== start) this.unplaced++;
        else note(start, completed === completed ? completed : null, plainRow(c, j, engine), code, row);
      },
      otherRow,
    );
    const rows = [...this.rows.values()];
    const counts = new Int32Array(rows.length);
    for (let i = 0; i < m; i++) counts[rowOf[i]!]!++;
    rows.forEach((r) => r.reserve(counts[r.index]!));
    // copied straight into the rows' arrays, each at its row's next free place
    const at = Int32Array.from(rows, (r) => r.n);
    const toStarts = rows.map((r) => r.starts);
    const toEnds = rows.map((r) => r.ends);
    const toCodes = rows.map((r) => r.codes);
    const toTasks = rows.map((r) => r.tasks);
    for (let i = 0; i < m; i++) {
      const k = rowOf[i]!;
      const p = at[k]!++;
      toStarts[k]![p] = starts[i]!;
      toEnds[k]![p] = ends[i]!;
      toCodes[k]![p] = codes[i]!;
      toTasks[k]![p] = tasks[i]!;
    }
    rows.forEach((r) => (r.n = at[r.index]!));
    this.tableFrom = base;
    this.tableRows = tableRows.subarray(0, m);
  }

  /** How many tasks are placed so far. */
  private get taskCount(): number {
    return this.ids.length + this.tableRows.length;
  }

  /** The row of `key`, a new one when it has none; an engine row is named by the engine id a task reveals. */
  private row(key: number | string | null, engine: number | string | null): RowColumns {
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = new RowColumns(key, this.rows.size)));
    if (this.by === 'engine' && typeof engine === 'number') row.id = engine;
    return row;
  }

  /** The span of the tasks so far, with one from `start` to `completed` (none: still running). */
  private extend(start: number, completed: number | null): void {
    if (start < this.first) this.first = start;
    if (completed === null) this.pending = true;
    const end = completed ?? start;
    if (end > this.last) this.last = end;
  }

  /** A task of `add`: placed in its row, its msg_id kept. */
  private place(start: number | null, completed: number | null, key: number | string | null, engine: number | string | null, code: number, id: string): void {
    if (start === null) {
      this.unplaced++;
      return;
    }
    this.row(key, engine).push(start, completed ?? NaN, code, this.taskCount);
    this.ids.push(id);
    this.extend(start, completed);
  }

  /** The model; `now` (µs) is where pending tasks end on a live hub. */
  finish(now: number | null = null): TimelineModel {
    let { first, last } = this;
    if (now !== null && this.pending && now > last) last = now;
    if (!(last >= first)) {
      first = 0;
      last = 1;
    }
    if (last === first) last = first + 1;
    const shown = (r: RowColumns) => (typeof r.key === 'string' && r.id !== null ? r.id : r.key);
    const rows = [...this.rows.values()]
      .sort((a, b) => compareEngines(shown(a), shown(b)))
      .map((r) => summedRow(r.key, this.rowLabel(shown(r)), {
        starts: r.starts.subarray(0, r.n),
        ends: r.ends.subarray(0, r.n),
        codes: r.codes.subarray(0, r.n),
        tasks: r.tasks.subarray(0, r.n),
      }, first, last));
    const { ids, table, tableRows, tableFrom } = this;
    const length = this.taskCount;
    const at = (k: number) =>
      k < tableFrom ? ids[k]! : k < tableFrom + tableRows.length ? table!.msgId(tableRows[k - tableFrom]!) : ids[k - tableRows.length]!;
    const taskIds: TaskIds = {
      length,
      at,
      find: (prefix) => {
        for (let k = 0; k < length; k++) if (at(k).startsWith(prefix)) return k;
        return -1;
      },
    };
    return new TimelineModel(rows, taskIds, first, last, this.unplaced);
  }

  private rowLabel(key: number | string | null): string {
    if (this.by === 'engine') return engineLabel(key);
    return key === null ? (this.by === 'label' ? '(no label)' : '(no function)') : String(key);
  }
}

/** A row's tasks, column by column. */
type RowTasks = Pick<TimelineRow, 'starts' | 'ends' | 'codes' | 'tasks'>;

/**
 * A row of the model: its tasks as they arrived, put in start order when
 * first read (a frame of the whole span reads only the row's summary, so
 * the first frame sorts the selected row alone).
 */
class ModelRow implements TimelineRow {
  private inOrder: RowTasks | null = null;

  constructor(
    readonly key: number | string | null,
    readonly label: string,
    private readonly arrived: RowTasks,
    readonly longest: number,
    readonly binBusy: Float64Array | null,
    readonly binWorst: Uint8Array | null,
  ) {}

  get starts(): Float64Array {
    return this.sorted().starts;
  }

  get ends(): Float64Array {
    return this.sorted().ends;
  }

  get codes(): Uint8Array {
    return this.sorted().codes;
  }

  get tasks(): Int32Array {
    return this.sorted().tasks;
  }

  private sorted(): RowTasks {
    return (this.inOrder ??= sortedTasks(this.arrived));
  }
}

/** The row with its longest task and, when it has many tasks, its summary in slices (both whatever the tasks' order). */
function summedRow(key: number | string | null, label: string, row: RowTasks, first: number, last: number): TimelineRow {
  const n = row.starts.length;
  const binned = n >= BINS / 4;
  const binBusy = binned ? new Float64Array(BINS) : null;
  const binWorst = binned ? new Uint8Array(BINS) : null;
  const bw = (last - first) / BINS;
  const { starts, ends, codes } = row;
  let longest = 0;
  for (let j = 0; j < n; j++) {
    const s = starts[j]!;
    const e0 = ends[j]!;
    const e = Number.isNaN(e0) ? last : e0;
    if (e - s > longest) longest = e - s;
    if (binBusy === null) continue;
    const code = codes[j]!;
    const b0 = Math.min(BINS - 1, Math.floor((s - first) / bw));
    const b1 = Math.min(BINS - 1, Math.floor((e - first) / bw));
    if (b0 === b1) {
      binBusy[b0]! += e - s;
      if (code > binWorst![b0]!) binWorst![b0] = code;
      continue;
    }
    for (let b = b0; b <= b1; b++) {
      binBusy[b]! += Math.max(0, Math.min(e, first + (b + 1) * bw) - Math.max(s, first + b * bw));
      if (code > binWorst![b]!) binWorst![b] = code;
    }
  }
  return new ModelRow(key, label, row, longest, binBusy, binWorst);
}

/** The tasks in start order: they usually arrive in it, else they are sorted once. */
function sortedTasks(a: RowTasks): RowTasks {
  const n = a.starts.length;
  for (let i = 1; i < n; i++) {
    if (a.starts[i]! < a.starts[i - 1]!) {
      const order = startOrder(a.starts);
      const starts = new Float64Array(n);
      const ends = new Float64Array(n);
      const codes = new Uint8Array(n);
      const tasks = new Int32Array(n);
      for (let k = 0; k < n; k++) {
        const j = order[k]!;
        starts[k] = a.starts[j]!;
        ends[k] = a.ends[j]!;
        codes[k] = a.codes[j]!;
        tasks[k] = a.tasks[j]!;
      }
      return { starts, ends, codes, tasks };
    }
  }
  return a;
}

/**
 * The tasks of a row by start, ties in arrival order. Starts are whole
 * microseconds: when the row's span and its task count fit in a double's
 * 53 bits, each task's (start − first start) and place make one number,
 * sorted natively; else a sort by comparison.
 */
export function startOrder(starts: Float64Array): Int32Array {
  const n = starts.length;
  let lo = Infinity;
  let hi = -Infinity;
  let whole = true;
  for (let i = 0; i < n; i++) {
    const s = starts[i]!;
    if (s < lo) lo = s;
    if (s > hi) hi = s;
    if (!Number.isInteger(s)) whole = false;
  }
  const scale = 2 ** Math.ceil(Math.log2(n + 1));
  if (!whole || !((hi - lo + 1) * scale <= Number.MAX_SAFE_INTEGER)) {
    return Int32Array.from({ length: n }, (_, j) => j).sort((x, y) => starts[x]! - starts[y]! || x - y);
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (starts[i]! - lo) * scale + i;
  keys.sort();
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = keys[i]! % scale;
  return order;
}

/** The first index whose start is ≥ t. */
export function lowerBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
