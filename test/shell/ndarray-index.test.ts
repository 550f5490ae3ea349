/**
 * Indexing an array decoded from a task's result does what numpy does: a
 * slice is an array, a row of a 2-d array is an array, an item of a 1-d
 * array is its value. Differential: Python's repr of the same expression.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { repr } from '../../src/format/index.js';
import { unpickle } from '../../src/payload/index.js';
import { havePython, runPython } from '../support/python.js';
import { demoShell, value } from './helpers.js';

const CASES: [string, string][] = [
  ['np.arange(10)', '[2:5]'],
  ['np.arange(10)', '[::-1]'],
  ['np.arange(10)', '[::3]'],
  ['np.arange(10)', '[-3:]'],
  ['np.arange(10)', '[5:2]'],
  ['np.array([1.0, 2.5, 3.0])', '[1:]'],
  ['np.arange(3, dtype=np.int32)', '[:2]'],
  ['np.arange(12).reshape(3, 4)', '[1]'],
  ['np.arange(12).reshape(3, 4)', '[-1]'],
  ['np.arange(12).reshape(3, 4)', '[1:]'],
  ['np.arange(12).reshape(3, 4)', '[::-2]'],
  ['np.arange(24.0).reshape(2, 3, 4)', '[1]'],
  ['np.arange(6, dtype=np.uint8).reshape(2, 3).T', '[1]'],
  ['np.arange(6, dtype=np.uint8).reshape(2, 3).T', '[1:]'],
  ['np.arange(10)', '[4]'],
];

test('slicing an array gives an array, as numpy does', { skip: !havePython() }, async () => {
  const out = (await runPython(
    `import pickle, numpy as np
cases = ${JSON.stringify(CASES)}
emit([[repr(eval(a + i)), pickle.dumps(eval(a), 2)] for a, i in cases])
`,
  )) as [string, Uint8Array][];
  const { shell } = await demoShell({ count: 1 });
  const wrong: string[] = [];
  for (const [k, [want, data]] of out.entries()) {
    (shell.variables() as Map<string, unknown>).set('a', unpickle(data));
    const got = repr(await value(shell, `a${CASES[k]![1]}`));
    // numpy 2 prints an item as np.int64(4); 1.x (and ipc, as the rest of its reprs) as 4
    const want1x = want.replace(/^np\.\w+\((.*)\)$/, '$1');
    if (got !== want1x) wrong.push(`${CASES[k]!.join('')}: want ${want1x}\n got ${got}`);
  }
  assert.equal(wrong.join('\n'), '');
});

const COMPLEX = [
  'np.array([1+2j, 3-1j])',
  'np.array([1.5+2j, 3-1j, -0.25j])',
  'np.array([1+2j, 3-1j], dtype=np.complex64)',
  'np.array([complex(np.nan, 1), complex(2, np.inf), 1j])',
  'np.array([1e10+1j, 1e-5-2j])',
  'np.arange(6).reshape(2, 3) * (1 + 1j)',
  'np.arange(2000) * 1j',
  'np.zeros(3, dtype=complex)',
];

test('complex arrays print as numpy prints them', { skip: !havePython() }, async () => {
  const out = (await runPython(
    `import pickle, numpy as np
emit([[repr(eval(a)), pickle.dumps(eval(a), 2)] for a in ${JSON.stringify(COMPLEX)}])
`,
  )) as [string, Uint8Array][];
  const wrong: string[] = [];
  for (const [k, [want, data]] of out.entries()) {
    const got = repr(unpickle(data));
    if (got !== want) wrong.push(`${COMPLEX[k]}:\nwant ${want}\n got ${got}`);
  }
  assert.equal(wrong.join('\n'), '');
  const sliced = out[0]!;
  const { shell } = await demoShell({ count: 1 });
  (shell.variables() as Map<string, unknown>).set('c', unpickle(sliced[1]));
  assert.equal(repr(await value(shell, 'c[::-1]')), 'array([3.-1.j, 1.+2.j])');
});
