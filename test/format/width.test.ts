/**
 * Table widths are Ink's: the width of text is what string-width (which
 * Ink lays out with) says, so padding in a table and Ink's layout agree on
 * emoji, ZWJ sequences and the soft hyphen, and a cut never splits a cluster.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import stringWidth from 'string-width';
import { cutText, textWidth } from '../../src/format/index.js';
import { isNarrow } from '../../src/format/width.js';
import { wrapAnsiLine } from '../../src/ui/text-width.js';

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
const SAMPLES = ['plain', 'e\u0301t\u00e9', 'co\u00ADop', '\u{1F600} ok', `${FAMILY} home`, '\u4E2D\u6587', '\u{1F1EB}\u{1F1F7} flag', '1\uFE0F\u20E3'];

test('text is as wide as Ink measures it: emoji, a ZWJ family, the soft hyphen, CJK', () => {
  for (const s of SAMPLES) assert.equal(textWidth(s), stringWidth(s), JSON.stringify(s));
  assert.equal(textWidth(FAMILY), 2);
  assert.equal(textWidth('co\u00ADop'), 4);
  assert.equal(textWidth('\x1b[31m\u{1F600}\x1b[0m'), 2, 'colour takes no columns');
});

test('the characters measured without string-width are one column each, alone and in a row, as string-width says', () => {
  const narrow: string[] = [];
  for (let c = 0; c <= 0xffff; c++) if (isNarrow(c)) narrow.push(String.fromCharCode(c));
  assert.ok(narrow.length > 350 && narrow.includes('µ') && narrow.includes('─') && narrow.includes('…') && !narrow.includes('\u00AD'));
  for (const ch of narrow) assert.equal(stringWidth(ch), 1, `U+${ch.charCodeAt(0).toString(16)}`);
  const all = narrow.join('');
  assert.equal(textWidth(all), stringWidth(all));
  assert.equal(textWidth(all), all.length);
});

test('a cut keeps whole clusters and ends within the width', () => {
  const s = `ab${FAMILY}${FAMILY}cd`;
  for (let w = 1; w <= textWidth(s); w++) {
    const cut = cutText(s, w);
    assert.ok(textWidth(cut) <= w, `${JSON.stringify(cut)} fits ${w}`);
    assert.ok(!cut.replace(new RegExp(FAMILY, 'g'), '').includes('\u200D'), 'no family is split');
  }
  const lines = wrapAnsiLine(`${FAMILY}${FAMILY}${FAMILY}`, 3);
  assert.deepEqual(lines, [FAMILY, FAMILY, FAMILY]);
});
