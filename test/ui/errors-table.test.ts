import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { Terminal } from './support/tmux.js';

// %errors in the real terminal, on the 9.x fixture: the table opens in the
// viewer, Enter shows the selected signature's sample traceback, `a` lists
// every task of the signature, q goes back at each step.
const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const dir = mkdtempSync(join(tmpdir(), 'ipc-errors-ui-'));
const db = join(dir, 'ipp9-labels.db');
copyFileSync(join(root, 'test', 'fixtures', 'ipp9-labels.db'), db);

after(() => rmSync(dir, { recursive: true, force: true }));

test('%errors: a table of signatures; Enter opens the sample traceback, a lists the tasks, q goes back; %timeline --rows label', async () => {
  const t = new Terminal(`node ${bin} --sqlitedb ${db}`, { cwd: dir, env: { HOME: dir }, columns: 160, rows: 30 });
  try {
    await t.waitFor((s) => s.includes('In [1]:'), 'the prompt');
    t.type('%errors');
    t.send('Enter');
    let s = await t.waitFor((x) => /row 1 of 2/.test(x), 'the errors viewer');
    assert.match(s, /ValueError\s+cannot parse <str> at position <n>/);
    assert.match(s, /NameError\s+name <str> is not defined/);
    assert.match(s, /Enter the sample's traceback · a every task of it/);
    t.send('Enter');
    s = await t.waitFor((x) => x.includes('Traceback'), 'the sample traceback');
    assert.match(s, /ValueError: cannot parse 'c!d' at position 1/);
    t.type('q');
    await t.waitFor((x) => /row 1 of 2/.test(x), 'back in the errors table');
    t.send('Down');
    t.type('a');
    s = await t.waitFor((x) => /row 1 of 3 ·/.test(x) && x.includes('msg_id'), 'the three NameError tasks');
    assert.deepEqual([...new Set(s.match(/_2786_7[789]\b/g))].sort(), ['_2786_77', '_2786_78', '_2786_79']);
    t.type('q');
    s = await t.waitFor((x) => /row 2 of 2/.test(x), 'back in the errors table, the row kept');
    t.type('q');
    s = await t.waitFor((x) => x.includes('In [2]:'), 'the prompt again');
    assert.match(s, /6 failures among 104 tasks|ValueError/);
    // the timeline with a row per label
    t.type('%timeline --rows label');
    t.send('Enter');
    s = await t.waitFor((x) => /104 tasks on 5 rows/.test(x), 'the timeline by label');
    for (const label of ['numpy', 'parse', 'train/batch-1', 'train/batch-2', '(no label)']) assert.ok(s.includes(label), label);
    t.type('q');
    await t.waitFor((x) => x.includes('In [3]:'), 'the prompt after the timeline');
  } finally {
    t.close();
  }
});
