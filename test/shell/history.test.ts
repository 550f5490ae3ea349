/**
 * %history and %save number inputs by this session's In [n], as IPython
 * does; %history -g searches the inputs of every session in the history file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Text } from '../../src/records/index.js';
import { createShell } from '../../src/shell/index.js';
import { demoShell } from './helpers.js';

test('%history numbers this session\'s inputs by In [n], whatever other sessions wrote to the history file', async () => {
  const { shell } = await demoShell({ count: 5 });
  const file = ['y = 1', "len(db_query({'completed': None}))", 'x = 2'];
  shell.terminal = { history: () => file, ask: async () => false };
  const inputs = ['x = 41', 'x + 1', "db_query({}, keys='msg_id')[:1]"];
  for (const [i, source] of inputs.entries()) await shell.execute(source, { promptNumber: i + 1 });
  const [h] = await shell.execute('%history', { promptNumber: 4 });
  assert.equal((h!.value as Text).text, '    1  x = 41\n    2  x + 1\n    3  db_query({}, keys=\'msg_id\')[:1]');
  const [last] = await shell.execute('%history 1', { promptNumber: 5 });
  assert.equal((last!.value as Text).text, '    4  %history');
  const [g] = await shell.execute('%history -g x =', { promptNumber: 6 });
  assert.equal((g!.value as Text).text, '    ~3  x = 2');
  const dir = mkdtempSync(join(tmpdir(), 'ipc-save-'));
  try {
    const [saved] = await shell.execute(`%save ${join(dir, 'q.ipc')} 1-2`, { promptNumber: 7 });
    assert.match((saved!.value as Text).text, /wrote 2 inputs/);
    assert.equal(readFileSync(join(dir, 'q.ipc'), 'utf8'), 'x = 41\nx + 1\n');
    const [again] = await shell.execute(`%save ${join(dir, 'q.ipc')}`, { promptNumber: 8 });
    assert.match(again!.error!.message, /exists; add --force/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('%q saves a named query in its own file, lists it, and runs it with $1, $2 replaced; Tab completes its name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipc-q-'));
  const file = join(dir, 'queries.json');
  try {
    const { shell, records } = await demoShell({ count: 30 });
    const named = createShell({ client: shell.client, queriesFile: file });
    const [saved] = await named.execute("%q by_status = len(db_query({'completed': {'$ne': None}, 'queue': $1})) + $2");
    assert.equal(saved!.error, undefined);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { by_status: "len(db_query({'completed': {'$ne': None}, 'queue': $1})) + $2" });
    const want = records.filter((r) => r['completed'] !== null && r['queue'] === 'task').length;
    const [ran] = await named.execute("%q by_status 'task' 1000");
    assert.equal(ran!.value, want + 1000);
    // another session reads the same file
    const other = createShell({ client: shell.client, queriesFile: file });
    assert.match(((await other.execute('%q'))[0]!.value as Text).text, /^by_status = len\(db_query/);
    assert.deepEqual((await other.complete('%q by', 5)).candidates, ['by_status']);
    assert.match((await other.execute("%q by_status 'task'"))[0]!.error!.message, /takes 2 arguments/);
    assert.match((await other.execute('%q nope'))[0]!.error!.message, /no query named 'nope'; the named queries are by_status/);
    assert.equal((await other.execute('%q broken = db_query({'))[0]!.error!.kind, 'ParseError');
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8'))), ['by_status'], 'a broken statement is not saved');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
