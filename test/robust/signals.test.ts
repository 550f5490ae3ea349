/**
 * Signals in a real terminal (tmux): Ctrl-C during a CPU-bound statement
 * gives KeyboardInterrupt and the next prompt, and the session goes on;
 * SIGTERM and SIGHUP end the shell whatever it is doing, and the terminal is
 * back in cooked mode afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IPC } from '../cli/helpers.js';
import { Terminal } from '../ui/support/tmux.js';
import { writeBigTasksDb } from './support/big-db.js';

let home: string;
let big: string;
/** Rows of the generated tasks.db: reading them all takes seconds. */
const ROWS = 300_000;
before(async () => {
  home = mkdtempSync(join(tmpdir(), 'ipc-signals-'));
  big = join(home, 'big.db');
  await writeBigTasksDb(big, ROWS);
});
after(() => {
  try {
    rmSync(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
  } catch {
    // a shell the tests suspended and hung up on may still be writing its history as it ends: a temporary folder left is no failure
  }
});

const SPIN = 'len([sum([y for y in range(10000)]) for x in range(10000)])';

/** ipc in tmux; when it ends, the shell records the terminal's mode (stty) in a file. */
function session(): { t: Terminal; stty: string } {
  const stty = join(home, `stty-${Math.random().toString(36).slice(2)}`);
  const t = new Terminal(`sh -c 'node ${IPC} --demo; stty -a > ${stty}; sleep 60'`, { cwd: home, env: { HOME: home, NO_COLOR: '1' } });
  return { t, stty };
}

/** The pid of ipc itself: the child of the pane's shell. */
function ipcPid(t: Terminal): number {
  const shell = execFileSync('tmux', ['-L', t.socket, 'display-message', '-p', '#{pane_pid}'], { encoding: 'utf8' }).trim();
  return Number(execFileSync('ps', ['-o', 'pid=', '--ppid', shell], { encoding: 'utf8' }).trim().split('\n')[0]);
}

async function cooked(stty: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const text = readFileSync(stty, 'utf8');
      if (text) return text;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the shell after ipc never ran stty');
}

/** Runs `statement` at In [1], presses Ctrl-C after `afterMs`: KeyboardInterrupt and In [2] within a second, and the session goes on. */
async function ctrlCGivesThePromptBack(t: Terminal, statement: string, afterMs: number, timeoutMs: number): Promise<void> {
  t.type(statement);
  t.send('Enter');
  await new Promise((r) => setTimeout(r, afterMs));
  const sent = performance.now();
  t.send('C-c');
  await t.waitFor((s) => s.includes('KeyboardInterrupt') && s.includes('In [2]:'), 'KeyboardInterrupt and In [2]:', { timeoutMs });
  const ms = performance.now() - sent;
  assert.ok(ms < 1000, `the prompt came back ${ms.toFixed(0)} ms after Ctrl-C`);
  t.type('6 * 7');
  t.send('Enter');
  await t.waitFor((s) => /Out\[2\]: 42/.test(s), 'the next statement');
}

test('Ctrl-C during a CPU-bound statement: KeyboardInterrupt, the next prompt, and the session goes on', async () => {
  const { t } = session();
  try {
    await t.waitFor((s) => s.includes('In [1]:'), 'the first prompt');
    // The screen is polled every 50 ms through tmux: the bound here is loose, the 100 ms one is in limits.test.
    await ctrlCGivesThePromptBack(t, SPIN, 1000, 5000);
  } finally {
    t.close();
  }
});

test('kill -INT does what Ctrl-C does', async () => {
  const { t } = session();
  try {
    await t.waitFor((s) => s.includes('In [1]:'), 'the first prompt');
    t.type(SPIN);
    t.send('Enter');
    await new Promise((r) => setTimeout(r, 800));
    process.kill(ipcPid(t), 'SIGINT');
    await t.waitFor((s) => s.includes('KeyboardInterrupt') && s.includes('In [2]:'), 'KeyboardInterrupt and In [2]:', { timeoutMs: 5000 });
  } finally {
    t.close();
  }
});

for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
  test(`${sig} ends the shell during a CPU-bound statement and leaves the terminal in cooked mode`, async () => {
    const { t, stty } = session();
    try {
      await t.waitFor((s) => s.includes('In [1]:'), 'the first prompt');
      t.type(SPIN);
      t.send('Enter');
      await new Promise((r) => setTimeout(r, 800));
      process.kill(ipcPid(t), sig);
      const mode = await cooked(stty);
      assert.match(mode, /(^|\s)icanon(\s|$)/, 'canonical input is on again');
      assert.match(mode, /(^|\s)echo(\s|$)/, 'echo is on again');
    } finally {
      t.close();
    }
  });
}

/** A query SQL cannot answer: every row is read and tested. */
const LONG_READ = "x = db_query({'stdout': {'$regex': 'no such line'}})";

test('script mode: SIGINT during a long read of a large tasks.db stops it, exit status 130, and the next statement does not run', async () => {
  const script = join(home, 'long-read.ipc');
  writeFileSync(script, `print('started')\n${LONG_READ}\nprint('next ran')\n`);
  const child = spawn(process.execPath, [IPC, '--sqlitedb', big, script], { cwd: home, env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
    if (stdout.includes('started')) resolve();
  }));
  // well inside the read, which takes several seconds
  await new Promise((r) => setTimeout(r, 700));
  const sent = performance.now();
  child.kill('SIGINT');
  const code = await exited;
  const ms = performance.now() - sent;
  assert.equal(code, 130, stderr);
  assert.match(stderr, /^line 2: Interrupted: the statement was interrupted \(Ctrl-C\)$/m);
  assert.doesNotMatch(stdout, /next ran/);
  // the statement stops within 100 ms; the rest is the process closing the store and exiting
  assert.ok(ms < 1000, `exited ${ms.toFixed(0)} ms after SIGINT`);
});

test('Ctrl-C at the prompt during a long read of a large tasks.db: KeyboardInterrupt at once, and the session goes on', async () => {
  const t = new Terminal(`node ${IPC} --sqlitedb ${big}`, { cwd: home, env: { HOME: home, NO_COLOR: '1' } });
  try {
    await t.waitFor((s) => s.includes('In [1]:'), 'the first prompt', { timeoutMs: 20_000 });
    // tmux is polled every 50 ms: the bound is loose here, the read itself turns every 8 ms
    await ctrlCGivesThePromptBack(t, LONG_READ, 1500, 10_000);
  } finally {
    t.close();
  }
});

test('Ctrl-Z suspends the shell and fg resumes a working prompt', async () => {
  const t = new Terminal(`bash --norc -i`, { cwd: home, env: { HOME: home, NO_COLOR: '1', PS1: '$ ' } });
  try {
    t.type(`node ${IPC} --demo`);
    t.send('Enter');
    await t.waitFor((s) => s.includes('In [1]:'), 'the first prompt', { timeoutMs: 20_000 });
    t.send('C-z');
    await t.waitFor((s) => /Stopped/.test(s), 'the job stopped');
    t.type('fg');
    t.send('Enter');
    await new Promise((r) => setTimeout(r, 500));
    t.type('6 * 7');
    t.send('Enter');
    await t.waitFor((s) => /Out\[1\]: 42/.test(s), 'a working statement after fg', { timeoutMs: 5000 });
  } finally {
    t.close();
  }
});
