import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { errorPattern } from '../../src/analytics/index.js';
import { startCluster, type Cluster } from '../support/ipcluster.js';
import { PYTHON, havePython } from '../support/python.js';
import { demoShell, value } from '../shell/helpers.js';

// Failure signatures (%errors, errors()) and the derived keys ename, evalue
// and traceback, against ipyparallel's own SQLiteDB reading the same store:
// a live 7.1 cluster with ValueErrors of varying numbers, KeyErrors, a
// failed dependency and a killed engine; the 9.x fixture with labels; the
// payload fixture.
const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const reference = join(root, 'test', 'analytics', 'errors-reference.py');
const TABLE = 'ipython-tasks';
const ENGINES = 3;
const tmp = mkdtempSync(join(tmpdir(), 'ipc-errors-'));
const ipp9 = join(tmp, 'ipp9-labels.db');
copyFileSync(join(root, 'test', 'fixtures', 'ipp9-labels.db'), ipp9);
let cluster: Cluster | null = null;
let db = '';
let made: { bad: string; dep: string; killer: string; dead: number[] } = { bad: '', dep: '', killer: '', dead: [] };

before(async () => {
  if (!havePython()) return;
  // a dead engine is noticed after five missed heartbeats of 1 s: fewer, and engines on a busy machine
  // can miss the ones their registration waits for, and never register
  cluster = await startCluster({ dbFlags: ['--sqlitedb', '--HeartMonitor.period=1000', '--HeartMonitor.max_heartmonitor_misses=5'], engines: ENGINES });
  made = JSON.parse(await cluster.python([join(root, 'test', 'analytics', 'errors-workload.py'), cluster.profileDir, String(ENGINES)]));
  db = join(cluster.profileDir, 'tasks.db');
});

after(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function ipc(store: string, ...args: string[]): string {
  return execFileSync(process.execPath, [bin, '--sqlitedb', store, ...args], { encoding: 'utf8' });
}

/** Several statements in one run (each start of ipc costs a second on a busy machine): one JSON text per line. */
function ipcJson(store: string, statements: readonly string[]): unknown[] {
  return ipc(store, '--format', 'json', '-c', statements.join('\n')).trim().split('\n').map((l) => JSON.parse(l));
}

interface Signature { ename: string; evalue: string; count: number; share: number; cause: string | null; caused_by: (string | number)[]; sample: string; label?: string | null; functions: string[] }
interface Report { selected: number; failed: number; signatures: Signature[] }
interface Reference { selected: number; signatures: Record<string, { count: number; sample: string; cause: string | null; waited_for: string[] }>; ValueError: string[]; range: string[] }

function python(store: string): Reference {
  return JSON.parse(execFileSync(PYTHON, [reference, store, TABLE], { encoding: 'utf8' }));
}

const keyed = (r: Report) => new Map(r.signatures.map((s) => [JSON.stringify([s.ename, s.evalue]), s]));

test('placeholders: numbers, hex, msg_ids, paths and quoted values', () => {
  assert.equal(errorPattern("value 3 out of range at 0x300b in /data/run-3/part.csv"), 'value <n> out of range at <hex> in <path>');
  assert.equal(errorPattern("Engine b'3f2a91c0-5c0d7e4e2b1a4d6f8e9c0a1b' died while running task 'ab12cd34-0123456789abcdef01234567_42_7'"), 'Engine <id> died while running task <id>');
  assert.equal(errorPattern('cannot parse "x!" at position -1.5e3; int64 and x1 stay'), 'cannot parse <str> at position <n>; int64 and x1 stay');
});

test('%errors, ename and evalue on a live 7.1 cluster store equal SQLiteDB.find_records grouped and filtered in Python', { skip: !havePython() }, () => {
  const theirs = python(db);
  const [report, valueErrors, ranges, rec] = ipcJson(db, [
    '%errors',
    "[r['msg_id'] for r in db_query({'ename': 'ValueError'}, keys=['msg_id'])]",
    "[r['msg_id'] for r in db_query({'evalue': {'$regex': 'range'}}, keys=['msg_id'])]",
    `db_query({'msg_id': '${made.dep}'}, keys=['ename', 'evalue', 'traceback', 'status'])[0]`,
  ]) as [Report, string[], string[], Record<string, string>];
  const ours = keyed(report);
  assert.equal(report.selected, theirs.selected);
  assert.deepEqual([...ours.keys()].sort(), Object.keys(theirs.signatures).sort());
  for (const [key, t] of Object.entries(theirs.signatures)) {
    const s = ours.get(key)!;
    assert.equal(s.count, t.count, key);
    assert.equal(s.sample, t.sample, key);
    assert.equal(s.cause, t.cause, key);
    assert.ok(Math.abs(s.share - t.count / theirs.selected) < 1e-12);
  }
  // the ValueErrors of different numbers, hex values and paths are one signature (the failed dependency's among them); so are both KeyErrors
  assert.equal(ours.get(JSON.stringify(['ValueError', 'value <n> out of range at <hex> in <path>']))!.count, 5);
  assert.equal(ours.get(JSON.stringify(['KeyError', '<str>']))!.count, 2);
  const dep = report.signatures.find((s) => s.ename === 'ImpossibleDependency')!;
  assert.equal(dep.cause, 'dependency');
  assert.deepEqual(dep.caused_by, [made.bad], 'the dependency that failed');
  assert.deepEqual(theirs.signatures[JSON.stringify(['ImpossibleDependency', dep.evalue])]!.waited_for, [made.bad]);
  assert.equal(dep.sample, made.dep);
  const died = report.signatures.find((s) => s.ename === 'EngineError')!;
  assert.equal(died.evalue, 'Engine <id> died while running task <id>');
  assert.equal(died.cause, 'engine died');
  assert.equal(died.sample, made.killer);
  assert.equal(made.dead.length, 1);
  assert.equal(died.caused_by.length, 1, 'the engine that died');
  const engine = died.caused_by[0]!;
  assert.ok(engine === made.dead[0] || typeof engine === 'string', `the dead engine, by id where known: ${engine}`);
  // the derived keys, queried, equal the same filter in Python
  assert.deepEqual(valueErrors, theirs.ValueError);
  assert.deepEqual(ranges, theirs.range);
  assert.equal(rec['ename'], 'ImpossibleDependency');
  assert.equal(rec['status'], 'error');
  assert.match(rec['traceback']!, /ImpossibleDependency/);
});

test('%errors by label and errors(by=...) on the 9.x fixture equal the Python grouping; the functions are named; CSV and the table', { skip: !havePython() }, () => {
  const theirs = python(ipp9);
  const out = ipc(ipp9, '--format', 'json', '-c', ['%errors', "errors(by='label')", '%format csv', '%errors by ename', '%format table', "%errors {'label': 'parse'}"].join('\n'));
  const [first, second, ...rest] = out.split('\n');
  const ours = keyed(JSON.parse(first!) as Report);
  assert.deepEqual([...ours.keys()].sort(), Object.keys(theirs.signatures).sort());
  for (const [key, t] of Object.entries(theirs.signatures)) assert.equal(ours.get(key)!.count, t.count);
  const byLabel = JSON.parse(second!) as Report;
  assert.deepEqual(byLabel.signatures.map((s) => [s.label, s.ename, s.count, s.functions]), [
    ['numpy', 'NameError', 3, ['arr']],
    ['parse', 'ValueError', 3, ['parse']],
  ]);
  const text = rest.join('\n');
  assert.match(text, /^ename,evalue,variants,count,share,cause,caused_by,functions,engines,first,last,sample\n/);
  assert.match(text, /\n3 failures among 6 tasks: 1 signature\n/);
  assert.match(text, /ValueError\s+cannot parse <str> at position <n>/);
});

test('bad input is one sentence', () => {
  let stderr = '';
  try {
    ipc(join(root, 'test', 'fixtures', 'payloads.db'), '-c', '%errors by queue\nerrors(3)');
  } catch (e) {
    stderr = String((e as { stderr: string }).stderr);
  }
  assert.deepEqual(stderr.trim().split('\n'), [
    "line 1: TypeError: errors cannot be grouped by 'queue'; choose ename, function, engine, label, client",
    'line 2: TypeError: errors() takes records (what db_query returns) or a query dict, not int',
  ]);
});

test('the derived keys complete, have help, and errors() of records in hand equals %errors of the same query', async () => {
  const { shell } = await demoShell({ count: 240 });
  assert.deepEqual((await shell.complete("db_query({'ena", 15)).candidates, ['ename']);
  assert.deepEqual((await shell.complete("db_query({}, keys=['trace", 27)).candidates, ['traceback']);
  assert.match((await value(shell, "help('evalue')") as { text: string }).text, /^evalue \(derived by ipc\): the exception's message/);
  const inHand = (await value(shell, "errors(db_query({'queue': 'task'}))")) as Report;
  const byQuery = (await value(shell, "errors({'queue': 'task'})")) as Report;
  assert.ok(inHand.failed > 0, 'the demo store has failures');
  assert.ok(inHand.signatures.every((sig) => (sig as Signature).functions.length > 0), 'the functions are named, though db_query left out the buffers');
  assert.deepEqual(inHand, byQuery);
  // len() of a query on a derived key counts what the query answers (the store alone would find none)
  const failed = (await value(shell, "len(db_query({'ename': {'$ne': None}, 'queue': 'task'}))")) as number;
  assert.equal(failed, inHand.failed);
  assert.equal(await value(shell, "len(db_query({'ename': {'$ne': None}, 'queue': 'task'}, keys=['msg_id']))"), failed);
});
