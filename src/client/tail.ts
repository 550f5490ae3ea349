import { IpcError } from '../errors.js';
import { msgIdTail } from '../format/index.js';
import { Timestamp, engineIdOf, isDict, taskFailure, type DeriveContext, type Dict, type TaskRecord } from '../records/index.js';
import { engineContext } from './engines.js';
import type { IopubEvent } from './live.js';
import type { Client } from './types.js';

export interface TailOptions {
  readonly client: Client;
  /** The tasks to follow: these msg_ids, or (with a query) the tasks that match it. */
  readonly ids: readonly string[] | null;
  readonly query: Dict | null;
  /** Keep following new tasks that match the query (`-f`). */
  readonly follow: boolean;
  /** stderr too, not only stdout. */
  readonly stderr: boolean;
  /** Only the tasks of this engine. */
  readonly engine: number | null;
  /** How often the records are read (a store, and a hub's completions); default 500 ms. */
  readonly pollMs?: number;
}

/** One line of `%tail`: the task's own text; `prefix` says whose it is. */
export interface TailLine {
  readonly msgId: string;
  readonly engine: number | null;
  readonly stream: 'stdout' | 'stderr' | 'error' | 'note';
  readonly text: string;
}

type Stream = 'stdout' | 'stderr';

/** What `%tail` knows of one task it follows. */
interface Target {
  readonly msgId: string;
  engine: number | null;
  /** The text written out so far, per stream, including a partial last line. */
  readonly shown: Record<Stream, string>;
  /** The partial last line, per stream, not yet written. */
  readonly partial: Record<Stream, string>;
  completedPolls: number;
  idle: boolean;
  errorShown: boolean;
  done: boolean;
}

const KEYS = ['msg_id', 'submitted', 'engine_uuid', 'stdout', 'stderr', 'completed', 'error', 'result_content', 'result_header', 'result_metadata'];
/**
 * How long a task's record is held before it is matched with IOPub: the
 * controller relays a chunk to subscribers and saves it in the record at
 * about the same time, so a chunk the record already holds may still be on
 * its way here when the record's reply comes.
 */
const RELAY_SETTLE_MS = 300;
/** Chunks of tasks not (yet) known to be followed, kept so that a task found a moment later misses none of its text. */
const EARLY_BYTES = 4 * 2 ** 20;

/**
 * `%tail`: the output of tasks as it is produced. On a hub it subscribes to
 * IOPub first, then reads each task's record: text from before the
 * subscription comes from the record, and the chunks that arrived meanwhile
 * are matched against the record's end, so nothing is missed or written
 * twice. On a store it reads the stdout and stderr columns again and again
 * and writes what was added. It ends when every task followed is done
 * (never with `follow`) or when the signal aborts.
 */
export class Tail {
  private readonly targets = new Map<string, Target>();
  /** IOPub chunks per task since the subscription, for tasks not yet followed (or not yet read). */
  private readonly early = new Map<string, { stream: Stream; text: string }[]>();
  private earlyBytes = 0;
  /** Tasks IOPub mentioned that the query does not select. */
  private readonly rejected = new Set<string>();
  /** The engine IOPub named for a task not yet followed. */
  private readonly earlyEngine = new Map<string, number>();
  private readonly checking = new Set<string>();
  /** Tasks read and about to be followed. */
  private readonly adopting = new Set<string>();
  private out: TailLine[] = [];
  private wake: (() => void) | null = null;
  private ctx: DeriveContext = {};
  private lastSubmitted: Timestamp | null = null;
  private reading = false;

  constructor(private readonly o: TailOptions) {}

  async *lines(signal: AbortSignal): AsyncGenerator<TailLine> {
    const client = this.o.client;
    const pollMs = this.o.pollMs ?? 500;
    let unsubscribe: (() => void) | null = null;
    const onAbort = () => this.wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      if (client.live) {
        try {
          unsubscribe = await client.live.iopub((e) => this.event(e));
        } catch (e) {
          if (!(e instanceof IpcError)) throw e;
          this.note(`${e.message}; reading the records every ${pollMs} ms instead`);
        }
      }
      this.ctx = engineContext(await client.engines().catch(() => new Map<number, string>()));
      await this.discover(true);
      if (this.targets.size === 0 && !this.o.follow) this.note('no task matches; nothing to follow');
      else if (this.o.follow) this.note(`following ${this.targets.size} task${this.targets.size === 1 ? '' : 's'} and every new one that matches; Ctrl-C stops`);
      let next = performance.now() + pollMs;
      for (;;) {
        while (this.out.length) {
          const batch = this.out;
          this.out = [];
          for (const l of batch) yield l;
          if (signal.aborted) return;
        }
        if (signal.aborted) return;
        if (!this.o.follow && this.targets.size > 0 && [...this.targets.values()].every((t) => t.done)) return;
        if (!this.o.follow && this.targets.size === 0) return;
        const wait = next - performance.now();
        if (wait <= 0) {
          await this.poll();
          next = performance.now() + pollMs;
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, wait);
          function done() {
            clearTimeout(timer);
            resolve();
          }
          this.wake = done;
        });
        this.wake = null;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      unsubscribe?.();
    }
  }

  private emit(line: TailLine): void {
    this.out.push(line);
    this.wake?.();
  }

  private note(text: string): void {
    this.emit({ msgId: '', engine: null, stream: 'note', text });
  }

  private wanted(stream: string): stream is Stream {
    return stream === 'stdout' || (stream === 'stderr' && this.o.stderr);
  }

  private engineOk(t: Target): boolean {
    return this.o.engine === null || t.engine === this.o.engine;
  }

  /** Writes the complete lines of `text` added to a task's stream; the rest waits for its line's end. */
  private write(t: Target, stream: Stream, text: string): void {
    if (text === '') return;
    t.shown[stream] += text;
    const all = t.partial[stream] + text;
    const parts = all.split('\n');
    t.partial[stream] = parts.pop()!;
    if (!this.engineOk(t)) return;
    for (const p of parts) this.emit({ msgId: t.msgId, engine: t.engine, stream, text: p });
  }

  private flush(t: Target): void {
    for (const s of ['stdout', 'stderr'] as const) {
      if (t.partial[s] !== '' && this.engineOk(t)) this.emit({ msgId: t.msgId, engine: t.engine, stream: s, text: t.partial[s] });
      t.partial[s] = '';
    }
  }

  private event(e: IopubEvent): void {
    const id = e.parentId;
    if (id === null) return;
    const t = this.targets.get(id);
    if (t && e.engine !== null) t.engine ??= e.engine;
    else if (!t && e.engine !== null && !this.rejected.has(id) && this.earlyEngine.size < 10_000) this.earlyEngine.set(id, e.engine);
    if (e.msgType === 'stream') {
      const name = String(e.content['name']);
      const text = typeof e.content['text'] === 'string' ? e.content['text'] : '';
      if (!this.wanted(name)) return;
      if (t) return t.done ? undefined : this.write(t, name, text);
      if (this.rejected.has(id)) return;
      this.keepEarly(id, name, text);
      if (this.o.follow) void this.check(id);
    } else if (e.msgType === 'error' && t && !t.errorShown && this.engineOk(t)) {
      t.errorShown = true;
      this.flush(t);
      this.emit({ msgId: id, engine: t.engine, stream: 'error', text: `${String(e.content['ename'])}: ${String(e.content['evalue'])}` });
    } else if (e.msgType === 'status' && isDict(e.content)) {
      if (e.content['execution_state'] === 'idle' && t) {
        // every output of the task came before its idle: the record, read next, says whether it completed
        t.idle = true;
        this.wake?.();
      } else if (e.content['execution_state'] === 'busy' && !t && this.o.follow && !this.rejected.has(id)) void this.check(id);
    }
  }

  private keepEarly(id: string, stream: Stream, text: string): void {
    if (this.earlyBytes + text.length > EARLY_BYTES) return;
    let list = this.early.get(id);
    if (!list) this.early.set(id, (list = []));
    list.push({ stream, text });
    this.earlyBytes += text.length;
  }

  /** A task IOPub mentions that is not followed yet: followed when the query selects it. */
  private async check(id: string): Promise<void> {
    if (this.checking.has(id) || this.adopting.has(id) || this.targets.has(id) || !this.o.query) return;
    this.checking.add(id);
    try {
      // Whether the hub has recorded the task is asked first: asked second, a task recorded between the two reads (an
      // engine's IOPub can come before the hub has handled the request) would be taken for one the query does not select,
      // and the chunks it printed meanwhile dropped.
      if ((await this.o.client.dbQuery({ msg_id: id }, ['msg_id'])).length > 0) {
        const list = await this.o.client.dbQuery({ $and: [this.o.query, { msg_id: id }] }, KEYS);
        if (list.length > 0) await this.adoptAll(list.records);
        else {
          this.rejected.add(id);
          this.dropEarly(id);
        }
      }
      // else the hub has not recorded the task yet: its next message asks again, its chunks kept meanwhile
    } catch {
      // asked again at the next poll
    } finally {
      this.checking.delete(id);
    }
  }

  private dropEarly(id: string): void {
    this.earlyEngine.delete(id);
    for (const c of this.early.get(id) ?? []) this.earlyBytes -= c.text.length;
    this.early.delete(id);
  }

  /** The tasks selected now: at the start every one, later (with follow) those submitted since. */
  private async discover(first: boolean): Promise<void> {
    let query: Dict;
    if (this.o.ids) {
      if (!first) return;
      query = { msg_id: { $in: [...this.o.ids] } };
    } else if (first || !this.lastSubmitted) query = this.o.query ?? {};
    else query = { $and: [this.o.query ?? {}, { submitted: { $gte: new Timestamp(this.lastSubmitted.us - 2_000_000) } }] };
    const list = await this.o.client.dbQuery(query, KEYS);
    const found: TaskRecord[] = [];
    for (const r of list.records) {
      const s = r['submitted'];
      if (s instanceof Timestamp && (!this.lastSubmitted || s.us > this.lastSubmitted.us)) this.lastSubmitted = s;
      if (this.targets.has(String(r['msg_id']))) continue;
      // following: what had finished before %tail started is history, not a tail
      if (first && this.o.follow && r['completed'] instanceof Timestamp) {
        this.rejected.add(String(r['msg_id']));
        continue;
      }
      found.push(r);
    }
    await this.adoptAll(found);
  }

  /** Follows tasks read from the store, once the chunks IOPub was relaying meanwhile have come (the record may hold them already). */
  private async adoptAll(records: TaskRecord[]): Promise<void> {
    const fresh = records.filter((r) => !this.targets.has(String(r['msg_id'])) && !this.adopting.has(String(r['msg_id'])));
    if (fresh.length === 0) return;
    for (const r of fresh) this.adopting.add(String(r['msg_id']));
    try {
      if (this.o.client.live) await new Promise((r) => setTimeout(r, RELAY_SETTLE_MS));
      for (const r of fresh) this.adopt(r);
    } finally {
      for (const r of fresh) this.adopting.delete(String(r['msg_id']));
    }
  }

  /**
   * Starts following a task from its record: its text so far, then the
   * chunks IOPub gave since the subscription that the record does not hold
   * yet (the longest run of them the record ends with is already in it).
   */
  private adopt(r: TaskRecord): void {
    const id = String(r['msg_id']);
    if (this.targets.has(id)) return;
    const t: Target = {
      msgId: id,
      engine: engineIdOf(r, this.ctx) ?? this.earlyEngine.get(id) ?? null,
      shown: { stdout: '', stderr: '' },
      partial: { stdout: '', stderr: '' },
      completedPolls: 0,
      idle: false,
      errorShown: false,
      done: false,
    };
    this.targets.set(id, t);
    const early = this.early.get(id) ?? [];
    this.dropEarly(id);
    for (const s of ['stdout', 'stderr'] as const) {
      if (!this.wanted(s)) continue;
      const stored = typeof r[s] === 'string' ? (r[s] as string) : '';
      const chunks = early.filter((c) => c.stream === s).map((c) => c.text);
      let k = chunks.length;
      while (k > 0 && !stored.endsWith(chunks.slice(0, k).join(''))) k--;
      this.write(t, s, stored + chunks.slice(k).join(''));
    }
    this.settle(t, r);
  }

  /** Reads what the record adds to what was shown (a store, or IOPub chunks missed), and whether the task is done. */
  private settle(t: Target, r: TaskRecord): void {
    if (t.engine === null) t.engine = engineIdOf(r, this.ctx);
    const completed = r['completed'] instanceof Timestamp;
    const live = this.o.client.live !== undefined;
    // the hub's done: IOPub gave every chunk (its idle comes after them), else one more read of the record
    const done = completed && (!live || t.idle || t.completedPolls >= 1);
    // on a hub IOPub writes the text; the record fills in only once the task is done (a chunk in flight would be written twice)
    if (live && !done) {
      if (completed) t.completedPolls++;
      return;
    }
    for (const s of ['stdout', 'stderr'] as const) {
      if (!this.wanted(s)) continue;
      const stored = typeof r[s] === 'string' ? (r[s] as string) : '';
      if (stored.length > t.shown[s].length && stored.startsWith(t.shown[s])) this.write(t, s, stored.slice(t.shown[s].length));
    }
    if (!done) return;
    t.done = true;
    this.flush(t);
    const f = taskFailure(r);
    if (f && !t.errorShown && this.engineOk(t)) {
      t.errorShown = true;
      this.emit({ msgId: t.msgId, engine: t.engine, stream: 'error', text: `${f.ename ?? 'Error'}: ${f.evalue ?? ''}` });
    }
  }

  private async poll(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const open = [...this.targets.values()].filter((t) => !t.done).map((t) => t.msgId);
      if (open.length) {
        const list = await this.o.client.dbQuery({ msg_id: { $in: open } }, KEYS);
        for (const r of list.records) {
          const t = this.targets.get(String(r['msg_id']));
          if (t) this.settle(t, r);
        }
      }
      if (this.o.follow) await this.discover(false);
    } catch (e) {
      this.note(`reading the records failed: ${e instanceof Error ? e.message : String(e)}; trying again`);
    } finally {
      this.reading = false;
    }
  }
}

/** A tail line as printed: `[engine tail] text`, stderr marked, errors and notes as they are. */
export function tailPrefix(l: TailLine): string {
  if (l.stream === 'note') return '';
  return `[${l.engine ?? '?'} ${msgIdTail(l.msgId)}${l.stream === 'stderr' ? ' err' : ''}] `;
}
