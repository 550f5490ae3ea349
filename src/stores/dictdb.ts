import { configError, keyError } from '../errors.js';
import { compileMatcher, compileQuery, compareRecords, normalizeKeys, projector, type KeysInput, type QueryInput } from '../query/index.js';
import { BUFFER_KEYS, KEY_NAMES, Timestamp, copyValue, frozenCopy, setOwn, type TaskRecord, type Value } from '../records/index.js';
import { StoreBase, checkRecordDates, type Store, type StoreInfo, type StoreSummary } from './store.js';

export interface DictDBLimits {
  /** Most records kept; past it the oldest record_limit × cull_fraction are culled. */
  readonly recordLimit: number;
  /** Most bytes of buffers kept; past it the oldest are culled to size_limit × (1 − cull_fraction). */
  readonly sizeLimit: number;
  readonly cullFraction: number;
}

/** ipyparallel's defaults. */
export const DICTDB_DEFAULTS: DictDBLimits = { recordLimit: 1024, sizeLimit: 1024 ** 3, cullFraction: 0.1 };

export interface DictDBOptions extends Partial<DictDBLimits> {
  readonly location?: string;
}

/**
 * The in-memory store, with ipyparallel's culling: the oldest records by
 * submitted (ties in order of arrival) go first when the count or the bytes
 * of buffers pass the limits, the same records ipyparallel's DictDB culls.
 * Unlike ipyparallel, the culled-id memory belongs to one instance, and a
 * culled record says why it went. Records are kept as frozen copies, so
 * answers share their dicts and lists instead of copying them.
 */
export class DictDB extends StoreBase implements Store {
  readonly info: StoreInfo;
  readonly limits: DictDBLimits;
  private readonly records = new Map<string, TaskRecord>();
  private readonly culled = new Map<string, 'count' | 'size'>();
  /** Arrival order, which breaks ties of submitted in history and culling, as ipyparallel's dict order does. */
  private readonly arrival = new Map<string, number>();
  private arrivals = 0;
  private bufferBytes = 0;
  /** Records in answer order; rebuilt lazily after a change that may disturb it. */
  private ordered: TaskRecord[] | null = [];

  constructor(options: DictDBOptions = {}) {
    super();
    this.limits = {
      recordLimit: options.recordLimit ?? DICTDB_DEFAULTS.recordLimit,
      sizeLimit: options.sizeLimit ?? DICTDB_DEFAULTS.sizeLimit,
      cullFraction: options.cullFraction ?? DICTDB_DEFAULTS.cullFraction,
    };
    if (!(this.limits.cullFraction > 0 && this.limits.cullFraction <= 1)) {
      throw configError(`DictDB.cull_fraction must be above 0 and at most 1, not ${this.limits.cullFraction}`);
    }
    this.info = { kind: 'DictDB', location: options.location ?? 'memory', writable: true, live: false };
  }

  get size(): number {
    return this.records.size;
  }

  get bytes(): number {
    return this.bufferBytes;
  }

  /** Why a msg_id is gone, if it was culled. */
  culledReason(msgId: string): 'count' | 'size' | undefined {
    return this.culled.get(msgId);
  }

  addRecordSync(msgId: string, record: TaskRecord): void {
    if (this.records.has(msgId)) throw keyError(`already have a record with msg_id '${msgId}'`);
    checkRecordDates(record);
    const rec = storedCopy(record, msgId);
    this.records.set(msgId, rec);
    this.arrival.set(msgId, this.arrivals++);
    this.culled.delete(msgId);
    this.bufferBytes += bufferSize(rec);
    this.noteInsert(rec);
    this.maybeCull();
  }

  getRecordSync(msgId: string): TaskRecord {
    const rec = this.records.get(msgId);
    if (!rec) throw this.missing(msgId);
    return outsideCopy(rec);
  }

  updateRecordSync(msgId: string, changes: TaskRecord): void {
    const rec = this.records.get(msgId);
    if (!rec) throw this.missing(msgId);
    checkRecordDates(changes);
    this.bufferBytes -= bufferSize(rec);
    for (const [k, v] of Object.entries(changes)) if (k !== 'msg_id') setOwn(rec, k, frozenCopy(v));
    this.bufferBytes += bufferSize(rec);
    if ('submitted' in changes) this.ordered = null;
    this.maybeCull();
  }

  dropRecordSync(msgId: string): void {
    const rec = this.records.get(msgId);
    if (!rec) throw this.missing(msgId);
    this.remove(rec);
  }

  dropMatchingRecordsSync(query: QueryInput): number {
    const match = compileMatcher(compileQuery(query));
    const doomed = this.inOrder().filter(match);
    this.removeAll(doomed);
    return doomed.length;
  }

  /**
   * Matching records in answer order, cut to `keys`. Each answer is a new
   * dict; the dicts and lists inside it are the store's own, frozen, so that
   * a large answer costs no copying and still cannot change the store.
   */
  findRecordsSync(query: QueryInput, keys?: KeysInput): TaskRecord[] {
    const match = compileMatcher(compileQuery(query));
    const project = projector(normalizeKeys(keys));
    const out: TaskRecord[] = [];
    for (const rec of this.inOrder()) if (match(rec)) out.push(project(rec));
    return out;
  }

  /** Every submitted msg_id, oldest first; ties in order of arrival, as ipyparallel's dict keeps them. */
  getHistorySync(): string[] {
    return this.byAge().map((r) => r['msg_id'] as string);
  }

  summarySync(): StoreSummary {
    const all = this.inOrder();
    const dated = all.filter((r) => r['submitted'] instanceof Timestamp);
    const first = dated[0]?.['submitted'] as Timestamp | undefined;
    const last = dated[dated.length - 1];
    return {
      count: all.length,
      firstSubmitted: first ?? null,
      lastSubmitted: (last?.['submitted'] as Timestamp | undefined) ?? null,
      latestClient: latestClient(all),
    };
  }

  async addRecord(msgId: string, record: TaskRecord): Promise<void> {
    this.addRecordSync(msgId, record);
  }
  async getRecord(msgId: string): Promise<TaskRecord> {
    return this.getRecordSync(msgId);
  }
  async updateRecord(msgId: string, changes: TaskRecord): Promise<void> {
    this.updateRecordSync(msgId, changes);
  }
  async dropRecord(msgId: string): Promise<void> {
    this.dropRecordSync(msgId);
  }
  async dropMatchingRecords(query: QueryInput): Promise<number> {
    return this.dropMatchingRecordsSync(query);
  }
  findRecords(query: QueryInput, keys?: KeysInput): AsyncIterable<TaskRecord> {
    return streamOf(() => this.findRecordsSync(query, keys));
  }
  async getHistory(): Promise<string[]> {
    return this.getHistorySync();
  }
  async summary(): Promise<StoreSummary> {
    return this.summarySync();
  }
  async close(): Promise<void> {}

  private missing(msgId: string) {
    const why = this.culled.get(msgId);
    if (why === 'count') {
      return keyError(`record '${msgId}' was culled: the DictDB holds at most ${this.limits.recordLimit} records (DictDB.record_limit) and drops the oldest first`);
    }
    if (why === 'size') {
      return keyError(`record '${msgId}' was culled: the DictDB holds at most ${this.limits.sizeLimit} bytes of buffers (DictDB.size_limit) and drops the oldest first`);
    }
    return keyError(`no record with msg_id '${msgId}'`);
  }

  private remove(rec: TaskRecord): void {
    this.forget(rec);
    if (this.ordered) {
      const i = this.ordered.indexOf(rec);
      if (i >= 0) this.ordered.splice(i, 1);
    }
  }

  /** Removes many records with one pass over the answer order. */
  private removeAll(recs: readonly TaskRecord[]): void {
    if (recs.length === 0) return;
    if (recs.length === 1) return this.remove(recs[0]!);
    for (const rec of recs) this.forget(rec);
    if (this.ordered) {
      const doomed = new Set(recs);
      this.ordered = this.ordered.filter((r) => !doomed.has(r));
    }
  }

  private forget(rec: TaskRecord): void {
    const id = rec['msg_id'] as string;
    this.bufferBytes -= bufferSize(rec);
    this.records.delete(id);
    this.arrival.delete(id);
  }

  private noteInsert(rec: TaskRecord): void {
    if (!this.ordered) return;
    const last = this.ordered[this.ordered.length - 1];
    if (!last || compareRecords(last, rec) <= 0) this.ordered.push(rec);
    else this.ordered = null;
  }

  private inOrder(): TaskRecord[] {
    if (!this.ordered) this.ordered = [...this.records.values()].sort(compareRecords);
    return this.ordered;
  }

  /** Culls the oldest records by submitted, as ipyparallel does; records never submitted are kept. */
  private maybeCull(): void {
    const { recordLimit, sizeLimit, cullFraction } = this.limits;
    if (this.records.size > recordLimit) {
      this.cullOldest(Math.floor(cullFraction * recordLimit), 'count');
    }
    if (this.bufferBytes > sizeLimit) {
      this.cullOldest(Infinity, 'size', sizeLimit * (1 - cullFraction));
    }
  }

  /** Culls the oldest `n` records, stopping early once the buffers are down to `bytesTarget`. */
  private cullOldest(n: number, reason: 'count' | 'size', bytesTarget = -Infinity): void {
    const oldest = this.byAge();
    const doomed: TaskRecord[] = [];
    let bytes = this.bufferBytes;
    for (let i = 0; i < oldest.length && i < n && bytes > bytesTarget; i++) {
      const rec = oldest[i]!;
      this.culled.set(rec['msg_id'] as string, reason);
      bytes -= bufferSize(rec);
      doomed.push(rec);
    }
    this.removeAll(doomed);
  }

  /** Submitted records, oldest first; ties in order of arrival. */
  private byAge(): TaskRecord[] {
    const dated = this.inOrder().filter((r) => r['submitted'] instanceof Timestamp);
    const seq = (r: TaskRecord) => this.arrival.get(r['msg_id'] as string)!;
    return dated.sort((a, b) => (a['submitted'] as Timestamp).us - (b['submitted'] as Timestamp).us || seq(a) - seq(b));
  }
}

/**
 * A list produced on the first `next()` (so that a bad query rejects there,
 * as from an async generator) and streamed without a generator's per-item cost.
 */
function streamOf<T>(produce: () => T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let list: T[] | undefined;
      let i = 0;
      return {
        next(): Promise<IteratorResult<T>> {
          try {
            list ??= produce();
          } catch (e) {
            return Promise.reject(e);
          }
          return Promise.resolve(i < list.length ? { value: list[i++]!, done: false } : { value: undefined, done: true });
        },
        return(): Promise<IteratorResult<T>> {
          list = [];
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}

/**
 * What the store keeps: a frozen copy (see `frozenCopy`) built as one object
 * literal holding every TaskRecord key, a missing one as undefined, so that
 * all records share one shape and lookups stay fast. Other keys follow.
 */
const buildStored = new Function(
  'copy',
  `return function stored(s, id) { return { ${KEY_NAMES.map((k) => {
    const name = JSON.stringify(k);
    return k === 'msg_id' ? `${name}: id` : `${name}: copy(s[${name}])`;
  }).join(', ')} }; };`,
)((v: Value | undefined) => (v === undefined ? undefined : frozenCopy(v))) as (record: TaskRecord, msgId: string) => TaskRecord;

function storedCopy(record: TaskRecord, msgId: string): TaskRecord {
  const rec = buildStored(record, msgId);
  for (const k of Object.keys(record)) if (!Object.prototype.hasOwnProperty.call(rec, k)) setOwn(rec, k, frozenCopy(record[k]!));
  return rec;
}

/** A stored record as a caller gets it: a deep copy, without the keys it lacks. */
function outsideCopy(rec: TaskRecord): TaskRecord {
  const out: TaskRecord = {};
  for (const k of Object.keys(rec)) if (rec[k] !== undefined) setOwn(out, k, copyValue(rec[k]!));
  return out;
}

function bufferSize(rec: TaskRecord): number {
  let n = 0;
  for (const key of BUFFER_KEYS) {
    const bufs = rec[key];
    if (Array.isArray(bufs)) for (const b of bufs) if (b instanceof Uint8Array) n += b.byteLength;
  }
  return n;
}


export function latestClient(ordered: readonly TaskRecord[]): string | null {
  for (let i = ordered.length - 1; i >= 0; i--) {
    const c = ordered[i]!['client_uuid'];
    if (typeof c === 'string' && c) return c;
  }
  return null;
}
