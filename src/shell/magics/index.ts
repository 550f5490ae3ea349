import { didYouMean, nameError } from '../../errors.js';
import { Text } from '../../records/index.js';
import { helpLine, type Magic, type MagicContext, type MagicStatement } from '../magic.js';
import { ANALYTICS_MAGICS } from './analytics.js';
import { CLUSTER_MAGICS } from './cluster.js';
import { FORMAT_MAGIC, INFO_MAGIC, TEE_MAGICS, WHO_MAGIC } from './display.js';
import { helpText } from './help.js';
import { INPUT_MAGICS, SAVED_INPUT_MAGICS } from './inputs.js';
import { LIVE_MAGICS } from './live.js';
import { STORE_MAGICS } from './store.js';
import { TASK_MAGICS } from './tasks.js';

export { parseWatch } from './inputs.js';
export { expandPrefix, fetchRecord } from './task-ids.js';
export { makeStatsFunction } from './stats-timeline.js';
export { makeErrorsFunction } from './errors.js';
export { reportOfCall } from './report.js';
export { tailLineText, sourceOf } from './live.js';

const HELP_MAGIC: Magic = {
  name: 'help',
  usage: '%help [NAME]',
  help: 'this overview, or what a function, key or operator does (also NAME?)',
  run: (st, ctx) => new Text(helpText(st.arg.trim(), ctx, MAGIC_LIST)),
};

/**
 * Every magic, in script mode and in the terminal alike, in the order
 * `%help` lists them; the terminal only chooses how to show what they
 * answer. A new magic is an entry in one of the theme lists.
 */
export const MAGIC_LIST: readonly Magic[] = [
  ...TASK_MAGICS,
  ...INPUT_MAGICS,
  FORMAT_MAGIC,
  ...STORE_MAGICS,
  WHO_MAGIC,
  ...ANALYTICS_MAGICS,
  ...LIVE_MAGICS,
  ...SAVED_INPUT_MAGICS,
  ...TEE_MAGICS,
  ...CLUSTER_MAGICS,
  INFO_MAGIC,
  HELP_MAGIC,
];

const BY_NAME = new Map(MAGIC_LIST.map((m) => [m.name, m]));

/** Each magic's `%help` line by name. */
export const MAGICS: Readonly<Record<string, string>> = Object.fromEntries(MAGIC_LIST.map((m) => [m.name, helpLine(m)]));

export async function runMagic(st: MagicStatement, ctx: MagicContext): Promise<unknown> {
  const magic = BY_NAME.get(st.name);
  if (!magic) {
    const names = MAGIC_LIST.map((m) => '%' + m.name);
    throw nameError(`unknown magic %${st.name}${didYouMean('%' + st.name, names)}; the magics are ${names.join(' ')}`);
  }
  if (magic.terminalOnly !== undefined && !ctx.shell.terminal) throw nameError(magic.terminalOnly);
  return magic.run(st, ctx);
}
