/**
 * Python habits at the prompt, against Python itself: f-strings with format
 * specs and conversions, set and dict comprehensions and nested `for`
 * clauses, format() and str.format, collections and math. Each expression is
 * evaluated by /usr/bin/python3 and by the shell, and the reprs must agree.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { havePython } from '../support/python.js';
import { demoShell, mismatchesWithPython, value } from './helpers.js';

const SETUP = ['from collections import Counter, defaultdict, OrderedDict', 'import math', 'x = 5', "name = 'ipc'", 'pi = 3.14159'];

const EXPRESSIONS = [
  "f'{x}'", "f'{x + 1} and {name}'", "f'{name!r}'", "f'{name!s:>6}|'", "f'{name!a}'", "f'{\"é\"!a}'", "f'{x=}'", "f'{x = }'", "f'{pi=:.2f}'",
  "f'{pi:.2f}'", "f'{pi:10.3f}|'", "f'{pi:<10.1f}|'", "f'{pi:^10.2f}|'", "f'{pi:*^12.1f}|'", "f'{pi:+.3e}'", "f'{pi:E}'", "f'{pi:g}'",
  "f'{1e-7:g}'", "f'{123456789.0:g}'", "f'{0.5:%}'", "f'{0.256:.1%}'", "f'{x:05d}'", "f'{-x:05d}'", "f'{x:+d}'", "f'{x: d}'",
  "f'{1234567:,}'", "f'{1234567:_}'", "f'{1234567.891:,.2f}'", "f'{255:x} {255:X} {255:#x} {255:o} {255:#b} {65:c}'", "f'{0xdeadbeef:_x}'",
  "f'{x:{x}}|'", "f'{pi:.{x}f}'", "f'{{x}}'", "f'{{{x}}}'", "f'a' 'b' f'{x}'", "'plain' f'{x}'", "f'{[1, 2]}'", "f'{ {\"a\": 1} }'",
  "f'{None}'", "f'{True}'", "f'{True:d}'", "f'{2 ** 70}'", "f'{2 ** 70:,}'", "f'{1.0}'", "f'{1e20}'", "f'{1e20:f}'", "f'{float(\"inf\"):f}'",
  "f'{x if x > 3 else 0}'", "f'{\"-\".join([\"a\", \"b\"])}'", "f'{name[0]}'", "f'{name.upper()}'", "f'{len(name):3}'",
  "f'{pi:.3}'", "f'{1.0:.3}'", "f'{1234.5:.2}'", "f'{pi:}'", "f'{name:10}|'", "f'{x:10}|'", "f'{name:.2}'", "f'{x:=+8}'",
  "f'{x:q}'", "f'{name:d}'", "f'{pi:d}'", "f'{x:.2d}'", "f'{name:+}'", "f'{[1]:>5}'",
  "format(pi, '.2f')", "format(x)", "format(x, 'b')", "format(1e20, ',')", "format(name, '>5')",
  "'{} {}'.format(1, 'a')", "'{1} {0}'.format('a', 'b')", "'{n:>4}|'.format(n=7)", "'{!r}'.format('q')", "'{:.1f}'.format(2.25)", "'{0[1]}'.format([4, 5])",
  "'{:{}}|'.format('a', 4)", "'{{}}'.format()", "'{}'.format()",
  'sorted({v for v in [3, 1, 3, 2]})', 'len({v % 3 for v in range(10)})', '{k: k * k for k in range(4)}', "{k: v for k, v in [('a', 1), ('b', 2)]}",
  "{name[i]: i for i in range(len(name))}", '[(a, b) for a in range(3) for b in range(a)]', '[a * b for a in [1, 2] if a > 1 for b in [3, 4] if b < 4]',
  '[y for xs in [[1, 2], [3]] for y in xs]', 'sum(a + b for a in range(3) for b in range(2))', 'sorted({(a, b) for a in [1, 1] for b in [2, 2]})',
  "Counter('abracadabra')", "Counter('abracadabra').most_common(2)", "Counter([1, 1, 2])[1]", "Counter([1, 1, 2])[9]", "Counter({'a': 2})",
  "len(Counter('hello'))", "OrderedDict([('b', 1), ('a', 2)])", "list(OrderedDict([('b', 1), ('a', 2)]))", "sorted(Counter('banana').items())",
  "dict(Counter('aab'))", "defaultdict(int)['missing']",
  'math.sqrt(16)', 'math.sqrt(2)', 'math.floor(2.7)', 'math.ceil(2.1)', 'math.floor(-2.5)', 'math.trunc(-2.5)', 'math.floor(7)', 'math.log(math.e)',
  'math.log(8, 2)', 'math.log2(1024)', 'math.log10(0.001)', 'math.exp(0)', 'math.pow(2, 10)', 'math.fabs(-3)', 'math.pi', 'math.inf', 'math.isnan(math.nan)',
  'math.isinf(-math.inf)', 'math.isfinite(1.0)', 'math.sqrt(-1)', 'math.log(0)', 'math.floor(1e300) == 10 ** 300', 'math.ceil(float("inf"))',
];

test('Python habits at the prompt print what Python prints', { skip: !havePython() && 'needs /usr/bin/python3' }, async () => {
  const body = String.raw`
from collections import Counter, defaultdict, OrderedDict
import math
out = []
for e in INPUT:
    ns = {'Counter': Counter, 'defaultdict': defaultdict, 'OrderedDict': OrderedDict, 'math': math, 'x': 5, 'name': 'ipc', 'pi': 3.14159}
    try:
        out.append(repr(eval(e, ns)))
    except Exception as ex:
        out.append('!' + type(ex).__name__ + ': ' + str(ex))
emit(out)
`;
  assert.deepEqual(await mismatchesWithPython(EXPRESSIONS, body, SETUP), []);
});

test('a defaultdict gives a missing key its factory value and keeps it; a Counter counts with +=', async () => {
  const { shell } = await demoShell({ count: 5 });
  assert.deepEqual(await value(shell, "from collections import defaultdict, Counter\nd = defaultdict(list)\nd['a'].append(1)\nd['a'].append(2)\nlen(d['a']), len(d)"), [2, 1]);
  assert.deepEqual(await value(shell, "d['a']"), [1, 2]);
  assert.equal(await value(shell, "c = Counter()\nc['x'] += 1\nc['x'] += 1\nc['x']"), 2);
  assert.equal(await value(shell, "e = defaultdict(lambda: 'none')\ne[3]"), 'none');
});

test('an f-string with a broken field is one ParseError naming what is wrong', async () => {
  const { shell } = await demoShell({ count: 5 });
  for (const [source, sentence] of [
    ['f"{}"', /empty expression not allowed/],
    ['f"{x!z}"', /invalid conversion character/],
    ['f"{x"', /expecting '\}'/],
    ['f"a}b"', /single '\}' is not allowed/],
    ['f"{1 +}"', /in a field of this f-string/],
  ] as const) {
    const [o] = await shell.execute(source);
    assert.equal(o?.error?.kind, 'ParseError', source);
    assert.match(o!.error!.message, sentence, source);
  }
});

test('datetime.now() has microseconds, as Python gives them', async () => {
  const { shell } = await demoShell({ count: 5 });
  const seen = new Set<number>();
  for (let i = 0; i < 20; i++) seen.add(Number(await value(shell, 'datetime.now().microsecond')) % 1000);
  assert.ok(seen.size > 1, `the sub-millisecond digits were always ${[...seen]}`);
});
