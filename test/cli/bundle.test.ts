/** The command's bundle as the build leaves it: V8's cache of its code taken, packages imported through its loader. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers.js';

const BUNDLE = join(ROOT, 'dist', 'bundle', 'cli.cjs');
const CACHE = join(ROOT, 'dist', 'bundle', 'cli.cache');

/** What a fresh process loading the bundle through bin/command-loader.js reports (`report` is its body: `script`, `exports` at hand). */
function inFreshProcess(cache: string | null, report: string): string {
  const loader = JSON.stringify(new URL('../../../bin/command-loader.js', import.meta.url).href);
  const code =
    `const { loadCommand, readCache } = await import(${loader});` +
    `const { script, exports } = loadCommand(${JSON.stringify(BUNDLE)}, ${cache === null ? 'undefined' : `readCache(${JSON.stringify(cache)})`});` +
    `process.stdout.write(String(${report}));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(run.stderr, '');
  return run.stdout;
}

test('the build leaves the bundle with a cache of its compiled code that V8 takes', () => {
  assert.ok(statSync(CACHE).mtimeMs >= statSync(BUNDLE).mtimeMs, 'the cache is made after the bundle');
  assert.equal(inFreshProcess(CACHE, 'script.cachedDataRejected'), 'false');
  assert.equal(inFreshProcess(null, 'typeof exports.main'), 'function');
  // V8 refuses a cache made for other code: the bundle then compiles from its text
  assert.equal(inFreshProcess(join(ROOT, 'package.json'), 'script.cachedDataRejected + " " + typeof exports.main'), 'true function');
});

test("the bundle's import() of a package goes through its loader, not V8's own", () => {
  const text = readFileSync(BUNDLE, 'utf8');
  // esbuild leaves an import() of a package as it is; in a vm.Script it fails ("A dynamic import callback was not specified")
  assert.doesNotMatch(text, /\bimport\(\s*["'`]/);
  assert.match(text, /\bimportByLoader\(name\)/);
  // (the interactive shell's tests import Ink through it: test/ui)
});
