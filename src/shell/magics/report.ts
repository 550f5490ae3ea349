import { INTERVAL_KEYS, REPORT_KEYS, ReportBuilder } from '../../analytics/index.js';
import type { Client } from '../../client/index.js';
import { parseError, typeError } from '../../errors.js';
import { renderReport, repr } from '../../format/index.js';
import type { CallArgs } from '../../language/index.js';
import { Text, TextStream, Timestamp, tracebackText, type TaskRecord } from '../../records/index.js';
import { refuseExisting, writeFileStreaming } from '../export-file.js';
import type { MagicContext } from '../magic.js';
import { dbQueryArgs } from '../rc.js';
import { deriveContext, parseMagicArgs, selectionOf } from './stats-timeline.js';

const USAGE = "usage: %report FILE.html [QUERY] [--force], e.g. %report run.html {'label': 'train'}";

/** The keys the timeline's passes read: what a task's bar needs, not its function (which decodes the buffers). */
const TIMELINE_KEYS = INTERVAL_KEYS.filter((k) => k !== 'function');

/** Signatures whose sample's traceback the page shows (format/report.ts shows as many). */
const TRACEBACKS = 100;

type Selection = { query: Record<string, unknown> } | { records: TaskRecord[] };

/**
 * The HTML report of a selection, as pieces to write: one pass over the
 * records for every number (nothing of a record is kept but its durations
 * and, when it failed, its msg_id), the samples' tracebacks read by id,
 * then the page, whose timeline reads the records twice more.
 */
export async function reportPieces(
  client: Client, sel: Selection, queryText: string | null, utc: boolean, signal?: AbortSignal,
): Promise<{ pieces: AsyncIterable<string>; tasks: number }> {
  const ctx = await deriveContext(client);
  // Ctrl-C stops each read between two slices
  const reading = signal ? { signal } : {};
  const builder = new ReportBuilder(ctx);
  const records = 'records' in sel ? sel.records : null;
  const query = 'query' in sel ? sel.query : null;
  for await (const r of records ?? client.streamQuery(query!, [...REPORT_KEYS], reading)) builder.add(r);
  const report = builder.result();
  const samples = new Set(report.errors.signatures.slice(0, TRACEBACKS).map((s) => s.sample));
  const tracebacks = new Map<string, string>();
  if (samples.size) {
    const found = records
      ? records.filter((r) => samples.has(String(r['msg_id'])))
      : client.streamQuery({ msg_id: { $in: [...samples] } }, ['msg_id', 'error', 'result_content'], reading);
    for await (const r of found) {
      const tb = tracebackText(r);
      if (tb !== null) tracebacks.set(String(r['msg_id']), tb);
    }
  }
  const source = (await client.describe()).source;
  const timeline = () => records ?? client.streamQuery(query!, TIMELINE_KEYS, reading);
  const pieces = renderReport({ source, query: queryText, generated: Timestamp.now(), report, tracebacks, timeline, ctx, utc });
  return { pieces, tasks: report.records };
}

/** What `db_query(query, keys)` becomes under `--format report`: the report of its records (it reads the keys it needs). */
export async function reportOfCall(client: Client, c: CallArgs, utc: boolean): Promise<TextStream> {
  const { query } = dbQueryArgs(c);
  const { pieces, tasks } = await reportPieces(client, { query: query as Record<string, unknown> }, repr(query), utc, c.signal);
  return new TextStream(`an HTML report of ${tasks} task${tasks === 1 ? '' : 's'}`, pieces);
}

/** Splits `FILE [QUERY] [--force]`: the first word (quoted or not) is the file. */
function splitFile(arg: string): { file: string; rest: string; restAt: number } {
  const m = /^\s*(?:'([^']+)'|"([^"]+)"|([^\s'"]+))/.exec(arg);
  if (!m || m[3]?.startsWith('--') || m[3]?.startsWith('{')) throw parseError(USAGE);
  return { file: m[1] ?? m[2] ?? m[3]!, rest: arg.slice(m[0].length), restAt: m[0].length };
}

/** `%report FILE.html [QUERY] [--force]`: the post-mortem of the records QUERY names, as one HTML file. */
export async function reportMagic(st: { argAt: number; arg: string }, ctx: MagicContext): Promise<Text> {
  const { file, rest, restAt } = splitFile(st.arg);
  const args = parseMagicArgs('report', rest, ['force']);
  if (args.by !== null) throw typeError('%report takes no "by": the page has the tables by engine, function and label');
  const force = args.flags.get('force') === true;
  await refuseExisting(file, force);
  const sel: Selection = await selectionOf(ctx, { argAt: st.argAt + restAt, arg: rest }, args);
  const utc = ctx.display().timezone === 'utc';
  const { pieces, tasks } = await reportPieces(ctx.client, sel, args.query === '' ? null : args.query, utc, ctx.interp.signal);
  const bytes = await writeFileStreaming(file, force, pieces, ctx.interp.signal);
  const size = bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  return new Text(`wrote ${file} (${size}), a report of ${tasks} task${tasks === 1 ? '' : 's'}: open it in a browser`);
}
