import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { History, currentText, newerEntry, olderEntry, reverseSearch, startCursor } from '../../src/ui/history.js';

test('history is saved with mode 0600, one entry per multi-line statement, and read back by the next session', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipc-history-'));
  try {
    const file = join(dir, 'history');
    const h = History.load(file);
    h.add('rc.db_query({"completed": None})');
    h.add('rc.db_query({\n    "queue": "task",\n})');
    h.add('rc.db_query({\n    "queue": "task",\n})');
    h.add('   ');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, 2);
    const next = History.load(file);
    assert.deepEqual(next.entries, ['rc.db_query({"completed": None})', 'rc.db_query({\n    "queue": "task",\n})']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lines that are not ours are skipped, a missing file is an empty history', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipc-history-'));
  try {
    const file = join(dir, 'history');
    assert.equal(History.load(file).length, 0);
    writeFileSync(file, 'plain readline line\n"ok"\n{"not": "a string"}\n');
    assert.deepEqual(History.load(file).entries, ['ok']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Up goes to older entries that start with what was typed, Down back to the draft', () => {
  const entries = ['rc.session.session', 'hourago', 'rc.db_query({})', 'x = 1'];
  let c = startCursor(entries, 'rc.');
  c = olderEntry(entries, c)!;
  assert.equal(currentText(entries, c), 'rc.db_query({})');
  c = olderEntry(entries, c)!;
  assert.equal(currentText(entries, c), 'rc.session.session');
  assert.equal(olderEntry(entries, c), undefined);
  c = newerEntry(entries, c)!;
  c = newerEntry(entries, c)!;
  assert.equal(currentText(entries, c), 'rc.');
});

test('Ctrl-R finds the newest entry containing the text, then older ones', () => {
  const entries = ['rc.db_query({"queue": "mux"})', 'x = 2', 'rc.db_query({"queue": "task"})'];
  assert.equal(reverseSearch(entries, 'queue', entries.length), 2);
  assert.equal(reverseSearch(entries, 'queue', 2), 0);
  assert.equal(reverseSearch(entries, 'nothing', 3), undefined);
});

test('a FIFO or a device as the history file is neither read nor written, and never blocks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipc-history-'));
  try {
    const fifo = join(dir, 'history');
    execFileSync('mkfifo', [fifo]);
    const t0 = performance.now();
    const h = History.load(fifo);
    h.add('1 + 1');
    assert.equal(h.file, null, 'the session keeps its history in memory');
    assert.deepEqual(h.entries, ['1 + 1']);
    const zero = History.load('/dev/zero');
    zero.add('2 + 2');
    assert.equal(zero.file, null);
    assert.ok(performance.now() - t0 < 1000);
    // a FIFO that appears after the load is not written either
    const late = join(dir, 'late');
    const h2 = History.load(late);
    execFileSync('mkfifo', [late]);
    h2.add('3 + 3');
    assert.equal(h2.file, late);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two sessions at once: Up in each recalls its own inputs, not the other one\'s; the next session has both', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipc-history-'));
  try {
    const file = join(dir, 'history');
    History.load(file).add('earlier = 1');
    const a = History.load(file);
    const b = History.load(file);
    for (let i = 0; i < 3; i++) {
      a.add(`a${i} = ${i}`);
      b.add(`b${i} = ${i}`);
    }
    const recall = (h: History) => {
      const seen: string[] = [];
      let c = startCursor(h.entries, '');
      for (let up = olderEntry(h.entries, c); up; up = olderEntry(h.entries, c)) {
        c = up;
        seen.push(currentText(h.entries, c));
      }
      return seen;
    };
    assert.deepEqual(recall(a), ['a2 = 2', 'a1 = 1', 'a0 = 0', 'earlier = 1']);
    assert.deepEqual(recall(b), ['b2 = 2', 'b1 = 1', 'b0 = 0', 'earlier = 1']);
    assert.deepEqual(History.load(file).entries, ['earlier = 1', 'a0 = 0', 'b0 = 0', 'a1 = 1', 'b1 = 1', 'a2 = 2', 'b2 = 2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
