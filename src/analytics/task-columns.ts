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
   * Whether every row needs to say whether it was resubmitted (its
   * resubmitted key a non-empty text: `ColumnChunk.resubmitted`), not the
   * key's value (a chart marks such a task, a trace writes the value).
   */
  readonly resubmittedFlag?: boolean;
  /**
   * Whether every row needs its status and engine id; without, only the
   * times are read (a histogram of run times) and no row comes as a record.
   */
  readonly state: boolean;
  /** The engine uuids the engine map names (their ids come from `DeriveContext.engineId`). */
  readonly mapped: ReadonlySet<string>;
  /**
   * Without an engine map (`mapped` then is empty): a read of every record
   * may learn the map on the way, as the client's lookup finds it (the
   * failed tasks' engine_info), and hand it here before its first chunk.
   */
  readonly learn?: (engines: Map<number, string>) => void;
  /** Ctrl-C: the read stops between two of its slices (raising Interrupted), its worker with it. */
  readonly signal?: AbortSignal;
}

/** One slice of rows, in the store's order. */
export interface ColumnChunk {
  readonly length: number;
  /** Which of the store's task tables the rows are of (several are read one after the other). */
  readonly table: number;
  /** Each row's rowid in its table, when the read asked for the state. */
  readonly rowid: Float64Array | null;
  /** Each row's engine_uuid as an index into the read's `uuids`; -1 when it holds no text. */
  readonly uuid: Int32Array;
  /** Microseconds since the epoch; NaN where the column holds no datetime. */
  readonly submitted: Float64Array;
  readonly started: Float64Array;
  readonly completed: Float64Array;
  /**
   * Not 0 where the row's reply is the text the hub stores for every success
   * and its engine is one the map names: its status is ok and its engine id
   * the map's, with nothing decoded (the record path decides such a record
   * the same way, decoding nothing). Any other row (0) has its record.
   */
  readonly plain: Uint8Array;
  readonly records: (TaskRecord | undefined)[];
  /** The values of the requested keys, decoded as in a record, row by row. */
  readonly values: Readonly<Record<string, Value[]>>;
  /** 1 where the row's resubmitted key is a non-empty text, when asked for (`resubmittedFlag`). */
  readonly resubmitted: Uint8Array | null;
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
  /** The stored msg_id of rows of table `table` by rowid (a row gone since is not there). */
  msgIds(table: number, rowids: readonly number[]): Map<number, unknown>;
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

/** How many msg_ids are looked up one by one before each is looked up with its chunk's. */
const ASKED_ALONE = 32;

/** Whether row j of a chunk was resubmitted (its resubmitted key a non-empty text), from its flag or its value. */
export function resubmittedAt(c: ColumnChunk, j: number): boolean {
  if (c.resubmitted) return c.resubmitted[j] === 1;
  const v = c.values['resubmitted']?.[j];
  return typeof v === 'string' && v !== '';
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
 * records, held in the read's chunks and made one at a time in the order a
 * store answers (submitted, then msg_id): what a timeline and its exports
 * read. The read holds whether each was resubmitted (the key's value among
 * its values, which a trace needs, or its flag); msg_id among its values
 * too, else it is looked up by rowid when first wanted (`ColumnRead.msgIds`).
 */
export class IntervalTable {
  private readonly chunks: ColumnChunk[] = [];
  /** The first row of each chunk. */
  private readonly offsets: number[] = [];
  private n = 0;
  /** The intervals of the rows that came with their record, by row. */
  private readonly fromRecords = new Map<number, TaskInterval>();
  /** msg_ids looked up by rowid, by chunk. */
  private readonly lookedUp = new Map<number, unknown[]>();
  /** The order `order` last gave when it was the order the rows were read in. */
  private identity: Uint32Array | null = null;
  /** How many rows had their msg_id looked up alone. */
  private askedAlone = 0;
  private manyTables = false;

  private constructor(private readonly read: ColumnRead, private readonly ids: MappedIds) {}

  get length(): number {
    return this.n;
  }

  /** Reads every chunk; a row with its record has its interval from `taskInterval` at once (its function from the read). */
  static async read(read: ColumnRead, ctx: DeriveContext): Promise<IntervalTable> {
    const t = new IntervalTable(read, new MappedIds(read.uuids, ctx));
    for await (const chunk of read.chunks) {
      t.offsets.push(t.n);
      t.chunks.push(chunk);
      if (chunk.table > 0) t.manyTables = true;
      for (let i = 0; i < chunk.length; i++) {
        if (chunk.plain[i]) continue;
        const rec = chunk.records[i]!;
        if (chunk.functions) rec['function'] = chunk.functions[i]!;
        t.fromRecords.set(t.n + i, taskInterval(rec, ctx));
        // the interval is all that is read of it
        chunk.records[i] = undefined;
      }
      t.n += chunk.length;
    }
    return t;
  }

  /** The chunk that holds row i. */
  private chunkAt(i: number): number {
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.offsets[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The stored msg_ids of chunk k, row by row: from the read, else looked up once by rowid (a row gone since reads as None). */
  private storedIds(k: number): readonly unknown[] {
    const c = this.chunks[k]!;
    const read = c.values['msg_id'];
    if (read) return read;
    let ids = this.lookedUp.get(k);
    if (!ids) {
      const found = this.read.msgIds(c.table, Array.from(c.rowid!));
      ids = Array.from(c.rowid!, (r) => found.get(r) ?? null);
      this.lookedUp.set(k, ids);
    }
    return ids;
  }

  /**
   * The msg_id of row i, as its interval has it ('' unless a text). The
   * first few asked for are looked up alone (a frame shows the selected
   * task's), the rest with every other of their chunk (a search reads
   * them all).
   */
  msgId(i: number): string {
    const k = this.chunkAt(i);
    const c = this.chunks[k]!;
    let v: unknown;
    if (c.values['msg_id'] || this.lookedUp.has(k) || this.askedAlone >= ASKED_ALONE) v = this.storedIds(k)[i - this.offsets[k]!];
    else {
      this.askedAlone++;
      const rowid = c.rowid![i - this.offsets[k]!]!;
      v = this.read.msgIds(c.table, [rowid]).get(rowid) ?? null;
    }
    return typeof v === 'string' ? v : '';
  }

  /** The text a store orders row i's msg_id by (the value as text, None as ''). */
  private msgIdText(i: number): string {
    const k = this.chunkAt(i);
    const texts = this.chunks[k]!.msgIdTexts;
    if (texts) return texts[i - this.offsets[k]!]!;
    const v = this.storedIds(k)[i - this.offsets[k]!];
    return typeof v === 'string' ? v : String(v ?? '');
  }

  /**
   * The rows in the store's answer order: by submitted (a row without one
   * first), then by msg_id's text, then table by table; the order they
   * were read in where that already is it.
   */
  order(): Uint32Array {
    const n = this.n;
    if (!this.manyTables && this.readInOrder()) {
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      this.identity = order;
      return order;
    }
    const micros = new Float64Array(n);
    this.chunks.forEach((c, k) => {
      const at = this.offsets[k]!;
      for (let i = 0; i < c.length; i++) micros[at + i] = c.submitted[i] === c.submitted[i] ? c.submitted[i]! : -Infinity;
    });
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => (micros[a]! < micros[b]! ? -1 : micros[a]! > micros[b]! ? 1 : a - b));
    // rows submitted at the same microsecond: by msg_id's text, then table, then as read
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && micros[order[j]!] === micros[order[i]!]) j++;
      if (j - i > 1) {
        const tie = Array.from(order.subarray(i, j));
        const texts = new Map(tie.map((r) => [r, this.msgIdText(r)]));
        tie.sort((a, b) => compareStrings(texts.get(a)!, texts.get(b)!) || this.tableOf(a) - this.tableOf(b) || a - b);
        order.set(tie, i);
      }
      i = j;
    }
    return order;
  }

  /** Whether the rows as read are in strictly ascending submitted order (a row without one first). */
  private readInOrder(): boolean {
    let last = -Infinity;
    let any = false;
    for (const c of this.chunks) {
      const submitted = c.submitted;
      for (let i = 0; i < c.length; i++) {
        const s = submitted[i]!;
        const v = s === s ? s : -Infinity;
        if (any && !(v > last)) return false;
        last = v;
        any = true;
      }
    }
    return true;
  }

  private tableOf(i: number): number {
    return this.chunks[this.chunkAt(i)]!.table;
  }

  /**
   * Calls `plain` with each plain row in `order` (its chunk and place in
   * it), `other` with the interval of each other row: what a timeline
   * builds its model from without making an interval of every task.
   */
  visit(order: Uint32Array, plain: (c: ColumnChunk, j: number, row: number, engineId: number) => void, other: (t: TaskInterval, row: number) => void): void {
    let k = 0;
    for (const i of order) {
      // in order, the next row is mostly in the same chunk or the next
      if (i < this.offsets[k]! || (k + 1 < this.offsets.length && i >= this.offsets[k + 1]!)) k = this.chunkAt(i);
      const c = this.chunks[k]!;
      const j = i - this.offsets[k]!;
      if (c.plain[j]) plain(c, j, i, this.ids.of(c.uuid[j]!));
      else other(this.fromRecords.get(i)!, i);
    }
  }

  /**
   * The chunks with the row number of each one's first row, when `order`
   * is the order the rows were read in (as it mostly is: a caller then
   * walks them as they are, without `visit`'s call a row); else null.
   */
  chunksInOrder(order: Uint32Array): { readonly chunk: ColumnChunk; readonly first: number }[] | null {
    if (order.length !== this.n) return null;
    if (order !== this.identity) for (let i = 0; i < order.length; i++) if (order[i] !== i) return null;
    return this.chunks.map((chunk, k) => ({ chunk, first: this.offsets[k]! }));
  }

  /** The engine id of a plain row's engine uuid (index u), as `visit` gives it. */
  engineIdOf(u: number): number {
    return this.ids.of(u);
  }

  /** The engine uuid of index u ('' where a row has none). */
  uuidOf(u: number): string {
    return u < 0 ? '' : this.read.uuids[u]!;
  }

  /** Row i as `taskInterval` gives its record. */
  interval(i: number): TaskInterval {
    const kept = this.fromRecords.get(i);
    if (kept) return kept;
    const k = this.chunkAt(i);
    const c = this.chunks[k]!;
    const j = i - this.offsets[k]!;
    const u = c.uuid[j]!;
    const uuid = this.read.uuids[u]!;
    const time = (v: number) => (v === v ? v : null);
    const label = c.values['label']?.[j];
    return {
      msgId: this.msgId(i),
      engine: this.ids.of(u),
      uuid: uuid !== '' ? uuid : null,
      submitted: time(c.submitted[j]!),
      started: time(c.started[j]!),
      completed: time(c.completed[j]!),
      status: 'ok',
      resubmitted: resubmittedAt(c, j),
      function: c.functions ? c.functions[j]! : null,
      label: typeof label === 'string' && label !== '' ? label : null,
    };
  }

  /** Every row in answer order, with what a trace writes beside its interval (a read of the resubmitted key's value). */
  *rows(order: Uint32Array = this.order()): Generator<IntervalRow> {
    if (this.chunks.some((c) => !c.values['resubmitted'])) throw new Error('these intervals were read without the resubmitted text a trace writes');
    for (const i of order) {
      const k = this.chunkAt(i);
      const c = this.chunks[k]!;
      const j = i - this.offsets[k]!;
      const u = c.uuid[j]!;
      yield { interval: this.interval(i), engineUuid: u < 0 ? null : this.read.uuids[u]!, resubmitted: c.values['resubmitted']![j]! };
    }
  }

  /** Every row's interval in answer order. */
  *intervals(order: Uint32Array = this.order()): Generator<TaskInterval> {
    for (const i of order) yield this.interval(i);
  }
}
