import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { repr } from '../../src/format/index.js';
import { KEY_NAMES_7X } from '../../src/records/index.js';
import { derivedValue, taskCall, taskFunctionName } from '../../src/payload/index.js';
import { DictDB } from '../../src/stores/dictdb.js';
import { openMongoStore } from '../../src/stores/mongodb/index.js';
import { startMongoTarget } from '../support/mongo-target.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { havePython, runPython } from '../support/python.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/payloads.db', import.meta.url));
const VALUES = fileURLToPath(new URL('../../../test/fixtures/payload-values.py', import.meta.url));

/**
 * What Python's own unpack_apply_message and deserialize_object make of
 * every task of the fixture (written by a real controller), as repr text;
 * a function shows as ipc shows it, `<function name at file:line>`.
 */
const PYTHON_DECODING = String.raw`
import pickle, pickletools, sqlite3, types
exec(open(INPUT['values']).read())
from ipyparallel.serialize import unpack_apply_message, deserialize_object

class Shown:
    def __init__(self, f):
        self.text = '<function %s at %s:%d>' % (f.__name__, f.__code__.co_filename, f.__code__.co_firstlineno)
    def __repr__(self):
        return self.text

class ByName:
    def __init__(self, f):
        self.text = '<function %s.%s>' % (f.__module__, f.__name__)
    def __repr__(self):
        return self.text

def by_reference(bufs):
    """The function's pickle only names it (cloudpickle does so for an importable module's function): ipc knows its module, not its file."""
    ops = [op.name for op, _, _ in pickletools.genops(bufs[0])]
    return 'REDUCE' not in ops and 'BUILD' not in ops and ('STACK_GLOBAL' in ops or 'GLOBAL' in ops)

def norm(v):
    if isinstance(v, types.FunctionType):
        return Shown(v)
    if type(v) is tuple:
        return tuple(norm(x) for x in v)
    if type(v) is list:
        return [norm(x) for x in v]
    if type(v) is dict:
        return {k: norm(x) for k, x in v.items()}
    return v

db = sqlite3.connect(INPUT['db'])
out = {}
for msg_id, bufs, rbufs, status in db.execute(
        "select msg_id, buffers, result_buffers, json_extract(result_content, '$.status') from 'ipython-tasks'"):
    row = {}
    if bufs:
        f, args, kwargs = unpack_apply_message(pickle.loads(bufs), {})
        row.update(function=repr(ByName(f) if by_reference(pickle.loads(bufs)) else norm(f)), args=repr(norm(args)), kwargs=repr(norm(kwargs)))
        # the derived keys: a view.map task runs ipyparallel's map lambda on the mapped function and its part of the sequence
        if f.__code__.co_filename.endswith('ipyparallel/client/remotefunction.py'):
            f, args = args[0], args[1:]
        row.update(name=f.__name__, derived_args=repr(norm(args)))
    row['result'] = repr(norm(deserialize_object(pickle.loads(rbufs))[0])) if rbufs and status == 'ok' and pickle.loads(rbufs) else 'None'
    out[msg_id] = row
emit(out)
`;

test('function, args, kwargs and result of every fixture task equal what ipyparallel unpacks', { skip: !havePython() }, async () => {
  const want = (await runPython(PYTHON_DECODING, { db: FIXTURE, values: VALUES })) as Record<string, Record<string, string>>;
  const store = await openSQLiteStore({ path: FIXTURE });
  try {
    const client = await StoreClient.open(store);
    const answer = await client.dbQuery({}, ['function', 'args', 'kwargs', 'result', 'code', 'buffers', 'header', 'content']);
    assert.equal(answer.records.length, Object.keys(want).length);
    const wrong: string[] = [];
    for (const rec of answer.records) {
      const id = rec['msg_id'] as string;
      const py = want[id]!;
      const call = taskCall(rec);
      const got: Record<string, string> = { result: repr(rec['result']) };
      if (py['name'] !== undefined) {
        Object.assign(got, {
          name: rec['function'] as string,
          function: repr(call?.function),
          args: repr(call?.args),
          kwargs: repr(rec['kwargs']),
          derived_args: repr(rec['args']),
        });
      }
      for (const k of Object.keys(py)) if (got[k] !== py[k]) wrong.push(`${id} ${k}:\n  python ${py[k]}\n  ipc    ${got[k]}`);
    }
    assert.equal(wrong.join('\n'), '');
  } finally {
    await store.close();
  }
});

test('an execute request shows its code; a failed task has no result', async () => {
  const store = await openSQLiteStore({ path: FIXTURE });
  try {
    const client = await StoreClient.open(store);
    const exec = await client.dbQuery({ 'header.msg_type': 'execute_request' }, ['code', 'function', 'status']);
    assert.deepEqual(exec.records.map((r) => [r['code'], r['function'], r['status']]), [['a = 5\nprint(a)', null, 'ok']]);
    const failed = await client.dbQuery({ status: 'error' }, ['function', 'args', 'result']);
    assert.deepEqual(failed.records.map((r) => [r['function'], repr(r['args']), r['result']]), [['fail', "('x',)", null]]);
  } finally {
    await store.close();
  }
});

/** Queries on derived keys, each with the same filter written in Python over the decoded records. */
const DERIVED_QUERIES: [Record<string, unknown>, string][] = [
  [{ function: 'echo' }, "r['function'] == 'echo'"],
  [{ function: { $in: ['<lambda>', 'multiply'] }, status: 'ok' }, "r['function'] in ('<lambda>', 'multiply') and r['status'] == 'ok'"],
  [{ status: 'error' }, "r['status'] == 'error'"],
  [{ result: { $gt: 10 } }, "isinstance(r['result'], (int, float, np.integer, np.floating)) and not isinstance(r['result'], bool) and r['result'] > 10"],
  [{ 'kwargs.scale': 3 }, "r['kwargs'] is not None and r['kwargs'].get('scale') == 3"],
  [{ args: [21] }, "type(r['args']) is tuple and len(r['args']) == 1 and type(r['args'][0]) is int and r['args'][0] == 21"],
  [{ code: { $ne: null } }, "r['code'] is not None"],
  [{ $or: [{ function: 'add' }, { 'header.msg_type': 'execute_request' }] }, "r['function'] == 'add' or r['msg_type'] == 'execute_request'"],
  [{ function: 'echo', result: { $regex: '^h' } }, "r['function'] == 'echo' and isinstance(r['result'], str) and r['result'].startswith('h')"],
];

test('queries on derived keys equal the same filter applied in Python to the decoded records, on SQLite, DictDB and MongoDB', { skip: !havePython() }, async () => {
  const filters = DERIVED_QUERIES.map(([, py]) => py);
  const want = (await runPython(
    String.raw`
import json, pickle, sqlite3
exec(open(INPUT['values']).read())
from ipyparallel.serialize import unpack_apply_message, deserialize_object
db = sqlite3.connect(INPUT['db'])
rows = []
for msg_id, bufs, rbufs, status, msg_type, code in db.execute(
        "select msg_id, buffers, result_buffers, json_extract(result_content, '$.status'), json_extract(header, '$.msg_type'), json_extract(content, '$.code') from 'ipython-tasks'"):
    r = {'msg_id': msg_id, 'status': status, 'msg_type': msg_type, 'function': None, 'args': None, 'kwargs': None, 'result': None, 'code': code}
    if bufs:
        f, args, kwargs = unpack_apply_message(pickle.loads(bufs), {})
        if f.__code__.co_filename.endswith('ipyparallel/client/remotefunction.py'):
            # a view.map task: the mapped function over the task's part of the sequence
            f, args = args[0], args[1:]
        r.update(function=f.__name__, args=args, kwargs=kwargs)
    if rbufs and status == 'ok' and pickle.loads(rbufs):
        r['result'] = deserialize_object(pickle.loads(rbufs))[0]
    rows.append(r)
emit([sorted(r['msg_id'] for r in rows if eval(f, {'r': r, 'np': np})) for f in INPUT['filters']])
`,
    { db: FIXTURE, values: VALUES, filters },
  )) as string[][];
  const store = await openSQLiteStore({ path: FIXTURE });
  const target = await startMongoTarget();
  const mongo = await openMongoStore({ url: target.url, database: target.freshDatabase(), write: true });
  try {
    const client = await StoreClient.open(store);
    const dict = new DictDB();
    for (const r of (await client.dbQuery({}, [...KEY_NAMES_7X])).records) {
      dict.addRecordSync(r['msg_id'] as string, r);
      await mongo.addRecord(r['msg_id'] as string, r);
    }
    const memory = await StoreClient.open(dict);
    const onMongo = await StoreClient.open(mongo);
    for (const [i, [query]] of DERIVED_QUERIES.entries()) {
      for (const [name, c] of [['SQLite', client], ['DictDB', memory], ['MongoDB', onMongo]] as const) {
        const got = (await c.dbQuery(query, ['function'])).records.map((r) => r['msg_id'] as string).sort();
        assert.deepEqual(got, want[i], `${name} ${JSON.stringify(query)}`);
      }
      assert.ok(want[i]!.length > 0, `the fixture has answers to ${JSON.stringify(query)}`);
    }
  } finally {
    await store.close();
    await mongo.close();
    await target.close();
  }
});

/**
 * Every `view.map` task sends the same map lambda: its name cannot come from
 * that pickle alone. Tasks of two mapped functions, interleaved, each get
 * their own function's name and part of the sequence, however often the
 * names were looked up before.
 */
test('view.map tasks of different functions, interleaved, each go by their own function', { skip: !havePython() }, async () => {
  const made = (await runPython(String.raw`
from ipyparallel.client.remotefunction import _map
from ipyparallel.serialize import pack_apply_message
def first(x):
    return x
def second(x):
    return -x
out = []
for f in (first, second, first, second):
    for part in (range(0, 2), range(2, 4)):
        out.append([f.__name__, repr((part,)), pack_apply_message(_map, (f, part), {})])
emit(out)
`)) as [string, string, Uint8Array[]][];
  assert.equal(made.length, 8);
  for (let round = 0; round < 2; round++) {
    const got = made.map(([, , buffers], i) => {
      const rec = { msg_id: `m${round}-${i}`, buffers, header: { msg_type: 'apply_request' } };
      return [taskFunctionName(rec), repr(derivedValue(rec, 'args'))];
    });
    assert.deepEqual(got, made.map(([name, args]) => [name, args]));
  }
});
