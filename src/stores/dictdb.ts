import { keyError, queryError } from '../errors.js';
import { compileQuery, compareRecords, matches, normalizeKeys, project, type KeysInput, type QueryInput } from '../query/index.js';
import { BUFFER_KEYS, DATETIME_KEYS, Timestamp, copyValue, type TaskRecord, type Value } from '../records/index.js';
import type { Store, StoreInfo, StoreSummary } from './store.js';

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
 * submitted go first when the count or the bytes of buffers pass the limits.
 * Unlike ipyparallel, the culled-id memory belongs to one instance, and a
 * culled record says why it went.
 */
export class DictDB implements Store {
  readonly info: StoreInfo;
  readonly limits: DictDBLimits;
  private readonly records = new Map<string, TaskRecord>();
  private readonly culled = new Map<string, 'count' | 'size'>();
  private bufferBytes = 0;
  /** Records in answer order; rebuilt lazily after a change that may disturb it. */
  private ordered: TaskRecord[] | null = [];

  constructor(options: DictDBOptions = {}) {
    this.limits = {
      recordLimit: options.recordLimit ?? DICTDB_DEFAULTS.recordLimit,
      sizeLimit: options.sizeLimit ?? DICTDB_DEFAULTS.sizeLimit,
      cullFraction: options.cullFraction ?? DICTDB_DEFAULTS.cullFraction,
    };
    if (!(this.limits.cullFraction > 0 && this.limits.cullFraction <= 1)) {
      throw queryError(`DictDB.cull_fraction must be above 0 and at most 1, not ${this.limits.cullFraction}`);
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
    checkDates(record);
    const rec: TaskRecord = { ...copyValue(record), msg_id: msgId };
    this.records.set(msgId, rec);
    this.culled.delete(msgId);
    this.bufferBytes += bufferSize(rec);
    this.noteInsert(rec);
    this.maybeCull();
  }

  getRecordSync(msgId: string): TaskRecord {
    const rec = this.records.get(msgId);
    if (!rec) throw this.missing(msgId);
    return copyValue(rec);
  }

  updateRecordSync(msgId: string, changes: TaskRecord): void {
    const rec = this.records.get(msgId);
    if (!rec) throw this.missing(msgId);
    checkDates(changes);
    this.bufferBytes -= bufferSize(rec);
    for (const [k, v] of Object.entries(changes)) if (k !== 'msg_id') rec[k] = copyValue(v);
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
    const q = compileQuery(query);
    const doomed = this.inOrder().filter((r) => matches(q, r));
    for (const rec of doomed) this.remove(rec);
    return doomed.length;
  }

  /** Matching records in answer order, cut to `keys`. */
  findRecordsSync(query: QueryInput, keys?: KeysInput): TaskRecord[] {
    const q = compileQuery(query);
    const ks = normalizeKeys(keys);
    const out: TaskRecord[] = [];
    for (const rec of this.inOrder()) if (matches(q, rec)) out.push(copyValue(project(rec, ks)));
    return out;
  }

  getHistorySync(): string[] {
    return this.inOrder()
      .filter((r) => r['submitted'] instanceof Timestamp)
      .map((r) => r['msg_id'] as string);
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
  async *findRecords(query: QueryInput, keys?: KeysInput): AsyncIterable<TaskRecord> {
    yield* this.findRecordsSync(query, keys);
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
    this.bufferBytes -= bufferSize(rec);
    this.records.delete(rec['msg_id'] as string);
    if (this.ordered) {
      const i = this.ordered.indexOf(rec);
      if (i >= 0) this.ordered.splice(i, 1);
    }
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
      this.cullOldest(Math.floor(cullFraction * recordLimit), 'count', () => true);
    }
    if (this.bufferBytes > sizeLimit) {
      const target = sizeLimit * (1 - cullFraction);
      this.cullOldest(Infinity, 'size', () => this.bufferBytes > target);
    }
  }

  private cullOldest(n: number, reason: 'count' | 'size', more: () => boolean): void {
    const oldest = this.getHistorySync();
    for (let i = 0; i < oldest.length && i < n && more(); i++) {
      const id = oldest[i]!;
      this.culled.set(id, reason);
      this.remove(this.records.get(id)!);
    }
  }
}

function bufferSize(rec: TaskRecord): number {
  let n = 0;
  for (const key of BUFFER_KEYS) {
    const bufs = rec[key];
    if (Array.isArray(bufs)) for (const b of bufs) if (b instanceof Uint8Array) n += b.byteLength;
  }
  return n;
}

function checkDates(rec: TaskRecord): void {
  for (const key of DATETIME_KEYS) {
    const v: Value | undefined = rec[key];
    if (v !== undefined && v !== null && !(v instanceof Timestamp)) {
      throw queryError(`${key} must be None or a datetime, not ${JSON.stringify(v)}`);
    }
  }
}

export function latestClient(ordered: readonly TaskRecord[]): string | null {
  for (let i = ordered.length - 1; i >= 0; i--) {
    const c = ordered[i]!['client_uuid'];
    if (typeof c === 'string' && c) return c;
  }
  return null;
}
