import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { repr } from '../../src/format/index.js';
import { taskCall } from '../../src/records/index.js';
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
import pickle, sqlite3, types
exec(open(INPUT['values']).read())
from ipyparallel.serialize import unpack_apply_message, deserialize_object

class Shown:
    def __init__(self, f):
        self.text = '<function %s at %s:%d>' % (f.__name__, f.__code__.co_filename, f.__code__.co_firstlineno)
    def __repr__(self):
        return self.text

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
        row.update(name=f.__name__, function=repr(norm(f)), args=repr(norm(args)), kwargs=repr(norm(kwargs)))
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
        Object.assign(got, { name: rec['function'] as string, function: repr(call?.function), args: repr(rec['args']), kwargs: repr(rec['kwargs']) });
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
