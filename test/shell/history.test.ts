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
import { demoShell } from './helpers.js';

test('%history numbers this session\'s inputs by In [n], whatever other sessions wrote to the history file', async () => {
  const { shell } = await demoShell({ count: 5 });
  const file = ['y = 1', "len(db_query({'completed': None}))", 'x = 2'];
  shell.terminal = { history: () => file };
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
