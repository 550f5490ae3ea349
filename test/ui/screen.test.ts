import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlternateScreen } from '../../src/ui/screen.js';

function recorder() {
  const writes: string[] = [];
  return { writes, out: { write: (s: string) => writes.push(s) } };
}

test('the viewer takes the alternate screen, rewrites only changed lines, and gives the main screen back', () => {
  const { writes, out } = recorder();
  const screen = new AlternateScreen(out);
  screen.draw(['ignored before enter'], 3);
  assert.equal(writes.length, 0);
  screen.enter();
  assert.ok(writes[0]!.includes('\x1b[?1049h'));
  screen.draw([' header', '>row 1', ' row 2'], 3);
  const full = writes.at(-1)!;
  for (const [i, text] of [' header', '>row 1', ' row 2'].entries()) assert.ok(full.includes(`\x1b[${i + 1};1H\x1b[0m${text}`));
  screen.draw([' header', ' row 1', '>row 2'], 3);
  const diff = writes.at(-1)!;
  assert.ok(!diff.includes('header'), 'an unchanged line is not written again');
  assert.ok(diff.includes('\x1b[2;1H') && diff.includes('\x1b[3;1H'));
  const n = writes.length;
  screen.draw([' header', ' row 1', '>row 2'], 3);
  assert.equal(writes.length, n, 'an unchanged frame writes nothing');
  screen.invalidate();
  screen.draw([' header', ' row 1', '>row 2'], 3);
  assert.ok(writes.at(-1)!.includes('header'), 'after a resize everything is drawn again');
  screen.leave();
  assert.equal(writes.at(-1), '\x1b[?1049l');
  assert.equal(screen.isActive, false);
});
