import { RecordList, type Client, type TaskResult } from '../../client/index.js';
import { IpcError, indexError, keyError, typeError } from '../../errors.js';
import { isRecordView, isTaskResult } from '../../format/index.js';
import { parseExpression, typeName } from '../../language/index.js';
import { escapeRegExp } from '../../query/index.js';
import { isDict, type TaskRecord } from '../../records/index.js';
import type { MagicContext, MagicStatement } from '../magic.js';

/**
 * How a magic's argument names a task: a whole msg_id, a unique prefix or
 * suffix of one, or an expression giving an id, a record or a result.
 */

export async function taskOf(st: MagicStatement, ctx: MagicContext): Promise<TaskResult> {
  if (!st.arg.trim()) {
    const last = ctx.builtins.get('_');
    if (isTaskResult(last)) return last;
  }
  return (await ctx.client.getResult([await resolveMsgId(st, ctx)]))[0]!;
}

/** A msg_id, or a prefix of one: a uuid (ipyparallel ≤ 6 and 8+) or `<session>_<pid>_<n>` (7.x). */
const ID_TEXT = /^[0-9a-fA-F][0-9a-fA-F_-]{3,}$/;
/** The tail of a 7.x msg_id: `_14`, `_20931_14`. */
const SUFFIX_TEXT = /^(_\d+)+$/;


/**
 * The one msg_id a magic's argument names: a whole msg_id, a unique prefix
 * of one, a unique suffix such as `_14` among the ids this session has seen
 * (else in the store), or an expression giving an id, a record, a result
 * or an index into hub_history().
 */
export async function resolveMsgId(st: MagicStatement, ctx: MagicContext): Promise<string> {
  const arg = st.arg.trim();
  const known = (name: string) => ctx.shell.variables().has(name) || ctx.builtins.has(name);
  if (!arg) {
    const last = ctx.builtins.get('_');
    const id = msgIdOf(last);
    if (id !== undefined) return id;
    throw typeError(`%${st.name} needs a task: a msg_id, a unique prefix or suffix of one, or an expression such as recent[0]`);
  }
  if (SUFFIX_TEXT.test(arg) && !known(arg)) return expandSuffix(arg, ctx);
  let value: unknown;
  const quoted = /^(['"])(.*)\1$/.exec(arg);
  if (quoted) value = quoted[2];
  else if (ID_TEXT.test(arg) && !known(arg)) value = arg;
  else {
    const offset = st.argAt + st.arg.indexOf(arg);
    const expr = parseExpression({ source: ctx.source, from: offset, to: offset + arg.length, firstLine: ctx.firstLine });
    value = await ctx.interp.evaluate(expr);
  }
  if (value instanceof RecordList && value.length === 1) value = value.records[0];
  if (Array.isArray(value) && value.length === 1) value = value[0];
  const id = msgIdOf(value);
  if (id !== undefined) return id === value ? expandPrefix(id, ctx.client) : id;
  if (typeof value === 'number' && Number.isInteger(value)) {
    const h = await ctx.client.hubHistory();
    const i = value < 0 ? h.length + value : value;
    if (i < 0 || i >= h.length) throw indexError(`index ${value} is out of range: hub_history() has ${h.length} tasks`);
    return h[i]!;
  }
  throw typeError(`%${st.name} takes one task: a msg_id, an index or a record, not ${typeName(value)}`);
}

/** The msg_id a value stands for: itself when text, or that of a record, a result or a record view. */
function msgIdOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isTaskResult(v)) return v.msgId;
  if (isRecordView(v)) return typeof v.record['msg_id'] === 'string' ? v.record['msg_id'] : undefined;
  if (isDict(v) && typeof v['msg_id'] === 'string') return v['msg_id'];
  return undefined;
}

async function expandSuffix(suffix: string, ctx: MagicContext): Promise<string> {
  const seen = new Set<string>();
  for (const id of ctx.seenIds()) if (id.endsWith(suffix)) seen.add(id);
  if (seen.size === 1) return [...seen][0]!;
  if (seen.size > 1) throw keyError(`${seen.size} msg_ids seen in this session end with '${suffix}'; give more of it`);
  const found = await ctx.client.dbQuery({ msg_id: { $regex: escapeRegExp(suffix) + '$' } }, ['msg_id']);
  if (found.length === 1) return found.records[0]!['msg_id'] as string;
  if (found.length === 0) throw keyError(`no record has a msg_id ending '${suffix}'`);
  throw keyError(`${found.length} records have a msg_id ending '${suffix}'; give more of it`);
}

/** The msg_id that `id` names: itself, or the one msg_id it is a prefix of. */
export async function expandPrefix(id: string, client: Client): Promise<string> {
  const found = await client.dbQuery({ msg_id: { $regex: '^' + escapeRegExp(id) } }, ['msg_id']);
  if (found.length === 1 || found.records.some((r) => r['msg_id'] === id)) return found.length === 1 ? (found.records[0]!['msg_id'] as string) : id;
  if (found.length === 0) throw keyError(`no record with a msg_id starting '${id}'`);
  throw keyError(`${found.length} records have a msg_id starting '${id}'; give more of it`);
}

/**
 * The whole record of a msg_id, with its buffers when the store keeps them;
 * from a hub that keeps no records, what get_result knows of it.
 */
export async function fetchRecord(client: Client, id: string): Promise<TaskRecord> {
  let list: RecordList;
  try {
    list = await client.dbQuery({ msg_id: id });
  } catch (e) {
    if (!(e instanceof IpcError && e.kind === 'KeyError')) throw e;
    return (await client.getResult([id]))[0]!.record;
  }
  if (list.length === 0) throw keyError(`no task has the msg_id '${id}'`);
  const rec: TaskRecord = { ...list.records[0]! };
  try {
    const bufs = await client.dbQuery({ msg_id: id }, ['msg_id', 'buffers', 'result_buffers']);
    const b = bufs.records[0];
    if (b) for (const k of ['buffers', 'result_buffers']) if (k in b) rec[k] = b[k]!;
  } catch {
    // a store without buffer columns: the record view says None
  }
  return rec;
}

