/** A shell on the real-controller payload fixture, for tests of what tasks ran and returned. */
import { fileURLToPath } from 'node:url';
import { StoreClient } from '../../src/client/index.js';
import { createShell } from '../../src/shell/index.js';
import type { Shell } from '../../src/shell/api.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import type { Store } from '../../src/stores/store.js';

export const PAYLOADS_DB = fileURLToPath(new URL('../../../test/fixtures/payloads.db', import.meta.url));

/** The msg_id of the fixture's n-th task. */
export const payloadId = (n: number) => `6615fe4b-d6830441901b78145a04522a_1076_${n}`;

export async function payloadShell(): Promise<{ store: Store; shell: Shell }> {
  const store = await openSQLiteStore({ path: PAYLOADS_DB });
  return { store, shell: createShell({ client: await StoreClient.open(store) }) };
}
