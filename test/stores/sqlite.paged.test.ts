/**
 * A paged SQLite answer (the interactive viewer's source) gives the records
 * db_query gives, in the same order, whether read a row at a time across
 * pages or as a whole list; on a file written by a real controller and on
 * one of several pages made by SQLite itself.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreClient } from '../../src/client/index.js';
import { repr } from '../../src/format/index.js';
import { createShell } from '../../src/shell/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/tasks.db', import.meta.url));
const ROWS = 2_000;
let dir: string;
let big: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipc-paged-store-'));
  big = join(dir, 'big.db');
  const store = await openSQLiteStore({ path: big, write: true, create: true });
  await store.close();
  const db = new Database(big);
  // submitted times out of rowid order, and ties broken by msg_id
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
    INSERT INTO "ipython-tasks" (msg_id, submitted, engine_uuid, stdout)
    SELECT printf('%08x-0000-4000-8000-%012x', (i * 7919) % ${ROWS}, i),
      strftime('%Y-%m-%dT%H:%M:%f000+00:00', 1790000000 + (i % 97), 'unixepoch'),
      printf('engine-%02d', i % 16), CASE WHEN i % 4 = 0 THEN printf('line %d', i) ELSE '' END
    FROM n`);
  db.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

const cases: [string, Record<string, unknown>, string[] | null][] = [
  ['every record, every key', {}, null],
  ['a SQL filter and a few keys', { engine_uuid: { $in: ['engine-03', 'engine-07'] } }, ['msg_id', 'submitted', 'stdout']],
  ['no record', { msg_id: 'none' }, ['msg_id']],
];

for (const [file, path] of [['a real controller’s file', FIXTURE], [`${ROWS} rows made by SQLite`, () => big]] as const) {
  for (const [what, query, keys] of cases) {
    test(`${file}: ${what}: the paged answer is db_query's`, async () => {
      const client = await StoreClient.open(await openSQLiteStore({ path: typeof path === 'string' ? path : path() }));
      try {
        const whole = await client.dbQuery(query, keys);
        const paged = await client.pagedQuery(query, keys);
        assert.ok(paged && paged.paged, 'kept in the store');
        assert.deepEqual(paged.keys, whole.keys);
        assert.equal(paged.length, whole.length);
        // a row at a time, backwards, so that pages are read again after being let go
        for (let i = whole.length - 1; i >= 0; i--) assert.equal(repr(paged.at(i)), repr(whole.records[i]), `record ${i}`);
        assert.equal(paged.at(whole.length), undefined);
        assert.equal(repr(paged.records), repr(whole.records));
        assert.ok(!paged.paged, 'read whole once used as a list');
      } finally {
        await client.close();
      }
    });
  }
}

test('a residual query, derived keys and a union of tables are read whole, not paged', async () => {
  const client = await StoreClient.open(await openSQLiteStore({ path: FIXTURE }));
  try {
    assert.equal(await client.pagedQuery({ stdout: { $regex: 'x' } }, null), null);
    assert.equal(await client.pagedQuery({}, ['msg_id', 'engine_id']), null);
  } finally {
    await client.close();
  }
  const union = await StoreClient.open(await openSQLiteStore({ path: FIXTURE, table: '*' }));
  try {
    assert.equal(await union.pagedQuery({}, null), null);
  } finally {
    await union.close();
  }
});

test('the interactive shell pages a large top-level db_query, and Out[n] is still the list', async () => {
  const copy = join(dir, 'copy.db');
  copyFileSync(big, copy);
  const client = await StoreClient.open(await openSQLiteStore({ path: copy }));
  const shell = createShell({ client });
  try {
    const [a] = await shell.execute("db_query({}, ['msg_id', 'stdout'])", { promptNumber: 1, pageRecordsOver: 100 });
    const list = a!.value as { paged: boolean; length: number };
    assert.ok(list.paged && list.length === ROWS, 'paged');
    const [small] = await shell.execute("db_query({'engine_uuid': 'engine-01'}, ['msg_id'])", { promptNumber: 2, pageRecordsOver: 1000 });
    assert.equal((small!.value as { paged: boolean }).paged, false, 'an answer under the threshold is read at once');
    const [timed] = await shell.execute("%time db_query({}, ['msg_id'])", { promptNumber: 3, pageRecordsOver: 100 });
    const t = timed!.value as { paged: boolean; length: number };
    assert.ok(t.paged === false && t.length === ROWS, '%time measures the whole answer');
    const whole = await client.dbQuery({}, ['msg_id', 'stdout']);
    const value = async (source: string) => (await shell.execute(source, { promptNumber: 9 }))[0]!.value;
    assert.equal(await value('len(Out[1])'), ROWS);
    assert.equal(await value("Out[1][-1]['msg_id']"), whole.records.at(-1)!['msg_id']);
    assert.equal(repr(await value("[r['stdout'] for r in Out[1]][:8]")), repr(whole.records.slice(0, 8).map((r) => r['stdout'])));
  } finally {
    await client.close();
  }
});
