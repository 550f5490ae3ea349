/**
 * The interactive shell in a real terminal (tmux) on the live hub of a real
 * ipyparallel 7.1 controller (--sqlitedb, two engines), after a Python
 * client's workload: the msg_ids are `<session>_<pid>_<n>`, and what they
 * are comes from the Python client, not from ipc.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Cluster } from '../hub/cluster.js';
import { runWorkload, type Workload } from '../hub/workload.js';
import { Terminal } from './support/tmux.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const cluster = new Cluster('--sqlitedb');
let work: Workload;
let home: string;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'ipc-live-ui-'));
  await cluster.startController();
  await cluster.startEngines(2);
  work = await runWorkload(cluster);
  assert.ok(work.ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{24}_\d+_\d+$/.test(id)), `7.x msg_ids: ${work.ids.join(' ')}`);
});

after(async () => {
  await cluster.stop();
  rmSync(home, { recursive: true, force: true });
});

function ipc(options: { rows?: number; columns?: number } = {}): Terminal {
  return new Terminal(`node ${bin} --hub ${cluster.connectionFile}`, {
    cwd: home,
    env: { HOME: home, NO_COLOR: '1', IPYTHONDIR: cluster.env['IPYTHONDIR'] },
    ...options,
  });
}

const prompt = (n: number) => (s: string) => s.includes(`In [${n}]:`);

test('on a live 7.1 hub, a table at 120 columns shows every row’s whole msg_id, and %show with a suffix opens the record view', async () => {
  const t = ipc({ columns: 120, rows: 200 });
  try {
    await t.waitFor(prompt(1), 'the first prompt', { timeoutMs: 20_000 });
    t.type(`rc.db_query({'client_uuid': '${work.session}'}, ['msg_id', 'completed', 'error'])`);
    t.send('Enter');
    let s = await t.waitFor(prompt(2), 'the answer');
    const lines = s.split('\n');
    for (const id of work.ids) {
      const line = lines.find((l) => l.startsWith(id + ' '));
      assert.ok(line, `${id} is shown whole:\n${s}`);
      if (id === work.failed) assert.match(line, /ZeroDivisionError: division by zero/);
    }
    assert.ok(lines.filter((l) => l.startsWith(work.session)).every((l) => !l.includes('…')), `no row is cut:\n${s}`);

    const suffix = /_\d+$/.exec(work.failed)![0];
    assert.equal(work.ids.filter((id) => id.endsWith(suffix)).length, 1, 'the suffix is unique in the workload');
    t.type(`%show ${suffix}`);
    t.send('Enter');
    s = await t.waitFor(prompt(3), 'the record view', { all: true });
    assert.ok(s.includes(`Task ${work.failed}  error`), `the record view of ${work.failed}:\n${s}`);
    assert.match(s, /^error ZeroDivisionError: division by zero$/m);
    assert.match(s, /Traceback \(most recent call last\)/);
    assert.ok(!s.includes('\\x1b'), 'no escaped colour codes');

    // The engine ids the hub registered stand beside the asked-for engine uuids.
    t.type(`rc.db_query({'client_uuid': '${work.session}'}, ['msg_id', 'engine_uuid'])`);
    t.send('Enter');
    s = await t.waitFor(prompt(4), 'the engine table');
    const table = s.slice(s.lastIndexOf('In [3]:'));
    assert.match(table, /^msg_id +engine_uuid +engine$/m);
    for (const [id, uuid] of Object.entries(work.engines)) {
      assert.match(table, new RegExp(`_\\d+ +${uuid} +${id}$`, 'm'), `engine ${id} beside ${uuid}:\n${table}`);
    }
  } finally {
    t.close();
  }
});

test('on a live 7.1 hub, %show tells a task that prints as running on its engine and one not yet sent as pending', async () => {
  const slow = (await cluster.python(`
import time, ipyparallel as ipp
c = ipp.Client(INPUT['file'])
v = c.load_balanced_view()
def slow(tag):
    import time
    print('starting', tag, flush=True)
    time.sleep(120)
ars = [v.apply_async(slow, i) for i in range(3)]
time.sleep(2)
emit({'ids': [ar.msg_ids[0] for ar in ars]})
c.close()
`)) as unknown as { ids: string[] };
  const t = ipc({ columns: 120, rows: 200 });
  try {
    await t.waitFor(prompt(1), 'the first prompt', { timeoutMs: 20_000 });
    for (const id of slow.ids) {
      t.type(`%show ${id}`);
      t.send('Enter');
    }
    const s = await t.waitFor(prompt(slow.ids.length + 1), 'three record views', { all: true });
    const states = slow.ids.map((id) => new RegExp(`^Task ${id}  (.*)$`, 'm').exec(s)?.[1]);
    const running = states.filter((x) => x !== undefined && /^running on engine [01]$/.test(x));
    assert.equal(running.length, 2, `two tasks run, one on each engine:\n${states.join('\n')}`);
    assert.ok(states.includes('pending'), `the third waits:\n${states.join('\n')}`);
  } finally {
    t.close();
  }
});

test('at 80×24 the %watch header shows the whole statement, then the run count on a line of its own, then the table', async () => {
  const t = ipc({ columns: 80, rows: 24 });
  const statement = `rc.db_query({'client_uuid': '${work.session}'}, ['msg_id', 'engine_uuid', 'completed'])`;
  try {
    await t.waitFor(prompt(1), 'the first prompt', { timeoutMs: 20_000 });
    t.type(`%watch ${statement} 0.5`);
    t.send('Enter');
    const check = (s: string) => {
      const lines = s.split('\n');
      const at = lines.findIndex((l) => l.startsWith('Every 0.5s: '));
      const runs = lines.findIndex((l, i) => i > at && /^ {2}run \d+(, \d+ changed)? · Ctrl-C or q stops$/.test(l));
      assert.ok(at >= 0 && runs > at, s);
      // The terminal breaks the statement at a space.
      const words = (x: string) => x.split(/\s+/).join(' ');
      assert.equal(words(lines.slice(at, runs).join(' ')), words(`Every 0.5s: ${statement}`), s);
      assert.match(lines[runs + 1]!, /^ {2}msg_id +engine_uuid/, s);
    };
    check(await t.waitFor((s) => /run [2-9]/.test(s), 'two runs'));
    t.send('C-c');
    check(await t.waitFor(prompt(2), 'the prompt after the watch'));
  } finally {
    t.close();
  }
});
