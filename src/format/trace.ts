import { Timestamp, type DeriveContext, type TaskRecord, type Value } from '../records/index.js';
import { engineLabel, taskInterval, type IntervalRow, type TaskInterval } from '../analytics/index.js';

/** About this many characters go out in one piece. */
const PIECE = 1 << 16;

/**
 * Task records as Chrome Trace Event JSON, the format Perfetto and
 * chrome://tracing open: one process per engine, one complete event
 * (`ph: 'X'`) per task that has both a start and a completion, `ts`/`dur` in
 * microseconds since the epoch. Records without both times cannot be placed;
 * their number is in `otherData`. Fed one record at a time: nothing is held
 * but the engines seen. The processes are named at the end, once every
 * record has had its say on which engine id a uuid is.
 */
export class TraceWriter {
  private readonly pids = new Map<number | string, number>();
  private readonly names = new Map<string, number>();
  private first = true;
  private events = 0;
  private untimed = 0;
  private readonly quotes = new Map<string, string>();
  private highMicros = NaN;
  private highText = '';

  constructor(private readonly ctx: DeriveContext = {}) {}

  start(): string {
    return '{"displayTimeUnit":"ms","traceEvents":[';
  }

  private event(e: unknown): string {
    return this.piece(JSON.stringify(e));
  }

  /** An event's JSON text as it goes into the list: after a comma but the first. */
  private piece(json: string): string {
    const s = (this.first ? '\n' : ',\n') + json;
    this.first = false;
    return s;
  }

  /** The text of one record's event ('' when it has no start or completion). */
  add(rec: TaskRecord): string {
    const uuid = rec['engine_uuid'];
    return this.addInterval(taskInterval(rec, this.ctx), typeof uuid === 'string' ? uuid : null, rec['resubmitted']);
  }

  /** The text of one task's event, from its interval, its stored engine_uuid (when a text) and resubmitted. */
  addInterval(t: TaskInterval, uuid: string | null, resubmitted: Value | undefined): string {
    if (typeof uuid === 'string' && typeof t.engine === 'number') this.names.set(uuid, t.engine);
    if (t.started === null || t.completed === null) {
      this.untimed++;
      return '';
    }
    // One process per engine uuid: its id may only be learned from a later record.
    const key = typeof uuid === 'string' && uuid !== '' ? uuid : t.engine ?? 'unassigned';
    let pid = this.pids.get(key);
    if (pid === undefined) {
      pid = this.pids.size + 1;
      this.pids.set(key, pid);
    }
    // the text JSON.stringify would make of the event (its keys in this order), written out: one object and its walk a task cost more than the rest
    const id = JSON.stringify(t.msgId);
    const fn = t.function == null ? 'null' : this.quoted(t.function);
    const status = this.quoted(t.status);
    let text = `{"name":${t.function == null ? id : fn},"cat":${status},"ph":"X","ts":${this.micros(t.started)},"dur":${jsonNumber(Math.max(0, t.completed - t.started))},"pid":${pid},"tid":0,"args":{"msg_id":${id},"function":${fn},"status":${status}`;
    if (t.submitted !== null) text += `,"submitted":"${new Timestamp(t.submitted).toISOString()}","queue_wait_us":${jsonNumber(t.started - t.submitted)}`;
    if (typeof uuid === 'string') text += `,"engine_uuid":${this.quoted(uuid)}`;
    if (t.resubmitted && resubmitted !== undefined) text += `,"resubmitted":${JSON.stringify(resubmitted)}`;
    this.events++;
    return this.piece(text + '}}');
  }

  /** JSON.stringify of a text that repeats from task to task (a function, a status, an engine uuid), kept for the next. */
  private quoted(text: string): string {
    let q = this.quotes.get(text);
    if (q === undefined) {
      q = JSON.stringify(text);
      if (this.quotes.size < QUOTES_KEPT) this.quotes.set(text, q);
    }
    return q;
  }

  /**
   * jsonNumber of a time in microseconds since the epoch: a whole number
   * of sixteen digits, which V8 writes by its general algorithm; its digits
   * above the last eight, the same for a hundred seconds of tasks, are kept.
   */
  private micros(us: number): string {
    if (!(Number.isInteger(us) && us >= 1e8 && us <= Number.MAX_SAFE_INTEGER)) return jsonNumber(us);
    const high = Math.floor(us / 1e8);
    if (high !== this.highMicros) {
      this.highMicros = high;
      this.highText = String(high);
    }
    return this.highText + String(us - high * 1e8 + 1e8).slice(1);
  }

  end(): string {
    let text = '';
    for (const [key, pid] of this.pids) {
      const id = typeof key === 'string' ? this.names.get(key) : key;
      const name = id !== undefined ? engineLabel(id) : engineLabel(key === 'unassigned' ? null : key);
      text += this.event({ name: 'process_name', ph: 'M', pid, tid: 0, ts: 0, args: { name } });
      text += this.event({ name: 'process_sort_index', ph: 'M', pid, tid: 0, ts: 0, args: { sort_index: id ?? 100_000 + pid } });
      text += this.event({ name: 'thread_name', ph: 'M', pid, tid: 0, ts: 0, args: { name: 'tasks' } });
    }
    return text + `\n],"otherData":${JSON.stringify({ source: 'ipc', tasks: this.events, untimed: this.untimed })}}\n`;
  }
}

/** How many repeating texts a trace keeps quoted. */
const QUOTES_KEPT = 4096;

/** A number as JSON writes it (null when it is not finite). */
function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/** The trace of records as they arrive, in pieces. */
export async function* renderTrace(records: AsyncIterable<TaskRecord> | Iterable<TaskRecord>, ctx: DeriveContext = {}): AsyncGenerator<string> {
  const w = new TraceWriter(ctx);
  let text = w.start();
  for await (const rec of records) {
    text += w.add(rec);
    if (text.length >= PIECE) {
      yield text;
      text = '';
    }
  }
  yield text + w.end();
}

/** The trace of tasks as intervals (a column read, in answer order), in pieces. */
export async function* renderTraceRows(rows: Iterable<IntervalRow>): AsyncGenerator<string> {
  const w = new TraceWriter();
  let text = w.start();
  for (const r of rows) {
    text += w.addInterval(r.interval, r.engineUuid, r.resubmitted);
    if (text.length >= PIECE) {
      yield text;
      text = '';
    }
  }
  yield text + w.end();
}

/** The trace of records in hand, as one text. */
export function traceText(records: Iterable<TaskRecord>, ctx: DeriveContext = {}): string {
  const w = new TraceWriter(ctx);
  let text = w.start();
  for (const rec of records) text += w.add(rec);
  return text + w.end();
}

