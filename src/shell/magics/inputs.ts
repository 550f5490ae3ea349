import { clip, keyError, parseError, typeError } from '../../errors.js';
import { parseStatement } from '../../language/index.js';
import { Text } from '../../records/index.js';
import { askTerminal, type Shell } from '../api.js';
import { writeFileStreaming } from '../export-file.js';
import type { Magic, MagicContext, MagicStatement } from '../magic.js';
import { splitQueryArgs } from '../named-queries.js';

/** The magics that run and recall inputs: timing, watching, history. */
export const INPUT_MAGICS: readonly Magic[] = [
  {
    name: 'time',
    usage: '%time STATEMENT',
    help: 'runs the statement and says how long it took',
    // with a statement, the shell times it; alone, it has nothing to run
    run() {
      throw typeError('%time takes a statement');
    },
  },
  {
    name: 'watch',
    usage: '%watch STATEMENT [SECONDS]',
    help: 'runs it again every SECONDS (2), marks the rows that changed; Ctrl-C or q stops (terminal only)',
    terminalOnly: '%watch runs in the interactive shell only (start ipc in a terminal without a script)',
    run(st, ctx) {
      const w = parseWatch(st.arg.trim(), (text) => ctx.shell.isComplete(text));
      if (!w) throw parseError('usage: %watch STATEMENT [SECONDS], e.g. %watch rc.db_query({"completed": None}, ["msg_id", "submitted"]) 5');
      return askTerminal({ kind: 'watch', statement: w.statement, seconds: w.seconds });
    },
  },
  {
    name: 'history',
    usage: '%history [N]',
    help: 'the last N inputs of this session, numbered by their In [n]; %history -g PATTERN: the inputs of every session (~/.ipc_history) that hold PATTERN',
    run: (st, ctx) => new Text(historyText(ctx.shell, st.arg.trim())),
  },
];

/** The magics that keep and change inputs: named queries, the editor, saving a script. */
export const SAVED_INPUT_MAGICS: readonly Magic[] = [
  {
    name: 'q',
    completes: 'query name',
    usage: '%q',
    help: 'the named queries; %q NAME = STATEMENT saves one (kept in ~/.ipc_queries.json); %q NAME ARGS… runs it with $1, $2, … replaced',
    run: namedQuery,
  },
  {
    name: 'edit',
    usage: '%edit [N]',
    help: 'opens $VISUAL or $EDITOR on input N (default the last one) and runs what is saved (terminal only)',
    terminalOnly: '%edit opens an editor in the interactive shell only; in a script, edit the script',
    run(st, ctx) {
      const arg = st.arg.trim();
      const cells = [...ctx.shell.cells()].sort(([a], [b]) => a - b).slice(0, -1);
      if (arg === '') {
        const last = cells.at(-1);
        return askTerminal({ kind: 'edit', text: last ? last[1] : '', label: last ? `In [${last[0]}]` : 'a new input' });
      }
      if (!/^\d+$/.test(arg)) throw parseError(`usage: %edit [N], where N is an In [n] number of this session, not '${clip(arg)}'`);
      const cell = cells.find(([n]) => n === Number(arg));
      if (!cell) throw keyError(`there is no In [${arg}] in this session${cells.length ? ` (inputs ${cells[0]![0]} to ${cells.at(-1)![0]})` : ''}`);
      return askTerminal({ kind: 'edit', text: cell[1], label: `In [${cell[0]}]` });
    },
  },
  {
    name: 'save',
    usage: '%save FILE [N-M ...] [--force]',
    help: 'writes inputs of this session (all, or those In [n] numbers) to FILE as a script that ipc FILE runs',
    run: (st, ctx) => saveInputs(ctx.shell, st.arg.trim()),
  },
];

/** `%q`, `%q NAME = STATEMENT`, `%q NAME ARGS…`. */
async function namedQuery(st: MagicStatement, ctx: MagicContext): Promise<unknown> {
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

