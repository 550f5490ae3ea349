/**
 * No array of unbounded length is spread into a call anywhere in src/:
 * `f(...items)` passes every item on the stack, and past about 100,000 items
 * V8 throws RangeError (an internal error for a script of 200,000 statements,
 * or a table of 120,000 rows). Loops, reduce and arrays passed whole do the
 * same work at any size.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../cli/helpers.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(name) ? [p] : [];
  });
}

/** The code with comments, strings and regular expression literals blanked out (lengths kept). */
function codeOnly(text: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return text.replace(
    /\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`|(?<=[(,=:!&|?;{}\s])\/(?![*/])(?:\\.|\[(?:\\.|[^\]\\])*\]|[^/\\\n])+\/[a-z]*/g,
    blank,
  );
}

/** Where `...` spreads into a call's arguments (rest parameters with a type are declarations, not calls). */
export function callSpreads(text: string): number[] {
  const code = codeOnly(text);
  const lines: number[] = [];
  for (let i = code.indexOf('...'); i >= 0; i = code.indexOf('...', i + 3)) {
    const closes = { ')': 0, ']': 0, '}': 0 };
    let opener = '';
    for (let j = i - 1; j >= 0 && !opener; j--) {
      const c = code[j]!;
      if (c === ')' || c === ']' || c === '}') closes[c]++;
      else if (c === '(' || c === '[' || c === '{') {
        const close = c === '(' ? ')' : c === '[' ? ']' : '}';
        if (closes[close] > 0) closes[close]--;
        else opener = c;
      }
    }
    if (opener !== '(') continue;
    if (/^\w+\s*:/.test(code.slice(i + 3, i + 80))) continue;
    lines.push(code.slice(0, i).split('\n').length);
  }
  return lines;
}

test('the scanner finds a spread into a call and passes array and object spreads', () => {
  assert.deepEqual(callSpreads('const a = Math.max(...rows);\nf([...a], { ...b });\nfunction g(...xs: number[]) {}\n'), [1]);
  assert.deepEqual(callSpreads("// f(...x)\nconst s = '(...)';\nconst r = /(...)/;\nout.push(\n  ...items);\n"), [5]);
});

test('no call in src/ takes a spread array', () => {
  const found: string[] = [];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const line of callSpreads(text)) found.push(`${relative(ROOT, file)}:${line}: ${text.split('\n')[line - 1]!.trim()}`);
  }
  assert.deepEqual(found, []);
});
