import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDemoRecords } from '../../src/stores/index.js';
import { type Dict } from '../../src/records/index.js';

const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

test('a failed cell in the demo store is code that raises its error, and its traceback points at that line', () => {
  let failedCells = 0;
  for (const r of generateDemoRecords({ count: 2000 })) {
    const error = r['error'] as Dict | null;
    const code = r['execute_input'];
    if (!error || typeof code !== 'string') continue;
    failedCells++;
    assert.equal((r['content'] as Dict)['code'], code);
    const tb = (error['traceback'] as string[]).map(plain);
    const lines = code.split('\n');
    assert.ok(tb[2]!.includes(`----> ${lines.length} ${lines.at(-1)}`), tb[2]);
    assert.equal(tb.at(-1), `${error['ename']}: ${error['evalue']}`);
    const raises: Record<string, RegExp> = { ZeroDivisionError: /\/ 0$/, KeyError: /\[.+\]$/, ValueError: /^float\(/, MemoryError: /np\.zeros/ };
    assert.match(lines.at(-1)!, raises[String(error['ename'])]!, `${error['ename']} from ${code}`);
  }
  assert.ok(failedCells > 10, `only ${failedCells} failed cells`);
});
