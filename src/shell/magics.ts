import { RecordList, type Client, type IndexReport, type TaskResult } from '../client/types.js';
import { IpcError, didYouMean, keyError } from '../errors.js';
import { Text, cellText, isTaskResult, prettyRepr, stripAnsi, type DisplayOptions, type OutputFormat } from '../format/index.js';
import { FIELD_OPERATORS, LOGICAL_OPERATORS, escapeRegExp } from '../query/index.js';
import { TASK_KEYS, isDict } from '../records/index.js';
import type { Shell } from './api.js';
import type { Interpreter } from './interpreter.js';
import { parseExpression } from './parser.js';
import type { Statement } from './syntax.js';
import { PyFunction, PyObject, typeError, typeName } from './values.js';

export interface MagicContext {
  readonly shell: Shell;
  readonly client: Client;
  readonly interp: Interpreter;
  readonly source: string;
  readonly firstLine: number;
  readonly builtins: Map<string, unknown>;
  display(): DisplayOptions;
  readonly tables: (() => Promise<readonly string[]>) | undefined;
  print(text: string): void;
  run(st: Statement): Promise<{ value: unknown; isExpression: boolean }>;
  readonly rcMethods: Record<string, string>;
  readonly outputFormats: readonly OutputFormat[];
}

/** The magics that make sense without a terminal; the interactive shell adds %watch. */
export const MAGICS: Record<string, string> = {
  stdout: '%stdout ID: what the task printed to stdout (ID: a msg_id, a unique prefix of one, or an expression)',
  stderr: '%stderr ID: what the task printed to stderr',
  tb: '%tb ID: the traceback of a failed task',
  show: '%show ID: every key of the task record',
  time: '%time STATEMENT: runs the statement and says how long it took',
  history: '%history: the statements run so far',
  format: '%format [table|json|jsonl|csv]: how values are shown',
  tables: '%tables: the task tables of the SQLite file',
  index: '%index: adds indexes on submitted, completed, started, engine_uuid and client_uuid to the SQLite file, so that windows of time and one engine or client are found without reading the whole table (needs --write and a confirmation; refuses while a controller writes the file)',
  who: '%who: the variables defined so far',
  info: '%info: which store or hub, how many records, their time span, and whose session is rc.session.session',
  help: '%help [NAME]: this overview, or what a function, key or operator does (also NAME?)',
};

const HELPERS: Record<string, string> = {
  now: 'now: the current time (a datetime)',
  today: 'today: midnight of today, local time',
  hourago: 'hourago: one hour before now',
  ago: "ago('90m' | '2h' | '3d' | '1h30m'): that long before now",
  datetime: 'datetime(year, month, day, hour=0, minute=0, second=0, microsecond=0): local time; datetime.now(), datetime.utcnow()',
  timedelta: 'timedelta(days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0)',
};

export async function runMagic(st: Extract<Statement, { kind: 'magic' }>, ctx: MagicContext): Promise<unknown> {
  const arg = st.arg.trim();
  switch (st.name) {
    case 'stdout':
    case 'stderr': {
      const r = await resolveTask(st, ctx);
      return new Text(st.name === 'stdout' ? r.stdout : r.stderr);
    }
    case 'tb': {
      const r = await resolveTask(st, ctx);
      if (!r.error) return new Text(`task ${r.msgId} has no traceback (status ${r.status})`);
      return new Text(r.error.traceback.length ? r.error.traceback.join('\n') : `${r.error.ename}: ${r.error.evalue}`);
    }
    case 'show':
      return new Text(showRecord(await resolveTask(st, ctx), ctx.display()));
    case 'history':
      return new Text(ctx.shell.history().slice(0, -1).map((s, i) => `${String(i + 1).padStart(4)}  ${s}`).join('\n'));
    case 'format': {
      if (!arg) return new Text(`format: ${ctx.shell.settings.format} (choose ${ctx.outputFormats.join(', ')})`);
      if (!ctx.outputFormats.includes(arg as OutputFormat)) {
        throw typeError(`unknown format '${arg}'${didYouMean(arg, ctx.outputFormats)}; choose ${ctx.outputFormats.join(', ')}`);
      }
      ctx.shell.settings.format = arg as OutputFormat;
      return null;
    }
    case 'index': {
      if (!ctx.client.createIndexes) throw new IpcError('StoreError', '%index makes indexes in a SQLite file; this session reads a live hub');
      return new Text(indexReport(await ctx.client.createIndexes()));
    }
    case 'tables': {
      if (!ctx.tables) throw new IpcError('StoreError', '%tables lists the task tables of a SQLite file; this session has no SQLite store');
      return new Text((await ctx.tables()).join('\n'));
    }
    case 'who': {
      const names = [...ctx.shell.variables().keys()].sort();
      return new Text(names.length ? names.join('  ') : 'no variables yet');
    }
    case 'help':
      return new Text(help(arg, ctx));
    case 'info': {
      const d = await ctx.client.describe();
      const utc = ctx.display().timezone === 'utc';
      const span = d.firstSubmitted && d.lastSubmitted
        ? `, submitted ${d.firstSubmitted.toLocalString(3, utc)} to ${d.lastSubmitted.toLocalString(3, utc)}`
        : '';
      const session = ctx.client.session.session;
      return new Text([
        `store    ${d.source}`,
        `records  ${d.count ?? 'unknown'}${span}`,
        `session  ${session ?? 'None'}${d.sessionOrigin ? ` (${d.sessionOrigin})` : ''}`,
      ].join('\n'));
    }
    case 'watch':
      throw new IpcError('NameError', '%watch runs in the interactive shell only (start ipc in a terminal without a script)');
    case 'time':
      throw typeError('%time takes a statement');
    default:
      throw new IpcError('NameError', `unknown magic %${st.name}${didYouMean(st.name, Object.keys(MAGICS))}; the magics are ${Object.keys(MAGICS).map((m) => '%' + m).join(' ')}`);
  }
}

/** A msg_id or a prefix of one: a uuid (ipyparallel 8+) or `<session>_<pid>_<n>` (7.x). */
const ID_TEXT = /^[0-9a-fA-F][0-9a-fA-F_-]{3,}$/;

/** The task a magic names: a msg_id, a unique prefix of one, or an expression (an id, an index, a record, a result). */
async function resolveTask(st: Extract<Statement, { kind: 'magic' }>, ctx: MagicContext): Promise<TaskResult> {
  const arg = st.arg.trim();
  if (!arg) {
    const last = ctx.builtins.get('_');
    if (isTaskResult(last)) return last;
    throw typeError(`%${st.name} needs a task: a msg_id, a unique prefix of one, or an expression such as recent[0]`);
  }
  let value: unknown;
  const quoted = /^(['"])(.*)\1$/.exec(arg);
  if (quoted) value = quoted[2];
  else if (ID_TEXT.test(arg) && !ctx.shell.variables().has(arg)) value = arg;
  else {
    const offset = st.argAt + st.arg.indexOf(arg);
    const expr = parseExpression({ source: ctx.source, from: offset, to: offset + arg.length, firstLine: ctx.firstLine });
    value = await ctx.interp.evaluate(expr);
  }
  if (isTaskResult(value)) return value;
  if (value instanceof RecordList && value.length === 1) value = value.records[0];
  if (Array.isArray(value) && value.length === 1) value = value[0];
  if (isDict(value) && typeof (value as Record<string, unknown>)['msg_id'] === 'string') value = (value as Record<string, unknown>)['msg_id'];
  if (typeof value === 'number' && Number.isInteger(value)) {
    const h = await ctx.client.hubHistory();
    const i = value < 0 ? h.length + value : value;
    if (i < 0 || i >= h.length) throw keyError(`index ${value} is out of range: hub_history() has ${h.length} tasks`);
    value = h[i];
  }
  if (typeof value !== 'string') throw typeError(`%${st.name} takes one task: a msg_id, an index or a record, not ${typeName(value)}`);
  const id = await expandPrefix(value, ctx.client);
  return (await ctx.client.getResult([id]))[0]!;
}

/** The msg_id that `id` names: itself, or the one msg_id it is a prefix of. */
export async function expandPrefix(id: string, client: Client): Promise<string> {
  const found = await client.dbQuery({ msg_id: { $regex: '^' + escapeRegExp(id) } }, ['msg_id']);
  if (found.length === 1 || found.records.some((r) => r['msg_id'] === id)) return found.length === 1 ? (found.records[0]!['msg_id'] as string) : id;
  if (found.length === 0) throw keyError(`no record with a msg_id starting '${id}'`);
  throw keyError(`${found.length} records have a msg_id starting '${id}'; give more of it`);
}

function showRecord(r: TaskResult, display: DisplayOptions): string {
  const wide = { ...display, maxColumnWidth: 1000 };
  const keys = TASK_KEYS.map((k) => k.name).filter((k) => k in r.record);
  const width = Math.max(...keys.map((k) => k.length));
  return keys
    .map((k) => {
      const v = r.record[k];
      if (typeof v === 'string' && v.includes('\n')) {
        return `${k.padEnd(width)}  ${stripAnsi(v).replace(/\n$/, '').split('\n').join('\n' + ' '.repeat(width + 2))}`;
      }
      const text = isDict(v) ? prettyRepr(v, display, 100 - width).split('\n').join('\n' + ' '.repeat(width + 2)) : cellText(v, wide);
      return `${k.padEnd(width)}  ${text}`;
    })
    .join('\n');
}

function help(topic: string, ctx: MagicContext): string {
  const t = topic.replace(/^rc\./, '').replace(/\?+$/, '').replace(/^%/, '').trim();
  if (!t) {
    const rows = (o: Record<string, string>) => Object.values(o).map((d) => `  ${d}`).join('\n');
    return [
      'ipc: the IPython Parallel task database. Statements are Python: rc.db_query(...), names, assignments.',
      '',
      'rc (the rc. may be left off):',
      rows(ctx.rcMethods),
      '  rc.session.session, rc.ids, rc._engines',
      '',
      'helpers:',
      rows(HELPERS),
      '',
      'builtins: ' + [...ctx.builtins].filter(([, v]) => v instanceof PyFunction && !(v.name.startsWith('Client.'))).map(([k]) => k).join(' '),
      '',
      'magics:',
      rows(MAGICS),
      '',
      `keys: ${TASK_KEYS.map((k) => k.name).join(' ')}`,
      `operators: ${[...FIELD_OPERATORS, ...LOGICAL_OPERATORS].map((o) => o.name).join(' ')}`,
      '',
      "%help NAME (or NAME?) says more of a function, key or operator: %help db_query, %help completed, %help '$in'",
    ].join('\n');
  }
  const bare = t.replace(/^['"]|['"]$/g, '');
  if (ctx.rcMethods[bare]) return ctx.rcMethods[bare]!;
  if (HELPERS[bare]) return HELPERS[bare]!;
  if (MAGICS[bare]) return MAGICS[bare]!;
  const key = TASK_KEYS.find((k) => k.name === bare);
  if (key) return `${key.name} (${key.kind}): ${key.doc}`;
  const op = [...FIELD_OPERATORS, ...LOGICAL_OPERATORS].find((o) => o.name === bare || o.name === '$' + bare);
  if (op) return `${op.name}: ${op.doc}`;
  const v = ctx.shell.variables().has(bare) ? ctx.shell.variables().get(bare) : ctx.builtins.get(bare);
  if (v instanceof PyFunction) return v.doc || v.pyRepr();
  if (v instanceof PyObject) return `${v.pyRepr()}: attributes ${v.names().join(', ')}`;
  if (v !== undefined) return `${bare}: a ${typeName(v)}`;
  const all = [...Object.keys(ctx.rcMethods), ...Object.keys(HELPERS), ...Object.keys(MAGICS), ...TASK_KEYS.map((k) => k.name)];
  throw new IpcError('NameError', `no help on '${bare}'${didYouMean(bare, all)}; %help lists everything`);
}

function indexReport(r: IndexReport): string {
  const mb = (r.bytesAdded / (1024 * 1024)).toFixed(1);
  const made = r.created.length
    ? `created ${r.created.length} index${r.created.length === 1 ? '' : 'es'} (${r.created.join(', ')}) in ${r.seconds.toFixed(2)} s; the file grew ${mb} MB`
    : 'no index was needed';
  return r.present.length ? `${made}; already there: ${r.present.join(', ')}` : made;
}
