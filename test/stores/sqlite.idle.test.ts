/**
 * Waiting on a pending task of a tasks.db: while a process holds the file
 * open (as a running controller does) ipc just waits; when none on this
 * machine does, the wait says its task may never finish, and the terminal
 * shows that with how far the wait is.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { StoreClient, reportWaitsTo, waitOptions } from '../../src/client/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { openElsewhere } from '../../src/stores/sqlite/openers.js';
import { tempDir } from '../cli/helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/tasks.db', import.meta.url));
const linux = process.platform === 'linux';
let tmp: ReturnType<typeof tempDir>;
let path: string;

before(() => {
  tmp = tempDir();
  path = join(tmp.dir, 'tasks.db');
  copyFileSync(FIXTURE, path);
});
after(() => tmp.remove());

/** A process that holds the file open, as a controller's sqlite3 connection does, until it is killed. */
async function holder(file: string): Promise<() => void> {
  const child = spawn('/usr/bin/python3', ['-c', 'import sqlite3, sys, time\ndb = sqlite3.connect(sys.argv[1])\ndb.execute("select count(*) from sqlite_master").fetchone()\nprint("open", flush=True)\ntime.sleep(600)', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
  });
  return () => child.kill('SIGKILL');
}

test('a file another process holds open is known as such; one nobody holds is not', { skip: !linux && 'reads /proc' }, async () => {
  const store = await openSQLiteStore({ path });
  try {
    // ipc's own handle does not count
    assert.equal(openElsewhere(path), false);
    assert.match(store.idleNote() ?? '', /^no process on this machine has tasks\.db open: if its controller has stopped, pending tasks will not finish there$/);
    const stop = await holder(path);
    try {
      assert.equal(openElsewhere(path), true);
      assert.equal(store.idleNote(), null);
    } finally {
      stop();
    }
    assert.equal(openElsewhere(join(tmp.dir, 'no-such.db')), null);
  } finally {
    await store.close();
  }
});

test('a wait on a pending task reports its progress and, once, why it may never finish', { skip: !linux && 'reads /proc' }, async () => {
  const store = await openSQLiteStore({ path });
  try {
    const client = await StoreClient.open(store, { pollMs: 50 });
    const pending = (await client.dbQuery({ completed: null }, ['msg_id'])).records.map((r) => r['msg_id'] as string);
    assert.ok(pending.length >= 2);
    const shown: (string | null)[] = [];
    const abort = new AbortController();
    reportWaitsTo(abort.signal, (text) => shown.push(text));
    assert.equal(await client.wait(pending.slice(0, 2), 0.3, waitOptions(abort.signal)), false);
    assert.ok(shown.length >= 2, 'it reports after each poll');
    assert.equal(new Set(shown).size, 1);
    assert.equal(shown[0], 'waiting for 2 tasks, 0 done (Ctrl-C stops waiting)\n  no process on this machine has tasks.db open: if its controller has stopped, pending tasks will not finish there');
    // a finished task: nothing left to wait for, nothing shown
    const done = (await client.dbQuery({ completed: { $ne: null } }, ['msg_id'])).records[0]!['msg_id'] as string;
    shown.length = 0;
    assert.equal(await client.wait([done], 0.3, waitOptions(abort.signal)), true);
    assert.deepEqual(shown, [null]);
    // without a reporter (script mode) a wait reports nothing and still stops on the signal
    assert.deepEqual(Object.keys(waitOptions(new AbortController().signal)), ['signal']);
  } finally {
    await store.close();
  }
});
