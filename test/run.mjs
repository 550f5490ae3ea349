#!/usr/bin/env node
// Runs the compiled tests with node's test runner and closes with one line
// `N passed, N failed, N skipped`. Arguments filter test files by substring.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'dist', 'test');
const filters = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'support' ? [] : walk(p);
    return name.endsWith('.test.js') ? [p] : [];
  });
}

// The runner starts files in the order given, three at a time: the slowest go
// first (test/slow-files.json, seconds each as last measured with
// IPC_TEST_FILE_TIMES), so that none of them starts last and runs alone.
const slow = JSON.parse(readFileSync(join(root, 'test', 'slow-files.json'), 'utf8'));
const weight = (f) => slow[relative(testDir, f)] ?? 0;
const files = walk(testDir)
  .filter((f) => filters.length === 0 || filters.some((x) => relative(testDir, f).includes(x)))
  .sort()
  .sort((a, b) => weight(b) - weight(a));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const reporter = join(root, 'test', 'support', 'reporter.mjs');
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=3', `--test-reporter=${reporter}`, '--test-reporter-destination=stdout', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
