import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { cellText, cutText, escapeXml, safeText, textWidth } from '../../src/format/index.js';
import { wrapAnsiLine, fitText } from '../../src/ui/text-width.js';
import { PYTHON, havePython } from '../support/python.js';

/** Every escape sequence left in `s`; safe text may hold SGR colour only. */
function escapes(s: string): string[] {
  return [...s.matchAll(/\x1b(\[[0-9;:]*m)?/g)].map((m) => m[0]);
}

/** Any C0/C1 control but newline, or a bidi control, outside an SGR sequence. */
function unsafeLeft(s: string): boolean {
  return /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(s.replace(/\x1b\[[0-9;:]*m/g, ''));
}

const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.array(
    fc.constantFrom(
      '\x1b]52;c;UFdORUQ=\x07', '\x1b]0;title\x1b\\', '\x1b[2J', '\x1b[6n', '\x1b[c', '\x1b[?1000h', '\x1b[?1049h',
      '\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\', '\x1bP+q\x1b\\', '\x1b_apc\x1b\\', '\x9b31m', '\x90dcs\x9c', '\r', '\r\n', '\b',
      '\x07', '\x7f', '\t', '\n', '\u202e', '\u2066', '\u200f', '\u061c', '\x1b[31m', '\x1b[0m', '\x1b[1;38;5;200m', 'é', '界', '👍', 'a', ' ',
    ),
  ).map((a) => a.join('')),
);

test('safe text holds no control but newline and SGR colour, and is unchanged when made safe again', () => {
  fc.assert(
    fc.property(hostile, fc.constantFrom<'keep' | 'strip' | 'show'>('keep', 'strip', 'show'), (s, sgr) => {
      const out = safeText(s, { sgr });
      assert.ok(!unsafeLeft(out), JSON.stringify(out));
      for (const e of escapes(out)) assert.ok(sgr === 'keep' && /^\x1b\[[0-9;:]*m$/.test(e), JSON.stringify(e));
      assert.equal(safeText(out, { sgr }), out, 'idempotent');
    }),
    { numRuns: 2000 },
  );
});

test('the width of safe text is the width of what a terminal draws: SGR takes none', () => {
  fc.assert(
    fc.property(hostile, (s) => {
      const out = safeText(s, { oneLine: true });
      assert.equal(textWidth(out), textWidth(out.replace(/\x1b\[[0-9;:]*m/g, '')));
    }),
  );
  assert.equal(textWidth(safeText('\x1b[31mred\x1b[0m')), 3);
  assert.equal(textWidth(safeText('a\x1b]0;x\x07b')), 'a\\x1b]0;x\\x07b'.length);
});

test('cutting and wrapping never split an escape, and close a colour they cut', () => {
  fc.assert(
    fc.property(hostile, fc.integer({ min: 2, max: 30 }), (s, width) => {
      const cut = cutText(safeText(s, { oneLine: true }), width);
      assert.ok(textWidth(cut) <= width);
      assert.ok(!unsafeLeft(cut));
      assert.ok(!/\x1b(?!\[[0-9;:]*m)/.test(cut), JSON.stringify(cut));
      const fit = fitText(s.replace(/\n/g, ' '), width);
      assert.equal(textWidth(fit), width, JSON.stringify(fit));
      for (const line of wrapAnsiLine(s.replace(/\n/g, ' '), width)) {
        assert.ok(!unsafeLeft(line) && !/\x1b(?!\[[0-9;:]*m)/.test(line), JSON.stringify(line));
        assert.ok(textWidth(line) <= width, JSON.stringify(line));
      }
    }),
  );
  const red = cutText('\x1b[31mabcdefgh', 4);
  assert.equal(red, '\x1b[31mabc\x1b[0m…');
});

test('each control has one visible form; CRLF is a newline, tabs are expanded, colour is closed', () => {
  assert.equal(safeText('a\x1b]52;c;UFdORUQ=\x07b'), 'a\\x1b]52;c;UFdORUQ=\\x07b');
  assert.equal(safeText('x\u202ey\u2066z'), 'x\\u202ey\\u2066z');
  assert.equal(safeText('1\r\n2\r3'), '1\n2\\r3');
  assert.equal(safeText('\x9b2J\x7f\b'), '\\x9b2J\\x7f\\x08');
  assert.equal(safeText('ab\tc'), 'ab      c');
  assert.equal(safeText('\x1b[31mred'), '\x1b[31mred\x1b[0m');
  assert.equal(safeText('\x1b[31mred\x1b[0m', { sgr: 'strip' }), 'red');
  assert.equal(safeText('\x1b[6n', { mark: (s) => `<${s}>` }), '<\\x1b>[6n');
  assert.equal(safeText('plain text, 界 👍'), 'plain text, 界 👍');
});

test('a table cell shows an id with a control escaped, so ids that differ only there still differ', () => {
  const a = cellText('abc\x1b[31m_1');
  const b = cellText('abc_1');
  assert.equal(a, 'abc\\x1b[31m_1');
  assert.notEqual(a, b);
  assert.equal(cellText('x\ny\tz\u202e'), 'x\\ny\\tz\\u202e');
});

test('XML text escapes markup and shows what XML 1.0 cannot hold', () => {
  assert.equal(escapeXml('<e\x01&\x1b]0;t\x07>'), '&#60;e\\x01&#38;\\x1b]0;t\\x07&#62;');
  assert.equal(escapeXml('\ud800x\uffff'), '\\ud800x\\uffff');
});

test('each escape is the one Python writes in a string literal, so an id shown can be typed back', { skip: !havePython() }, () => {
  const controls: number[] = [];
  for (let c = 0; c <= 0x9f; c++) if (c < 0x20 || c >= 0x7f) controls.push(c);
  controls.push(0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069);
  const python = JSON.parse(
    execFileSync(PYTHON, ['-c', 'import json, sys; print(json.dumps([repr(chr(c))[1:-1] for c in json.loads(sys.argv[1])]))', JSON.stringify(controls)], { encoding: 'utf8' }),
  ) as string[];
  assert.deepEqual(controls.map((c) => cellText(String.fromCharCode(c))), python);
});

test("a character that prepends to the next is shown escaped, so a table's width is what the terminal draws", () => {
  // every code point this Node's segmenter joins with a following letter (Grapheme_Cluster_Break=Prepend)
  const segmenter = new Intl.Segmenter();
  const prepend: number[] = [];
  for (let c = 0x20; c < 0x20000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const it = segmenter.segment(String.fromCodePoint(c) + 'a')[Symbol.iterator]();
    it.next();
    if (it.next().done) prepend.push(c);
  }
  assert.ok(prepend.includes(0x600) && prepend.includes(0x11d46), prepend.map((c) => c.toString(16)).join(' '));
  for (const c of prepend) {
    const ch = String.fromCodePoint(c);
    const shown = c <= 0xffff ? `\\u${c.toString(16).padStart(4, '0')}` : `\\U${c.toString(16).padStart(8, '0')}`;
    assert.equal(safeText(`x${ch} y`), `x${shown} y`);
    assert.equal(cellText(`${ch}_1`), `${shown}_1`);
    // one column a character once escaped: padding and cutting count what is drawn
    assert.equal(textWidth(fitText(`${ch} `, 12)), 12);
    assert.equal(fitText(`${ch} `, 12).trimEnd(), shown);
  }
  // the letters around it are left as they are
  assert.equal(safeText('\u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u0d2e\u0d32'), '\u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u0d2e\u0d32');
});
