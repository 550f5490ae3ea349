/**
 * Property-based fuzzing of the statement language: whatever is typed, the
 * shell answers with values or IpcErrors, never a JS exception, and never hangs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IpcError } from '../../src/errors.js';
import { demoShell } from './helpers.js';

const TOKENS = [
  'db_query', 'rc', '.', 'get_result', 'session', '(', ')', '[', ']', '{', '}', ',', ':', ';', '=', '==', '+', '-', '−', '*', '/', '//', '%',
  '**', '<', '>=', 'not', 'in', 'and', 'or', 'lambda', 'for', 'if', 'else', 'None', 'True', 'False', 'x', 'y', '_', 'Out',
  "'completed'", "'started'", "'$gte'", "'$in'", "'$ne'", "'$regex'", "'msg_id'", '‘queue’', '“task”', "'", '"', '"""', '\\',
  '0', '1', '3.5', '1./24', '-1', '1e309', 'hourago', 'now', 'today', "ago('2h')", 'datetime', 'timedelta', 'len', 'map', 'sorted',
  'key=', 'keys=', 'str', 'int', 'float', 'print', 'list', '%stdout', '%tb', '%time', '%format', '%help', 'In [1]:', '...:', '\n', ' ',
  '#', '?', 'from', 'import', 'uuids', '_engines', 'get', 'del', 'pass', '\t', 'r', 'b',
];

const program = fc.oneof(
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((ts) => ts.join(' ')),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((ts) => ts.join('')),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hung on ${JSON.stringify(what)}`)), ms);
    }),
  ]);
}

test('random input never crashes or hangs: every statement gives a value or an IpcError', async () => {
  const { shell } = await demoShell({ count: 30 });
  await fc.assert(
    fc.asyncProperty(program, async (src) => {
      const outcomes = await withTimeout(shell.execute(src), 2000, src);
      for (const o of outcomes) {
        if (o.error) {
          assert.ok(o.error instanceof IpcError, `${JSON.stringify(src)}: ${o.error}`);
          assert.doesNotMatch(o.error.message, /internal error/, `${JSON.stringify(src)} → ${o.error.message}`);
          assert.ok(o.error.message.length > 0);
        } else {
          assert.equal(o.hasValue, o.value !== undefined);
        }
      }
      assert.equal(typeof shell.isComplete(src), 'boolean');
      const c = await shell.complete(src, src.length);
      assert.ok(c.start <= c.end && c.end <= src.length);
    }),
    { numRuns: 600, seed: 20261121 },
  );
});

test('deeply nested and very long input still ends in a value or an IpcError', async () => {
  const { shell } = await demoShell({ count: 10 });
  const deep = '['.repeat(400) + ']'.repeat(400);
  const [o] = await withTimeout(shell.execute(deep), 5000, 'deep');
  assert.ok(o && (o.error instanceof IpcError || o.hasValue));
  const unclosed = '{'.repeat(2000);
  const [u] = await withTimeout(shell.execute(unclosed), 5000, 'unclosed');
  assert.equal(u?.error?.kind, 'ParseError');
  const long = 'x = 1\n'.repeat(5000) + 'x';
  const outs = await withTimeout(shell.execute(long), 10000, 'long');
  assert.equal(outs.at(-1)?.value, 1);
});
