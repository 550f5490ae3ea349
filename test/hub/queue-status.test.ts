/**
 * rc.queue_status() against a real controller, compared with what Python's
 * Client.queue_status answers on the same hub at the same moment: the same
 * repr, int engine ids, the inner dict for one engine, msg_ids with verbose.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openHubClient } from '../../src/client/hub-client.js';
import type { Client } from '../../src/client/types.js';
import type { Shell } from '../../src/shell/api.js';
import { createShell } from '../../src/shell/index.js';
import { Cluster } from './cluster.js';
import { value } from '../shell/helpers.js';

const CALLS = ['queue_status()', 'queue_status(0)', 'queue_status(verbose=True)', 'queue_status([1], verbose=True)', 'queue_status(targets=None)'];

describe('queue_status on a live hub, value for value with Python', () => {
  const cluster = new Cluster('--dictdb');
  let client: Client;
  let shell: Shell;

  before(async () => {
    await cluster.startController();
    await cluster.startEngines(2);
    // Finished tasks on both engines, one direct task still running on engine 0,
    // and a load-balanced one waiting behind it: queue, tasks and completed all non-zero.
    await cluster.python(`
import time, ipyparallel as ipp
c = ipp.Client(INPUT['file'])
c[:].apply_sync(pow, 2, 5)
c.load_balanced_view().map_sync(abs, range(-6, 0))
c[0].apply_async(time.sleep, 60)
c.load_balanced_view(targets=[0]).apply_async(time.sleep, 60)
time.sleep(0.5)
c.close()
emit(True)
`);
    client = await openHubClient({ connectionFile: cluster.connectionFile, timeoutMs: 5000 });
    shell = createShell({ client });
  });

  after(async () => {
    await client?.close();
    await cluster.stop();
  });

  test('each call prints as Python prints it', async () => {
    const python = (await cluster.python(`
import ipyparallel as ipp
c = ipp.Client(INPUT['file'])
out = {}
for call in INPUT['calls']:
    out[call] = repr(eval('c.' + call))
c.close()
emit(out)
`, { calls: CALLS })) as Record<string, string>;
    for (const call of CALLS) assert.equal(await value(shell, `repr(${call})`), python[call], call);
    assert.match(python['queue_status()']!, /^\{'unassigned': 0, 0: \{'queue': 1, 'completed': \d+, 'tasks': 1\}, 1: /);
  });

  test('engine ids are ints: the answer indexes by 0, and one engine gives its dict', async () => {
    const status = (await value(shell, 'queue_status()')) as Map<number | string, unknown>;
    assert.deepEqual([...status.keys()], ['unassigned', 0, 1]);
    assert.deepEqual(await value(shell, 'queue_status()[0]'), await value(shell, 'queue_status(0)'));
    assert.equal((await shell.execute('queue_status(7)'))[0]!.error?.kind, 'HubError');
  });
});
