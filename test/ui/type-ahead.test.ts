/**
 * The edges of a session in a real terminal (tmux, a shell in it): lines
 * typed while ipc starts run one by one, each as its own input; after
 * Ctrl-D the shell's prompt starts a line of its own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { Terminal } from './support/tmux.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');

test('lines typed before the banner are inputs of their own; after Ctrl-D the shell prompt is not glued to In [n]:', async () => {
  const home = mkdtempSync(join(tmpdir(), 'ipc-type-ahead-'));
  const t = new Terminal("env PS1='SHELL> ' sh", { cwd: home, env: { HOME: home, NO_COLOR: '1', ENV: undefined }, columns: 100, rows: 24 });
  try {
    await t.waitFor((s) => s.includes('SHELL>'), 'the shell');
    t.type(`node ${bin} --demo`);
    t.send('Enter');
    // typed at once, long before node has started and put the terminal in raw mode
    t.type('6 * 7');
    t.send('Enter');
    t.type("'a' + 'b'");
    t.send('Enter');
    const s = await t.waitFor((s) => s.includes('In [3]:'), 'both lines run', { timeoutMs: 30_000 });
    assert.match(s, /In \[1\]: 6 \* 7\nOut\[1\]: 42\n/);
    assert.match(s, /In \[2\]: 'a' \+ 'b'\nOut\[2\]: 'ab'\n/);
    t.send('C-d');
    const after = await t.waitFor((s) => s.lastIndexOf('SHELL>') > s.indexOf('In [3]:'), 'the shell again');
    assert.match(after, /^In \[3\]: *\n\n?SHELL> *$/m, `the prompt on a line of its own:\n${after}`);
  } finally {
    t.close();
    rmSync(home, { recursive: true, force: true });
  }
});
