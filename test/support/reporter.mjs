// A test reporter: one line per test file's test, failures in full, and a
// closing line `N passed, N failed, N skipped` counting tests, not suites.
import { relative } from 'node:path';

export default async function* reporter(source) {
  let passed = 0, failed = 0, skipped = 0;
  const failures = [];
  for await (const event of source) {
    const { type, data } = event;
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
  if (failures.length) yield `\nFailures:\n${failures.join('\n\n')}\n`;
  yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
