/**
 * Writing the tasks.db of a live ipcontroller --sqlitedb (ipyparallel 7.1)
 * costs the controller no record: while a Python client submits short tasks
 * without pause, ipc purges every completed record again and again (short
 * transactions, the lock taken in quick tries) and %index refuses. Every
 * task the client submitted is afterwards either one ipc counted as purged
 * or a completed record in the file, and the controller logged no database
 * error. In rollback-journal mode (SQLiteDB's default) and in WAL mode.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runIpc } from '../cli/helpers.js';
import { startCluster, type Cluster } from '../support/ipcluster.js';
import { havePython } from '../support/python.js';

/** Submits a short task every 10 ms until the stop file appears, then waits for all and prints their msg_ids. */
const CLIENT = String.raw`
import json, os, sys, time, ipyparallel as ipp
c = ipp.Client(profile_dir=sys.argv[1])
c.wait_for_engines(2, timeout=60)
v = c.load_balanced_view()
def short(x):
    return x + 1
ids, ars, i = [], [], 0
print('started', flush=True)
while not os.path.exists(sys.argv[2]):
    ar = v.apply_async(short, i)
    ars.append(ar)
    ids += ar.msg_ids
    i += 1
    time.sleep(0.01)
for ar in ars:
    ar.get(timeout=60)
print(json.dumps(ids), flush=True)
c.close()
`;

interface Tally {
  readonly remaining: string[];
  readonly pending: number;
}

function tally(path: string): Tally {
  const db = new Database(path, { readonly: true, timeout: 5000 });
  try {
    const rows = db.prepare("SELECT msg_id, completed FROM 'ipython-tasks'").raw().all() as [string, string | null][];
    return { remaining: rows.map((r) => r[0]), pending: rows.filter((r) => r[1] === null).length };
  } finally {
    db.close();
  }
}

const INDEX_REFUSED = /^line 1: StoreError: another process has \S+tasks\.db open \(a running controller\?\), and building indexes holds the file for one long write that would make it lose task records, so no index was made; run %index once nothing else has the file open\n$/;

for (const mode of ['delete', 'wal'] as const) {
  describe(`purge_results and %index beside a live controller, ${mode === 'wal' ? 'WAL' : 'rollback-journal'} mode`, { skip: !havePython() }, () => {
    let dir: string;
    let path: string;
    let cluster: Cluster;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ipc-live-writes-'));
      path = join(dir, 'tasks.db');
      if (mode === 'wal') {
        // SQLiteDB keeps the journal mode a file has; it makes its table in it
        const db = new Database(path);
        db.pragma('journal_mode = WAL');
        db.close();
      }
      cluster = await startCluster({ dbFlags: ['--sqlitedb', `--SQLiteDB.location=${dir}`], engines: 2 });
    });

    after(async () => {
      await cluster?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('every task submitted meanwhile is purged by count or recorded, and the controller logs no database error', async () => {
      const stopFile = join(dir, 'stop');
      const client = cluster.spawnPython(['-c', CLIENT, cluster.profileDir, stopFile]);
      let out = '';
      let err = '';
      client.stdout!.setEncoding('utf8').on('data', (d) => (out += d));
      client.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
      const exited = new Promise<number | null>((r) => client.once('exit', (code) => r(code)));
      const deadline = Date.now() + 60_000;
      while (!out.includes('started')) {
        assert.ok(Date.now() < deadline && client.exitCode === null, `the client did not start:\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // the controller's first records, written and committed
      while (!existsSync(path) || tally(path).remaining.length === 0) {
        assert.ok(Date.now() < deadline, `the controller wrote no record:\n${cluster.log()}`);
        await new Promise((r) => setTimeout(r, 200));
      }

      let purged = 0;
      let purges = 0;
      const runs: string[] = [];
      // for 5 s, and until two purges have dropped records (each takes a few seconds)
      const until = Date.now() + 5_000;
      const cap = Date.now() + 40_000;
      for (let i = 0; (Date.now() < until || purges < 2) && Date.now() < cap; i++) {
        const t0 = Date.now();
        const run = await runIpc(['--sqlitedb', path, '--write', '--yes', '-c', "rc.purge_results('all')"], { timeoutMs: 70_000 });
        assert.equal(run.code, 0, run.stderr);
        const m = /^purged (\d+) records?\n$/.exec(run.stdout);
        assert.ok(m, run.stdout);
        runs.push(`${m[1]} in ${Date.now() - t0} ms`);
        purged += Number(m[1]);
        if (Number(m[1]) > 0) purges++;
        if (i % 3 === 0) {
          const index = await runIpc(['--sqlitedb', path, '--write', '--yes', '-c', '%index'], { timeoutMs: 30_000 });
          assert.equal(index.code, 1);
          assert.match(index.stderr, INDEX_REFUSED);
        }
      }

      writeFileSync(stopFile, '');
      assert.equal(await exited, 0, err);
      const ids = JSON.parse(out.slice(out.indexOf('\n') + 1)) as string[];
      assert.ok(purges >= 2, `only ${purges} purges dropped records: ${runs.join(', ')}`);

      // the controller commits every 2 s: wait until the last results are in the file
      let now = tally(path);
      const end = Date.now() + 10_000;
      while ((now.pending > 0 || now.remaining.length + purged < ids.length) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 250));
        now = tally(path);
      }
      const submitted = new Set(ids);
      assert.deepEqual(now.remaining.filter((id) => !submitted.has(id)), [], 'records of tasks the client never submitted');
      assert.equal(now.pending, 0, 'records whose result the controller never wrote');
      assert.equal(now.remaining.length + purged, ids.length, `${ids.length} tasks submitted, ${purged} purged, ${now.remaining.length} in the file`);
      assert.doesNotMatch(cluster.log(), /database is locked|DB Error/);
      const indexes = new Database(path, { readonly: true });
      const made = indexes.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'ipc\\_%' ESCAPE '\\'").pluck().all();
      indexes.close();
      assert.deepEqual(made, []);
    });
  });
}
