import assert from 'node:assert/strict';
import { test } from 'node:test';
import { History } from '../../src/ui/history.js';
import { PromptEditor } from '../../src/ui/prompt-editor.js';

const ids = Array.from({ length: 5 }, (_, i) => `e4b92fbb-d3c60fa9073ba9a3de2e0778_18107_${i + 1}`);

function lines(candidates: readonly string[], columns: number): string[] {
  const editor = new PromptEditor({ history: History.load(null), complete: async () => ({ start: 0, end: 0, candidates: [] }), isComplete: () => true });
  editor.completions = candidates;
  return editor.completionLines(columns, 40, (s) => s);
}

test('Tab candidates wider than 40 columns stay apart: whole 7.x msg_ids, two spaces between columns', () => {
  const wide = lines(ids, 120);
  assert.deepEqual(wide, [`${ids[0]}  ${ids[1]}`, `${ids[2]}  ${ids[3]}`, ids[4]]);
  for (const l of wide) assert.ok(l.length <= 120);
});

test('an id wider than the terminal is cut in the middle, one per line, keeping the _pid_n that tells it apart', () => {
  const narrow = lines(ids, 30);
  assert.equal(narrow.length, ids.length);
  narrow.forEach((l, i) => {
    assert.ok(l.length <= 30, l);
    assert.ok(l.includes('…') && l.endsWith(`_18107_${i + 1}`), l);
  });
  assert.deepEqual(lines(['ab', 'abc', 'abcd'], 80), ['ab    abc   abcd']);
});
