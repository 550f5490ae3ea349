/**
 * A NoDB hub that speaks CurveZMQ (its connection file has a
 * curve_serverkey and no key): ipc connects encrypted, and every read of
 * records gives the KeyError a NoDB store gives.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { openHubClient } from '../../src/client/hub-client.js';
import type { Client } from '../../src/client/types.js';
import { IpcError, NODB_MESSAGE } from '../../src/errors.js';
import { Cluster } from './cluster.js';

describe('a live NoDB hub over CurveZMQ', () => {
  const cluster = new Cluster('--nodb', ['--IPController.enable_curve=True']);
  let client: Client;
  let ids: { done: string; slow: string; engines: Record<string, string> };

  before(async () => {
    await cluster.startController();
    await cluster.startEngines(2);
    ids = (await cluster.python(`
import time, ipyparallel as ipp
c = ipp.Client(INPUT['file'])
v = c.load_balanced_view()
done = v.apply_async(pow, 2, 10)
done.get(timeout=30)
slow = v.apply_async(time.sleep, 3)
time.sleep(0.5)
emit({'done': done.msg_ids[0], 'slow': slow.msg_ids[0], 'engines': {str(k): u for k, u in c._engines.items()}})
c.close()
`)) as unknown as typeof ids;
    client = await openHubClient({ connectionFile: cluster.connectionFile, timeoutMs: 5000 });
  });

  after(async () => {
    await client?.close();
    await cluster.stop();
  });

  test('the connection file asks for CurveZMQ and carries no signing key', () => {
    const cfg = JSON.parse(readFileSync(cluster.connectionFile, 'utf8')) as Record<string, unknown>;
    assert.equal(typeof cfg['curve_serverkey'], 'string');
    assert.equal(cfg['key'], '');
  });

  test("rc.db_query, hub_history, get_result and resubmit give NoDB's KeyError", async () => {
    const isNoData = (e: IpcError) => e.kind === 'KeyError' && e.message === NODB_MESSAGE;
    await assert.rejects(client.dbQuery({}), isNoData);
    await assert.rejects(client.dbQuery({ completed: { $gte: new Date() } }), isNoData);
    await assert.rejects(client.hubHistory(), isNoData);
    await assert.rejects(client.getResult([ids.done]), isNoData);
    await assert.rejects(client.resubmit([ids.done]), isNoData);
  });

  test('engines and queue_status work without records', async () => {
    const engines = await client.engines();
    assert.deepEqual(Object.fromEntries([...engines].map(([k, v]) => [String(k), v])), ids.engines);
    const status = await client.queueStatus();
    assert.deepEqual([...status.keys()], ['unassigned', 0, 1]);
  });

  test('wait needs no records: it polls the status of the tasks', async () => {
    assert.equal(await client.wait([ids.slow], 0.05), false);
    assert.equal(await client.wait([ids.slow, ids.done], 30), true);
  });

  test('purge_results on NoDB drops nothing and says so', async () => {
    assert.equal(await client.purgeResults('all'), 0);
  });

  test('describe names the hub and knows no count', async () => {
    const d = await client.describe();
    assert.match(d.source, /^hub tcp:\/\/127\.0\.0\.1:\d+ /);
    assert.equal(d.count, null);
    assert.doesNotMatch(JSON.stringify(d), /curve|key/i);
  });
});
