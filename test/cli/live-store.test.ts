/**
 * `%top` and `%tail` on a store without a hub (a copy of the SQLite file a
 * real 7.1 controller wrote): one snapshot that says running times are
 * unknown, and output read from the stdout column as a writer adds to it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { FIXTURE_DB, IPC, isolatedEnv, runIpc, tempDir } from './helpers.js';

const tmp = tempDir('ipc-live-store-');
after(() => tmp.remove());
const env = isolatedEnv(tmp.dir, { NO_COLOR: '1' });
const TABLE = '"ipython-tasks"';

test('%top on a store: the counts of its records, one row per engine they name, and a word that running times are unknown', async () => {
  const file = join(tmp.dir, 'top.db');
  copyFileSync(FIXTURE_DB, file);
  const db = new Database(file, { readonly: true });
  const incomplete = (db.prepare(`select count(*) n from ${TABLE} where completed is null`).get() as { n: number }).n;
  const complete = (db.prepare(`select count(*) n from ${TABLE} where completed is not null`).get() as { n: number }).n;
  const engines = (db.prepare(`select count(distinct engine_uuid) n from ${TABLE} where engine_uuid is not null`).get() as { n: number }).n;
  db.close();
  const json = await runIpc(['--sqlitedb', file, '--format', 'json', '-c', '%top'], { env });
  assert.equal(json.code, 0, json.stderr);
  const top = JSON.parse(json.stdout) as { live: boolean; pending: number; running: number; done: number; failed: number; engines: unknown[] };
  assert.equal(top.live, false);
  assert.equal(top.pending + top.running, incomplete);
  assert.equal(top.done + top.failed, complete);
  assert.equal(top.engines.length, engines);
  const text = await runIpc(['--sqlitedb', file, '-c', '%top by function'], { env });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /running times are unknown/);
  assert.match(text.stdout, /^function +progress/m);
});

test('%tail ID on a store writes the lines a writer adds to the stdout column, once each, and stops when the task completes', async () => {
  const file = join(tmp.dir, 'tail.db');
  copyFileSync(FIXTURE_DB, file);
  const db = new Database(file);
  const id = (db.prepare(`select msg_id from ${TABLE} where completed is null order by msg_id limit 1`).get() as { msg_id: string }).msg_id;
  const setStdout = db.prepare(`update ${TABLE} set stdout = ? where msg_id = ?`);
  setStdout.run('first line\n', id);
  const child = spawn(process.execPath, [IPC, '--sqlitedb', file, '-c', `%tail ${id}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const closed = new Promise<number | null>((r) => child.once('close', r));
  const until = async (ok: () => boolean, what: string) => {
    const end = Date.now() + 20_000;
    while (!ok()) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`waiting for ${what}:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await until(() => out.includes('first line'), 'the text already in the record');
    setStdout.run('first line\nsecond \x1b]52;c;aGk=\x07line\npart', id);
    await until(() => out.includes('second'), 'the added line');
    db.prepare(`update ${TABLE} set stdout = ?, completed = ? where msg_id = ?`).run('first line\nsecond \x1b]52;c;aGk=\x07line\npartial end', '2030-01-01T00:00:00.000000+00:00', id);
    assert.equal(await closed, 0, err);
  } finally {
    child.kill();
    db.close();
  }
  const tail = /_\d+_\d+$/.exec(id)![0];
  const lines = out.split('\n').filter((l) => l !== '');
  assert.ok(lines.every((l) => l.startsWith('[') && l.includes(`${tail}] `)), `each line names engine and task:\n${out}`);
  assert.deepEqual(lines.map((l) => l.slice(l.indexOf('] ') + 2)), ['first line', 'second \\x1b]52;c;aGk=\\x07line', 'partial end']);
  assert.ok(!out.includes('\x1b'), 'the escape the task printed is shown, never sent');
});
