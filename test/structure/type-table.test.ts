/**
 * The language asks a value's type (language/types/) what it does: its
 * name, truth, len(), iteration, indexing, item assignment, attributes,
 * calls. A test of a value's class elsewhere in language/ is a chain that
 * a new Python type would have to join; those that remain are the number
 * tower, equality and ordering, arithmetic, hashing and format specs, each
 * held to its count here. A new one fails this test: give the type table a
 * slot (or the type an entry) instead.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { typeOf } from '../../src/language/index.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const language = join(root, 'src', 'language');
const tableSource = readFileSync(join(language, 'types', 'table.ts'), 'utf8');

/** The classes the type table has a row for. */
const TABLE_CLASSES = [...tableSource.matchAll(/^\s*\[(\w+), \w+\],$/gm)].map((m) => m[1]!);

/** Tests of a table class outside types/: what they are for, and how many there are. */
const ALLOWED: Record<string, { count: number; why: string }> = {
  'builtins.ts': { count: 11, why: 'str() of Text; int(), float(), abs(), round() and sum() over the number tower and timedeltas' },
  'compare.ts': { count: 18, why: 'equality and ordering' },
  'dicts.ts': { count: 6, why: "hashing: which keys are one key, which are unhashable" },
  'format-spec.ts': { count: 3, why: 'format specs of datetimes and floats, and {0[key]} fields' },
  'interpreter.ts': { count: 16, why: 'arithmetic and unary minus; from-import of a module object' },
  'numbers.ts': { count: 8, why: 'the number tower (int, float, numpy scalars)' },
  'time.ts': { count: 3, why: 'datetime and timedelta arguments' },
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'types' ? [] : sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

test('the type table has its rows, and every value gets a type with a name', () => {
  assert.ok(TABLE_CLASSES.length >= 15 && TABLE_CLASSES.includes('PyValue') && TABLE_CLASSES.includes('Array'), `rows read from table.ts: ${TABLE_CLASSES.join(', ')}`);
  for (const v of [null, undefined, true, 1, 1.5, 2n ** 70n, 'a', [], {}, new Map(), new Set(), new Uint8Array(1), Object.create(null), new (class Other {})()]) {
    assert.equal(typeof typeOf(v).name(v), 'string');
  }
});

test('outside the type table, language/ tests the class of a value only for numbers, equality, arithmetic, hashing and formats', () => {
  const pattern = new RegExp(`instanceof (${TABLE_CLASSES.join('|')})\\b`, 'g');
  const found: Record<string, number> = {};
  for (const file of sources(language)) {
    const n = [...readFileSync(file, 'utf8').matchAll(pattern)].length;
    if (n > 0) found[file.slice(language.length + 1)] = n;
  }
  const over = Object.entries(found)
    .filter(([f, n]) => n > (ALLOWED[f]?.count ?? 0))
    .map(([f, n]) => `${f}: ${n} tests of a value's class (allowed ${ALLOWED[f]?.count ?? 0}): give the type table a slot, or the type an entry, in src/language/types/`);
  assert.deepEqual(over, []);
  const fewer = Object.entries(ALLOWED)
    .filter(([f, a]) => (found[f] ?? 0) < a.count)
    .map(([f, a]) => `${f}: ${found[f] ?? 0} now; lower its allowance from ${a.count}`);
  assert.deepEqual(fewer, []);
});
