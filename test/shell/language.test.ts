import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreClient } from '../../src/client/store-client.js';
import { RecordList, type TaskResult } from '../../src/client/types.js';
import { renderValue, repr } from '../../src/format/index.js';
import { NODB_MESSAGE } from '../../src/errors.js';
import { NoDB } from '../../src/stores/nodb.js';
import { DictDB } from '../../src/stores/dictdb.js';
import { TimeDelta, Timestamp, type TaskRecord } from '../../src/records/index.js';
import { demoEngineMap } from '../../src/stores/index.js';
import { createShell } from '../../src/shell/index.js';
import { demoShell, one, uniquePrefix, value } from './helpers.js';

const ids = (list: unknown) => (list as RecordList).records.map((r) => r['msg_id']);
const byOrder = (records: TaskRecord[]) =>
  [...records].sort((a, b) => (a['submitted'] as Timestamp).us - (b['submitted'] as Timestamp).us || (a['msg_id']! < b['msg_id']! ? -1 : 1));

test('literals: None, True, False, tuples, dicts and lists with trailing commas', async () => {
  const { shell } = await demoShell();
  assert.equal(repr(await value(shell, '(None, True, False)')), '(None, True, False)');
  assert.equal(repr(await value(shell, '(3,4)')), '(3, 4)');
  assert.equal(repr(await value(shell, '(1,)')), '(1,)');
  assert.equal(repr(await value(shell, "{'a': [1, 2,], 'b': {'c': None,},}")), "{'a': [1, 2], 'b': {'c': None}}");
  assert.equal(await value(shell, "'con' 'cat' \"enated\""), 'concatenated');
  assert.equal(await value(shell, String.raw`'tab\there\u00e9\x41'`), 'tab\thereéA');
  assert.equal(await value(shell, String.raw`r'\d+'`), String.raw`\d+`);
  assert.equal(await value(shell, '0x1f + 1_000 + 1e3 + .5'), 31 + 1000 + 1000 + 0.5);
});

test("typographic quotes ‘ ’ “ ” delimit strings as plain quotes do", async () => {
  const { shell } = await demoShell();
  assert.equal(await value(shell, '‘completed’'), 'completed');
  assert.equal(await value(shell, '“it’s”'), 'it’s');
  assert.deepEqual(await value(shell, "{‘a’: “b”}"), { a: 'b' });
});

test('In [n]: prompts and ...: continuation prompts pasted in are ignored', async () => {
  const { shell } = await demoShell();
  const out = await shell.execute("In [12]: x = {'a': 1,\n   ...:      'b': 2}\nIn [13]: x['b'] * 10\n>>> x['a']");
  assert.deepEqual(out.map((o) => o.value), [undefined, 20, 1]);
  assert.deepEqual(out.map((o) => o.line), [1, 3, 4]);
});

test('names, assignment, unpacking, attribute and subscript access, slices', async () => {
  const { shell } = await demoShell();
  await shell.execute('a, b = 1, 2; xs = [10, 20, 30, 40]; d = {"k": [1, {"z": 5}]}');
  assert.deepEqual(await value(shell, '(a, b)'), [1, 2]);
  assert.deepEqual(await value(shell, 'xs[-1], xs[1:3], xs[::-2]'), [40, [20, 30], [40, 20]]);
  assert.equal(await value(shell, "d['k'][1]['z']"), 5);
  await shell.execute("d['new'] = 3; xs[0] += 1");
  assert.deepEqual(await value(shell, "d.get('new'), d.get('missing'), d.get('missing', 7), xs[0]"), [3, null, 7, 11]);
  assert.equal(await value(shell, 'x = 5') ?? null, null);
  assert.ok(shell.variables().has('x'));
});

test('datetimes and timedeltas: + and − as in Python, timedelta(1./24) is an hour', async () => {
  const { shell } = await demoShell();
  assert.equal(repr(await value(shell, 'timedelta(1./24).total_seconds()')), '3600.0');
  assert.equal(repr(await value(shell, 'timedelta(days=1, hours=2, minutes=3, seconds=4, weeks=1).total_seconds()')), `${8 * 86400 + 7384}.0`);
  assert.equal(await value(shell, 'timedelta(1, 30).seconds'), 30);
  const t = (await value(shell, 'datetime(2026, 11, 2, 15, 30) - timedelta(hours=1, minutes=30)')) as Timestamp;
  assert.equal(t.us, new Date(2026, 10, 2, 14, 0).getTime() * 1000, 'a naive datetime is local time');
  assert.equal(await value(shell, 'datetime(2026, 1, 2) − datetime(2026, 1, 1) == timedelta(days=1)'), true);
  assert.equal(repr(await value(shell, 'timedelta(weeks=1) / timedelta(days=1)')), '7.0');
  const span = (await value(shell, 'now - hourago')) as TimeDelta;
  assert.ok(Math.abs(span.us - 3600e6) < 5e6);
  const ninety = (await value(shell, "ago('90m')")) as Timestamp;
  assert.ok(Math.abs(Date.now() * 1000 - ninety.us - 5400e6) < 5e6);
  assert.ok(Math.abs(Date.now() * 1000 - ((await value(shell, "ago('1h30m')")) as Timestamp).us - 5400e6) < 5e6);
  assert.ok(Math.abs(Date.now() * 1000 - ((await value(shell, "ago('3d')")) as Timestamp).us - 3 * 86400e6) < 5e6);
  const midnight = (await value(shell, 'today')) as Timestamp;
  assert.equal(midnight.toDate().getHours(), 0);
  assert.equal(((await value(shell, 'datetime.now()')) as Timestamp) instanceof Timestamp, true);
  assert.equal(((await value(shell, 'datetime.utcnow()')) as Timestamp) instanceof Timestamp, true);
  assert.equal(await value(shell, "datetime.fromisoformat('2026-11-02T15:00:00Z') == datetime(2026, 11, 2, 15, tzinfo=timezone.utc)"), true);
  const e = await one(shell, 'now - 5');
  assert.equal(e.error?.kind, 'TypeError');
  assert.match(e.error!.message, /timedelta/);
  assert.equal((await one(shell, "ago('soon')")).error?.kind, 'TypeError');
});

test('from datetime import ... and import datetime are accepted', async () => {
  const { shell } = await demoShell();
  const out = await shell.execute('from datetime import datetime, timedelta\nimport datetime as dt\ndt.datetime.now() - dt.timedelta(hours=1) < datetime.now()');
  assert.equal(out.at(-1)!.value, true);
  assert.equal((await one(shell, 'from datetime import nothing')).error?.kind, 'NameError');
  assert.equal((await one(shell, 'import numpy')).error?.kind, 'NameError');
});

test('builtins: print, len, map, list, sorted(key=), str, int, float, dict.get', async () => {
  const { shell, records } = await demoShell();
  const o = await one(shell, "print('n =', len(db_query({})), None)");
  assert.equal(o.printed, `n = ${records.length} None\n`);
  assert.equal(o.hasValue, false);
  assert.deepEqual(await value(shell, 'list(map(lambda x: x * 2, (1, 2, 3)))'), [2, 4, 6]);
  assert.deepEqual(await value(shell, "sorted(['b', 'c', 'a'], reverse=True)"), ['c', 'b', 'a']);
  const newest = (await value(shell, "sorted(db_query({}, keys=['submitted']), key=lambda r: r['submitted'], reverse=True)[0]['msg_id']")) as string;
  assert.equal(newest, byOrder(records).at(-1)!['msg_id']);
  assert.deepEqual(await value(shell, "str(3), int('42'), float('1.5'), int(2.9), str(None)"), ['3', 42, 1.5, 2, 'None']);
  assert.deepEqual(await value(shell, "[r['msg_id'] for r in db_query({'completed': None}) if r['queue'] == 'task']"),
    byOrder(records).filter((r) => r['completed'] === null && r['queue'] === 'task').map((r) => r['msg_id']));
  assert.equal((await one(shell, "int('x')")).error?.kind, 'TypeError');
  assert.equal((await one(shell, 'len(5)')).error?.kind, 'TypeError');
});

test('uuids = map(rc._engines.get, (3,4)) works when the engines are known', async () => {
  const { shell, records } = await demoShell();
  const uuids = (await value(shell, 'uuids = map(rc._engines.get, (3,4)); uuids')) as unknown[];
  const engine3 = demoEngineMap(3).get(3);
  assert.deepEqual(uuids, [engine3, null]);
  assert.deepEqual(await value(shell, 'rc.ids'), [0, 1, 2, 3]);
  const hist = await value(shell, "db_query({'engine_uuid': {'$in': uuids}}, keys='result_header')");
  assert.deepEqual((hist as RecordList).keys, ['msg_id', 'result_header']);
  assert.deepEqual(ids(hist), byOrder(records).filter((r) => r['engine_uuid'] === engine3 || r['engine_uuid'] === null).map((r) => r['msg_id']));
});

test('without an engine map, rc.ids comes from the engine_info of failed tasks', async () => {
  const { shell, records } = await demoShell({ engines: false });
  const seen = new Map<number, string>();
  for (const r of records) {
    const info = (r['result_metadata'] as { engine_info?: { engine_id: number; engine_uuid: string } } | null)?.engine_info;
    if (info) seen.set(info.engine_id, info.engine_uuid);
  }
  assert.ok(seen.size > 0);
  assert.deepEqual(await value(shell, 'rc.ids'), [...seen.keys()].sort());
  for (const [id, uuid] of seen) assert.equal(demoEngineMap(3).get(id), uuid);
  const ctx = await shell.client.deriveContext();
  for (const [id, uuid] of seen) assert.equal(ctx.engineId!(uuid), id, 'the derived engine_id gets the same map');
});

test('rc.ids with no source of an engine map says how to give it', async () => {
  const shell = createShell({ client: await StoreClient.open(new DictDB()) });
  const o = await one(shell, 'rc._engines');
  assert.equal(o.error?.kind, 'KeyError');
  assert.match(o.error!.message, /\.ipcrc/);
  assert.match(o.error!.message, /--hub/);
});

test("rc. may be left off, and rc.session.session is the most recent client", async () => {
  const { shell, records } = await demoShell();
  const latest = byOrder(records).at(-1)!['client_uuid'];
  assert.equal(await value(shell, 'session.session'), latest);
  assert.equal(await value(shell, 'rc.session.session'), latest);
  assert.deepEqual(ids(await value(shell, "db_query({'client_uuid': rc.session.session})")), ids(await value(shell, "rc.db_query({'client_uuid': session.session})")));
  const mine = ids(await value(shell, "db_query({'client_uuid': session.session}, keys=['msg_id'])"));
  assert.deepEqual(mine, byOrder(records).filter((r) => r['client_uuid'] === latest).map((r) => r['msg_id']));
  assert.deepEqual(await value(shell, 'from ipyparallel import Client; c = Client(); len(c.hub_history()) == len(hub_history())'), true);
});

test('get_result: status, engine, timing, streams, error; a pending task says pending', async () => {
  const { shell, records } = await demoShell();
  const failed = records.find((r) => r['error'] !== null)!;
  const r = (await value(shell, `get_result('${failed['msg_id']}')`)) as TaskResult;
  assert.equal(r.status, 'error');
  assert.equal(r.error?.ename, (failed['error'] as { ename: string }).ename);
  assert.equal(r.queueWaitUs, (failed['started'] as Timestamp).us - (failed['submitted'] as Timestamp).us);
  assert.equal(r.runTimeUs, (failed['completed'] as Timestamp).us - (failed['started'] as Timestamp).us);
  assert.equal(await value(shell, `get_result('${failed['msg_id']}').engine_id`), (failed['result_metadata'] as { engine_info: { engine_id: number } }).engine_info.engine_id);
  const pending = records.find((x) => x['started'] === null)!;
  assert.equal(((await value(shell, `rc.get_result('${pending['msg_id']}')`)) as TaskResult).status, 'pending');
  const last = (await value(shell, 'get_result()')) as TaskResult;
  assert.equal(last.msgId, byOrder(records).at(-1)!['msg_id'], 'get_result() is the last task, as in ipyparallel');
  const two = (await value(shell, "get_result(db_query({'completed': None})[:2])")) as TaskResult[];
  assert.equal(two.length, 2);
  assert.equal((await one(shell, "get_result('no-such-id')")).error?.kind, 'KeyError');
});

test('get_result on a NoDB raises the NoData KeyError of ipyparallel', async () => {
  const shell = createShell({ client: await StoreClient.open(new NoDB()) });
  const o = await one(shell, "rc.get_result('abc')");
  assert.equal(o.error?.kind, 'KeyError');
  assert.equal(o.error?.message, NODB_MESSAGE);
  assert.equal((await one(shell, 'db_query({})')).error?.message, NODB_MESSAGE);
});

test('hub_history and queue_status come from the records', async () => {
  const { shell, records } = await demoShell();
  assert.deepEqual(await value(shell, 'hub_history()'), byOrder(records).map((r) => r['msg_id']));
  const status = (await value(shell, 'queue_status()')) as Map<number | string, unknown>;
  const engine0 = demoEngineMap(3).get(0);
  const of0 = records.filter((r) => r['engine_uuid'] === engine0);
  const expected0 = {
    queue: of0.filter((r) => r['completed'] === null && r['queue'] === 'mux').length,
    completed: of0.filter((r) => r['completed'] !== null).length,
    tasks: of0.filter((r) => r['completed'] === null && r['queue'] !== 'mux').length,
  };
  assert.deepEqual(status.get(0), expected0);
  assert.equal(status.get('0'), undefined, 'engine ids are ints, as ipyparallel keys them');
  assert.deepEqual([...status.keys()], ['unassigned', 0, 1, 2, 3]);
  assert.equal(status.get('unassigned'), records.filter((r) => r['engine_uuid'] === null && r['completed'] === null).length);
  assert.deepEqual(await value(shell, 'queue_status(0)'), expected0);
  assert.match(await value(shell, 'repr(queue_status())') as string, /^\{'unassigned': \d+, 0: \{'queue': \d+, 'completed': \d+, 'tasks': \d+\}, 1: /);
  const verbose = (await value(shell, 'queue_status(0, verbose=True)')) as Record<string, string[]>;
  assert.deepEqual(verbose['completed'], of0.filter((r) => r['completed'] !== null).map((r) => r['msg_id']));
  assert.equal((await one(shell, 'queue_status(9)')).error?.kind, 'KeyError');
});

test('purge_results needs --write, then a confirmation; pending tasks are not purged', async () => {
  const readOnly = await demoShell();
  const o = await one(readOnly.shell, "purge_results('all')");
  assert.equal(o.error?.kind, 'StoreError');
  assert.match(o.error!.message, /--write/);
  assert.equal(readOnly.db.size, readOnly.records.length, 'nothing was deleted');

  const unconfirmed = await demoShell({ write: true, yes: false });
  assert.equal((await one(unconfirmed.shell, "purge_results('all')")).error?.kind, 'Interrupted');
  assert.equal(unconfirmed.db.size, unconfirmed.records.length);

  const { shell, db, records } = await demoShell({ write: true, yes: true });
  const pending = records.find((r) => r['completed'] === null)!;
  assert.equal((await one(shell, `purge_results('${pending['msg_id']}')`)).error?.kind, 'KeyError');
  const done = records.filter((r) => r['completed'] !== null);
  assert.equal(String(await value(shell, `purge_results(['${done[0]!['msg_id']}'])`)), 'purged 1 record');
  assert.equal(String(await value(shell, "purge_results('all')")), `purged ${done.length - 1} records`);
  assert.equal(db.size, records.length - done.length);
});

test('resubmit on a store says it needs a live hub', async () => {
  const { shell } = await demoShell();
  const o = await one(shell, 'rc.resubmit(hub_history()[-1])');
  assert.equal(o.error?.kind, 'HubError');
  assert.match(o.error!.message, /--hub/);
});

test('Out[n], _ and __ refer to earlier values', async () => {
  const { shell } = await demoShell();
  await shell.execute('40 + 2', { promptNumber: 1 });
  await shell.execute("'x'", { promptNumber: 2 });
  assert.deepEqual(await value(shell, 'Out[1], _, __'), [42, 'x', 42]);
});

test('parse errors give the column with a caret and say what was expected', async () => {
  const { shell } = await demoShell();
  const o = await one(shell, "db_query({'completed': None} keys=['msg_id'])");
  assert.equal(o.error?.kind, 'ParseError');
  assert.match(o.error!.message, /expected ',' or '\)' to close the '\(' at column 9, found 'keys' \(at column 30\)/);
  assert.equal(o.error!.detail, "  db_query({'completed': None} keys=['msg_id'])\n                               ^");
  // in a script, a statement left open ends at its line's end and the next line still runs
  const open = await shell.execute("recent = db_query({'started': {'$gte': hourago}\n  , 'queue': 'task'\nlen(recent)", { stops: 'line' });
  assert.equal(open.length, 2, 'the next statement still runs');
  assert.equal(open[0]!.error?.kind, 'ParseError');
  assert.match(open[0]!.error!.message, /this '\{' is never closed; expected '\}'/);
  assert.match(open[0]!.error!.detail!, /^ {2}recent = db_query\(\{'started'.*\n {20}\^$/);
  assert.equal(open[1]!.error?.kind, 'NameError');
  const str = await one(shell, "x = 'abc");
  assert.match(str.error!.message, /string .* not closed/);
});

test('an input stops at its first failed statement, as a Python cell does; a script at the end of that statement\'s line', async () => {
  const { shell } = await demoShell();
  const cell = await shell.execute("a = 1\nb = 1/0\na = 2; c = 3\nd = 4");
  assert.deepEqual(cell.map((o) => o.error?.kind ?? 'ok'), ['ok', 'ZeroDivisionError']);
  assert.deepEqual((await shell.execute('a')).map((o) => o.value), [1]);
  for (const name of ['c', 'd']) assert.equal((await shell.execute(name))[0]!.error?.kind, 'NameError', `${name} was not set`);
  const script = await shell.execute("e = 1/0; e = 2\ne = 3; f = e", { stops: 'line' });
  assert.deepEqual(script.map((o) => o.source), ['e = 1/0', 'e = 3', 'f = e']);
  assert.deepEqual((await shell.execute('f')).map((o) => o.value), [3]);
});

test('isComplete says when more lines are needed', async () => {
  const { shell } = await demoShell();
  assert.equal(shell.isComplete("db_query({'completed': None}"), false);
  assert.equal(shell.isComplete("db_query({'completed': None})"), true);
  assert.equal(shell.isComplete('x = """abc'), false);
  assert.equal(shell.isComplete("x = ')'"), true);
  assert.equal(shell.isComplete('In [3]: (1,\n   ...: 2)'), true);
});

test('completion offers keys inside strings, operators after $, attributes after a dot', async () => {
  const { shell } = await demoShell();
  assert.deepEqual((await shell.complete("db_query({'comp", 15)).candidates, ['completed']);
  assert.ok((await shell.complete("db_query({'started': {'$g", 25)).candidates.includes('$gte'));
  assert.deepEqual((await shell.complete('rc.db_', 6)).candidates, ['db_query']);
  assert.deepEqual((await shell.complete('rc.session.se', 13)).candidates, ['session']);
  assert.ok((await shell.complete('hou', 3)).candidates.includes('hourago'));
  assert.deepEqual((await shell.complete('%st', 3)).candidates, ['stats', 'stderr', 'stdout']);
  assert.deepEqual((await shell.complete('%re', 3)).candidates, ['report', 'retry']);
  assert.deepEqual((await shell.complete('rc.send_', 8)).candidates, ['send_signal']);
  const line = "%abort {'label': 'fit'} --d";
  assert.deepEqual(await shell.complete(line, line.length), { start: line.length - 3, end: line.length, candidates: ['--dry-run'] });
  assert.deepEqual((await shell.complete('%retry _ --', 11)).candidates, ['--dry-run', '--yes']);
});

test('completion offers msg_ids from the store after %stdout and inside get_result', async () => {
  const { shell, records } = await demoShell();
  const id = records[5]!['msg_id'] as string;
  const want = records.map((r) => r['msg_id'] as string).filter((m) => m.startsWith(id.slice(0, 3))).sort();
  const magic = await shell.complete(`%stdout ${id.slice(0, 3)}`, 11);
  assert.deepEqual([...magic.candidates].sort(), want);
  assert.equal(magic.start, 8);
  const call = await shell.complete(`get_result('${id.slice(0, 3)}`, 15);
  assert.deepEqual([...call.candidates].sort(), want);
});

test('after %show, Tab offers the ids this session has shown, newest first, and completes a suffix such as _1 among them', async () => {
  const { shell, records } = await demoShell();
  assert.deepEqual((await shell.complete('%show ', 6)).candidates, [], 'nothing shown yet');
  const ids = records.map((r) => r['msg_id'] as string);
  shell.recordOutput(1, { msg_id: ids[3] });
  shell.recordOutput(2, ids[7]);
  await shell.execute("name = 'not an id'");
  const all = await shell.complete('%show ', 6);
  assert.deepEqual(all.candidates, [ids[7], ids[3]]);
  assert.equal(all.start, 6);
  const tail = ids[3]!.slice(ids[3]!.lastIndexOf('_'));
  const bySuffix = await shell.complete(`%tb ${tail.slice(0, 2)}`, 4 + 2);
  assert.ok(bySuffix.candidates.includes(ids[3]!), `${ids[3]} has a part starting ${tail.slice(0, 2)}`);
  for (const c of bySuffix.candidates) assert.ok(c.split('_').slice(1).some((part) => `_${part}`.startsWith(tail.slice(0, 2))));
  assert.equal(bySuffix.start, 4);
});

test('magics: %stdout, %tb, %show, %history, %format, %time, %who, %help', async () => {
  const { shell, records } = await demoShell();
  const talker = records.find((r) => typeof r['stdout'] === 'string' && r['stdout'] !== '')!;
  assert.equal(String(await value(shell, `%stdout ${talker['msg_id']}`)), talker['stdout']);
  assert.equal(String(await value(shell, `%stdout ${uniquePrefix(talker['msg_id'] as string, records)}`)), talker['stdout'], 'a unique prefix of a msg_id will do');
  const failed = records.find((r) => r['error'] !== null)!;
  await shell.execute(`f = '${failed['msg_id']}'`);
  assert.equal(String(await value(shell, '%tb f')), (failed['error'] as { traceback: string[] }).traceback.join('\n'));
  // %show answers the record view; script mode prints its sections as plain text.
  const shown = renderValue(await value(shell, '%show f'), 'table');
  assert.match(shown, /^Task [0-9a-f]{8}-[0-9a-f]{24}_\d+_\d+ {2}error\n\nTiming\n/);
  assert.ok(shown.includes((failed['error'] as { ename: string }).ename) && !shown.includes('\x1b'), shown);
  assert.match(String(await value(shell, '%history')), /f = '/);
  await shell.execute('%format json');
  assert.equal(shell.settings.format, 'json');
  assert.equal((await one(shell, '%format yaml')).error?.kind, 'TypeError');
  const timed = await one(shell, '%time len(db_query({}))');
  assert.equal(timed.value, records.length);
  assert.match(timed.printed!, /^Wall time: /);
  assert.match(String(await value(shell, '%who')), /\bf\b/);
  assert.match(String(await value(shell, '%help')), /db_query\(query, keys=None\)/);
  assert.match(String(await value(shell, 'db_query?')), /^db_query\(query, keys=None\)/);
  assert.match(String(await value(shell, "%help '$in'")), /^\$in: /);
  assert.equal((await one(shell, '%frobnicate')).error?.kind, 'NameError');
});

test('bad input is always one IpcError sentence, never a JS exception', async () => {
  const { shell } = await demoShell();
  for (const src of ['1(2)', 'None.x', "{'a': 1}['b']", '[1][5]', 'lambda: 1 + ', 'def f(): pass', 'for x in y: pass', '@', "db_query({'$where': 'x'})", "db_query({}, keys=['nope'])", 'x +', '1 if 2', 'datetime(2026, 13, 1)', 'sorted([1, "a"])', 'now + timedelta(days=1e9)', '[0] * 1e9', "datetime(2026, 2, 30)"]) {
    const [o] = await shell.execute(src);
    assert.ok(o?.error, `${src} fails`);
    assert.ok(!o!.error!.message.includes('\n'), `${src}: one sentence`);
    assert.ok(!/internal error|at .*\.js:\d+/.test(o!.error!.message), `${src}: ${o!.error!.message}`);
  }
});

test('dir(x) lists the attributes and methods, sorted, as completion offers them', async () => {
  const { shell } = await demoShell();
  const names = (await value(shell, 'dir(rc)')) as string[];
  assert.deepEqual(names, [...names].sort());
  for (const n of ['db_query', 'get_result', 'result_status', 'queue_status', 'wait']) assert.ok(names.includes(n), n);
  assert.deepEqual(await value(shell, "dir({1: 'a'})"), ['copy', 'get', 'items', 'keys', 'values']);
});

test('a missing attribute is an AttributeError, as in Python, with the nearest name', async () => {
  const { shell } = await demoShell();
  const typo = (await one(shell, 'rc.db_qeury({})')).error;
  assert.equal(typo?.kind, 'AttributeError');
  assert.match(typo!.message, /'Client' object has no attribute 'db_qeury' \(did you mean 'db_query'\?\)/);
  assert.equal((await one(shell, "{}.foo")).error?.kind, 'AttributeError');
});

test('a dict with int keys is a dict to type(), and false once emptied', async () => {
  const { shell } = await demoShell();
  await shell.execute("d = {1: 'a'}; del d[1]");
  assert.deepEqual(await value(shell, 'bool(d), len(d), str(type(d))'), [false, 0, "<class 'dict'>"]);
});

test('a dict of 100,000 int keys is built and read by hash, not by comparing every key', { timeout: 60_000 }, async () => {
  const { shell } = await demoShell();
  await shell.execute('d = dict([(i, i * 2) for i in range(100000)])');
  assert.deepEqual(await value(shell, 'len(d), d[99999], d[7.0], 5 in d, d.get(-1, 0)'), [100000, 199998, 14, true, 0]);
  assert.equal(await value(shell, 'sum([d[i] for i in range(100000)])'), 9999900000);
  await shell.execute('del d[5]; d[True] = 1');
  assert.deepEqual(await value(shell, 'len(d), 5 in d, d[1]'), [99999, false, 1]);
});

test('a Ctrl-C that comes while a statement ends without the event loop turning stops it before its value is shown', async () => {
  const shell = createShell({ client: await StoreClient.open(new DictDB()) });
  // a statement of one long native step (a 40 MB text made upper case): the event loop does not turn until it is over
  const long = "len(('ab' * 20000000).upper())";
  const ac = new AbortController();
  setImmediate(() => ac.abort());
  const [stopped] = await shell.execute(long, { signal: ac.signal });
  assert.equal(stopped!.error?.kind, 'Interrupted', JSON.stringify(stopped));
  assert.equal(stopped!.hasValue, false);
  // without a Ctrl-C it answers
  const [answered] = await shell.execute(long, { signal: new AbortController().signal });
  assert.equal(answered!.hasValue, true);
  assert.equal(answered!.value, 40000000);
});
