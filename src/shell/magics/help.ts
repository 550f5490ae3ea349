import { didYouMean, nameError } from '../../errors.js';
import { PyFunction, PyObject, typeName } from '../../language/index.js';
import { DERIVED_DOCS, DERIVED_KEYS, isDerivedKey } from '../../payload/index.js';
import { FIELD_OPERATORS, LOGICAL_OPERATORS } from '../../query/index.js';
import { TASK_KEYS } from '../../records/index.js';
import { helpLine, type Magic, type MagicContext } from '../magic.js';

/** The keys of the terminal, said by %help there. */
const TERMINAL_HELP = [
  'keys: Tab completes · ↑↓ history (what is typed is the prefix) · Ctrl-R searches it · Ctrl-A/E/K/U/W/Y, Alt-B/F edit',
  '  Ctrl-C cancels the running statement · Ctrl-L clears the screen · Ctrl-D or exit leaves',
  'a result taller than the screen opens a viewer: ↑↓ PgUp PgDn Home End, ←→ select a column, s S sort by it,',
  '  &PATTERN keep matching rows, c choose columns, x one record per block, / search (n N), Enter the record view,',
  '  ? every key, q back',
];

const HELPERS: Record<string, string> = {
  now: 'now: the current time (a datetime)',
  today: 'today: midnight of today, local time',
  hourago: 'hourago: one hour before now',
  ago: "ago('90m' | '2h' | '3d' | '1h30m'): that long before now",
  datetime: 'datetime(year, month, day, hour=0, minute=0, second=0, microsecond=0): local time; datetime.now(), datetime.utcnow()',
  timedelta: 'timedelta(days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0)',
};

/** `%help [NAME]`: the overview, or what one function, helper, magic, key or operator does. */
export function helpText(topic: string, ctx: MagicContext, magics: readonly Magic[]): string {
  const byName = new Map(magics.map((m) => [m.name, m]));
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
      magics.map((m) => `  ${helpLine(m)}`).join('\n'),
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
  // `%help %abort` is the magic even where an rc method has its name (rc.abort)
  const asMagic = topic.trim().startsWith('%') ? byName.get(bare) : undefined;
  if (asMagic) return helpLine(asMagic);
  if (ctx.rcMethods[bare]) return ctx.rcMethods[bare]!;
  if (HELPERS[bare]) return HELPERS[bare]!;
  const magic = byName.get(bare);
  if (magic) return helpLine(magic);
  const key = TASK_KEYS.find((k) => k.name === bare);
  if (key) return `${key.name} (${key.kind}): ${key.doc}`;
  if (isDerivedKey(bare)) return `${bare} (derived by ipc): ${DERIVED_DOCS[bare]}`;
  const op = [...FIELD_OPERATORS, ...LOGICAL_OPERATORS].find((o) => o.name === bare || o.name === '$' + bare);
  if (op) return `${op.name}: ${op.doc}`;
  const v = ctx.shell.variables().has(bare) ? ctx.shell.variables().get(bare) : ctx.builtins.get(bare);
  if (v instanceof PyFunction) return v.doc || v.pyRepr();
  if (v instanceof PyObject) return `${v.pyRepr()}: attributes ${v.names().join(', ')}`;
  if (v !== undefined) return `${bare}: a ${typeName(v)}`;
  const all = [...Object.keys(ctx.rcMethods), ...Object.keys(HELPERS), ...byName.keys(), ...TASK_KEYS.map((k) => k.name), ...DERIVED_KEYS];
  throw nameError(`no help on '${bare}'${didYouMean(bare, all)}; %help lists everything`);
}

