// A test reporter: one line per test file's test, failures in full, and a
// closing line `N passed, N failed, N skipped` counting tests, not suites.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';

// With IPC_TEST_FILE_TIMES=FILE, each test file's time (from its start to the end
// of its process, in seconds) is appended to FILE, to keep test/slow-files.json in step.
const timesFile = process.env.IPC_TEST_FILE_TIMES;

export default async function* reporter(source) {
  let passed = 0, failed = 0, skipped = 0;
  const failures = [];
  const spans = new Map();
  for await (const event of source) {
    const { type, data } = event;
    // a file is itself a test named by its path: dequeued when it starts, complete when its process ends
    if (timesFile && data?.file && data.name === data.file) {
      if (type === 'test:dequeue') spans.set(data.file, { first: Date.now(), last: Date.now() });
      else if (type === 'test:complete' && spans.has(data.file)) spans.get(data.file).last = Date.now();
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    if (data.details?.type === 'suite') continue;
    const file = data.file ? relative(process.cwd(), data.file) : '';
    if (type === 'test:pass') {
      if (data.skip !== undefined && data.skip !== false) {
        skipped++;
        yield `  - skipped ${data.name}${typeof data.skip === 'string' ? ` (${data.skip})` : ''}\n`;
      } else {
        passed++;
        yield `  ✓ ${data.name} (${Math.round(data.details?.duration_ms ?? 0)} ms)\n`;
      }
    } else {
      failed++;
      const err = data.details?.error;
      const cause = err?.cause ?? err;
      const text = `${cause?.stack ?? cause?.message ?? String(cause)}`;
      failures.push(`✗ ${file} › ${data.name}\n${text.split('\n').map((l) => '    ' + l).join('\n')}`);
      yield `  ✗ ${data.name}\n`;
    }
  }
  if (timesFile) {
    const lines = [...spans].map(([file, s]) => `${((s.last - s.first) / 1000).toFixed(1)}\t${relative(process.cwd(), file)}\n`);
    appendFileSync(timesFile, lines.join(''));
  }
  if (failures.length) yield `\nFailures:\n${failures.join('\n\n')}\n`;
  yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
