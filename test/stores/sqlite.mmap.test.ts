import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { collect } from '../../src/stores/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { createTableSQL } from '../../src/stores/sqlite/tables.js';

/*
 * Reading a file through a memory map is asked for (--mmap, SQLiteDB.mmap),
 * never the default: a mapped file that another program cuts short while it
 * is read (a cp onto it) ends the process with SIGBUS, where a plain read
 * gives one clear sentence and the shell goes on.
 */

const IPC = fileURLToPath(new URL('../../../bin/ipc.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ipc-mmap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A tasks.db of `n` finished tasks, each with `outBytes` of stdout. */
function makeFile(name: string, n: number, outBytes: number): string {
  const path = join(dir, name);
  const db = new Database(path);
  db.exec(createTableSQL('ipython-tasks', false));
  const insert = db.prepare(`INSERT INTO "ipython-tasks" (msg_id, submitted, started, completed, engine_uuid, queue, stdout, result_content) VALUES (?, ?, ?, ?, ?, 'task', ?, '{"status": "ok"}')`);
  const out = 'x'.repeat(outBytes - 8);
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const t = new Date(Date.UTC(2026, 10, 1) + i * 10).toISOString().replace('Z', '000+00:00');
      insert.run(`task-${String(i).padStart(6, '0')}`, t, t, t, `engine-${i % 4}`, `${String(i).padStart(7, '0')} ${out}`);
    }
  })();
  db.close();
  return path;
}

const mapped = (store: unknown) => (store as { db: Database.Database }).db.pragma('mmap_size', { simple: true }) as number;

test('the file is mapped only when asked, and never by a connection that writes; the answers are the same', async () => {
  const path = makeFile('small.db', 300, 64);
  const plain = await openSQLiteStore({ path });
  const withMap = await openSQLiteStore({ path, mmap: true });
  const writing = await openSQLiteStore({ path, write: true, mmap: true });
  try {
    assert.equal(mapped(plain), 0, 'not mapped by default');
    assert.ok(mapped(withMap) > 0, 'mapped when asked');
    assert.equal(mapped(writing), 0, 'a connection that writes maps nothing');
    const q = { engine_uuid: 'engine-1' };
    assert.deepEqual(await collect(withMap.findRecords(q, ['msg_id', 'stdout'])), await collect(plain.findRecords(q, ['msg_id', 'stdout'])));
  } finally {
    await plain.close();
    await withMap.close();
    await writing.close();
  }
});

test('--mmap goes with a SQLite file only: with another store it is one sentence and exit status 2', async () => {
  const r = await runIpc(['--demo', '--mmap', '-c', '1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--mmap reads a SQLite file; it does not go with --demo/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('a file cut short while it is read (as a cp onto it does): one clear sentence, no crash, by default', async () => {
  const n = 20_000;
  const path = makeFile('big.db', n, 3000);
  // the answer streams out as it is read: with the first lines unread, ipc waits on the full pipe, mid-read; then the file is cut
  const r = await runIpc(['--sqlitedb', path, '--format', 'jsonl', '-c', "db_query({}, keys=['msg_id', 'stdout'])"], () => truncateSync(path, 1 << 20));
  assert.equal(r.signal, null, `ended by ${r.signal}`);
  assert.ok(r.lines < n, `the read was cut short (${r.lines} of ${n} lines)`);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /StoreError: .*big\.db is damaged or truncated/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly lines: number;
}

/**
 * Runs ipc. With `cut`: at its first output, its output is left unread for
 * a while (ipc then waits on the full pipe), `cut` is called, and the rest
 * is read.
 */
function runIpc(args: readonly string[], cut?: () => void): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [IPC, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir, IPYTHONDIR: join(dir, 'ipython') } });
    let lines = 0;
    let stderr = '';
    let pending = cut;
    child.stdout.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      if (!pending) return;
      const f = pending;
      pending = undefined;
      child.stdout.pause();
      setTimeout(() => {
        f();
        child.stdout.resume();
      }, 500);
    });
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, lines }));
  });
}
