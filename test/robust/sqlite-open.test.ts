/**
 * The open guard of the SQLite store: a read-only open of a WAL-mode
 * tasks.db leaves its directory as found, whether or not a writer has it
 * open; a FIFO or any other non-regular file is refused with one sentence.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IpcError } from '../../src/errors.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { FIXTURE_DB, tempDir } from '../cli/helpers.js';
import { havePython, runPython } from '../support/python.js';
import { mkfifoSync } from './support/fifo.js';

let tmp: ReturnType<typeof tempDir>;
before(() => {
  tmp = tempDir('ipc-sqlite-open-');
});
after(() => tmp.remove());

test('a WAL-mode tasks.db opened read-only leaves the directory as found', { skip: !havePython() && 'needs /usr/bin/python3' }, async () => {
  const db = join(tmp.dir, 'tasks.db');
  copyFileSync(FIXTURE_DB, db);
  await runPython(`import sqlite3\nc = sqlite3.connect(INPUT)\nassert c.execute('pragma journal_mode=wal').fetchone()[0] == 'wal'\nc.close()\nemit(None)`, db);
  const before = readdirSync(tmp.dir).sort();
  assert.deepEqual(before, ['tasks.db']);
  const store = await openSQLiteStore({ path: db });
  let n = 0;
  for await (const r of store.findRecords({}, ['msg_id'])) if (typeof r['msg_id'] === 'string') n++;
  assert.ok(n > 0);
  await store.close();
  assert.deepEqual(readdirSync(tmp.dir).sort(), before);
});

test('a FIFO is refused at once, not waited on', async () => {
  const fifo = join(tmp.dir, 'tasks.fifo');
  mkfifoSync(fifo);
  await assert.rejects(openSQLiteStore({ path: fifo }), (e: unknown) => e instanceof IpcError && e.kind === 'StoreError' && /is not a regular file/.test(e.message));
});
