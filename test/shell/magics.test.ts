/**
 * The magics the shell owns, on the tasks.db a real ipyparallel 7.1
 * controller wrote (msg_ids `<session>_<pid>_<n>`): one id resolver for
 * every magic, one record view, and executions that keep apart.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreClient } from '../../src/client/index.js';
import { RecordView, renderValue } from '../../src/format/index.js';
import { Text } from '../../src/records/index.js';
import { createShell, terminalRequest, type Shell } from '../../src/shell/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { one, value } from './helpers.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
let dir: string;
let shell: Shell;
let rows: { msg_id: string; stdout: string | null; error: string | null }[];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipc-magics-'));
  const db = join(dir, 'tasks.db');
  copyFileSync(join(root, 'test', 'fixtures', 'tasks.db'), db);
  const sqlite = new Database(db, { readonly: true });
  rows = sqlite.prepare('SELECT msg_id, stdout, error FROM "ipython-tasks" ORDER BY submitted, msg_id').all() as typeof rows;
  sqlite.close();
  const client = await StoreClient.open(await openSQLiteStore({ path: db }));
  shell = createShell({ client });
});

after(async () => {
  await shell.client.close();
  rmSync(dir, { recursive: true, force: true });
});

const failed = () => rows.find((r) => r.error !== null)!;

test('%show of a whole 7.x msg_id answers the record view; script mode prints its sections as text', async () => {
  const id = failed().msg_id;
  const view = await value(shell, `%show ${id}`);
  assert.ok(view instanceof RecordView);
  assert.equal(view.record['msg_id'], id);
  const text = renderValue(view, 'table');
  const { ename, evalue } = JSON.parse(failed().error!) as { ename: string; evalue: string };
  assert.match(text, new RegExp(`^Task ${id} {2}error\\n`));
  assert.equal(text.split(`error ${ename}: ${evalue}`).length - 1, 1, 'the error once');
  assert.ok(!text.includes('\x1b') && !text.includes('\\x1b'), 'no colour codes, raw or escaped');
  assert.match(text, /engine_uuid +[0-9a-f-]+ {2}\(engine \d+\)/, 'the engine id beside its uuid');
});

test('an id may be a unique prefix, a unique suffix such as _14, or an expression giving a record or a msg_id', async () => {
  const target = failed().msg_id;
  const suffix = /_\d+$/.exec(target)![0];
  assert.equal(rows.filter((r) => r.msg_id.endsWith(suffix)).length, 1);
  const idOf = async (arg: string) => ((await value(shell, `%show ${arg}`)) as RecordView).record['msg_id'];
  assert.equal(await idOf(suffix), target, 'a suffix');
  await shell.execute("errs = db_query({'error': {'$ne': None}}, 'msg_id')");
  assert.equal(await idOf(`[e for e in errs if e['msg_id'] == '${target}'][0]`), target, 'an expression giving a record');
  assert.equal(await idOf(`errs[0]['msg_id']`), rows.find((r) => r.error !== null)!.msg_id, 'an expression giving a msg_id');
  const other = rows.find((r) => r.msg_id !== target && r.msg_id.split('_')[0] !== target.split('_')[0]);
  if (other) assert.equal(await idOf(other.msg_id.slice(0, 12)), other.msg_id, 'a unique prefix');
  const ambiguous = await one(shell, `%show ${target.split('_')[0]}`);
  assert.equal(ambiguous.error?.kind, 'KeyError');
  assert.match(ambiguous.error!.message, /records have a msg_id starting/);
});

test('%stdout and %tb resolve ids the same way as %show', async () => {
  const talker = rows.find((r) => r.stdout)!;
  const suffix = /_\d+_\d+$/.exec(talker.msg_id)![0];
  assert.equal(String(await value(shell, `%stdout ${suffix}`)), talker.stdout);
  const tb = await value(shell, `%tb ${failed().msg_id}`);
  assert.ok(tb instanceof Text && tb.text.includes('Traceback'));
});

test('a suffix that ends several ids seen in this session is an error that says so', async () => {
  await shell.execute("everything = db_query({}, 'msg_id')");
  const outcome = await one(shell, '%show _1');
  const ending = rows.filter((r) => r.msg_id.endsWith('_1'));
  if (ending.length > 1) assert.match(outcome.error!.message, /end with '_1'/);
  else assert.equal((outcome.value as RecordView).record['msg_id'], ending[0]!.msg_id);
});

test('a mistyped magic suggests the one meant, a swap of two letters included: %shwo is %show', async () => {
  for (const [typed, meant] of [['shwo', '%show'], ['stdot', '%stdout'], ['tbb', '%tb'], ['hlep', '%help']]) {
    const e = (await one(shell, `%${typed} _1`)).error;
    assert.equal(e?.kind, 'NameError');
    assert.match(e!.message, new RegExp(`^unknown magic %${typed} \\(did you mean '${meant}'\\?\\); the magics are %stdout`), e!.message);
  }
  assert.ok(!(await one(shell, '%zzzz')).error!.message.includes('did you mean'));
});

test('%watch is a request the terminal carries out; without a terminal it is an error', async () => {
  assert.equal((await one(shell, '%watch len(db_query({})) 3')).error?.kind, 'NameError');
  shell.terminal = { history: () => ['x = 1', '%history'], ask: async () => false };
  try {
    const w = terminalRequest(await value(shell, "%watch db_query({'completed': None}) 3"));
    assert.ok(w?.kind === 'watch');
    assert.deepEqual([w.statement, w.seconds], ["db_query({'completed': None})", 3]);
    // the history file holds every session's inputs: %history -g searches it
    assert.match(String(await value(shell, '%history -g x')), /^ +~1 {2}x = 1$/);
  } finally {
    shell.terminal = null;
  }
});

test('two executions at once keep their own printed output and their own Ctrl-C', async () => {
  const stop = new AbortController();
  const a = shell.execute("[print('a1'), len(db_query({})), print('a2')]");
  const b = shell.execute("[print('b1'), len(db_query({})), print('b2')]", { signal: stop.signal });
  stop.abort();
  const [[outA], [outB]] = await Promise.all([a, b]);
  assert.equal(outA!.printed, 'a1\na2\n', 'a prints into its own outcome');
  assert.equal(outA!.error, undefined, "b's Ctrl-C does not stop a");
  assert.equal(outB!.error?.kind, 'Interrupted');
  assert.ok(!outB!.printed?.includes('a'), 'nothing of a in b');
});

test('in script mode print() goes straight out, and %time still reports its wall time in the outcome', async () => {
  const out: string[] = [];
  const script = createShell({ client: shell.client, print: (t) => out.push(t) });
  const [timed] = await script.execute("%time [print('now'), len(db_query({}))][1]");
  assert.equal(timed!.value, rows.length);
  assert.match(timed!.printed ?? '', /^Wall time: /);
  assert.deepEqual(out, ['now\n']);
});
