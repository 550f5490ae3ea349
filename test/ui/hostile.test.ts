/**
 * Nothing a task controls reaches the terminal as control. A real terminal
 * (tmux, with `set-clipboard on`) shows every view of ipc on the records of
 * test/fixtures/hostile.db (make-hostile.py: real tasks on a real 7.1
 * controller that print, raise and return OSC 52, title changes, mouse and
 * alternate-screen modes, queries, OSC 8 links, C1 controls and bidi
 * overrides, with hostile msg_id, engine uuid and label): the clipboard
 * stays empty, the title unchanged, no mode is left on, and every byte ipc
 * sent is text or one of the few sequences ipc itself draws with.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Terminal } from './support/tmux.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
let home: string;
let db: string;
let ids: string[];

before(() => {
  home = mkdtempSync(join(tmpdir(), 'ipc-hostile-'));
  db = join(home, 'tasks.db');
  copyFileSync(join(root, 'test', 'fixtures', 'hostile.db'), db);
  const sqlite = new Database(db, { readonly: true });
  ids = (sqlite.prepare(`SELECT msg_id FROM "ipython-tasks" ORDER BY submitted, msg_id`).all() as { msg_id: string }[]).map((r) => r.msg_id);
  sqlite.close();
  assert.ok(ids.some((id) => id.includes('\x1b]52;')), 'the fixture has a hostile msg_id');
});

after(() => rmSync(home, { recursive: true, force: true }));

/**
 * The sequences ipc and Ink draw with: SGR colour, cursor moves and erases,
 * the cursor shown or hidden, bracketed paste, synchronized output (Ink's
 * frames) and the alternate screen of
 * ipc's own viewers. Anything else in what ipc sent came from a task.
 */
const OWN = /^\x1b\[(?:[0-9;]*[mABCDGHJK]|\?(?:25|2004|1049|2026)[hl])$/;

/** Every escape sequence, C0/C1 control (but CRLF and LF) and bidi control in the bytes, that ipc does not draw with itself. */
function foreign(bytes: string): string[] {
  const bad: string[] = [];
  const re = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\s\S]?|\r(?!\n)|[\x00-\x09\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  for (const m of bytes.matchAll(re)) if (!OWN.test(m[0])) bad.push(m[0]);
  return bad;
}

const prompt = (n: number) => (s: string) => s.includes(`In [${n}]:`);

/** A terminal that starts `command` only once the clipboard is on and the pane's output is recorded. */
function terminal(command: string, sent: string): { t: Terminal; title: string } {
  const t = new Terminal(`sh -c 'read go; ${command}'`, { cwd: home, env: { HOME: home, NO_COLOR: undefined }, columns: 100, rows: 30 });
  t.command('set-option', '-g', 'set-clipboard', 'on');
  t.command('set-option', '-g', 'allow-rename', 'on');
  writeFileSync(sent, '');
  t.command('pipe-pane', '-o', `cat >> ${sent}`);
  const title = t.query('#{pane_title}');
  t.send('Enter');
  return { t, title };
}

function assertUntouched(t: Terminal, title: string, sent: string): void {
  assert.equal(t.buffers(), '', 'no paste buffer: nothing reached the clipboard');
  assert.equal(t.query('#{pane_title}'), title, 'the title is unchanged');
  assert.equal(t.query('#{mouse_any_flag}'), '0', 'mouse reporting is off');
  assert.equal(t.query('#{alternate_on}'), '0', 'the alternate screen is off');
  const bytes = readFileSync(sent, 'utf8');
  assert.ok(bytes.length > 1000, 'the output was recorded');
  assert.deepEqual([...new Set(foreign(bytes))].map((s) => JSON.stringify(s)), [], 'only ipc’s own sequences were sent');
}

test('every view of the interactive shell on hostile records sends nothing a task chose as control', async () => {
  const sent = join(home, 'interactive.bytes');
  const { t, title } = terminal(`node ${bin} --sqlitedb ${db}`, sent);
  try {
    let n = 1;
    const run = async (statement: string, then: (() => Promise<void>) | null = null) => {
      await t.waitFor(prompt(n), `prompt ${n}`);
      t.type(statement);
      t.send('Enter');
      if (then) await then();
      n++;
    };
    const viewer = (what: string) => t.waitFor(() => t.query('#{alternate_on}') === '1', what);
    const paged = () => t.query('#{alternate_on}') === '1';
    /** The answer is in: a viewer or pager is open (true), or the next prompt is shown (false). */
    const answered = async () => {
      await t.waitFor((s) => paged() || s.includes(`In [${n + 1}]:`), `the answer to In [${n}]`, { timeoutMs: 20_000 });
      return paged();
    };
    const keys = async (...k: string[]) => {
      for (const key of k) {
        t.send(key);
        await new Promise((r) => setTimeout(r, 60));
      }
    };
    // the table viewer: scroll, search, open the record view, search in it, back
    await run('db_query({})', async () => {
      await viewer('the table viewer');
      await keys('Down', 'Right', 'Right', 'Left', '/');
      t.type('PWNED');
      await keys('Enter', 'n', 'Home', 'Enter');
      // a msg_id hundreds of columns long, escaped, gives way in the middle of the status line
      await t.waitFor((s) => /Task\s/.test(s) && /hostile\\x1b.*….*_1 · lines 1–\d+ of \d+/.test(s), 'the record view with its place in view');
      await keys('PageDown', 'End', 'Home', '/');
      t.type('RED');
      await keys('Enter', 'n', 'q', 'End', 'q');
    });
    const screen = await t.waitFor(prompt(2), 'back at the prompt', { all: true });
    assert.ok(screen.includes('\\x1b]52;c;UFdORUQ=\\x07'), `the hostile msg_id is shown escaped:\n${screen}`);
    // every record view, the streams and the traceback; long ones open the pager
    for (const id of ['_1', '_2', '_3', '_4']) {
      await run(`%show ${id}`, async () => {
        if (await answered()) await keys('PageDown', 'End', 'q');
      });
    }
    await run('%stdout _2');
    await run('%stderr _3');
    await run('%tb _3');
    await run(`rc.get_result(${JSON.stringify(ids.find((id) => id.endsWith('_3')))}).get()`);
    await run('db_query({}, keys=["label", "engine_uuid", "stdout"])', async () => {
      if (await answered()) await keys('End', 'q');
    });
    await run('%help', async () => {
      await viewer('the pager');
      await keys('PageDown', 'End', 'q');
    });
    await run('%timeline', async () => {
      await viewer('the timeline');
      await keys('Down', 'n', 'Right', '+', 'Enter');
      await t.waitFor((s) => s.includes('Task '), 'the record view from the timeline');
      await keys('End', 'q', 'q');
    });
    // completion lists ids as they are written in the store
    await t.waitFor(prompt(n), `prompt ${n}`);
    t.type('%show hos');
    await keys('Tab', 'Tab', 'C-u');
    t.type('exit');
    t.send('Enter');
    await t.waitFor(() => t.dead(), 'ipc to end');
    assertUntouched(t, title, sent);
  } finally {
    t.close();
  }
});

test('script mode on a terminal, and stderr, send nothing a task chose as control', async () => {
  const sent = join(home, 'script.bytes');
  const script = join(home, 'script.ipc');
  const failing = ids.find((id) => id.endsWith('_3'))!;
  writeFileSync(script, ['%show _1', '%show _2', '%show _3', 'db_query({})', `rc.get_result(${JSON.stringify(failing)}).get()`, "db_query({'nope': 1})"].join('\n') + '\n');
  const { t, title } = terminal(`node ${bin} --sqlitedb ${db} ${script}; node ${bin} --sqlitedb ${db} --format csv -c "db_query({})"; echo DONE`, sent);
  try {
    const screen = await t.waitFor((s) => s.includes('DONE'), 'the scripts to end', { all: true, timeoutMs: 30_000 });
    assert.match(screen, /RemoteError/, 'the remote error was written to stderr');
    assert.ok(screen.includes('\\x1b]0;PWNED-TITLE\\x07'), 'shown escaped');
    assertUntouched(t, title, sent);
  } finally {
    t.close();
  }
});
