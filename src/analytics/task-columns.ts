import { compareStrings, type DeriveContext, type TaskRecord, type Value } from '../records/index.js';
import { taskInterval, type TaskInterval } from './intervals.js';

/**
 * The tasks of an answer as columns, for the readers that only count, sum
 * and place them (`%stats`, `%timeline` and its exports): a store that can
 * (SQLite) reads just the columns they need, row by row into typed arrays,
 * instead of building a record per task. A row whose few columns decide
 * everything is a plain row; any other comes with its record, built as the
 * record path builds it, and is read by the record path's own functions:
 * both paths give one answer, by construction.
 */

/** What a reader of columns asks a store for. */
export interface ColumnRequest {
  /**
   * The keys of the record a row comes with when its columns do not decide
   * it (its status or engine id), and those of them it reads only through
   * `columnValue` (FindOptions.lazy): the keys the record path reads.
   */
  readonly keys: readonly string[];
  readonly lazy: readonly string[];
  /** Stored keys whose value every row needs (client_uuid, queue, label, msg_id, resubmitted). */
  readonly values: readonly string[];
  /** Whether every row needs its function's name (the derived key, decoded from its buffers). */
  readonly function: boolean;
  /**
   * Whether every row needs its status and engine id; without, only the
   * times are read (a histogram of run times) and no row comes as a record.
   */
  readonly state: boolean;
  /** The engine uuids the engine map names (their ids come from `DeriveContext.engineId`). */
  readonly mapped: ReadonlySet<string>;
}

/** One slice of rows, in the store's order. */
export interface ColumnChunk {
  readonly length: number;
  /** Which of the store's task tables the rows are of (several are read one after the other). */
  readonly table: number;
  /** Each row's engine_uuid as an index into the read's `uuids`; -1 when it holds no text. */
  readonly uuid: Int32Array;
  /** Microseconds since the epoch; NaN where the column holds no datetime. */
  readonly submitted: Float64Array;
  readonly started: Float64Array;
  readonly completed: Float64Array;
  /**
   * 1 where the row's reply is the text the hub stores for every success
   * and its engine is one the map names: its status is ok and its engine id
   * the map's, with nothing decoded (the record path decides such a record
   * the same way, decoding nothing). Any other row has its record.
   */
  readonly plain: Uint8Array;
  readonly records: (TaskRecord | undefined)[];
  /** The values of the requested keys, decoded as in a record, row by row. */
  readonly values: Readonly<Record<string, Value[]>>;
  /** The function of each row as stats and timelines count it (functionKey), when asked for. */
  readonly functions: (string | null)[] | null;
  /**
   * The order text of each row's msg_id (as a store orders its answers:
   * the stored value as text, None as ''), when msg_id is among the values.
   */
  readonly msgIdTexts: string[] | null;
}

/** A store's columns of an answer: its chunks, and the engine uuids their `uuid` indices name (filled as they are read). */
export interface ColumnRead {
  readonly uuids: readonly string[];
  readonly chunks: AsyncIterable<ColumnChunk>;
}

/** A stored key's value as a group: a text or a number, else None (what `stats` groups a record by). */
export function groupValue(v: unknown): string | number | null {
  return typeof v === 'string' || typeof v === 'number' ? v : null;
}

/** The engine ids of a read's uuids by the map, NaN where it names none (filled as uuids appear). */
export class MappedIds {
  private readonly ids: number[] = [];

  constructor(private readonly uuids: readonly string[], private readonly ctx: DeriveContext) {}

  of(u: number): number {
    let id = this.ids[u];
    if (id === undefined) {
      for (let k = this.ids.length; k <= u; k++) this.ids.push(this.ctx.engineId?.(this.uuids[k]!) ?? NaN);
      id = this.ids[u]!;
    }
    return id;
  }
}

/** Doubles a typed array's room. */
function grown<A extends Float64Array | Int32Array | Uint8Array>(a: A, make: (n: number) => A): A {
  const b = make(a.length * 2);
  b.set(a);
  return b;
}

/** One task of an IntervalTable: its interval, and the stored texts a trace writes beside it. */
export interface IntervalRow {
  readonly interval: TaskInterval;
  /** The engine_uuid as stored, when it is a text (an empty one too). */
  readonly engineUuid: string | null;
  /** The resubmitted key's value. */
  readonly resubmitted: Value;
}

/**
 * The tasks of a column read as the intervals `taskInterval` gives their
 * records, held as columns and made one at a time in the order a store
 * answers (submitted, then msg_id): what a timeline and its exports read.
 * The read must hold msg_id, resubmitted and label among its values.
 */
export class IntervalTable {
  private n = 0;
  private uuid = new Int32Array(1024);
  private submitted = new Float64Array(1024);
  private started = new Float64Array(1024);
  private completed = new Float64Array(1024);
  private tables = new Uint8Array(1024);
  private readonly msgIds: Value[] = [];
  private readonly msgIdTexts: string[] = [];
  private readonly resubmitted: Value[] = [];
  private readonly labels: Value[] = [];
  private readonly functions: (string | null)[] = [];
  /** The intervals of the rows that came with their record, by row. */
  private readonly fromRecords = new Map<number, TaskInterval>();
  private uuids: readonly string[] = [];
  private ids: MappedIds | null = null;
  private manyTables = false;

  get length(): number {
    return this.n;
  }

  /** Reads every chunk; a row with its record has its interval from `taskInterval` at once (its function from the read). */
  static async read(read: ColumnRead, ctx: DeriveContext): Promise<IntervalTable> {
    const t = new IntervalTable();
    t.uuids = read.uuids;
    t.ids = new MappedIds(read.uuids, ctx);
    for await (const chunk of read.chunks) t.add(chunk, ctx);
    return t;
  }

  private add(c: ColumnChunk, ctx: DeriveContext): void {
    const msgIds = c.values['msg_id']!;
    const resubmitted = c.values['resubmitted']!;
    const labels = c.values['label']!;
    if (c.table > 0) this.manyTables = true;
    for (let i = 0; i < c.length; i++) {
      const row = this.n;
      if (row === this.uuid.length) {
        this.uuid = grown(this.uuid, (k) => new Int32Array(k));
        this.submitted = grown(this.submitted, (k) => new Float64Array(k));
        this.started = grown(this.started, (k) => new Float64Array(k));
        this.completed = grown(this.completed, (k) => new Float64Array(k));
        this.tables = grown(this.tables, (k) => new Uint8Array(k));
      }
      this.uuid[row] = c.uuid[i]!;
      this.submitted[row] = c.submitted[i]!;
      this.started[row] = c.started[i]!;
      this.completed[row] = c.completed[i]!;
      this.tables[row] = c.table;
      this.msgIds.push(msgIds[i]!);
      this.msgIdTexts.push(c.msgIdTexts![i]!);
      this.resubmitted.push(resubmitted[i]!);
      this.labels.push(labels[i]!);
      this.functions.push(c.functions ? c.functions[i]! : null);
      if (!c.plain[i]) {
        const rec = c.records[i]!;
        if (c.functions) rec['function'] = c.functions[i]!;
        this.fromRecords.set(row, taskInterval(rec, ctx));
      }
      this.n++;
    }
  }

  /**
   * The rows in the store's answer order: by submitted (a row without one
   * first), then by msg_id's text, then table by table; the order they
   * were read in where that already is it.
   */
  order(): Uint32Array {
    const n = this.n;
    const key = (i: number) => (this.submitted[i] === this.submitted[i] ? this.submitted[i]! : -Infinity);
    let sorted = !this.manyTables;
    for (let i = 1; i < n && sorted; i++) if (!(key(i) > key(i - 1))) sorted = false;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (sorted) return order;
    const micros = Float64Array.from({ length: n }, (_, i) => key(i));
    return order.sort((a, b) => micros[a]! - micros[b]! || compareStrings(this.msgIdTexts[a]!, this.msgIdTexts[b]!) || this.tables[a]! - this.tables[b]! || a - b);
  }

  /** Row i as `taskInterval` gives its record. */
  interval(i: number): TaskInterval {
    const kept = this.fromRecords.get(i);
    if (kept) return kept;
    const u = this.uuid[i]!;
    const uuid = this.uuids[u]!;
    const time = (v: number) => (v === v ? v : null);
    const msgId = this.msgIds[i];
    const resubmitted = this.resubmitted[i];
    const label = this.labels[i];
    return {
      msgId: typeof msgId === 'string' ? msgId : '',
      engine: this.ids!.of(u),
      uuid: uuid !== '' ? uuid : null,
      submitted: time(this.submitted[i]!),
      started: time(this.started[i]!),
      completed: time(this.completed[i]!),
      status: 'ok',
      resubmitted: typeof resubmitted === 'string' && resubmitted !== '',
      function: this.functions[i]!,
      label: typeof label === 'string' && label !== '' ? label : null,
    };
  }

  /** Every row in answer order, with what a trace writes beside its interval. */
  *rows(order: Uint32Array = this.order()): Generator<IntervalRow> {
    for (const i of order) {
      const u = this.uuid[i]!;
      yield { interval: this.interval(i), engineUuid: u < 0 ? null : this.uuids[u]!, resubmitted: this.resubmitted[i]! };
    }
  }

  /** Every row's interval in answer order. */
  *intervals(order: Uint32Array = this.order()): Generator<TaskInterval> {
    for (const i of order) yield this.interval(i);
  }
}
