import type { IndexReport } from '../../client/index.js';
import { storeError } from '../../errors.js';
import { Text } from '../../records/index.js';
import type { Magic } from '../magic.js';

/** The magics of the store itself: its tables and its indexes. */
export const STORE_MAGICS: readonly Magic[] = [
  {
    name: 'tables',
    usage: '%tables',
    help: 'the task tables of the SQLite file',
    async run(_st, ctx) {
      if (!ctx.tables) throw storeError('%tables lists the task tables of a SQLite file; this session has no SQLite store');
      return new Text((await ctx.tables()).join('\n'));
    },
  },
  {
    name: 'index',
    usage: '%index',
    help: 'adds indexes on submitted, completed, started, engine_uuid and client_uuid to the SQLite file, so that windows of time and one engine or client are found without reading the whole table (needs --write and a confirmation; refuses while a controller writes the file)',
    async run(_st, ctx) {
      return new Text(indexReport(await ctx.client.createIndexes()));
    },
  },
];

function indexReport(r: IndexReport): string {
  const mb = (r.bytesAdded / (1024 * 1024)).toFixed(1);
  const made = r.created.length
    ? `created ${r.created.length} index${r.created.length === 1 ? '' : 'es'} (${r.created.join(', ')}) in ${r.seconds.toFixed(2)} s; the file grew ${mb} MB`
    : 'no index was needed';
  return r.present.length ? `${made}; already there: ${r.present.join(', ')}` : made;
}
