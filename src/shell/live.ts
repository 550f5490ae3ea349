import { RecordList, Tail, TopMonitor, tailPrefix, type Client, type TailLine } from '../client/index.js';
import { clip, parseError, typeError } from '../errors.js';
import { PLAIN, TOP_GROUPS, oneLine, renderTop, safeText, topData, type Paint, type TopGroup } from '../format/index.js';
import { Text, isDict, type Dict } from '../records/index.js';
import { parseMagicArgs, recordsOf } from './analytics.js';
import type { MagicContext } from './magics.js';
import { resolveMsgId } from './magics.js';
import { parseExpression } from './parser.js';
import type { Statement } from './syntax.js';

const DEFAULT_TOP_SECONDS = 1;

/** What `%top` asks of the interactive shell: a full-screen view that refreshes itself. */
export class TopRequest {
  constructor(
    readonly client: Client,
    readonly query: Dict,
    readonly by: TopGroup | null,
    readonly seconds: number,
    /** The statement as typed, for the view's title and `t`/`e`. */
    readonly source: string,
  ) {}

  monitor(): TopMonitor {
    return new TopMonitor({ client: this.client, query: this.query, by: this.by });
  }
}

/** What `%tail` asks of its driver: write each line as it comes, until the tasks are done or the signal aborts. */
export class TailRequest {
  constructor(readonly tail: Tail) {}

  lines(signal: AbortSignal): AsyncIterable<TailLine> {
    return this.tail.lines(signal);
  }
}

/** A tail line as text: the prefix, then the task's text made safe (colour kept, every other control shown). */
export function tailLineText(l: TailLine, p: Paint = PLAIN): string {
  const text = safeText(l.text);
  if (l.stream === 'note') return p.dim(`(${text})`);
  const prefix = p.dim(tailPrefix(l));
  if (l.stream === 'error') return prefix + p.red(text);
  return prefix + text;
}

function topGroupOf(name: string): TopGroup {
  const g = name === 'engine_id' ? 'engine' : name === 'client_uuid' ? 'client' : name;
  if ((TOP_GROUPS as readonly string[]).includes(g)) return g as TopGroup;
  throw typeError(`%top groups by ${TOP_GROUPS.join(', ')}, not '${clip(name)}'`);
}

/** The query a magic's QUERY names: every task, a query dict, or the msg_ids of records in hand. */
async function queryOf(ctx: MagicContext, st: { argAt: number }, text: string, at: number): Promise<Dict> {
  if (text === '') return {};
  const offset = st.argAt + at;
  const expr = parseExpression({ source: ctx.source, from: offset, to: offset + text.length, firstLine: ctx.firstLine });
  const value = await ctx.interp.evaluate(expr);
  const records = value instanceof RecordList ? value.records : recordsOf(value);
  if (records) return { msg_id: { $in: records.map((r) => String(r['msg_id'])) } };
  if (isDict(value)) return value;
  throw typeError(`this magic takes a query dict such as {'queue': 'task'} or records from db_query`);
}

/** `%top [QUERY] [by engine|label|function|client] [SECONDS]`. */
export async function topMagic(st: { argAt: number; arg: string }, ctx: MagicContext): Promise<unknown> {
  let arg = st.arg;
  let seconds = DEFAULT_TOP_SECONDS;
  const interval = /(^|\s)(\d+(?:\.\d+)?)\s*$/.exec(arg);
  if (interval) {
    seconds = Number(interval[2]);
    if (!(seconds >= 0.1)) throw parseError(`%top refreshes at most ten times a second; give SECONDS of 0.1 or more, not ${interval[2]}`);
    arg = arg.slice(0, interval.index + interval[1]!.length);
  }
  const args = parseMagicArgs('top', arg, []);
  const by = args.by === null ? null : topGroupOf(args.by);
  const query = await queryOf(ctx, st, args.query, args.queryAt);
  const request = new TopRequest(ctx.client, query, by, seconds, `%top ${st.arg.trim()}`.trim());
  if (ctx.shell.terminal) return request;
  // a script: one snapshot of the selection now
  const monitor = request.monitor();
  try {
    await monitor.poll();
    const snap = await monitor.namedSnapshot(await sourceOf(ctx.client));
    if (ctx.shell.settings.format !== 'table') return topData(snap);
    const rows = 8 + snap.engines.length + snap.groups.length + Math.min(3, snap.errors.length) + 4;
    const lines = renderTop(snap, { columns: 120, rows, selected: -1, paused: false, showErrors: false, seconds, utc: ctx.display().timezone === 'utc' }, PLAIN);
    // the keys and the padding belong to the terminal's view
    return new Text(lines.slice(0, -1).join('\n').replace(/\n+$/, ''));
  } finally {
    monitor.stop();
  }
}

/** The hub or store in a few words, for the view's header. */
export async function sourceOf(client: Client): Promise<string> {
  try {
    return oneLine((await client.describe()).source);
  } catch {
    return client.mode === 'hub' ? 'the hub' : 'the store';
  }
}

/** `%tail [-f] ID|QUERY [--stderr] [--engine N]`. */
export async function tailMagic(st: Extract<Statement, { kind: 'magic' }>, ctx: MagicContext): Promise<TailRequest> {
  const usage = 'usage: %tail [-f] ID|QUERY [--stderr] [--engine N], e.g. %tail _14 or %tail -f {\'queue\': \'task\'}';
  let follow = false;
  let stderr = false;
  let engine: number | null = null;
  // options at either end; what is left between is the task or the query
  const words = /(?:^|\s)(-f|--follow|--stderr|--engine\s+\S+)(?=\s|$)/g;
  let rest = '';
  let last = 0;
  let restAt = 0;
  for (let m = words.exec(st.arg); m; m = words.exec(st.arg)) {
    const between = st.arg.slice(last, m.index);
    if (between.trim() !== '') {
      if (rest !== '') throw parseError(usage);
      rest = between;
      restAt = last;
    }
    last = m.index + m[0].length;
    const opt = m[1]!;
    if (opt === '-f' || opt === '--follow') follow = true;
    else if (opt === '--stderr') stderr = true;
    else {
      const n = opt.split(/\s+/)[1]!;
      if (!/^\d+$/.test(n)) throw parseError(`%tail --engine takes an engine id (a number), not '${clip(n)}'`);
      engine = Number(n);
    }
  }
  const tailText = st.arg.slice(last);
  if (tailText.trim() !== '') {
    if (rest !== '') throw parseError(usage);
    rest = tailText;
    restAt = last;
  }
  const text = rest.trim();
  if (text === '') throw parseError(usage);
  const at = restAt + (rest.length - rest.trimStart().length);
  let ids: string[] | null = null;
  let query: Dict | null = null;
  if (text.startsWith('{')) query = await queryOf(ctx, st, text, at);
  else {
    const offset = st.argAt + at;
    let value: unknown;
    try {
      value = await ctx.interp.evaluate(parseExpression({ source: ctx.source, from: offset, to: offset + text.length, firstLine: ctx.firstLine }));
    } catch {
      value = undefined;
    }
    const records = value instanceof RecordList ? value.records : recordsOf(value);
    if (records) ids = records.map((r) => String(r['msg_id']));
    else if (isDict(value) && typeof value['msg_id'] !== 'string') query = value;
    else ids = [await resolveMsgId({ ...st, arg: text, argAt: offset }, ctx)];
  }
  return new TailRequest(new Tail({ client: ctx.client, ids, query, follow: follow && query !== null, stderr, engine }));
}
