import type { Client } from '../../client/index.js';
import { didYouMean, typeError } from '../../errors.js';
import { errorColumns, errorRows, renderErrors } from '../../format/index.js';
import { ERROR_GROUPS, ERROR_KEYS, ErrorsBuilder, type ErrorGroup, type ErrorReport } from '../../analytics/index.js';
import { Text, isDict, taskFailure, type DeriveContext, type TaskRecord } from '../../records/index.js';
import { deriveContext, parseMagicArgs, recordsOf, selectionOf } from './stats-timeline.js';
import { askTerminal } from '../api.js';
import type { MagicContext } from '../magic.js';
import { bindArgs, PyFunction, typeName } from '../../language/index.js';

function errorGroupOf(name: string): ErrorGroup {
  const g = name === 'engine_id' ? 'engine' : name === 'client_uuid' ? 'client' : name;
  if ((ERROR_GROUPS as readonly string[]).includes(g)) return g as ErrorGroup;
  throw typeError(`errors cannot be grouped by '${name}'${didYouMean(name, ERROR_GROUPS)}; choose ${ERROR_GROUPS.join(', ')}`);
}

/**
 * The failures of a selection: records in hand are read as they are (the
 * store gives the buffers of failures they lack, for function names); a query is
 * read twice, first every record's status (to count the selection), then
 * the failures whole, with their buffers for the function names.
 */
async function computeErrors(
  client: Client, sel: { query: Record<string, unknown> } | { records: TaskRecord[] }, by: ErrorGroup | null, ctx: DeriveContext, signal?: AbortSignal,
): Promise<ErrorReport> {
  const b = new ErrorsBuilder(by, ctx);
  // Ctrl-C stops each read between two slices
  const reading = signal ? { signal } : {};
  if ('records' in sel) {
    // records in hand without their buffers (db_query's default keys): the failures' function names come from the store
    const unnamed = sel.records.filter((r) => r['function'] === undefined && !Array.isArray(r['buffers']) && taskFailure(r));
    const buffers = new Map<string, TaskRecord['buffers']>();
    if (unnamed.length) {
      try {
        for await (const r of client.streamQuery({ msg_id: { $in: unnamed.map((r) => String(r['msg_id'])) } }, ['msg_id', 'buffers'], reading)) {
          buffers.set(String(r['msg_id']), r['buffers']);
        }
      } catch (e) {
        if (signal?.aborted) throw e;
        // a store that keeps no buffers (or a hub that forgot them): the functions stay unnamed
      }
    }
    for (const r of sel.records) {
      const bufs = buffers.get(String(r['msg_id']));
      b.add(bufs === undefined ? r : { ...r, buffers: bufs });
    }
    return b.result();
  }
  const failed: string[] = [];
  for await (const r of client.streamQuery(sel.query, ['msg_id', 'error', 'result_content'], reading)) {
    if (taskFailure(r)) failed.push(String(r['msg_id']));
    else b.skip();
  }
  if (failed.length) for await (const r of client.streamQuery({ msg_id: { $in: failed } }, [...ERROR_KEYS, 'buffers'], reading)) b.add(r);
  return b.result();
}

/** Signatures as plain data for JSON (each one's msg_ids left out: `sample` names one, a query finds the rest). */
export function errorsData(report: ErrorReport): Record<string, unknown> {
  return {
    by: report.by,
    selected: report.selected,
    failed: report.failed,
    signatures: report.signatures.map(({ msg_ids: _ids, group, ...s }) => (report.by !== null && report.by !== 'ename' ? { [report.by]: group ?? null, ...s } : s)),
  };
}

/** A signature flat, for CSV: lists joined by spaces. */
function csvRow(s: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.isArray(v) ? v.join(' ') : v]));
}

/** `%errors [QUERY] [by ename|function|engine|label|client]`. */
export async function errorsMagic(st: { argAt: number; arg: string }, ctx: MagicContext): Promise<unknown> {
  const args = parseMagicArgs('errors', st.arg, []);
  const by = args.by === null ? null : errorGroupOf(args.by);
  const report = await computeErrors(ctx.client, await selectionOf(ctx, st, args), by, await deriveContext(ctx.client), ctx.interp.signal);
  const format = ctx.shell.settings.format;
  const utc = ctx.display().timezone === 'utc';
  if (format === 'table') {
    if (ctx.shell.terminal && report.failed > 0) return askTerminal({ kind: 'errors', report, columns: errorColumns(report), rows: errorRows(report, utc) });
    return new Text(renderErrors(report, utc));
  }
  const data = errorsData(report);
  return format === 'csv' ? (data['signatures'] as Record<string, unknown>[]).map(csvRow) : data;
}

/** `errors(records, by=None)`: the signatures of %errors as a dict, for scripts. */
export function makeErrorsFunction(client: Client): PyFunction {
  return new PyFunction('errors', async (c) => {
    const a = bindArgs('errors', ['records', 'by'], c, 0);
    const given = a.get('records');
    const records = given === undefined || given === null ? null : recordsOf(given);
    const query = given === undefined || given === null ? {} : isDict(given) ? given : null;
    if (!records && !query) throw typeError(`errors() takes records (what db_query returns) or a query dict, not ${typeName(given)}`);
    const byArg = a.get('by') ?? null;
    if (byArg !== null && typeof byArg !== 'string') throw typeError(`errors(by=...) takes a name such as 'label', not ${typeName(byArg)}`);
    const by = byArg === null ? null : errorGroupOf(byArg);
    return errorsData(await computeErrors(client, records ? { records } : { query: query! }, by, await deriveContext(client), c.signal));
  }, `errors(records=None, by=None): records from db_query or a query dict; one row per failure signature (ename and evalue with numbers, ids, paths and quoted values as placeholders): count, share, cause, functions, engines, first and last time, a sample msg_id; by ${ERROR_GROUPS.join(', ')}`);
}
