/**
 * The interactive shell in a real terminal (tmux) on a tasks.db written by a
 * real ipyparallel 7.1 controller (test/fixtures/make-fixture.py): msg_ids
 * of the form `<session>_<pid>_<n>`, 7.x engine ids. What the file holds is
 * read from the file itself, with SQLite, not from ipc.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Terminal } from './support/tmux.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const TABLE = 'ipython-tasks';
let home: string;
let db: string;
let rows: { msg_id: string; error: string | null }[];

before(() => {
  home = mkdtempSync(join(tmpdir(), 'ipc-real-'));
  db = join(home, 'tasks.db');
  copyFileSync(join(root, 'test', 'fixtures', 'tasks.db'), db);
  const sqlite = new Database(db, { readonly: true });
  rows = sqlite.prepare(`SELECT msg_id, error FROM "${TABLE}" ORDER BY submitted, msg_id`).all() as typeof rows;
  sqlite.close();
  assert.ok(rows.length > 10 && rows.every((r) => /^[0-9a-f]{8}-[0-9a-f]{24}_\d+_\d+$/.test(r.msg_id)), 'the fixture has 7.x msg_ids');
});

after(() => rmSync(home, { recursive: true, force: true }));

function ipc(options: { rows?: number; columns?: number } = {}): Terminal {
  return new Terminal(`node ${bin} --sqlitedb ${db} --table ${TABLE}`, { cwd: home, env: { HOME: home, NO_COLOR: '1' }, ...options });
}

const prompt = (n: number) => (s: string) => s.includes(`In [${n}]:`);

test('a table at 120 columns shows every row’s whole msg_id', async () => {
  const t = ipc({ columns: 120, rows: rows.length + 12 });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type("rc.db_query({}, ['msg_id', 'engine_uuid', 'completed'])");
    t.send('Enter');
    const s = await t.waitFor(prompt(2), 'the answer');
    for (const r of rows) assert.ok(s.includes(r.msg_id), `${r.msg_id} is shown whole:\n${s}`);
    const session = rows[0]!.msg_id.split('_')[0]!;
    assert.ok(s.split('\n').filter((l) => l.startsWith(session)).every((l) => !l.includes('…')), 'no row is cut');
  } finally {
    t.close();
  }
});

test('a narrow terminal shortens a msg_id in the middle and keeps its _pid_n tail', async () => {
  const t = ipc({ columns: 30, rows: rows.length + 12 });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type("rc.db_query({}, 'msg_id')");
    t.send('Enter');
    const s = await t.waitFor((s) => /row 1 of \d+/.test(s) || prompt(2)(s), 'the answer');
    const tails = rows.map((r) => /_\d+_\d+$/.exec(r.msg_id)![0]);
    const shown = tails.filter((tail) => s.includes('…' + tail.slice(-8)) || s.includes(tail));
    assert.ok(shown.length >= Math.min(rows.length, 10), `the tails tell the rows apart:\n${s}`);
  } finally {
    t.close();
  }
});

test('%show opens the record view for a whole 7.x msg_id, a suffix such as _14, and an expression', async () => {
  const failed = rows.find((r) => r.error !== null)!;
  const { ename, evalue } = JSON.parse(failed.error!) as { ename: string; evalue: string };
  const suffix = /_\d+$/.exec(failed.msg_id)![0];
  const same = rows.filter((r) => r.msg_id.endsWith(suffix));
  assert.equal(same.length, 1, 'the suffix is unique in the table');
  const t = ipc({ columns: 120, rows: 200 });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    const views = [
      { input: `%show ${failed.msg_id}`, n: 1 },
      { input: `%show ${suffix}`, n: 2 },
      { input: "errs = rc.db_query({'error': {'$ne': None}}, 'msg_id')", n: 3 },
      { input: `%show [e for e in errs if e['msg_id'] == '${failed.msg_id}'][0]`, n: 4 },
    ];
    for (const v of views) {
      t.type(v.input);
      t.send('Enter');
      await t.waitFor(prompt(v.n + 1), `the answer to ${v.input}`, { all: true });
    }
    const s = t.all();
    const opened = s.split(`Task ${failed.msg_id}  error`).length - 1;
    assert.equal(opened, 3, `three record views of ${failed.msg_id}:\n${s}`);
    assert.equal(s.split(`error ${ename}: ${evalue}`).length - 1, 3, 'each has the error once');
    assert.ok(!s.includes('\\x1b'), 'no escaped colour codes');
  } finally {
    t.close();
  }
});

test('closing the viewer with q leaves the first screen of rows in the scrollback', async () => {
  const t = ipc({ columns: 120, rows: 12 });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type("rc.db_query({}, ['msg_id', 'completed'])");
    t.send('Enter');
    await t.waitFor((s) => new RegExp(`row 1 of ${rows.length}`).test(s), 'the viewer');
    t.send('q');
    await t.waitFor(prompt(2), 'the prompt');
    const s = t.all();
    assert.match(s, new RegExp(`Out\\[1\\]: ${rows.length} records × 2 keys`));
    assert.ok(s.includes(rows[0]!.msg_id) && s.includes(rows[4]!.msg_id), `the first rows stay:\n${s}`);
    assert.ok(!s.includes(rows[rows.length - 1]!.msg_id), 'only the first screen stays');
  } finally {
    t.close();
  }
});

test('at 80 columns the traceback header stays on one line; %help opens the pager; the %watch header is whole at 120', async () => {
  const failed = rows.find((r) => r.error !== null)!;
  const { ename } = JSON.parse(failed.error!) as { ename: string };
  const narrow = ipc({ columns: 80, rows: 120 });
  try {
    await narrow.waitFor(prompt(1), 'the first prompt');
    narrow.type(`%show ${failed.msg_id}`);
    narrow.send('Enter');
    const s = await narrow.waitFor(prompt(2), 'the record view');
    assert.match(s, new RegExp(`^${ename} +Traceback \\(most recent call last\\)$`, 'm'), s);
  } finally {
    narrow.close();
  }
  const t = ipc({ columns: 120, rows: 20 });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type('%help');
    t.send('Enter');
    await t.waitFor((s) => /output · lines 1–\d+ of \d+/.test(s), 'the pager');
    t.send('q');
    await t.waitFor(prompt(2), 'the prompt');
    const statement = "rc.db_query({'completed': {'$ne': None}, 'queue': 'task'}, ['msg_id', 'engine_uuid', 'completed', 'stdout'])";
    t.type(`%watch ${statement} 1`);
    t.send('Enter');
    const w = await t.waitFor((s) => s.includes('run 2'), 'two runs of the watch');
    assert.ok(w.includes(`Every 1s: ${statement}`), w);
    assert.ok(w.includes('Ctrl-C or q stops'), w);
    t.send('q');
    await t.waitFor(prompt(3), 'the prompt after the watch');
  } finally {
    t.close();
  }
});

test("an error column reads 'ename: evalue' on screen and in a script-mode table, never the escaped traceback", async () => {
  const failed = rows.filter((r) => r.error !== null);
  assert.ok(failed.length > 0);
  const summaries = failed.map((r) => {
    const { ename, evalue } = JSON.parse(r.error!) as { ename: string; evalue: string };
    return `${ename}: ${evalue}`;
  });
  const statement = "rc.db_query({'error': {'$ne': None}}, ['msg_id', 'error'])";
  const t = ipc({ columns: 160, rows: failed.length + 12 });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type(statement);
    t.send('Enter');
    const s = await t.waitFor(prompt(2), 'the answer');
    failed.forEach((r, i) => {
      const line = s.split('\n').find((l) => l.startsWith(r.msg_id));
      assert.ok(line?.includes(summaries[i]!), `${r.msg_id} shows ${summaries[i]}:\n${s}`);
    });
    assert.ok(!s.includes('\\x1b') && !s.includes("'traceback'"), `no traceback in the cells:\n${s}`);
  } finally {
    t.close();
  }
  const piped = spawnSync('node', [bin, '--sqlitedb', db, '--table', TABLE, '--format', 'table', '-c', statement], { cwd: home, env: { ...process.env, HOME: home }, encoding: 'utf8' });
  assert.equal(piped.status, 0, piped.stderr);
  failed.forEach((r, i) => assert.ok(piped.stdout.split('\n').some((l) => l.startsWith(r.msg_id) && l.includes(summaries[i]!)), piped.stdout));
  assert.ok(!piped.stdout.includes('\\x1b'), piped.stdout);
});

test('a wait on a pending task says how far it is and why it may never finish; Ctrl-C stops it', async () => {
  const sqlite = new Database(db, { readonly: true });
  const pending = (sqlite.prepare(`SELECT count(*) AS n FROM "${TABLE}" WHERE completed IS NULL`).get() as { n: number }).n;
  sqlite.close();
  assert.ok(pending > 1);
  const t = ipc({ columns: 160, rows: 40 });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type("rc.wait(db_query({'completed': None}, 'msg_id'))");
    t.send('Enter');
    // nobody holds the copied file open: no controller writes it
    const s = await t.waitFor((x) => x.includes('pending tasks will not finish there'), 'the wait status');
    assert.match(s, new RegExp(`… waiting for ${pending} tasks, 0 done \\(Ctrl-C stops waiting\\)\\n  no process on this machine has tasks\\.db open`));
    t.send('C-c');
    const after = await t.waitFor(prompt(2), 'the prompt after Ctrl-C');
    assert.match(after, /KeyboardInterrupt\nIn \[2\]:/);
    assert.ok(!after.includes('waiting for'), `the status is gone:\n${after}`);
  } finally {
    t.close();
  }
});
