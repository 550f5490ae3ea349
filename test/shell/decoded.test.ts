/**
 * Values that tasks returned, decoded from the real-controller fixture, used
 * in shell expressions: each expression is evaluated by the shell and by
 * Python on `deserialize_object` of the same result_buffers, and the reprs
 * must be equal.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { repr } from '../../src/format/index.js';
import { createShell } from '../../src/shell/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { havePython, runPython } from '../support/python.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/payloads.db', import.meta.url));
const ID = (n: number) => `6615fe4b-d6830441901b78145a04522a_1076_${n}`;

/** Which result each name is bound to: a float, a set, an OrderedDict, a deque, a Counter, numpy arrays and a scalar, a range, a datetime. */
const BINDINGS: Record<string, number> = { f: 7, s: 23, o: 33, q: 35, c: 36, a: 45, g: 43, h: 44, r: 37, z: 40, d: 26, i: 39, m: 31, p: 32 };

const EXPRESSIONS = [
  'f + 1', 'f * 2', '-f', 'f > 3', 'f == 3.5', 'round(f)', 'int(f)', 'abs(-f)', 'f / 7 * 2',
  'len(s)', '2 in s', 'sorted(s)', 'bool(s)', 'sum(s)',
  "o['a']", 'list(o)', 'len(o)', "o.get('z')", "o.get('q', 5)", "'a' in o", 'list(o.items())', 'list(o.values())',
  'list(q)', 'len(q)', 'q[-1]', 'q[0] + q[1]',
  "c['l']", "c['missing']", 'c.most_common(1)', 'sorted(c)',
  'len(a)', 'a[0]', 'a.tolist()', 'a.shape', 'a.ndim', 'float(sum(a))',
  'len(g)', 'int(g[5])', 'int(sum(g))', 'h.shape', 'h.tolist()[1]', 'len(h)', 'h.size',
  'list(r)', 'len(r)', 'r[1]', 'r[-1]',
  'float(z + 1)', 'float(z * 2)', 'z == 0.25', 'float(z)', 'int(i) + 1',
  'float(m)', 'int(m)', 'float(m) * 2', 'float(p)', 'int(p)',
  'd.year', 'd.microsecond', 'd.month * 100 + d.day', '(d - timedelta(days=1)).day',
  // the errors Python raises: an index past the end is IndexError, a missing key KeyError
  'q[7]', 'r[9]', 'list(s)[5]', '[][0]', '(1, 2)[-3]', "o['nope']",
];

test('decoded results take part in expressions as Python has them', { skip: !havePython() && 'needs python3-ipyparallel' }, async () => {
  const want = (await runPython(String.raw`
import sqlite3, datetime
from ipyparallel.serialize import deserialize_object
db = sqlite3.connect(INPUT['db'])
names = {'timedelta': datetime.timedelta}
for name, n in INPUT['bindings'].items():
    (bufs,) = db.execute("select result_buffers from 'ipython-tasks' where msg_id = ?", (INPUT['prefix'] + str(n),)).fetchone()
    import pickle
    names[name] = deserialize_object(pickle.loads(bufs))[0]
out = []
for e in INPUT['expressions']:
    try:
        out.append(repr(eval(e, dict(names))))
    except Exception as ex:
        out.append('!' + type(ex).__name__)
emit(out)
`, { db: FIXTURE, bindings: BINDINGS, prefix: ID(0).slice(0, -1), expressions: EXPRESSIONS })) as string[];
  const store = await openSQLiteStore({ path: FIXTURE });
  try {
    const shell = createShell({ client: await StoreClient.open(store) });
    for (const [name, n] of Object.entries(BINDINGS)) {
      const [o] = await shell.execute(`${name} = rc.get_result('${ID(n)}').get()`);
      assert.equal(o?.error, undefined, `${name}: ${o?.error?.message}`);
    }
    const mismatches: string[] = [];
    for (let k = 0; k < EXPRESSIONS.length; k++) {
      const [o] = await shell.execute(EXPRESSIONS[k]!);
      const got = o?.error ? `!${o.error.kind}` : repr(o?.value);
      if (got !== want[k]) mismatches.push(`${EXPRESSIONS[k]}: ipc ${got}, Python ${want[k]}`);
    }
    assert.deepEqual(mismatches, []);
  } finally {
    await store.close();
  }
});
