import { engineIdOf, type DeriveContext, taskFailure, Timestamp, isDict, type TaskRecord, type Value } from '../records/index.js';
import { compareEngines, functionOf } from './intervals.js';
import { engineInMessage, errorPattern, failureCause, type FailureCause } from './failure-signature.js';

/** What `%errors … by KEY` splits the signatures by; `ename` merges the messages of one exception class. */
export const ERROR_GROUPS = ['ename', 'function', 'engine', 'label', 'client'] as const;
export type ErrorGroup = (typeof ERROR_GROUPS)[number];

/** The keys an errors run reads from each record (`function` is read for the failures only, by whoever can). */
export const ERROR_KEYS = [
  'msg_id', 'submitted', 'completed', 'received', 'engine_uuid', 'client_uuid', 'label',
  'error', 'result_content', 'result_metadata', 'metadata',
];

/** One failure signature (within one group, when grouped): numbers only, drawing is elsewhere. */
export interface FailureSignature {
  /** The value of the `by` key (engine id or uuid, label, function, client); absent without `by` and for `by ename`. */
  readonly group?: string | number | null;
  readonly ename: string | null;
  /** The message with its variable parts as placeholders; `by ename`: the most frequent one. */
  readonly evalue: string;
  /** How many distinct messages (after placeholders) the row holds: 1 unless `by ename`. */
  readonly variants: number;
  readonly count: number;
  /** count / records in the selection. */
  readonly share: number;
  /** Caused by another engine or task rather than by the task's own code. */
  readonly cause: FailureCause;
  /** What caused it, when the records say: the engine that died, the dependencies that failed (else every dependency named). */
  readonly caused_by: (string | number)[];
  readonly functions: string[];
  readonly engines: (string | number)[];
  /** The earliest and latest time of these failures (completed, else received, else submitted). */
  readonly first: Timestamp | null;
  readonly last: Timestamp | null;
  /** The first of them in the answer's order. */
  readonly sample: string;
  readonly msg_ids: string[];
}

export interface ErrorReport {
  readonly by: ErrorGroup | null;
  /** Records in the selection, failed or not. */
  readonly selected: number;
  readonly failed: number;
  readonly signatures: FailureSignature[];
}

class Acc {
  count = 0;
  readonly patterns = new Map<string, number>();
  readonly functions = new Set<string>();
  readonly engines = new Set<string | number>();
  readonly causes = new Set<string | number>();
  first: Timestamp | null = null;
  last: Timestamp | null = null;
  readonly ids: string[] = [];
  /** The answer position of the first failure: the sample. */
  sampleSeq = Infinity;
  sample = '';
  constructor(readonly group: string | number | null, readonly ename: string | null, readonly cause: FailureCause) {}
}

const MAX_CAUSES = 50;

function timeOf(rec: TaskRecord): Timestamp | null {
  for (const k of ['completed', 'received', 'submitted']) if (rec[k] instanceof Timestamp) return rec[k] as Timestamp;
  return null;
}

/** The msg_ids a task waited for: `metadata.after` and `metadata.follow`, each a list or a Dependency dict. */
export function dependenciesOf(rec: TaskRecord): string[] {
  const md = rec['metadata'];
  if (!isDict(md)) return [];
  const out: string[] = [];
  for (const k of ['after', 'follow']) {
    let d: Value | undefined = md[k];
    if (isDict(d)) d = d['dependencies'];
    if (Array.isArray(d)) for (const id of d) if (typeof id === 'string') out.push(id);
  }
  return out;
}

const text = (v: Value | undefined): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Failures grouped by signature, fed one record at a time (failed or not:
 * every record counts toward the selection). Engines are named by id where
 * the engine map or a record tells it, else by uuid.
 */
export class ErrorsBuilder {
  private readonly groups = new Map<string, Acc>();
  private readonly learned = new Map<string, number>();
  private readonly failedIds = new Set<string>();
  private selected = 0;
  private failed = 0;

  constructor(
    readonly by: ErrorGroup | null = null,
    private readonly ctx: DeriveContext = {},
    /** Whether each signature lists its msg_ids (a report names the sample only, and a million failures need not be held). */
    private readonly keepIds = true,
  ) {}

  /** Counts a record of the selection that did not fail, without reading it. */
  skip(): void {
    this.selected++;
  }

  add(rec: TaskRecord): void {
    this.selected++;
    const uuid = text(rec['engine_uuid']);
    const engineId = engineIdOf(rec, this.ctx);
    if (uuid !== null && engineId !== null) this.learned.set(uuid, engineId);
    const f = taskFailure(rec);
    if (!f) return;
    this.failed++;
    const msgId = String(rec['msg_id']);
    this.failedIds.add(msgId);
    const pattern = errorPattern(f.evalue ?? '');
    const cause = failureCause(f.ename, f.evalue);
    const engine = engineId ?? uuid;
    const fn = functionOf(rec);
    const group = this.groupValue(rec, engine, fn);
    const key = JSON.stringify([group, f.ename, this.by === 'ename' ? null : pattern]);
    let acc = this.groups.get(key);
    if (!acc) this.groups.set(key, (acc = new Acc(group, f.ename, cause)));
    acc.count++;
    acc.patterns.set(pattern, (acc.patterns.get(pattern) ?? 0) + 1);
    if (fn !== null) acc.functions.add(fn);
    if (engine !== null) acc.engines.add(engine);
    const t = timeOf(rec);
    if (t && (acc.first === null || t.us < acc.first.us)) acc.first = t;
    if (t && (acc.last === null || t.us > acc.last.us)) acc.last = t;
    if (this.keepIds) acc.ids.push(msgId);
    if (this.selected < acc.sampleSeq) (acc.sampleSeq = this.selected), (acc.sample = msgId);
    if (acc.causes.size < MAX_CAUSES) {
      if (cause === 'engine died') {
        const named = engine ?? engineInMessage(f.evalue ?? '');
        if (named !== null) acc.causes.add(named);
      } else if (cause === 'dependency') {
        for (const id of dependenciesOf(rec)) acc.causes.add(id);
      }
    }
  }

  private groupValue(rec: TaskRecord, engine: string | number | null, fn: string | null): string | number | null {
    switch (this.by) {
      case 'engine':
        return engine;
      case 'function':
        return fn;
      case 'label':
        return text(rec['label']);
      case 'client':
        return text(rec['client_uuid']);
      default:
        return null;
    }
  }

  private engine(e: string | number): string | number {
    return typeof e === 'string' ? this.learned.get(e) ?? e : e;
  }

  result(): ErrorReport {
    const rows: FailureSignature[] = [];
    // an engine's rows first named by uuid, then by id once a record told it, become one
    const merged = new Map<string, Acc>();
    for (const acc of this.groups.values()) {
      const group = this.by === 'engine' && acc.group !== null ? this.engine(acc.group) : acc.group;
      const key = JSON.stringify([group, acc.ename, this.by === 'ename' ? null : [...acc.patterns.keys()][0]]);
      const into = merged.get(key);
      if (!into) {
        const fresh = new Acc(group, acc.ename, acc.cause);
        merged.set(key, fresh);
        mergeInto(fresh, acc);
      } else mergeInto(into, acc);
    }
    for (const acc of merged.values()) {
      const patterns = [...acc.patterns].sort((a, b) => b[1] - a[1]);
      let causedBy = [...acc.causes].map((c) => (acc.cause === 'engine died' ? this.engine(c) : c));
      if (acc.cause === 'dependency') {
        const failedDeps = causedBy.filter((id) => this.failedIds.has(String(id)));
        if (failedDeps.length) causedBy = failedDeps;
      }
      rows.push({
        ...(this.by !== null && this.by !== 'ename' ? { group: acc.group } : {}),
        ename: acc.ename,
        evalue: patterns[0]![0],
        variants: patterns.length,
        count: acc.count,
        share: this.selected ? acc.count / this.selected : 0,
        cause: acc.cause,
        caused_by: [...new Set(causedBy)],
        functions: [...acc.functions].sort(),
        engines: [...new Set([...acc.engines].map((e) => this.engine(e)))].sort(compareEngines),
        first: acc.first,
        last: acc.last,
        sample: acc.sample,
        msg_ids: acc.ids,
      });
    }
    rows.sort((a, b) =>
      (this.by !== null && this.by !== 'ename' ? compareEngines(a.group ?? null, b.group ?? null) : 0) ||
      b.count - a.count || (a.first?.us ?? 0) - (b.first?.us ?? 0) || (a.sample < b.sample ? -1 : 1));
    return { by: this.by, selected: this.selected, failed: this.failed, signatures: rows };
  }
}

function mergeInto(into: Acc, from: Acc): void {
  into.count += from.count;
  for (const [p, n] of from.patterns) into.patterns.set(p, (into.patterns.get(p) ?? 0) + n);
  for (const f of from.functions) into.functions.add(f);
  for (const e of from.engines) into.engines.add(e);
  for (const c of from.causes) into.causes.add(c);
  if (from.first && (into.first === null || from.first.us < into.first.us)) into.first = from.first;
  if (from.last && (into.last === null || from.last.us > into.last.us)) into.last = from.last;
  for (const id of from.ids) into.ids.push(id);
  if (from.sampleSeq < into.sampleSeq) (into.sampleSeq = from.sampleSeq), (into.sample = from.sample);
}
