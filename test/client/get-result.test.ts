import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { repr } from '../../src/format/index.js';
import { createShell } from '../../src/shell/index.js';
import type { Shell } from '../../src/shell/api.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import type { Store } from '../../src/stores/store.js';
import { one, value } from '../shell/helpers.js';
import { PAYLOADS_DB, payloadShell } from '../support/payload-shell.js';

const FIXTURE = PAYLOADS_DB;
const PREFIX = '6615fe4b-d6830441901b78145a04522a_1076_';

let store: Store;
let shell: Shell;
before(async () => {
  ({ store, shell } = await payloadShell());
});
after(() => store.close());

test("rc.get_result(id).get() is the task's value, as ipyparallel's AsyncHubResult gives it", async () => {
  assert.equal(await value(shell, `rc.get_result('${PREFIX}2').get()`), 30);
  assert.equal(repr(await value(shell, `rc.get_result('${PREFIX}48').result()`)), "{'nested': (array([0, 1, 2]), [1.5])}");
  assert.equal(await value(shell, `rc.get_result('${PREFIX}2').ready()`), true);
  assert.equal(await value(shell, `rc.get_result('${PREFIX}2').successful()`), true);
  assert.deepEqual(await value(shell, `rc.get_result('${PREFIX}2').msg_ids`), [`${PREFIX}2`]);
  assert.equal(await value(shell, `rc.get_result('${PREFIX}56').stdout`), '5\n');
  const md = (await value(shell, `rc.get_result('${PREFIX}2').metadata`)) as Record<string, unknown>;
  assert.equal(md['msg_id'], `${PREFIX}2`);
  assert.equal(md['status'], 'ok');
});

test('several ids: .get() is the list of values, .msg_ids and .stdout are lists', async () => {
  assert.deepEqual(await value(shell, `rc.get_result(['${PREFIX}2', '${PREFIX}50', '${PREFIX}51']).get()`), [30, 42, 15]);
  assert.deepEqual(await value(shell, `rc.get_result(['${PREFIX}2', '${PREFIX}56']).stdout`), ['', '5\n']);
  assert.equal(await value(shell, `len(rc.get_result(['${PREFIX}2', '${PREFIX}56']))`), 2);
});

test('a failed task raises RemoteError with the remote ename(evalue)', async () => {
  const o = await one(shell, `rc.get_result('${PREFIX}55').get()`);
  assert.equal(o.error?.kind, 'RemoteError');
  assert.equal(o.error?.message, "ValueError(bad value 'x')");
  assert.match(o.error?.detail ?? '', /ValueError/);
  assert.equal(await value(shell, `rc.get_result('${PREFIX}55').successful()`), false);
});

test('a pending task: .ready() and .get() ask the store again, .get() waits for the result and .get(timeout) gives up', async () => {
  const { copyFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const Database = (await import('better-sqlite3')).default;
  const dir = mkdtempSync(join(tmpdir(), 'ipc-pending-'));
  const path = join(dir, 'tasks.db');
  copyFileSync(FIXTURE, path);
  // The controller's side: the task is pending until its row is written back, as ipcontroller does on completion.
  const controller = new Database(path);
  const row = controller.prepare('SELECT completed, result_buffers, result_header, result_content FROM "ipython-tasks" WHERE msg_id = ?').get(`${PREFIX}2`) as Record<string, unknown>;
  const write = (r: Record<string, unknown>) =>
    controller.prepare('UPDATE "ipython-tasks" SET completed = @completed, result_buffers = @result_buffers, result_header = @result_header, result_content = @result_content WHERE msg_id = @id').run({ ...r, id: `${PREFIX}2` });
  write({ completed: null, result_buffers: null, result_header: null, result_content: null });
  const reader = await openSQLiteStore({ path });
  try {
    const live = createShell({ client: await StoreClient.open(reader, { pollMs: 20 }) });
    // a store client submitted nothing: rc.wait() has nothing outstanding, as a fresh ipyparallel Client
    const before = Date.now();
    assert.equal(await value(live, 'rc.wait()'), true);
    assert.ok(Date.now() - before < 1000, 'rc.wait() returned at once beside a pending task');
    await live.execute(`r = rc.get_result('${PREFIX}2')`);
    assert.equal(await value(live, 'r.ready()'), false);
    const began = Date.now();
    const late = await one(live, 'r.get(0.2)');
    assert.equal(late.error?.kind, 'TimeoutError');
    assert.ok(Date.now() - began >= 150, 'get(timeout) waited before it gave up');
    assert.equal((await one(live, 'r.successful()')).error?.kind, 'TimeoutError');
    const waiting = value(live, 'r.get()');
    setTimeout(() => write(row), 150);
    assert.equal(await waiting, 30);
    assert.equal(await value(live, 'r.ready()'), true);
    assert.equal(await value(live, 'r.successful()'), true);
    assert.equal(await value(live, 'r.status'), 'ok');
    assert.equal((await one(live, 'r.wait(0)')).error, undefined);
  } finally {
    controller.close();
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C during a wait stops the polling itself, not only the statement', async () => {
  let polls = 0;
  const watched: Store = Object.create(store, {
    info: { value: { ...store.info, live: true } },
    findRecords: { value: (...args: Parameters<Store['findRecords']>) => { polls++; return store.findRecords(...args); } },
  });
  const client = await StoreClient.open(watched, { pollMs: 10 });
  const controller = new AbortController();
  const waiting = client.wait(['no-such-task'], null, { signal: controller.signal });
  await new Promise((r) => setTimeout(r, 60));
  controller.abort();
  assert.equal(await waiting, false);
  const stopped = polls;
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(polls, stopped, 'no poll after the abort');
  assert.ok(stopped >= 2, 'it polled while waiting');
});

test("rc.result_status: the hub's answer to a result_request, ids sorted, values of completed tasks with status_only=False", async () => {
  const ids = [`${PREFIX}51`, `${PREFIX}2`, `${PREFIX}55`];
  const status = (await value(shell, `rc.result_status(${JSON.stringify(ids)})`)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(status), ['status', 'pending', 'completed']);
  assert.equal(status['status'], 'ok');
  assert.deepEqual(status['pending'], []);
  assert.deepEqual(status['completed'], [...ids].sort());
  const full = (await value(shell, `rc.result_status(${JSON.stringify(ids.slice(0, 2))}, status_only=False)`)) as Record<string, unknown>;
  assert.equal(full[`${PREFIX}2`], 30);
  assert.equal(full[`${PREFIX}51`], 15);
  // as Python's Client.result_status: a failed task's error is raised, not returned
  const failed = await one(shell, `rc.result_status(${JSON.stringify(ids)}, status_only=False)`);
  assert.equal(failed.error?.kind, 'RemoteError');
  assert.equal(failed.error?.message, "ValueError(bad value 'x')");
  const unknown = await one(shell, "rc.result_status(['no-such-task'])");
  assert.equal(unknown.error?.kind, 'KeyError');
  assert.match(unknown.error?.message ?? '', /^no such task: 'no-such-task' is not in /);
});

test('rc.result_status reads no result unless status_only=False', async () => {
  let reads = 0;
  const counted: Store = Object.create(store, {
    getRecord: { value: (id: string) => { reads++; return store.getRecord(id); } },
  });
  const counting = createShell({ client: await StoreClient.open(counted) });
  await value(counting, `rc.result_status(['${PREFIX}2', '${PREFIX}55'])`);
  assert.equal(reads, 0);
  await value(counting, `rc.result_status(['${PREFIX}2'], status_only=False)`);
  assert.equal(reads, 1);
});
