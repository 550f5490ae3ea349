import { RecordList, Tail, TopMonitor, tailPrefix, type Client, type TailLine } from '../../client/index.js';
import { clip, parseError, typeError } from '../../errors.js';
import { PLAIN, TOP_GROUPS, oneLine, renderTop, safeText, topData, type Paint, type TopGroup } from '../../format/index.js';
import { parseExpression } from '../../language/index.js';
import { Text, isDict, type Dict } from '../../records/index.js';
import { askTerminal, type TailRequest, type TopRequest } from '../api.js';
import type { Magic, MagicContext, MagicStatement } from '../magic.js';
import { parseMagicArgs, recordsOf } from './stats-timeline.js';
import { resolveMsgId } from './task-ids.js';

const DEFAULT_TOP_SECONDS = 1;

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
  const client = ctx.client;
  const request = askTerminal<TopRequest>({
    kind: 'top', client, query, by, seconds, source: `%top ${st.arg.trim()}`.trim(),
    monitor: () => new TopMonitor({ client, query, by }),
  });
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
export async function tailMagic(st: MagicStatement, ctx: MagicContext): Promise<TailRequest> {
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
  const tail = new Tail({ client: ctx.client, ids, query, follow: follow && query !== null, stderr, engine });
  return askTerminal<TailRequest>({ kind: 'tail', lines: (signal) => tail.lines(signal) });
}

/** The magics that watch a cluster as it runs: its engines and counts, and its tasks' output. */
export const LIVE_MAGICS: readonly Magic[] = [
  {
    name: 'top',
    usage: '%top [QUERY] [by engine|label|function|client] [SECONDS]',
    help: 'what the cluster does now, refreshed every SECONDS (1): engines up, tasks pending/running/done/failed, tasks per second, ETA; a row per engine (busy or idle, its task and how long it has run, queue, done, failed, last error); by a group: a progress bar each; the last errors. Keys ↑↓ Enter e t p q (in a script: one snapshot)',
    run: topMagic,
  },
  {
    name: 'tail',
    usage: '%tail [-f] ID|QUERY [--stderr] [--engine N]',
    help: 'the output of tasks as they print it, each line prefixed by engine and msg_id tail, errors as they happen; stops when the tasks are done (or Ctrl-C); -f follows new tasks that match QUERY',
    flags: ['-f', '--stderr', '--engine'],
    run: tailMagic,
  },
];
