import { didYouMean, parseError, typeError } from '../../errors.js';
import type { OutputFormat } from '../../format/index.js';
import { Text } from '../../records/index.js';
import type { Magic } from '../magic.js';
import { Tee } from '../tee.js';

/** `%format`: how values are shown. */
export const FORMAT_MAGIC: Magic = {
  name: 'format',
  usage: '%format [table|json|jsonl|csv]',
  help: 'how values are shown',
  run(st, ctx) {
    const arg = st.arg.trim();
    if (!arg) return new Text(`format: ${ctx.shell.settings.format} (choose ${ctx.outputFormats.join(', ')})`);
    if (arg === 'report') throw typeError("a report is an HTML file: %report FILE.html [QUERY] writes one (in script mode, --format report makes a db_query statement one)");
    if (!ctx.outputFormats.includes(arg as OutputFormat)) {
      throw typeError(`unknown format '${arg}'${didYouMean(arg, ctx.outputFormats)}; choose ${ctx.outputFormats.join(', ')}`);
    }
    ctx.shell.settings.format = arg as OutputFormat;
    return null;
  },
};

/** `%who`: the variables of this session. */
export const WHO_MAGIC: Magic = {
  name: 'who',
  usage: '%who',
  help: 'the variables defined so far',
  run(_st, ctx) {
    const names = [...ctx.shell.variables().keys()].sort();
    return new Text(names.length ? names.join('  ') : 'no variables yet');
  },
};

/** `%info`: what this session reads. */
export const INFO_MAGIC: Magic = {
  name: 'info',
  usage: '%info',
  help: 'which store or hub, how many records, their time span, and whose session is rc.session.session',
  async run(_st, ctx) {
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
  },
};

/** `%tee`, `%once`, `%notee`: every later Out[n] (or the next one) also written to a file. */
export const TEE_MAGICS: readonly Magic[] = [
  {
    name: 'tee',
    usage: '%tee FILE',
    help: 'every later Out[n] is also appended to FILE as plain text (%notee stops)',
    run: (st, ctx) => startTee(st.name, st.arg, ctx),
  },
  {
    name: 'once',
    usage: '%once FILE',
    help: 'the next Out[n] is also appended to FILE',
    run: (st, ctx) => startTee(st.name, st.arg, ctx),
  },
  {
    name: 'notee',
    usage: '%notee',
    help: 'stops %tee',
    run(_st, ctx) {
      const was = ctx.shell.tee;
      was?.close();
      ctx.shell.tee = null;
      ctx.print(was ? `stopped writing to ${was.path}\n` : 'no %tee was on\n');
      return undefined;
    },
  },
];

function startTee(name: string, arg: string, ctx: Parameters<Magic['run']>[1]): undefined {
  const file = arg.trim().replace(/^(['"])(.*)\1$/, '$2');
  if (!file) throw parseError(`usage: %${name} FILE`);
  ctx.shell.tee?.close();
  ctx.shell.tee = new Tee(file, name === 'once');
  // said, not answered: the notice is no Out[n] of its own, so the tee starts with the next value
  ctx.print(name === 'once' ? `the next Out[n] also goes to ${file}\n` : `every Out[n] also goes to ${file}; %notee stops\n`);
  return undefined;
}
