/**
 * One bad record costs only itself: a hostile copy of payloads.db (made with
 * Python's sqlite3 and pickle) holds a dict column that is not JSON, a blob
 * in a dict column, a dict column nested 1500 deep, a function pickle that
 * cannot be decoded, a result nested past the pickle budget and outer
 * result_buffers that are not a pickle. Every path that reads them answers:
 * the bad column is the <unreadable …> marker (None in JSON), every other
 * record and column is what the untouched fixture answers, analytics count
 * the bad function as (unreadable), script mode names a few bad records on
 * stderr and counts the rest, and .get() of an unreadable result raises one
 * sentence naming the task.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { havePython, runPython } from '../support/python.js';
import { ROOT, isolatedEnv, jsonLines, runIpc, tempDir, type IpcRun } from '../cli/helpers.js';
import { Terminal } from '../ui/support/tmux.js';

const tmp = tempDir('ipc-bad-records-');
after(tmp.remove);
const env = isolatedEnv(tmp.dir);
const ORIGINAL = join(ROOT, 'test', 'fixtures', 'payloads.db');
const HOSTILE = join(tmp.dir, 'hostile.db');
const skip = !havePython();

/** The spoiled records, by what was done to them, and the keys of the answer each loses. */
const SPOILED = {
  header: ['header'],
  blob: ['result_content'],
  function: ['function', 'args', 'kwargs'],
  deepResult: ['result'],
  outerResult: ['result'],
  deepMetadata: ['metadata'],
} as const;
type Spoil = keyof typeof SPOILED;
let ids: Record<Spoil, string>;

before(async () => {
  if (skip) return;
  ids = (await runPython(
    String.raw`
import pickle, shutil, sqlite3
src, dst = INPUT
shutil.copyfile(src, dst)
db = sqlite3.connect(dst)
T = '"ipython-tasks"'
rows = db.execute('SELECT msg_id, buffers, result_buffers FROM ' + T + ' ORDER BY submitted, msg_id').fetchall()
def put(col, value, i):
    db.execute('UPDATE ' + T + ' SET ' + col + ' = ? WHERE msg_id = ?', (value, rows[i][0]))
put('header', 'not json {', 1)
put('result_content', b'\xff\x00\x01', 2)
call = pickle.loads(rows[3][1]); call[0] = b'\x80\x04\x95garbage'
put('buffers', pickle.dumps(call, 2), 3)
deep = []
for _ in range(300): deep = [deep]
result = pickle.loads(rows[4][2]); result[0] = pickle.dumps(deep, 2)
put('result_buffers', pickle.dumps(result, 2), 4)
put('result_buffers', b'\x80\x02garbage', 5)
put('metadata', '{"a": ' * 1500 + '1' + '}' * 1500, 6)
db.commit()
emit(dict(zip(['header', 'blob', 'function', 'deepResult', 'outerResult', 'deepMetadata'], [rows[i][0] for i in range(1, 7)])))
`,
    [ORIGINAL, HOSTILE],
  )) as Record<Spoil, string>;
});

const run = (db: string, ...statements: string[]): Promise<IpcRun> =>
  runIpc(['--sqlitedb', db, ...statements.flatMap((s) => ['-c', s])], { env, timeoutMs: 60_000 });
const runJSON = (db: string, ...statements: string[]) => runIpc(['--sqlitedb', db, '--format', 'json', ...statements.flatMap((s) => ['-c', s])], { env, timeoutMs: 60_000 });

/** What each spoiled record's stderr line says, in reading order. */
function notes(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('ipc: '));
}

const KEYS = "keys=['header', 'metadata', 'result_content', 'function', 'args', 'kwargs', 'result', 'status', 'stdout']";

test('db_query as JSON, CSV and a table: the bad column is the marker, every other record and column as the fixture answers it', { skip }, async () => {
  const want = jsonLines((await runJSON(ORIGINAL, `db_query({}, ${KEYS})`)).stdout)[0] as Record<string, unknown>[];
  assert.equal(want.length, 58);
  for (const statement of [`db_query({}, ${KEYS})`, `x = db_query({}, ${KEYS})\nx`]) {
    const got = await runJSON(HOSTILE, statement);
    assert.equal(got.code, 0, got.stderr);
    const records = jsonLines(got.stdout)[0] as Record<string, unknown>[];
    assert.equal(records.length, 58);
    const lost = new Map(Object.entries(SPOILED).map(([spoil, keys]) => [ids[spoil as Spoil], keys as readonly string[]]));
    records.forEach((r, i) => {
      const gone = lost.get(String(r['msg_id'])) ?? [];
      for (const [k, v] of Object.entries(r)) {
        if (gone.includes(k)) assert.equal(v, null, `${r['msg_id']} ${k}`);
        else assert.deepEqual(v, want[i]![k], `${r['msg_id']} ${k}`);
      }
    });
    // one line per bad record for five of them, then a count of the rest
    const lines = notes(got.stderr);
    assert.equal(lines.length, 6, got.stderr);
    const named = new Set(lines.slice(0, 5).map((l) => Object.values(ids).find((id) => l.includes(id))));
    assert.equal(named.size, 5, 'five different records');
    assert.equal(lines[5], 'ipc: 1 more record has unreadable columns too, shown as <unreadable …> (None in JSON)');
    assert.ok(got.stderr.includes(`ipc: StoreError: the header of record ${ids.header} in table ipython-tasks of ${HOSTILE} holds text that is not JSON where ipyparallel writes a JSON dict; it is shown as <unreadable header>`));
  }
  const table = await run(HOSTILE, `db_query({}, keys=['header', 'result_content', 'function', 'result'])`);
  assert.equal(table.code, 0, table.stderr);
  assert.equal(table.stdout.trimEnd().split('\n').length, 60, 'a header line, a rule and 58 rows');
  assert.match(table.stdout, /<unreadable header: holds text that/);
  assert.match(table.stdout, /<unreadable result_content: holds a b/);
  assert.match(table.stdout, /<unreadable function: cannot be decod/);
  assert.match(table.stdout, /<unreadable result: (cannot be decod|its result_buffer)/);
  const csv = await runIpc(['--sqlitedb', HOSTILE, '--format', 'csv', '-c', "db_query({}, keys=['function', 'stdout'])"], { env });
  assert.equal(csv.code, 0, csv.stderr);
  const plain = await runIpc(['--sqlitedb', ORIGINAL, '--format', 'csv', '-c', "db_query({}, keys=['function', 'stdout'])"], { env });
  const original = plain.stdout.split('\n').map((l) => (l.startsWith(ids.function + ',') ? `${ids.function},,` : l));
  assert.deepEqual(csv.stdout.split('\n'), original, 'only the bad function is empty');
});

test('%stats, %stats by function and stats(): the bad function counts as (unreadable), every other number as on the fixture', { skip }, async () => {
  const statements = ['%stats', '%stats by status', '%stats by function', "stats(db_query({}, keys=['function', 'submitted', 'started', 'completed', 'engine_uuid', 'result_content', 'result_metadata']), by='function')"];
  const want = await runJSON(ORIGINAL, ...statements);
  const got = await runJSON(HOSTILE, ...statements);
  assert.equal(got.code, 0, got.stderr);
  const [engines, statuses, byFunction, fromStats] = jsonLines(got.stdout) as Record<string, unknown>[];
  const [wantEngines, wantStatuses, wantByFunction] = jsonLines(want.stdout) as Record<string, unknown>[];
  assert.deepEqual(engines, wantEngines, 'per engine, as on the fixture');
  assert.deepEqual(statuses, wantStatuses, 'per status, as on the fixture');
  assert.deepEqual(fromStats, byFunction, 'stats() gives what %stats prints');
  type Row = Record<string, unknown> & { function: string; count: number };
  const groups = (byFunction!['groups'] as Row[]);
  const wantGroups = (wantByFunction!['groups'] as Row[]);
  const unreadable = groups.find((g) => g.function === '(unreadable)');
  assert.equal(unreadable?.count, 1);
  const echo = (gs: Row[]) => gs.find((g) => g.function === 'echo')!.count;
  assert.equal(echo(groups), echo(wantGroups) - 1, 'the spoiled task was an echo');
  for (const g of wantGroups.filter((w) => w.function !== 'echo')) assert.deepEqual(groups.find((x) => x.function === g.function)?.count, g.count, g.function);
  assert.equal((byFunction!['total'] as Row).count, 58);
});

test('%timeline --trace and --svg write every task; the trace names the bad function (unreadable)', { skip }, async () => {
  const files = (tag: string) => [`%timeline --trace ${join(tmp.dir, tag + '.json')}`, `%timeline --svg ${join(tmp.dir, tag + '.svg')}`];
  assert.equal((await run(ORIGINAL, ...files('want'))).code, 0);
  const got = await run(HOSTILE, ...files('got'));
  assert.equal(got.code, 0, got.stderr);
  assert.match(got.stdout, /^wrote .*got\.json .*\nwrote .*got\.svg /);
  assert.equal(readFileSync(join(tmp.dir, 'got.svg'), 'utf8'), readFileSync(join(tmp.dir, 'want.svg'), 'utf8'));
  type Trace = { traceEvents: { ph: string; name: string; args: Record<string, unknown> }[]; otherData: { tasks: number } };
  const trace = JSON.parse(readFileSync(join(tmp.dir, 'got.json'), 'utf8')) as Trace;
  const wanted = JSON.parse(readFileSync(join(tmp.dir, 'want.json'), 'utf8')) as Trace;
  assert.equal(trace.otherData.tasks, 58);
  trace.traceEvents.forEach((e, i) => {
    if (e.ph === 'X' && e.args['msg_id'] === ids.function) {
      assert.equal(e.name, '(unreadable)');
      assert.equal(e.args['function'], '(unreadable)');
    } else assert.deepEqual(e, wanted.traceEvents[i]);
  });
});

test('.get() of an unreadable result raises one sentence naming the task; other results are as on the fixture', { skip }, async () => {
  const got = await run(HOSTILE, `rc.get_result('${ids.outerResult}').get()`, `rc.get_result('${ids.deepResult}').get()`, `rc.get_result('${ids.header}').get()`);
  const want = await run(ORIGINAL, `rc.get_result('${ids.header}').get()`);
  assert.equal(got.code, 1);
  assert.equal(got.stdout, want.stdout);
  const errors = got.stderr.split('\n').filter((l) => l.startsWith('line '));
  assert.deepEqual(errors, [
    `line 1: ValueError: cannot decode the result of task '${ids.outerResult}': its result_buffers cannot be read: the pickle is truncated`,
    `line 2: ValueError: cannot decode the result of task '${ids.deepResult}': the value exceeds the limit of 100 levels of nesting`,
  ]);
});

test('%timeline on the screen draws every task of the hostile file', { skip }, async () => {
  const t = new Terminal(`node ${join(ROOT, 'bin', 'ipc.js')} --sqlitedb ${HOSTILE}`, { cwd: tmp.dir, env: { HOME: tmp.dir }, columns: 100, rows: 24 });
  try {
    await t.waitFor((s) => s.includes('In [1]:'), 'the prompt');
    t.type('%timeline');
    t.send('Enter');
    const s = await t.waitFor((x) => /58 tasks on \d+ rows?/.test(x), 'the timeline');
    assert.match(s, /^engine 0 .*█/m);
    t.type('q');
    await t.waitFor((x) => x.includes('(timeline of 58 tasks closed)') && x.includes('In [2]:'), 'the prompt again');
  } finally {
    t.close();
  }
});

test('%show of a bad record shows the marker where the column is, and the rest of the record', { skip }, async () => {
  const got = await run(HOSTILE, `%show ${ids.header}`, `%show ${ids.outerResult}`);
  assert.equal(got.code, 0, got.stderr);
  assert.match(got.stdout, /^header\n {2}<unreadable header: holds text that is not JSON where ipyparallel writes a JSON dict>$/m);
  assert.match(got.stdout, /^ {2}result_buffers +<unreadable result_buffers: cannot be read: the pickle is truncated>$/m);
  assert.match(got.stdout, new RegExp(`^Result\\n {2}cannot decode the result of task '${ids.outerResult}': its result_buffers cannot be read`, 'm'));
  assert.match(got.stdout, /^Call {2}.*\n {2}echo\(/m, 'the call of the record with bad result_buffers is decoded');
});
