import {
  NEEDS_HUB, abortTasks, planAbort, planRetry, retryTasks, type AbortPlan, type AbortReport, type AbortTask, type Client, type EngineAnswers,
  type RetryPlan, type TaskSelection,
} from '../../client/index.js';
import { hubError, notConfirmed, typeError } from '../../errors.js';
import { fitTable, isTaskResult, oneLine } from '../../format/index.js';
import { parseExpression, typeName } from '../../language/index.js';
import { Text, isDict } from '../../records/index.js';
import type { Magic, MagicContext } from '../magic.js';
import { parseMagicArgs, recordsOf } from './stats-timeline.js';

/** How long %abort waits for each engine's answer: an idle engine answers at once, a busy one only when its task ends. */
const ABORT_WAIT_MS = 2000;

/** The tasks a magic's QUERY names: a query dict, records, results, or msg_ids. */
async function taskSelection(ctx: MagicContext, st: { argAt: number; arg: string }, magic: string, query: string, queryAt: number): Promise<TaskSelection> {
  if (query === '') throw typeError(`%${magic} needs a QUERY: a query dict such as {'label': 'fit'} ({} for every task), records from db_query, or msg_ids`);
  const offset = st.argAt + queryAt;
  const value = await ctx.interp.evaluate(parseExpression({ source: ctx.source, from: offset, to: offset + query.length, firstLine: ctx.firstLine }));
  if (typeof value === 'string') return { msgIds: [value] };
  if (isTaskResult(value)) return { msgIds: [value.msgId] };
  const records = recordsOf(value);
  if (records) return { msgIds: records.map((r) => String(r['msg_id'])) };
  if (isDict(value)) return { query: value };
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || isTaskResult(v))) {
    return { msgIds: value.map((v) => (typeof v === 'string' ? v : (v as { msgId: string }).msgId)) };
  }
  throw typeError(`%${magic} takes a query dict such as {'label': 'fit'}, records from db_query, or msg_ids, not ${typeName(value)}`);
}

/** Before anything is evaluated or read: a store cannot reach engines. */
function needsHub(client: Client, magic: string): void {
  if (client.mode !== 'hub') throw hubError(NEEDS_HUB(`%${magic}`));
}

/** Asks, unless --yes was given; `preface` (what the action would do) is shown above the question. */
async function confirmed(client: Client, flags: Map<string, string | true>, question: string, preface = ''): Promise<void> {
  if (flags.has('yes')) return;
  if (!(await client.confirmAction(`${preface}${question}. Go on?`))) throw notConfirmed(question, 'sent');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const engineWord = (ids: readonly number[]) => `engine${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;

/** One line per task, in columns: msg_id, function, engine, what happens to it; at a terminal's width no line wraps. */
function taskLines(rows: readonly [AbortTask, string][], width = Infinity): string[] {
  const cells = rows.map(([t, what]) => [oneLine(t.msgId), oneLine(t.function ?? '-'), t.engine === null ? '' : `engine ${t.engine}`, what]);
  // a column no task fills (no engine known) is left out
  const keep = [0, 1, 2, 3].filter((i) => i === 3 || cells.some((c) => c[i] !== ''));
  const columns = keep.map((i) => ({ title: '', left: true, id: i === 0, drop: i === 2 ? 1 : undefined }));
  const { lines } = fitTable(columns, cells.map((c) => keep.map((i) => c[i]!)), width - 2);
  return lines.slice(1).map((l) => '  ' + l);
}

/** `%abort QUERY [--dry-run] [--yes]`. */
export async function abortMagic(st: { argAt: number; arg: string }, ctx: MagicContext): Promise<unknown> {
  needsHub(ctx.client, 'abort');
  const args = parseMagicArgs('abort', st.arg, ['dry-run', 'yes']);
  const plan = await planAbort(ctx.client, await taskSelection(ctx, st, 'abort', args.query, args.queryAt));
  const total = plan.queued.length + plan.running.length + plan.done.length;
  if (total === 0) return new Text('no pending task matches: nothing to abort');
  if (args.flags.has('dry-run')) return abortOutput(ctx, dryRunRows(plan), dryRunText(plan, widthOf(ctx)));
  if (plan.queued.length > 0) {
    const running = plan.running.length ? ` (${plural(plan.running.length, 'more task')} already running ${plan.running.length === 1 ? 'is' : 'are'} not stopped)` : '';
    await confirmed(ctx.client, args.flags, `%abort asks the engines not to run ${plural(plan.queued.length, 'pending task')}${running}`);
  }
  const report = await abortTasks(ctx.client, plan, ABORT_WAIT_MS);
  return abortOutput(ctx, report.rows.map((r) => ({ msg_id: r.msgId, function: r.function, engine_id: r.engine, outcome: r.outcome, status: r.status })), reportText(report, widthOf(ctx)));
}

/** The terminal's width (text fits it), or none in a script. */
function widthOf(ctx: MagicContext): number {
  return ctx.shell.terminal?.columns?.() ?? Infinity;
}

function abortOutput(ctx: MagicContext, rows: Record<string, unknown>[], text: string): unknown {
  return ctx.shell.settings.format === 'table' ? new Text(text) : rows;
}

function dryRunRows(plan: AbortPlan): Record<string, unknown>[] {
  const row = (t: AbortTask, would: string) => ({ msg_id: t.msgId, function: t.function, engine_id: t.engine, would });
  return [...plan.queued.map((t) => row(t, 'abort')), ...plan.running.map((t) => row(t, 'already running')), ...plan.done.map((t) => row(t, 'already done'))];
}

function dryRunText(plan: AbortPlan, width = Infinity): string {
  const lines = [`%abort would ask the engines not to run ${plural(plan.queued.length, 'pending task')}:`];
  const tasks: [AbortTask, string][] = [
    ...plan.queued.map((t): [AbortTask, string] => [t, 'abort']),
    ...plan.running.map((t): [AbortTask, string] => [t, 'already running: an abort does not stop it']),
    ...plan.done.map((t): [AbortTask, string] => [t, `already done (${t.status})`]),
  ];
  for (const line of taskLines(tasks, width)) lines.push(line);
  lines.push('(dry run: nothing was sent)');
  return lines.join('\n');
}

function reportText(report: AbortReport, width = Infinity): string {
  const lines = taskLines(report.rows.map((r) => [r, r.outcome === 'already done' ? `already done (${r.status})` : r.outcome]), width);
  const counts = new Map<string, number>();
  for (const r of report.rows) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  lines.push([...counts].map(([k, n]) => `${n} ${k}`).join(', '));
  for (const note of answerNotes(report.answers, report.waitedMs, 'the abort request', report.rows.filter((r) => r.outcome === 'abort requested').length)) lines.push(note);
  const running = [...new Set(report.rows.filter((r) => r.outcome === 'already running' && r.engine !== null).map((r) => r.engine!))];
  if (running.length) lines.push(`an abort does not stop a running task: rc.send_signal('SIGINT', ${running.length === 1 ? running[0] : `[${running.join(', ')}]`}) interrupts it`);
  return lines.join('\n');
}

/** What the engines' silence or errors mean, one sentence each. */
function answerNotes(answers: EngineAnswers, waitedMs: number, what: string, waiting: number): string[] {
  const notes: string[] = [];
  if (answers.silent.length) {
    const tasks = waiting ? `; the ${plural(waiting, 'task')} marked "abort requested" ${waiting === 1 ? 'is' : 'are'} aborted before ${waiting === 1 ? 'it runs' : 'they run'}` : '';
    notes.push(`${engineWord(answers.silent)} did not answer within ${waitedMs / 1000} s: an engine busy with a task reads ${what} when that task ends${tasks}`);
  }
  for (const f of answers.failed) notes.push(`engine ${f.engine} refused ${what}: ${oneLine(f.ename)}: ${oneLine(f.evalue)}`);
  return notes;
}

/** `%retry QUERY [--dry-run] [--yes]`. */
export async function retryMagic(st: { argAt: number; arg: string }, ctx: MagicContext): Promise<unknown> {
  needsHub(ctx.client, 'retry');
  const args = parseMagicArgs('retry', st.arg, ['dry-run', 'yes']);
  const plan = await planRetry(ctx.client, await taskSelection(ctx, st, 'retry', args.query, args.queryAt));
  if (plan.tasks.length === 0) return new Text('no failed or aborted task that was not resubmitted already matches: nothing to retry');
  const summary = retrySummary(plan);
  const table = ctx.shell.settings.format === 'table';
  if (args.flags.has('dry-run')) {
    return table ? new Text([...summary, ...plan.tasks.map((t) => `  ${oneLine(t.msgId)}`), '(dry run: nothing was resubmitted)'].join('\n')) : groupRows(plan);
  }
  // at a terminal the counts go with the question; in a script (which cannot answer) they are printed
  const asking = ctx.shell.terminal !== null && !args.flags.has('yes');
  if (table && !asking) ctx.print(summary.join('\n') + '\n');
  await confirmed(ctx.client, args.flags, `%retry resubmits ${plural(plan.tasks.length, 'task')}`, asking ? summary.join('\n') + '\n' : '');
  const mapping = await retryTasks(ctx.client, plan);
  if (!table) return [...mapping].map(([old, fresh]) => ({ msg_id: old, resubmitted: fresh }));
  const lines = [...mapping].map(([old, fresh]) => `  ${oneLine(old)} → ${oneLine(fresh)}`);
  lines.push(`resubmitted ${plural(mapping.size, 'task')}; rc.wait() waits for them`);
  return new Text(lines.join('\n'));
}

function retrySummary(plan: RetryPlan): string[] {
  const width = plan.groups.reduce((w, g) => Math.max(w, String(g.count).length), -Infinity);
  const fnWidth = plan.groups.reduce((w, g) => Math.max(w, oneLine(g.function ?? '-').length), -Infinity);
  return [
    `${plural(plan.tasks.length, 'task')} to resubmit, by function and ename:`,
    ...plan.groups.map((g) => `  ${String(g.count).padStart(width)}  ${oneLine(g.function ?? '-').padEnd(fnWidth)}  ${g.ename === null ? 'aborted' : oneLine(g.ename)}`),
  ];
}

function groupRows(plan: RetryPlan): Record<string, unknown>[] {
  return plan.groups.map((g) => ({ function: g.function, ename: g.ename, status: g.ename === null ? 'aborted' : 'error', count: g.count }));
}

/** The magics that act on a live cluster's tasks: stop those not yet run, run the failed again. */
export const CLUSTER_MAGICS: readonly Magic[] = [
  {
    name: 'abort',
    usage: '%abort QUERY [--dry-run] [--yes]',
    help: "asks the engines not to run the pending tasks that match (a query dict, records or msg_ids), after a confirmation (--yes in a script); says of each: aborted, abort requested (its engine is busy and takes the request when its task ends), already running (not stopped: rc.send_signal('SIGINT', ENGINE) interrupts it) or already done; --dry-run lists them (needs a live hub)",
    flags: ['--dry-run', '--yes'],
    run: abortMagic,
  },
  {
    name: 'retry',
    usage: '%retry QUERY [--dry-run] [--yes]',
    help: 'resubmits the failed and aborted tasks that match and were not resubmitted already (rc.resubmit): how many per function and ename, a confirmation (--yes in a script), then old → new msg_ids; --dry-run only counts (needs a live hub)',
    flags: ['--dry-run', '--yes'],
    run: retryMagic,
  },
];
