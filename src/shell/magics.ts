import { RecordList, type Client, type IndexReport, type TaskResult } from '../client/index.js';
import { IpcError, clip, didYouMean, indexError, keyError, nameError, parseError, storeError, typeError } from '../errors.js';
import { RecordView, isRecordView, isTaskResult, type DisplayOptions, type OutputFormat } from '../format/index.js';
import { FIELD_OPERATORS, LOGICAL_OPERATORS, escapeRegExp } from '../query/index.js';
import { DERIVED_DOCS, DERIVED_KEYS, isDerivedKey } from '../payload/index.js';
import { STATS_GROUPS, groupWord } from '../analytics/index.js';
import { TASK_KEYS, Text, isDict, type TaskRecord } from '../records/index.js';
import { statsMagic, timelineMagic } from './analytics-magics.js';
import { exportMagic } from './export-magic.js';
import { Tee } from './tee.js';
import { writeFileStreaming } from './export-file.js';
import { EditRequest, WatchRequest, type Shell } from './api.js';
import { errorsMagic } from './errors-magic.js';
import type { Interpreter, Statement } from '../language/index.js';
import { parseExpression, parseStatement, PyFunction, PyObject, typeName } from '../language/index.js';
import { splitQueryArgs, type NamedQueries } from './named-queries.js';

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
  /** Runs a statement of this input, or of `text` (a named query's) when given. */
  run(st: Statement, text?: string): Promise<{ value: unknown; isExpression: boolean }>;
  readonly queries: NamedQueries;
  readonly rcMethods: Record<string, string>;
  readonly outputFormats: readonly OutputFormat[];
  /** The msg_ids of the values this session has shown or bound, newest first: `%show _14` looks among them. */
  seenIds(): Iterable<string>;
}

/** Every magic, in script mode and in the terminal alike; the terminal only chooses how to show what they answer. */
export const MAGICS: Record<string, string> = {
  stdout: '%stdout ID: what the task printed to stdout (ID: a msg_id, a unique prefix or suffix such as _14 of one, or an expression)',
  stderr: '%stderr ID: what the task printed to stderr',
  tb: '%tb ID: the traceback of a failed task',
  show: '%show ID: the record view: every key, stdout and stderr in full, the traceback, queue wait and run time',
  time: '%time STATEMENT: runs the statement and says how long it took',
  watch: '%watch STATEMENT [SECONDS]: runs it again every SECONDS (2), marks the rows that changed; Ctrl-C or q stops (terminal only)',
  history: '%history [N]: the last N inputs of this session, numbered by their In [n]; %history -g PATTERN: the inputs of every session (~/.ipc_history) that hold PATTERN',
  format: '%format [table|json|jsonl|csv]: how values are shown',
  tables: '%tables: the task tables of the SQLite file',
  index: '%index: adds indexes on submitted, completed, started, engine_uuid and client_uuid to the SQLite file, so that windows of time and one engine or client are found without reading the whole table (needs --write and a confirmation; refuses while a controller writes the file)',
  who: '%who: the variables defined so far',
  stats: `%stats [QUERY] [by ${STATS_GROUPS.map(groupWord).join('|')}]: per-engine task counts, busy time, utilisation, run-time and queue-wait spread; %stats --hist run_time|queue_wait [QUERY]: a histogram; by label puts tasks without one (all of a 7.x store's) in one (no label) group`,
  errors: '%errors [QUERY] [by ename|function|engine|label|client]: one row per failure signature (ename and evalue with numbers, ids, paths and quoted values as <n> <hex> <id> <path> <str>): count, share of the selection, what caused it (a dead engine, a failed dependency), functions, engines, first and last time, a sample; in the terminal Enter shows the sample\'s traceback, a lists every task of the signature',
  timeline: '%timeline [QUERY] [--rows engine|label|function]: a Gantt chart of the tasks, one row per engine (or label, or function; tasks without a label share one (no label) row) (interactive shell); --trace FILE writes Chrome Trace Event JSON (Perfetto), --svg FILE an SVG chart; --force replaces a file',
  export: '%export EXPR FILE [--format json|jsonl|csv|trace|table] [--force]: writes what script mode would print for EXPR to FILE (a db_query streams; the format follows the file\'s ending: .json .jsonl .csv .trace.json .txt, else the session\'s %format)',
  q: '%q: the named queries; %q NAME = STATEMENT saves one (kept in ~/.ipc_queries.json); %q NAME ARGS… runs it with $1, $2, … replaced',
  edit: '%edit [N]: opens $VISUAL or $EDITOR on input N (default the last one) and runs what is saved (terminal only)',
  save: '%save FILE [N-M ...] [--force]: writes inputs of this session (all, or those In [n] numbers) to FILE as a script that ipc FILE runs',
  tee: '%tee FILE: every later Out[n] is also appended to FILE as plain text (%notee stops)',
  once: '%once FILE: the next Out[n] is also appended to FILE',
  notee: '%notee: stops %tee',
  info: '%info: which store or hub, how many records, their time span, and whose session is rc.session.session',
  help: '%help [NAME]: this overview, or what a function, key or operator does (also NAME?)',
};

/** The keys of the terminal, said by %help there. */
const TERMINAL_HELP = [
  'keys: Tab completes · ↑↓ history (what is typed is the prefix) · Ctrl-R searches it · Ctrl-A/E/K/U/W/Y, Alt-B/F edit',
  '  Ctrl-C cancels the running statement · Ctrl-L clears the screen · Ctrl-D or exit leaves',
  'a result taller or wider than the screen opens a viewer: ↑↓ PgUp PgDn Home End, ←→ by column, / search (n N),',
  '  Enter the record view, q back',
];

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
      const r = await taskOf(st, ctx);
      return new Text(st.name === 'stdout' ? r.stdout : r.stderr);
    }
    case 'tb': {
      const r = await taskOf(st, ctx);
      if (!r.error) return new Text(`task ${r.msgId} has no traceback (status ${r.status})`);
      return new Text(r.error.traceback.length ? r.error.traceback.join('\n') : `${r.error.ename}: ${r.error.evalue}`);
    }
    case 'show': {
      if (!arg && isRecordView(ctx.builtins.get('_'))) return ctx.builtins.get('_');
      const id = await resolveMsgId(st, ctx);
      return new RecordView(await fetchRecord(ctx.client, id), await ctx.client.deriveContext().catch(() => ({})));
    }
    case 'history':
      return new Text(historyText(ctx.shell, arg));
    case 'format': {
      if (!arg) return new Text(`format: ${ctx.shell.settings.format} (choose ${ctx.outputFormats.join(', ')})`);
      if (!ctx.outputFormats.includes(arg as OutputFormat)) {
        throw typeError(`unknown format '${arg}'${didYouMean(arg, ctx.outputFormats)}; choose ${ctx.outputFormats.join(', ')}`);
      }
      ctx.shell.settings.format = arg as OutputFormat;
      return null;
    }
    case 'index': {
      if (!ctx.client.createIndexes) throw storeError('%index makes indexes in a SQLite file; this session reads a live hub');
      return new Text(indexReport(await ctx.client.createIndexes()));
    }
    case 'tables': {
      if (!ctx.tables) throw storeError('%tables lists the task tables of a SQLite file; this session has no SQLite store');
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
    case 'stats':
      return statsMagic(st, ctx);
    case 'timeline':
      return timelineMagic(st, ctx);
    case 'errors':
      return errorsMagic(st, ctx);
    case 'export':
      return exportMagic(st, ctx);
    case 'save':
      return saveInputs(ctx.shell, arg);
    case 'q':
      return namedQuery(st, ctx);
    case 'edit': {
      if (!ctx.shell.terminal) throw nameError('%edit opens an editor in the interactive shell only; in a script, edit the script');
      const cells = [...ctx.shell.cells()].sort(([a], [b]) => a - b).slice(0, -1);
      if (arg === '') {
        const last = cells.at(-1);
        return new EditRequest(last ? last[1] : '', last ? `In [${last[0]}]` : 'a new input');
      }
      if (!/^\d+$/.test(arg)) throw parseError(`usage: %edit [N], where N is an In [n] number of this session, not '${clip(arg)}'`);
      const cell = cells.find(([n]) => n === Number(arg));
      if (!cell) throw keyError(`there is no In [${arg}] in this session${cells.length ? ` (inputs ${cells[0]![0]} to ${cells.at(-1)![0]})` : ''}`);
      return new EditRequest(cell[1], `In [${cell[0]}]`);
    }
    case 'tee':
    case 'once': {
      const file = arg.replace(/^(['"])(.*)\1$/, '$2');
      if (!file) throw parseError(`usage: %${st.name} FILE`);
      ctx.shell.tee?.close();
      ctx.shell.tee = new Tee(file, st.name === 'once');
      // said, not answered: the notice is no Out[n] of its own, so the tee starts with the next value
      ctx.print(st.name === 'once' ? `the next Out[n] also goes to ${file}\n` : `every Out[n] also goes to ${file}; %notee stops\n`);
      return undefined;
    }
    case 'notee': {
      const was = ctx.shell.tee;
      was?.close();
      ctx.shell.tee = null;
      ctx.print(was ? `stopped writing to ${was.path}\n` : 'no %tee was on\n');
      return undefined;
    }
    case 'watch': {
      if (!ctx.shell.terminal) throw nameError('%watch runs in the interactive shell only (start ipc in a terminal without a script)');
      const w = parseWatch(arg, (text) => ctx.shell.isComplete(text));
      if (!w) throw parseError('usage: %watch STATEMENT [SECONDS], e.g. %watch rc.db_query({"completed": None}, ["msg_id", "submitted"]) 5');
      return new WatchRequest(w.statement, w.seconds);
    }
    case 'time':
      throw typeError('%time takes a statement');
    default: {
      const names = Object.keys(MAGICS).map((m) => '%' + m);
      throw nameError(`unknown magic %${st.name}${didYouMean('%' + st.name, names)}; the magics are ${names.join(' ')}`);
    }
  }
}

/** A msg_id, or a prefix of one: a uuid (ipyparallel ≤ 6 and 8+) or `<session>_<pid>_<n>` (7.x). */
const ID_TEXT = /^[0-9a-fA-F][0-9a-fA-F_-]{3,}$/;
/** The tail of a 7.x msg_id: `_14`, `_20931_14`. */
const SUFFIX_TEXT = /^(_\d+)+$/;

async function taskOf(st: Extract<Statement, { kind: 'magic' }>, ctx: MagicContext): Promise<TaskResult> {
  if (!st.arg.trim()) {
    const last = ctx.builtins.get('_');
    if (isTaskResult(last)) return last;
  }
  return (await ctx.client.getResult([await resolveMsgId(st, ctx)]))[0]!;
}

/**
 * The one msg_id a magic's argument names: a whole msg_id, a unique prefix
 * of one, a unique suffix such as `_14` among the ids this session has seen
 * (else in the store), or an expression giving an id, a record, a result
 * or an index into hub_history().
 */
export async function resolveMsgId(st: Extract<Statement, { kind: 'magic' }>, ctx: MagicContext): Promise<string> {
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

/** `%history [N]`: the last N inputs, numbered; the terminal keeps them across sessions. */
/** `%q`, `%q NAME = STATEMENT`, `%q NAME ARGS…`. */
async function namedQuery(st: Extract<Statement, { kind: 'magic' }>, ctx: MagicContext): Promise<unknown> {
  const arg = st.arg.trim();
  if (arg === '') {
    const all = ctx.queries.all();
    if (all.size === 0) return new Text('no named queries yet; save one with %q NAME = STATEMENT, e.g. %q failed = db_query({\'status\': \'error\'}, keys=[\'msg_id\', \'engine_id\'])');
    return new Text([...all].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} = ${v}`).join('\n'));
  }
  const def = /^([A-Za-z_][\w-]*)\s*=(?!=)\s*([\s\S]*)$/.exec(arg);
  if (def) {
    const statement = def[2]!.trim();
    if (!statement) throw parseError(`usage: %q ${def[1]} = STATEMENT`);
    // checked as a statement now, so that a typo is found when it is saved, not when it is run
    const probe = statement.replace(/\$\d+/g, 'None');
    parseStatement({ source: probe, from: 0, to: probe.length });
    ctx.queries.save(def[1]!, statement);
    ctx.print(`saved %q ${def[1]}\n`);
    return undefined;
  }
  const m = /^([A-Za-z_][\w-]*)\s*([\s\S]*)$/.exec(arg);
  if (!m) throw parseError('usage: %q, %q NAME = STATEMENT, or %q NAME ARGS…');
  const text = ctx.queries.expand(m[1]!, splitQueryArgs(m[2]!));
  const r = await ctx.run(parseStatement({ source: text, from: 0, to: text.length }), text);
  return r.isExpression ? r.value : undefined;
}

/** `%save FILE [N-M ...] [--force]`: the chosen inputs, oldest first, as a script. */
async function saveInputs(shell: Shell, arg: string): Promise<Text> {
  const words = arg.split(/\s+/).filter(Boolean);
  const force = words.includes('--force');
  const [file, ...ranges] = words.filter((w) => w !== '--force');
  if (!file) throw parseError('usage: %save FILE [N-M ...] [--force], e.g. %save queries.ipc 1-4');
  const cells = shell.terminal ? [...shell.cells()].sort(([a], [b]) => a - b).slice(0, -1) : shell.history().slice(0, -1).map((e, i) => [i + 1, e] as [number, string]);
  const wanted = new Set<number>();
  for (const r of ranges) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    if (!m) throw parseError(`%save takes In [n] numbers and ranges such as 3 or 2-5, not '${clip(r)}'`);
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) wanted.add(i);
  }
  const chosen = cells.filter(([n]) => wanted.size === 0 || wanted.has(n));
  if (chosen.length === 0) throw keyError(ranges.length ? `no input of this session has those numbers (${cells.map(([n]) => n).join(', ') || 'none yet'})` : 'there is no input to save yet');
  const text = chosen.map(([, e]) => e).join('\n') + '\n';
  const bytes = await writeFileStreaming(file, force, (async function* () {
    yield text;
  })());
  return new Text(`wrote ${chosen.length} input${chosen.length === 1 ? '' : 's'} to ${file} (${bytes} bytes); run them with ipc … ${file}`);
}

/**
 * `%history [N]`: this session's last N inputs (20 in a terminal), numbered
 * by their In [n]; `%history -g PATTERN`: every input of every session kept
 * in the history file that holds PATTERN, numbered `~k` by its place there.
 */
function historyText(shell: Shell, arg: string): string {
  const indent = (e: string, width: number) => e.replace(/\n/g, '\n' + ' '.repeat(width + 2));
  const g = /^-g(?:\s+([\s\S]*))?$/.exec(arg);
  if (g) {
    if (!shell.terminal) throw typeError('%history -g searches the history file of the interactive shell; a script has only its own lines');
    const pattern = (g[1] ?? '').trim().replace(/^(['"])(.*)\1$/, '$2');
    const all = shell.terminal.history();
    const found = all.map((e, i) => [i + 1, e] as const).filter(([, e]) => e.includes(pattern));
    return found.map(([k, e]) => `${('~' + k).padStart(6)}  ${indent(e, 6)}`).join('\n') || `(no input holds ${JSON.stringify(pattern)})`;
  }
  if (arg && !/^\d+$/.test(arg)) throw typeError('usage: %history [N] or %history -g PATTERN');
  let numbered: [number, string][];
  if (shell.terminal) {
    const cells = [...shell.cells()].sort(([a], [b]) => a - b);
    numbered = cells.slice(0, -1); // the last cell is this %history
  } else numbered = shell.history().slice(0, -1).map((e, i) => [i + 1, e]);
  const n = arg ? Number(arg) : shell.terminal ? 20 : numbered.length;
  const lines = numbered.slice(Math.max(0, numbered.length - n)).map(([k, e]) => `${String(k).padStart(5)}  ${indent(e, 5)}`);
  return lines.join('\n') || '(no history yet)';
}

const DEFAULT_WATCH_SECONDS = 2;

/** `STATEMENT [SECONDS]`: a trailing number is the interval when what precedes it is a whole statement. */
export function parseWatch(arg: string, isComplete: (s: string) => boolean): { statement: string; seconds: number } | null {
  const text = arg.trim();
  if (text === '') return null;
  const m = /^([\s\S]*\S)\s+(\d+(?:\.\d+)?)$/.exec(text);
  if (m && isComplete(m[1]!) && Number(m[2]) > 0) return { statement: m[1]!, seconds: Number(m[2]) };
  return { statement: text, seconds: DEFAULT_WATCH_SECONDS };
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
      `derived keys: ${DERIVED_KEYS.join(' ')}`,
      `operators: ${[...FIELD_OPERATORS, ...LOGICAL_OPERATORS].map((o) => o.name).join(' ')}`,
      '',
      "%help NAME (or NAME?) says more of a function, key or operator: %help db_query, %help completed, %help '$in'",
      ...(ctx.shell.terminal ? ['', ...TERMINAL_HELP] : []),
    ].join('\n');
  }
  const bare = t.replace(/^['"]|['"]$/g, '');
  if (ctx.rcMethods[bare]) return ctx.rcMethods[bare]!;
  if (HELPERS[bare]) return HELPERS[bare]!;
  if (MAGICS[bare]) return MAGICS[bare]!;
  const key = TASK_KEYS.find((k) => k.name === bare);
  if (key) return `${key.name} (${key.kind}): ${key.doc}`;
  if (isDerivedKey(bare)) return `${bare} (derived by ipc): ${DERIVED_DOCS[bare]}`;
  const op = [...FIELD_OPERATORS, ...LOGICAL_OPERATORS].find((o) => o.name === bare || o.name === '$' + bare);
  if (op) return `${op.name}: ${op.doc}`;
  const v = ctx.shell.variables().has(bare) ? ctx.shell.variables().get(bare) : ctx.builtins.get(bare);
  if (v instanceof PyFunction) return v.doc || v.pyRepr();
  if (v instanceof PyObject) return `${v.pyRepr()}: attributes ${v.names().join(', ')}`;
  if (v !== undefined) return `${bare}: a ${typeName(v)}`;
  const all = [...Object.keys(ctx.rcMethods), ...Object.keys(HELPERS), ...Object.keys(MAGICS), ...TASK_KEYS.map((k) => k.name), ...DERIVED_KEYS];
  throw nameError(`no help on '${bare}'${didYouMean(bare, all)}; %help lists everything`);
}

function indexReport(r: IndexReport): string {
  const mb = (r.bytesAdded / (1024 * 1024)).toFixed(1);
  const made = r.created.length
    ? `created ${r.created.length} index${r.created.length === 1 ? '' : 'es'} (${r.created.join(', ')}) in ${r.seconds.toFixed(2)} s; the file grew ${mb} MB`
    : 'no index was needed';
  return r.present.length ? `${made}; already there: ${r.present.join(', ')}` : made;
}
