import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { storeContract } from '../support/store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'ipc-sqlite-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// A fresh tasks.db per store, in ipyparallel 9.1's layout (the demo records carry labels).
storeContract('SQLiteDB', async (records) => {
  const store = await openSQLiteStore({ path: join(dir, `tasks-${++n}.db`), write: true, create: true, label: true });
  for (const r of records) await store.addRecord(r['msg_id'] as string, r);
  return store;
});
