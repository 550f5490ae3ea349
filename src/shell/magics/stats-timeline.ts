import type { Client, TaskColumns, TaskColumnsRequest } from '../../client/index.js';
import { LoopTurns, didYouMean, nameError, typeError } from '../../errors.js';
import { histogram, renderHistogram, renderStats, renderSvg, renderSvgIntervals, renderTrace, renderTraceRows } from '../../format/index.js';
import {
  GROUP_ALIASES, INTERVAL_KEYS, IntervalTable, MappedIds, STATS_GROUPS, StatsBuilder, TIMELINE_ROWS, groupWord, statsKeys,
  type GroupStats, type StatsGroup, type TaskStats, type TimelineRows,
} from '../../analytics/index.js';
import { RecordList, Text, isDict, queueWait, runTime, type DeriveContext, type TaskRecord } from '../../records/index.js';
import { writeFileStreaming } from '../export-file.js';
import { askTerminal } from '../api.js';
import type { MagicContext } from '../magic.js';
import { parseExpression, bindArgs, PyFunction, typeName } from '../../language/index.js';

/**
 * Where the records of a stats or timeline come from: a query (read twice
 * if need be) or a list in hand; a query also as columns, where the client
 * can read them so.
 */
export type Source = {
  readonly open: () => AsyncIterable<TaskRecord> | Iterable<TaskRecord>;
  /** The engine map for the records (a store client may look it up: asked only where the records are read). */
  readonly ctx: () => Promise<DeriveContext>;
  readonly columns?: (request: TaskColumnsRequest) => Promise<TaskColumns | null>;
  /** The statement's Ctrl-C, looked at while what was read is added up. */
  readonly signal?: AbortSignal;
};

/** How long adding up chunks goes on before the event loop turns (so that Ctrl-C is seen). */
const TURN_MS = 20;

/** The engine map of the client as a derivation context; without one, engines are named by the ids the records reveal, else by uuid. */
export function deriveContext(client: Client): Promise<DeriveContext> {
  return client.deriveContext().catch(() => ({}));
}

/** Records a value stands for: a record list or a list of records. */
export function recordsOf(v: unknown): TaskRecord[] | null {
  if (v instanceof RecordList) return v.records;
  if (Array.isArray(v) && v.every((r) => isDict(r))) return v as TaskRecord[];
  return null;
}

function groupOf(name: string): StatsGroup {
  const g = GROUP_ALIASES[name] ?? name;
  if ((STATS_GROUPS as readonly string[]).includes(g)) return g as StatsGroup;
  const names = [...STATS_GROUPS, ...Object.keys(GROUP_ALIASES)];
  throw typeError(`stats cannot group by '${name}'${didYouMean(name, names)}; choose ${STATS_GROUPS.map(groupWord).join(', ')}`);
}

/** One row per group with the numbers flat, for JSON and CSV. */
function flatRow(g: GroupStats, by: string): Record<string, unknown> {
  const row: Record<string, unknown> = { [by]: g.key };
  for (const [k, v] of Object.entries(g)) {
    if (k === 'key') continue;
    if (k === 'run_time' || k === 'queue_wait') {
      for (const [q, x] of Object.entries(v as object)) row[`${k}_${q}`] = x;
    } else row[k] = v;
  }
  return row;
}

/** The numbers of a stats run as plain data: what `stats()` returns and `--format json` prints. */
export function statsData(st: TaskStats): Record<string, unknown> {
  return {
    by: st.by,
    groups: st.groups.map((g) => flatRow(g, st.by)),
    total: flatRow(st.total, st.by),
    first_started: st.first_started,
    last_completed: st.last_completed,
    span: st.span,
    engines: st.engines,
  };
}

/** The groupings whose key is a stored key's value. */
const VALUE_GROUPS: readonly StatsGroup[] = ['client_uuid', 'queue', 'label'];

/** The stats of a source's records, grouped by `by`: from columns where the client reads them so, else from the records. */
export async function computeStats(source: Source, by: StatsGroup): Promise<TaskStats> {
  const columns = await source.columns?.({
    keys: statsKeys(by).filter((k) => k !== 'function'),
    lazy: DERIVE_ONLY,
    values: VALUE_GROUPS.includes(by) ? [by] : [],
    function: by === 'function',
    state: true,
  });
  if (columns) {
    const { read, ctx } = columns;
    const b = new StatsBuilder(by, ctx);
    const ids = new MappedIds(read.uuids, ctx);
    const turns = new LoopTurns(source.signal, TURN_MS);
    for await (const chunk of read.chunks) {
      b.addChunk(chunk, read.uuids, ids);
      // chunks read ahead (an engine map learned in the pass) come without the loop turning between them
      if (source.signal && turns.due()) await turns.turn();
    }
    return b.result();
  }
  const b = new StatsBuilder(by, await source.ctx());
  for await (const r of source.open()) b.add(r);
  return b.result();
}

/** The keys a timeline reads of each record: the function's name only where it is drawn or written. */
export function intervalKeys(withFunction: boolean): string[] {
  return INTERVAL_KEYS.filter((k) => withFunction || k !== 'function');
}

/** What a timeline's columns hold beyond the times, engines and states. */
export interface IntervalNeeds {
  /** Each task's function (rows by function, the trace's events). */
  readonly function: boolean;
  /** Each task's msg_id, read with the rest (a file's events and bars name every task; the chart reads the few it shows). */
  readonly msgIds: boolean;
  /** Each task's label (rows by label). */
  readonly labels: boolean;
  /** Each task's resubmitted key as stored (a trace writes it); else only whether it is set. */
  readonly resubmittedText?: boolean;
}

/** The tasks of a timeline as columns, where the client reads them so. */
export async function intervalTable(source: Source, needs: IntervalNeeds): Promise<IntervalTable | null> {
  const columns = await source.columns?.({
    keys: intervalKeys(false),
    lazy: DERIVE_ONLY,
    values: [...(needs.msgIds ? ['msg_id'] : []), ...(needs.resubmittedText ? ['resubmitted'] : []), ...(needs.labels ? ['label'] : [])],
    resubmittedFlag: !needs.resubmittedText,
    function: needs.function,
    state: true,
  });
  return columns ? IntervalTable.read(columns.read, columns.ctx) : null;
}

/** `stats(records, by='engine_id')`: the numbers of %stats as a dict. */
export function makeStatsFunction(client: Client): PyFunction {
  return new PyFunction('stats', async (c) => {
    const a = bindArgs('stats', ['records', 'by'], c, 1);
    const records = recordsOf(a.get('records'));
    if (!records) throw typeError(`stats() takes records (what db_query returns), not ${typeName(a.get('records'))}`);
    const byArg = a.get('by') ?? 'engine_id';
    if (typeof byArg !== 'string') throw typeError(`stats(by=...) takes a name such as 'engine_id', not ${typeName(byArg)}`);
    return statsData(await computeStats({ open: () => records, ctx: () => deriveContext(client) }, groupOf(byArg)));
  }, `stats(records, by='engine'): per engine (or ${STATS_GROUPS.slice(1).map(groupWord).join(', ')}) counts, busy time, utilisation, run-time and queue-wait spread`);
}

export interface MagicArgs {
  readonly flags: Map<string, string | true>;
  /** The QUERY text and where it starts in the magic's argument. */
  readonly query: string;
  readonly queryAt: number;
  readonly by: string | null;
}

const VALUE_FLAGS = new Set(['hist', 'trace', 'svg', 'rows']);
const TOKEN = String.raw`'[^']*'|"[^"]*"|[^\s'"]+`;
const LEADING_FLAG = new RegExp(String.raw`^\s*--(\w[\w-]*)(?:[ \t]+(${TOKEN}))?`);
const TRAILING_BARE = /\s--(\w[\w-]*)\s*$/;
const TRAILING_VALUE = new RegExp(String.raw`\s--(\w[\w-]*)[ \t]+(${TOKEN})\s*$`);

/**
 * `[--flag [VALUE]]... [QUERY] [by KEY] [--flag [VALUE]]...`: options at
 * either end, the query (an expression) between.
 */
export function parseMagicArgs(magic: string, arg: string, allowed: readonly string[]): MagicArgs {
  const flags = new Map<string, string | true>();
  const check = (name: string) => {
    if (!allowed.includes(name)) throw typeError(`%${magic} has no option --${name}; its options are ${allowed.map((f) => '--' + f).join(' ')}`);
  };
  const unquote = (v: string) => v.replace(/^(['"])(.*)\1$/, '$2');
  let from = 0;
  let to = arg.length;
  for (let m = LEADING_FLAG.exec(arg); m; m = LEADING_FLAG.exec(arg.slice(from, to))) {
    const name = m[1]!;
    check(name);
    if (VALUE_FLAGS.has(name)) {
      if (!m[2]) throw typeError(`%${magic} --${name} needs a value`);
      flags.set(name, unquote(m[2]));
      from += m[0].length;
    } else {
      flags.set(name, true);
      from += m[0].length - (m[2]?.length ?? 0);
    }
  }
  for (;;) {
    const rest = ' ' + arg.slice(from, to);
    const v = TRAILING_VALUE.exec(rest);
    const m = v && VALUE_FLAGS.has(v[1]!) ? v : TRAILING_BARE.exec(rest);
    if (!m) break;
    check(m[1]!);
    if (VALUE_FLAGS.has(m[1]!) && !m[2]) throw typeError(`%${magic} --${m[1]} needs a value`);
    flags.set(m[1]!, m[2] ? unquote(m[2]) : true);
    to -= m[0].length - 1;
  }
  let middle = arg.slice(from, Math.max(from, to));
  let by: string | null = null;
  const byMatch = /(?:^|\s)by\s+(\w+)\s*$/.exec(middle);
  if (byMatch) {
    by = byMatch[1]!;
    middle = middle.slice(0, byMatch.index);
  }
  const lead = middle.length - middle.trimStart().length;
  return { flags, query: middle.trim(), queryAt: from + lead, by };
}

/** What a magic's QUERY names: every record (an empty query), a query dict, or records in hand. */
export async function selectionOf(ctx: MagicContext, st: { argAt: number; arg: string }, args: MagicArgs): Promise<{ query: Record<string, unknown> } | { records: TaskRecord[] }> {
  if (args.query === '') return { query: {} };
  const offset = st.argAt + args.queryAt;
  const expr = parseExpression({ source: ctx.source, from: offset, to: offset + args.query.length, firstLine: ctx.firstLine });
  const value = await ctx.interp.evaluate(expr);
  const records = recordsOf(value);
  if (records) return { records };
  if (isDict(value)) return { query: value };
  throw typeError(`the records to look at are a query dict such as {'queue': 'task'} or records from db_query, not ${typeName(value)}`);
}

/** The records a magic's QUERY names: every record, a query dict, or records in hand. */
async function sourceOf(ctx: MagicContext, st: { argAt: number; arg: string }, args: MagicArgs, keys: readonly string[], unordered = false): Promise<Source> {
  // the engine map, looked up once, only where the records are read (a read of columns may learn it on the way)
  let lookup: Promise<DeriveContext> | null = null;
  const derive = () => (lookup ??= deriveContext(ctx.client));
  const sel = await selectionOf(ctx, st, args);
  if ('records' in sel) return { open: () => sel.records, ctx: derive };
  return querySource(ctx.client, sel.query, keys, derive, unordered, ctx.interp.signal);
}

/**
 * The records of a query, as a magic reads them: `keys` of each (the dict
 * columns read only to derive from left as text), in the store's own order
 * when `unordered`; and as columns, where the client reads them so.
 */
export function querySource(
  client: Client, query: Record<string, unknown>, keys: readonly string[], derive: () => Promise<DeriveContext>, unordered = false, signal?: AbortSignal,
): Source {
  return {
    open: () => client.streamQuery(query, keys, { lazy: DERIVE_ONLY, unordered, ...(signal ? { signal } : {}) }),
    ctx: derive,
    ...(client.capabilities.columns ? { columns: (request: TaskColumnsRequest) => client.taskColumns(query, signal ? { ...request, signal } : request) } : {}),
    ...(signal ? { signal } : {}),
  };
}

/** The dict columns stats and timelines read only to derive a status or an engine: a store may leave them unparsed. */
const DERIVE_ONLY = ['result_header', 'result_content', 'result_metadata', 'error'];

const HIST_KEYS = ['run_time', 'queue_wait'];

/** `%stats [QUERY] [by KEY]` and `%stats --hist run_time|queue_wait [QUERY]`. */
export async function statsMagic(st: { argAt: number; arg: string }, ctx: MagicContext): Promise<unknown> {
  const args = parseMagicArgs('stats', st.arg, ['hist']);
  const table = ctx.shell.settings.format === 'table';
  const hist = args.flags.get('hist');
  if (typeof hist === 'string') {
    if (!HIST_KEYS.includes(hist)) throw typeError(`%stats --hist draws ${HIST_KEYS.join(' or ')}, not '${hist}'${didYouMean(hist, HIST_KEYS)}`);
    // a histogram counts: the order of the records does not matter
    const { values, missing } = await durationValues(await sourceOf(ctx, st, args, HIST_READ, true), hist as 'run_time' | 'queue_wait');
    const h = histogram(hist, values, missing);
    if (table) return new Text(renderHistogram(h, ctx.shell.terminal?.columns?.() ?? Infinity));
    return { key: h.key, log: h.log, edges: h.edges, counts: h.counts, left_out: h.nonPositive, missing: h.missing };
  }
  const by = groupOf(args.by ?? 'engine_id');
  // stats sum, count and sort: they do not depend on the records' order (busy time is summed in whole microseconds)
  const st_ = await computeStats(await sourceOf(ctx, st, args, statsKeys(by), true), by);
  if (table) return new Text(renderStats(st_, ctx.shell.terminal?.columns?.() ?? Infinity));
  const data = statsData(st_);
  return ctx.shell.settings.format === 'csv' ? [...(data['groups'] as object[]), data['total']] : data;
}

/** The keys a histogram of durations reads. */
export const HIST_READ = ['msg_id', 'submitted', 'started', 'completed'];

/** Every task's run time or queue wait (seconds, in no order), and how many tasks have none. */
export async function durationValues(source: Source, key: 'run_time' | 'queue_wait'): Promise<{ values: Float64Array; missing: number }> {
  const of = key === 'run_time' ? runTime : queueWait;
  let values = new Float64Array(1024);
  let n = 0;
  let missing = 0;
  const push = (v: number | null) => {
    if (v === null) {
      missing++;
      return;
    }
    if (n === values.length) {
      const grown = new Float64Array(n * 2);
      grown.set(values);
      values = grown;
    }
    values[n++] = v;
  };
  const columns = await source.columns?.({ keys: [], lazy: [], values: [], function: false, state: false });
  if (columns) {
    // the seconds between two of the times, as runTime and queueWait give them
    for await (const c of columns.read.chunks) {
      const [from, to] = key === 'run_time' ? [c.started, c.completed] : [c.submitted, c.started];
      for (let i = 0; i < c.length; i++) push(from[i] === from[i] && to[i] === to[i] ? (to[i]! - from[i]!) / 1e6 : null);
    }
  } else {
    for await (const r of source.open()) push(of(r));
  }
  return { values: values.subarray(0, n), missing };
}

/** `%timeline [QUERY] [--trace FILE | --svg FILE] [--force]`. */
export async function timelineMagic(st: { argAt: number; arg: string }, ctx: MagicContext): Promise<unknown> {
  const args = parseMagicArgs('timeline', st.arg, ['trace', 'svg', 'force', 'rows']);
  if (args.by !== null) throw typeError(`%timeline takes no "by"; --rows ${TIMELINE_ROWS.join('|')} says what its rows are`);
  const rows = timelineRows(args.flags.get('rows'));
  const trace = args.flags.get('trace');
  const svg = args.flags.get('svg');
  // the function's name is read where it is drawn (rows by function) or written (the trace's events)
  const withFunction = rows === 'function' || typeof trace === 'string';
  const source = await sourceOf(ctx, st, args, intervalKeys(withFunction));
  if (typeof trace === 'string' && typeof svg === 'string') throw typeError('%timeline writes one file at a time: --trace FILE or --svg FILE');
  const force = args.flags.get('force') === true;
  if (rows !== 'engine' && (typeof trace === 'string' || typeof svg === 'string')) {
    throw typeError('--trace and --svg write one row per engine; --rows label or function is for the chart in the terminal');
  }
  if (typeof trace === 'string') {
    const table = await intervalTable(source, { function: true, msgIds: true, labels: true, resubmittedText: true });
    const text = table ? renderTraceRows(table.rows()) : renderTrace(source.open(), await source.ctx());
    const n = await writeFileStreaming(trace, force, text, ctx.interp.signal);
    return new Text(`wrote ${trace} (${formatBytes(n)}), Chrome Trace Event JSON: open it in https://ui.perfetto.dev or chrome://tracing`);
  }
  if (typeof svg === 'string') {
    const table = await intervalTable(source, { function: false, msgIds: true, labels: true });
    const order = table?.order();
    const text = table ? renderSvgIntervals(() => table.intervals(order)) : renderSvg(source.open, await source.ctx());
    const n = await writeFileStreaming(svg, force, text, ctx.interp.signal);
    return new Text(`wrote ${svg} (${formatBytes(n)}), an SVG Gantt chart`);
  }
  if (!ctx.shell.terminal) throw nameError('%timeline draws in the interactive shell only; in a script, --trace FILE or --svg FILE write it to a file');
  const live = ctx.client.mode === 'hub';
  return askTerminal({
    kind: 'timeline', open: source.open, ctx: source.ctx, live, rows,
    ...(source.columns && !live ? { intervals: () => intervalTable(source, { function: withFunction, msgIds: false, labels: rows === 'label' }) } : {}),
  });
}

function timelineRows(v: string | true | undefined): TimelineRows {
  if (v === undefined) return 'engine';
  if (typeof v === 'string' && (TIMELINE_ROWS as readonly string[]).includes(v)) return v as TimelineRows;
  const given = typeof v === 'string' ? v : '';
  throw typeError(`%timeline --rows takes ${TIMELINE_ROWS.join(', ')}, not '${given}'${didYouMean(given, TIMELINE_ROWS)}`);
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} bytes` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`;
}
