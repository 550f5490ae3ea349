/**
 * Saving what you look at, from the prompt: %export writes the file script
 * mode would print for the same statement; %tee and %once copy Out[n] to a
 * file. In a real terminal (tmux), against the real binary.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Terminal } from './support/tmux.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const fixture = join(root, 'test', 'fixtures', 'tasks.db');
let home: string;

before(() => {
  home = mkdtempSync(join(tmpdir(), 'ipc-export-'));
});
after(() => rmSync(home, { recursive: true, force: true }));

const prompt = (n: number) => (s: string) => s.includes(`In [${n}]:`);

function script(format: string, statement: string): string {
  const r = spawnSync(process.execPath, [bin, '--sqlitedb', fixture, '--format', format, '-c', statement], { cwd: home, env: { ...process.env, HOME: home }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('%export at the prompt writes what script mode prints for the same statement, in the format the file name asks for', async () => {
  const query = "db_query({'completed': {'$ne': None}}, keys=['msg_id', 'engine_uuid', 'completed', 'stdout'])";
  const t = new Terminal(`node ${bin} --sqlitedb ${fixture}`, { cwd: home, env: { HOME: home } });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type(`%export ${query} out.jsonl`);
    t.send('Enter');
    let s = await t.waitFor(prompt(2), 'the export');
    assert.match(s, /wrote \d+ records to out\.jsonl \(jsonl/);
    t.type(`%export ${query} out.csv`);
    t.send('Enter');
    await t.waitFor(prompt(3), 'the csv export');
    t.type(`%export ${query} out.jsonl`);
    t.send('Enter');
    s = await t.waitFor(prompt(4), 'the refusal');
    assert.match(s, /out\.jsonl exists; add --force to replace it/);
    t.type("%export {'a': [1, 2.5, None]} value.json --force");
    t.send('Enter');
    await t.waitFor(prompt(5), 'a value exported');
  } finally {
    t.close();
  }
  assert.equal(readFileSync(join(home, 'out.jsonl'), 'utf8'), script('jsonl', query));
  assert.equal(readFileSync(join(home, 'out.csv'), 'utf8'), script('csv', query));
  assert.equal(readFileSync(join(home, 'value.json'), 'utf8'), '{"a":[1,2.5,null]}\n');
  assert.ok(!existsSync(join(home, 'out.jsonl.partial')), 'no partial file is left');
});

test('%tee copies every later Out[n] to a file until %notee; %once only the next one', async () => {
  const t = new Terminal(`node ${bin} --sqlitedb ${fixture}`, { cwd: home, env: { HOME: home } });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    for (const [n, line] of ['%tee log.txt', '6 * 7', "len(db_query({}))", '%notee', "'not logged'", '%once once.txt', "'first'", "'second'"].entries()) {
      t.type(line);
      t.send('Enter');
      await t.waitFor(prompt(n + 2), line);
    }
  } finally {
    t.close();
  }
  const count = script('table', 'len(db_query({}))').trim();
  assert.equal(readFileSync(join(home, 'log.txt'), 'utf8'), `Out[2]: 42\nOut[3]: ${count}\n`);
  assert.equal(readFileSync(join(home, 'once.txt'), 'utf8'), "Out[7]: 'first'\n");
});

test('%edit opens $EDITOR on an input and runs what is saved as the next input', async () => {
  const editor = join(home, 'editor.sh');
  // an editor that reads what it was given and saves a new statement built from it
  writeFileSync(editor, '#!/bin/sh\nprintf "%s\\n" "$(cat "$1") * 100" > "$1"\n', { mode: 0o755 });
  const t = new Terminal(`node ${bin} --sqlitedb ${fixture}`, { cwd: home, env: { HOME: home, EDITOR: editor, VISUAL: undefined } });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type('x = 3');
    t.send('Enter');
    await t.waitFor(prompt(2), 'the assignment');
    t.type('x + 1');
    t.send('Enter');
    await t.waitFor(prompt(3), 'x + 1');
    t.type('%edit 2');
    t.send('Enter');
    let s = await t.waitFor(prompt(5), 'the edited input run');
    assert.match(s, /In \[4\]: x \+ 1 \* 100/);
    assert.match(s, /Out\[4\]: 103/);
    t.type('%edit');
    t.send('Enter');
    s = await t.waitFor(prompt(7), 'the last input edited and run');
    assert.match(s, /Out\[6\]: 10003/);
    t.type('%edit 99');
    t.send('Enter');
    s = await t.waitFor(prompt(8), 'a missing input');
    assert.match(s, /KeyError: there is no In \[99\] in this session/);
  } finally {
    t.close();
  }
});
