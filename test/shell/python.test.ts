/**
 * The statement language against Python itself: expressions valid in both
 * are evaluated by /usr/bin/python3 and by the shell, and the shell's repr
 * (what script mode prints) must equal Python's repr.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { havePython } from '../support/python.js';
import { mismatchesWithPython } from './helpers.js';

const EXPRESSIONS = [
  "'%s' % 2.5",
  "'%s and %r' % ('a', 'b')",
  "'%d tasks' % 5", "'%s' % {'a': 1}", "'%s %s' % {'a': 1}", '2.0 * None', '[1] * 2.0', "'%q' % 1", "'100%' % ()", "'%5.2z' % 1",
  "'%5d|%-5d|%05d' % (42, 42, 42)",
  "'%.2f' % 3.14159",
  "'%8.3f|%-8.3f|%+.1f' % (2.5, 2.5, 2.5)",
  "'%e' % 12345.678",
  "'%.3E' % 0.000123",
  "'%g %g %g %g' % (0.0001, 123456789, 1.5, 100000)",
  "'%G' % 1e-10",
  "'%x %X %o %#x %#o' % (255, 255, 8, 255, 8)",
  "'%c%c' % ('a', 98)",
  "'%%d is %d' % 3",
  "'%(n)d of %(m)s' % {'n': 2, 'm': 'ten'}",
  "'%s' % [1, 2]",
  "'%s' % (None,)",
  "'%d' % 2.9",
  "'%d' % True",
  "'%s %s' % (1,)",
  "'%s' % (1, 2)",
  "'%d' % 'x'",
  "'%.1f%%' % 99.44",
  "'% d' % 5",
  "'%10s|%-10s|' % ('hi', 'hi')",
  "'%.3s' % 'abcdef'",
  "'%i' % -7",
  "'%f' % float('inf')",
  "'%*d' % (5, 3)",
  "'%g' % 0.0",
  "'%.0f' % 2.5",
  "'%.0f %.0f %.0f %.2f %.1f %.3f' % (2.5, 3.5, 0.5, 2.675, 0.25, 1.0005)",
  '7 / 7', '2.0', 'float(3)', '3.0 * 2', '4 ** -1', '-0.0', '1e20', '10 ** 20', 'sum([1.0, 2])', 'max(1, 2.0)', '[1.0, 2]', "{'a': 2.0}",
  'timedelta(hours=1).total_seconds()', 'timedelta(hours=2) / timedelta(hours=1)', '7.0 // 2', '7.0 % 2', '-2.0', 'abs(-2.0)',
  'round(3.0, 1)', 'round(2.0)', 'int(2.0)', 'float(True)', 'float(-0)', '0.0 == 0, 1.0 in [1]', 'type(1.0) == type(0.5)', '2.0 ** 2',
  '1.0 + True', 'timedelta(hours=1.0)', 'bool(0.0)', "'ab' * 2.0", '[1][1.0]', 'range(2.0)',
  "{1: 'a', 'b': 2}", "dict([(1, 'x')], y=2)", "{(1, 2): 'x'}[(1, 2)]", '{1: 2} == {1: 2}', "{1: 'a'}.get(1)", "list({1: 'a', 2: 'b'})",
  "{1: 'a', 1.0: 'b'}", '{[1]: 2}', 'type(datetime(2026, 1, 1))', "type({1: 'a'})", 'type(timedelta(1))', 'len(timedelta(1))', 'datetime(2026, 1, 1) + datetime(2026, 1, 1)', 'datetime(2026, 1, 1) < 1', "len({1: 'a', True: 'b'})", "{2 ** 70: 'big'}", "sorted({3: 'c', 1: 'a'}.items())", "{1: 'a'} == {'1': 'a'}",
  '1./24', '(3,4)', '(1,)', '()', "\"it's\"", "'a\"b'", "'tab\\there'", "'é' + 'x' * 3", "{'a': [1, None, True], 'b': {'c': (2,)}}",
  '7 // 2', '-7 // 2', '-7 % 3', '2 ** 10', '0.1 + 0.2', '1e-7', '1e22', '-0.5', "len('héllo')", 'sorted([3, 1, 2], reverse=True)',
  'timedelta(1./24)', 'timedelta(days=1, seconds=5)', 'timedelta(hours=-1)', 'timedelta(0)', 'str(timedelta(hours=25, microseconds=5))',
  'datetime(2026, 11, 2, 15, 30) - timedelta(hours=1, minutes=30)', 'datetime(2026, 1, 2) - datetime(2026, 1, 1, 12)',
  'datetime(2026, 11, 2, 15, 30, 0, 123456)', 'datetime(2026, 11, 2, 15, 30, 7)', 'str(datetime(2026, 11, 2, 15, 30, 0, 123456))',
  'str(datetime(2026, 11, 2))', 'datetime(2026, 11, 2, 15, 30).isoformat()', "datetime(2026, 3, 4, 5, 6, 7).strftime('%Y/%m/%d %H-%M-%S %j')",
  'datetime(2026, 11, 2).year', "int('42')", "float('1.5')", 'int(-2.9)', '[x * 2 for x in range(5) if x % 2]',
  'list(map(lambda x: x + 1, (1, 2)))', "{'k': 1}.get('z', 3)", "'abc'[::-1]", '[1, 2, 3][-2:]', '3 < 5 <= 5', 'not None', "None or 'x'",
  '1 if 0 else 2', "'-'.join(['a', 'b'])", "'a,b'.split(',')", "' x '.strip().upper()", "sorted({'b': 1, 'a': 2}.items())",
  "dict([('a', 1)], b=2)", "list(zip([1, 2], 'ab'))", 'list(enumerate(["x"], 1))', 'max([3, 9, 2]), min(4, 1)', 'sum([1, 2, 3])',
  "'x' in 'xyz', 3 not in [1, 2]", "[1, 2] + [3]", "(1, 2) + (3,)", 'abs(-3), round(2.675, 2)', 'round(0.125, 2), round(2.5), round(3.5), round(-1.5), round(0.1 + 0.2, 1)', "'\\u00e9\\x41'", "r'\\d'",
  "repr('q')", 'str(None)', "str([1, 'a'])", 'bool([])', "sorted(['b', 'A', 'a'])", "any([0, 1]), all([])", '10 / 4', '2 ** -1',
  "'%' + 'd'", "{'a': 1} == {'a': 1}", '[None] * 3', "type(1) == type(2)", "'ab'.startswith(('x', 'a'))",
];

test('the shell prints what Python prints for the same expressions', { skip: !havePython() && 'needs /usr/bin/python3' }, async () => {
  const body = String.raw`
import datetime as dt
names = {'datetime': dt.datetime, 'timedelta': dt.timedelta}
out = []
for e in INPUT:
    try:
        out.append(repr(eval(e, dict(names))))
    except Exception as ex:
        out.append('!' + type(ex).__name__ + ': ' + str(ex))
emit(out)
`;
  assert.deepEqual(await mismatchesWithPython(EXPRESSIONS, body), []);
});
