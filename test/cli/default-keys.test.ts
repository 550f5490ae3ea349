/**
 * Without keys=, an answer has the keys of the store's own columns: a table
 * written by ipyparallel 7.x has no label column, so its records have no
 * label key (as ipyparallel's SQLiteDB answers), while a 9.1 table's do;
 * a DictDB loaded from a 7.x dump likewise.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEMO_ANCHOR, generateDemoRecords } from '../../src/stores/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { runPython } from '../support/python.js';
import { FIXTURE_DB, isolatedEnv, jsonLines, runIpc, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
const keysOf = (stdout: string) => [...new Set(jsonLines(stdout).map((r) => Object.keys(r as object).join(' ')))];

before(() => {
  tmp = tempDir();
  env = isolatedEnv(tmp.dir);
});
after(() => tmp.remove());

test("a 7.x tasks.db: the keys of Python's SQLiteDB.find_records, without label", async () => {
  const fixture = join(tmp.dir, 'seven.db');
  copyFileSync(FIXTURE_DB, fixture);
  const run = await runIpc(['--sqlitedb', fixture, '--format', 'jsonl', '-c', 'db_query({})'], { env });
  assert.equal(run.code, 0, run.stderr);
  const python = (await runPython(`
import warnings
warnings.simplefilter('ignore')
from ipyparallel.controller.sqlitedb import SQLiteDB
SQLiteDB._check_table = lambda self: True
db = SQLiteDB(location=INPUT['dir'], filename='seven.db', table='ipython-tasks')
recs = db.find_records({'msg_id': {'$ne': None}})
emit(sorted(set(k for r in recs for k in r if k not in ('buffers', 'result_buffers'))))
`, { dir: tmp.dir })) as string[];
  const ours = keysOf(run.stdout);
  assert.equal(ours.length, 1);
  assert.deepEqual(ours[0]!.split(' ').sort(), python);
  assert.ok(!python.includes('label'));
  const asked = await runIpc(['--sqlitedb', fixture, '--format', 'jsonl', '-c', "db_query({}, keys=['msg_id', 'label'])"], { env });
  assert.deepEqual(keysOf(asked.stdout), ['msg_id label'], 'asked for, label is None');
});

test('a 9.1 table keeps label; a DictDB loaded from a 7.x dump has none, and from a 9.1 dump has it', async () => {
  const path = join(tmp.dir, 'nine.db');
  const store = await openSQLiteStore({ path, write: true, create: true, label: true });
  await store.addRecords(generateDemoRecords({ count: 20, seed: 5, anchor: DEMO_ANCHOR }).map((r, i) => ({ ...r, label: i % 2 ? 'fit' : null })));
  await store.close();
  const nine = await runIpc(['--sqlitedb', path, '--format', 'jsonl', '-c', 'db_query({})'], { env });
  assert.equal(nine.code, 0, nine.stderr);
  assert.ok(keysOf(nine.stdout)[0]!.split(' ').includes('label'));

  for (const [db, withLabel] of [[FIXTURE_DB, false], [path, true]] as const) {
    const dump = await runIpc(['--sqlitedb', db, '--format', 'jsonl', '-c', 'db_query({})'], { env });
    const file = join(tmp.dir, `dump-${withLabel}.jsonl`);
    writeFileSync(file, dump.stdout);
    const loaded = await runIpc(['--dictdb', '--load', file, '--format', 'jsonl', '-c', 'db_query({})'], { env });
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.equal(keysOf(loaded.stdout)[0]!.split(' ').includes('label'), withLabel, file);
  }
});

test('the demo store has the 7.x form: no label key', async () => {
  const run = await runIpc(['--demo', '--format', 'jsonl', '-c', 'db_query({})'], { env });
  assert.equal(keysOf(run.stdout).length, 1);
  assert.ok(!keysOf(run.stdout)[0]!.split(' ').includes('label'));
});
