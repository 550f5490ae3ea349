/**
 * ipc typed at a terminal with its stdout piped (`ipc | cat`): the shell
 * cannot draw its interface, so it says it runs in script mode and reads
 * statements from the keyboard. In a real terminal (tmux).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Terminal } from '../ui/support/tmux.js';
import { IPC, isolatedEnv, runIpc } from './helpers.js';

let home: string;
before(() => {
  home = mkdtempSync(join(tmpdir(), 'ipc-notice-'));
});
after(() => rmSync(home, { recursive: true, force: true }));

test('stdin a terminal, stdout piped: ipc says it runs in script mode, then runs what is typed', async () => {
  const out = join(home, 'out.txt');
  const t = new Terminal(`node ${IPC} --demo > ${out}`, { cwd: home, env: { HOME: home } });
  try {
    await t.waitFor((s) => s.includes('runs in script mode'), 'the notice');
    t.type('len(db_query({}))');
    t.send('Enter');
    t.send('C-d');
    await t.waitFor(() => t.dead(), 'ipc to end');
    assert.equal(readFileSync(out, 'utf8'), '241\n');
  } finally {
    t.close();
  }
});

test('with -c, or stdin piped too, there is no notice', async () => {
  const out = join(home, 'c.txt');
  const err = join(home, 'c.err');
  const t = new Terminal(`node ${IPC} --demo -c 'len(db_query({}))' > ${out} 2> ${err}; echo done; sleep 10`, { cwd: home, env: { HOME: home } });
  try {
    await t.waitFor((s) => s.includes('done'), 'ipc to end');
    assert.equal(readFileSync(err, 'utf8'), '');
    assert.equal(readFileSync(out, 'utf8'), '241\n');
  } finally {
    t.close();
  }
  const piped = await runIpc(['--demo'], { input: 'len(db_query({}))\n', env: isolatedEnv(home) });
  assert.equal(piped.stderr, '');
  assert.equal(piped.stdout, '241\n');
});
