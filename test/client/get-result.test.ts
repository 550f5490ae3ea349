import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { repr } from '../../src/format/index.js';
import { createShell } from '../../src/shell/index.js';
import type { Shell } from '../../src/shell/api.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import type { Store } from '../../src/stores/store.js';
import { one, value } from '../shell/helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/payloads.db', import.meta.url));
const PREFIX = '6615fe4b-d6830441901b78145a04522a_1076_';

let store: Store;
let shell: Shell;
before(async () => {
  store = await openSQLiteStore({ path: FIXTURE });
  shell = createShell({ client: await StoreClient.open(store) });
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
