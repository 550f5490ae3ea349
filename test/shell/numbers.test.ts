/**
 * Python's numbers in the shell, against Python itself: ints exact at any
 * size, ZeroDivisionError, floor division and modulo for negative operands
 * and floats, comparisons between big ints and floats.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonText, repr } from '../../src/format/index.js';
import { havePython } from '../support/python.js';
import { demoShell, mismatchesWithPython, value } from './helpers.js';

// Whole-number floats below 2^53 are left out: JS numbers do not keep Python's 7.0 apart from 7.
const EXPRESSIONS = [
  '2**64', '2**64 + 1', '-(2**64)', '(-2)**63', '2**53 + 1', '2**100 // 3', '2**100 % 7', '-(2**100) // 7', '-(2**100) % 7',
  'sum([x * x for x in range(300000)])', 'sum([x ** 5 for x in range(1000)])', "int('9' * 30)", "int('-123456789012345678901234567890')",
  "int('ff' * 10, 16)", "int('1_000_000_000_000_000_000')", '10**20 / 3', '2**64 / 2**31 / 3', '1 / 3', '-7 / 2',
  '1/0', '7 // 0', '7 % 0', '7.5 // 0', '7.5 % 0', '7.5 / 0', '0 ** -1', '2**64 // 0',
  '-7 // 2', '-7 % 3', '7 % -3', '-7 % -3', '7.5 % -2', '-7.5 // 2 + 0.5', '-0.5 % 1', '5.5 // -1.5 - 0.25', '1e300 * 1e10 > 1',
  '2**64 == 2.0**64', '2**53 + 1 == 2.0**53', '2**64 > 1.8e19', '2**64 < 1.9e19', '2**70 > 2**69', '-(2**70) < 0',
  '[2**64, 2**64 + 1] == [2**64, 2**64 + 1]', 'max([2**64, 3, 2**65]), min(2**64, 1.5)', 'sorted([2**65, 1, 2**64, -(2**64)])',
  'abs(-(2**64))', 'int(1e20)', 'int(-1e300) < 0', 'float(2**64)', 'str(2**64)', 'repr(2**64)', "'%s' % 1 if False else str(-(2**80))",
  '1e16', '1.5e300', '9007199254740994.0', '2**64 & (2**64 - 1)', '2**64 | 1', 'True + 2**64', '3 * (2**64)', '2**64 in [2**64]',
  'len(str(2**1000))', '(2**64, 2**64 - 2**64)', '12345678901234567890 * 98765432109876543210',
];

test('ints, division and modulo print what Python prints', { skip: !havePython() && 'needs /usr/bin/python3' }, async () => {
  const body = String.raw`
out = []
for e in INPUT:
    try:
        out.append(repr(eval(e)))
    except Exception as ex:
        out.append('!' + type(ex).__name__ + ': ' + str(ex))
emit(out)
`;
  assert.deepEqual(await mismatchesWithPython(EXPRESSIONS, body), []);
});

test('big ints are exact in JSON output and in dict keys', async () => {
  const { shell } = await demoShell({ count: 5 });
  assert.equal(jsonText(await value(shell, '[2**64, -(2**70), 1.5]')), '[18446744073709551616,-1180591620717411303424,1.5]');
  assert.equal(repr(await value(shell, "d = {}\nd[2**64] = 'x'\nd")), "{'18446744073709551616': 'x'}");
});
