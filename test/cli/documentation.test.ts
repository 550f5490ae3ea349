/**
 * Every line of the Task Database documentation, run as written through
 * script mode (the real `node bin/ipc.js`), against records in a DictDB, the
 * SQLite file a real ipcontroller wrote, and the demo store. The expected
 * answers are computed here from the records with plain filters; for the
 * SQLite file the records come from ipyparallel's own SQLiteDB.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { renderJSONL } from '../../src/format/index.js';
import { Timestamp, isDict, type TaskRecord, type Value } from '../../src/records/index.js';
import { generateDemoRecords } from '../../src/stores/index.js';
import { havePython } from '../support/python.js';
import { pythonFindRecords } from '../support/sqlitedb.js';
import { FIXTURE_DB, isolatedEnv, jsonLines, runIpc, tempDir } from './helpers.js';

/** The documentation's lines, prompts and all. */
const DOC = [
  "In [1]: incomplete = rc.db_query({'completed' : None}, keys=['msg_id', 'started'])",
  'In [1]: from datetime import datetime, timedelta',
  'In [2]: hourago = datetime.now() - timedelta(1./24)',
  "In [3]: recent = rc.db_query({'started' : {'$gte' : hourago }, 'client_uuid' : rc.session.session})",
  "In [3]: recent = rc.db_query({'started' : {'$le' : hourago }, 'client_uuid' : {'$ne' : rc.session.session}})",
  'In [1]: uuids = map(rc._engines.get, (3,4))',
  "In [2]: hist34 = rc.db_query({'engine_uuid' : {'$in' : uuids }}, keys='result_header')",
  'In [1]: rc.get_result(task_id)',
];

/** The documentation's lines, each followed by the value it made, so that the answers can be checked. */
function script(taskId: string, lines = DOC): string {
  const [incomplete, imp, hour, recentGte, recentLe, uuids, hist34, getResult] = lines as [string, string, string, string, string, string, string, string];
  return [
    incomplete, 'incomplete',
    imp, hour, 'hourago',
    recentGte, 'recent',
    recentLe, 'recent',
    uuids, 'uuids',
    hist34, 'hist34',
    `task_id = '${taskId}'`, getResult,
    'rc.session.session',
  ].join('\n');
}

/** As rendered documentation shows them: ‘typographic’ quotes. */
function typographic(lines: readonly string[]): string[] {
  return lines.map((l) => l.replace(/'([^']*)'/g, '‘$1’'));
}

/** With `rc.` left off the calls, as people type them. */
function withoutRc(lines: readonly string[]): string[] {
  return lines.map((l) => l.replace(/rc\.(db_query|get_result|session)/g, '$1'));
}

function order(records: TaskRecord[]): TaskRecord[] {
  const sub = (r: TaskRecord) => (r['submitted'] instanceof Timestamp ? (r['submitted'] as Timestamp).us : -Infinity);
  return [...records].sort((a, b) => sub(a) - sub(b) || (String(a['msg_id']) < String(b['msg_id']) ? -1 : String(a['msg_id']) > String(b['msg_id']) ? 1 : 0));
}

function json(v: Value | undefined): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Timestamp) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(json);
  if (isDict(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, json(x)]));
  return v;
}

function cut(records: TaskRecord[], keys: string[]): unknown[] {
  return order(records).map((r) => Object.fromEntries(keys.map((k) => [k, json(r[k])])));
}

/** What each printed value must be, from the records alone. */
function expectedAnswers(records: TaskRecord[], engines: Map<number, string>, hourago: Timestamp, taskId: string) {
  const bySubmitted = order(records.filter((r) => r['submitted'] instanceof Timestamp));
  const session = bySubmitted[bySubmitted.length - 1]!['client_uuid'] as string;
  const started = (r: TaskRecord) => (r['started'] instanceof Timestamp ? (r['started'] as Timestamp).us : null);
  const uuids = [engines.get(3) ?? null, engines.get(4) ?? null];
  const task = records.find((r) => r['msg_id'] === taskId)!;
  return {
    session,
    incomplete: cut(records.filter((r) => r['completed'] === null || r['completed'] === undefined), ['msg_id', 'started']),
    recentGte: cut(records.filter((r) => started(r) !== null && started(r)! >= hourago.us && r['client_uuid'] === session), ALL_BUT_BUFFERS),
    recentLe: cut(records.filter((r) => started(r) !== null && started(r)! < hourago.us && r['client_uuid'] !== session), ALL_BUT_BUFFERS),
    uuids,
    hist34: cut(records.filter((r) => uuids.includes((r['engine_uuid'] as string | null | undefined) ?? null)), ['msg_id', 'result_header']),
    task,
  };
}

let ALL_BUT_BUFFERS: string[] = [];

async function checkRun(args: string[], cwd: string, home: string, records: TaskRecord[], engines: Map<number, string>, taskId: string, label: string) {
  const outputs: string[] = [];
  for (const [variant, lines] of [['as written', DOC], ['typographic quotes', typographic(DOC)], ['rc. left off', withoutRc(DOC)]] as const) {
    const run = await runIpc([...args, '--format', 'json'], { input: script(taskId, lines), cwd, env: isolatedEnv(home) });
    assert.equal(run.stderr, '', `${label}, ${variant}: no errors`);
    assert.equal(run.code, 0, `${label}, ${variant}: exit status 0`);
    const values = jsonLines(run.stdout);
    if (label.includes('*')) {
      // Reading every task table, each record also says which table it came from.
      for (const list of [values[0], values[2], values[3], values[5]] as Record<string, unknown>[][]) {
        for (const r of list) {
          assert.ok(r['table'] === 'ipython-tasks' || r['table'] === 'ipython-tasks_1', `${label}: table of ${r['msg_id']}`);
          delete r['table'];
        }
      }
    }
    const [incomplete, hourago, recentGte, recentLe, uuids, hist34, result, session] = values as [unknown, string, unknown, unknown, unknown, unknown, Record<string, unknown>, string];
    const want = expectedAnswers(records, engines, Timestamp.parse(hourago)!, taskId);
    assert.equal(session, want.session, `${label}: rc.session.session is the most recent client`);
    assert.deepEqual(incomplete, want.incomplete, `${label}: incomplete`);
    assert.deepEqual(recentGte, want.recentGte, `${label}: recent ($gte hourago, mine)`);
    assert.deepEqual(recentLe, want.recentLe, `${label}: recent ($le hourago, not mine)`);
    assert.deepEqual(uuids, want.uuids, `${label}: uuids`);
    assert.deepEqual(hist34, want.hist34, `${label}: hist34`);
    const task = want.task;
    const content = task['result_content'] as Record<string, Value> | null;
    assert.equal(result['msg_id'], taskId);
    assert.equal(result['status'], task['completed'] ? content?.['status'] : 'pending', `${label}: get_result status`);
    assert.equal(result['stdout'], task['stdout'] ?? '');
    if (content?.['status'] === 'error') assert.equal((result['error'] as Record<string, unknown>)['ename'], content['ename']);
    assert.ok(Math.abs(Timestamp.parse(hourago)!.us - (Date.now() * 1000 - 3600e6)) < 60e6, 'hourago is an hour ago');
    outputs.push(run.stdout.split('\n').filter((_, i) => i !== 1).join('\n'));
  }
  assert.equal(outputs[1], outputs[0], `${label}: typographic quotes give the same answers`);
  assert.equal(outputs[2], outputs[0], `${label}: rc. left off gives the same answers`);
}

let tmp: ReturnType<typeof tempDir>;
before(async () => {
  tmp = tempDir();
  const { DEFAULT_KEYS } = await import('../../src/records/index.js');
  // Both stores here hold what a 7.x controller wrote: no label column, so no label key.
  ALL_BUT_BUFFERS = DEFAULT_KEYS.filter((k) => k !== 'label');
});
after(() => tmp.remove());

test('the documentation lines run as written on a DictDB loaded from jsonl, with engines from .ipcrc', async () => {
  // Records either side of "an hour ago"; none within two minutes of it, so the clock cannot tip an answer.
  const now = Date.now() * 1000;
  const records = generateDemoRecords({ count: 120, seed: 7, anchor: new Timestamp(now) }).filter((r) => {
    const s = r['started'];
    return !(s instanceof Timestamp && Math.abs(s.us - (now - 3600e6)) < 120e6);
  });
  const engineUuids = [...new Set(records.map((r) => r['engine_uuid']).filter((u): u is string => typeof u === 'string'))].sort();
  // Engines 3 and 4 as the documentation asks; the fourth uuid of the records is engine 3, engine 4 unknown.
  const engines = new Map<number, string>(engineUuids.map((u, i) => [i, u]));
  const dir = join(tmp.dir, 'dictdb');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  writeFileSync(join(dir, 'tasks.jsonl'), renderJSONL(records) + '\n');
  writeFileSync(join(dir, '.ipcrc'), `{engines: {${[...engines].map(([i, u]) => `'${i}': '${u}'`).join(', ')}}}\n`);
  const failed = records.find((r) => (r['result_content'] as Record<string, Value> | null)?.['status'] === 'error')!;
  assert.ok(engines.has(3), 'the records have a fourth engine');
  await checkRun(['--dictdb', '--load', 'tasks.jsonl'], dir, dir, records, engines, failed['msg_id'] as string, 'DictDB');
});

test('the documentation lines run as written on the tasks.db of a real ipcontroller', { skip: !havePython() && 'needs python3-ipyparallel' }, async () => {
  const dir = join(tmp.dir, 'sqlite');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  const db = join(dir, 'tasks.db');
  copyFileSync(FIXTURE_DB, db);
  // The records as ipyparallel's SQLiteDB reads them: the expected answers come from these.
  const [records] = await pythonFindRecords(db, 'ipython-tasks', [{ query: {}, correct: 'True' }]);
  assert.ok(records && records.length > 0);
  const engineUuids = [...new Set(records.map((r) => r['engine_uuid']).filter((u): u is string => typeof u === 'string'))].sort();
  // The hub numbers engines from 0; the documentation asks for 3 and 4, so the config names them so.
  const engines = new Map<number, string>(engineUuids.map((u, i) => [i + 3, u]));
  writeFileSync(join(dir, '.ipcrc'), `// engine ids as the hub gave them\n{engines: {${[...engines].map(([i, u]) => `'${i}': "${u}"`).join(', ')},},}\n`);
  const failed = records.find((r) => (r['result_content'] as Record<string, Value> | null)?.['status'] === 'error') ?? records[0]!;
  await checkRun(['--sqlitedb', 'tasks.db'], dir, dir, records, engines, failed['msg_id'] as string, 'SQLiteDB');

  // Every task table together: the controller's restart wrote a second one.
  const [second] = await pythonFindRecords(db, 'ipython-tasks_1', [{ query: {}, correct: 'True' }]);
  assert.ok(second && second.length > 0);
  const all = [...records, ...second];
  const allEngines = [...new Set(all.map((r) => r['engine_uuid']).filter((u): u is string => typeof u === 'string'))].sort();
  const map = new Map<number, string>(allEngines.map((u, i) => [i + 3, u]));
  writeFileSync(join(dir, '.ipcrc'), `{engines: {${[...map].map(([i, u]) => `'${i}': "${u}"`).join(', ')}}}\n`);
  await checkRun(['--sqlitedb', 'tasks.db', '--table', '*'], dir, dir, all, map, second[0]!['msg_id'] as string, "SQLiteDB --table '*'");
});

test('the documentation lines run on the embedded demo store, whose engines are known', async () => {
  const home = join(tmp.dir, 'demo');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(home);
  const run = await runIpc(['--demo', '--format', 'json'], {
    input: script('x', DOC.slice(0, 7)).split('\n').filter((l) => !l.includes('task_id')).join('\n') + '\nlen(uuids), uuids[1]\nlen(hist34) > 0',
    cwd: home,
    env: isolatedEnv(home),
  });
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
  const values = jsonLines(run.stdout);
  assert.deepEqual(values.slice(-2), [[2, null], true], 'engine 3 exists in the demo, engine 4 does not');
  assert.equal(values.length, 9);
});
