/**
 * A hub's replies are not trusted in size: a frame past --max-message-size
 * is refused by ZeroMQ and said to be too big; a db_reply whose JSON would
 * not fit in the heap is refused before it is parsed; buffer_lens that name
 * buffers that never came are one sentence; a flood of badly signed
 * notifications costs little CPU. The hub here is a fake on loopback
 * (test/hub/hostile-hub.ts): a real controller cannot be made hostile.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openHubClient, type HubClient } from '../../src/client/hub-client.js';
import { IpcError } from '../../src/errors.js';
import { ROOT, isolatedEnv, runIpc, tempDir } from '../cli/helpers.js';
import { HostileHub, reply } from '../hub/hostile-hub.js';

let tmp: ReturnType<typeof tempDir>;
let hub: HostileHub;
let file: string;
before(async () => {
  tmp = tempDir('ipc-hostile-hub-');
  file = join(tmp.dir, 'ipcontroller-client.json');
  hub = await HostileHub.start(file);
});
after(() => {
  hub.close();
  tmp.remove();
});

/** Answers connection_request as a hub with no engines, db_request with `db`. */
function answering(db: Parameters<typeof reply>[2] | ((s: import('../../src/hub/jupyter-session.js').Session, req: import('../../src/hub/jupyter-session.js').Message) => Buffer[])): void {
  hub.answer = (req, s) => {
    if (req.header['msg_type'] === 'connection_request') return reply(s, req, { status: 'ok', engines: {} });
    return typeof db === 'function' ? db(s, req) : reply(s, req, db);
  };
}

async function hubError(f: () => Promise<unknown>): Promise<IpcError> {
  try {
    await f();
  } catch (e) {
    assert.ok(e instanceof IpcError && e.kind === 'HubError', String(e));
    return e;
  }
  assert.fail('no HubError');
}

test('a reply frame past the message size limit is said to be too big, at once, not after the timeout', async () => {
  const big = Buffer.from(JSON.stringify({ status: 'ok', records: [{ msg_id: 'x', stdout: 'y'.repeat(3 * 2 ** 20) }] }));
  answering((s, req) => reply(s, req, {}, big));
  const client = await openHubClient({ connectionFile: file, maxMessageBytes: 2 ** 20, timeoutMs: 8000 });
  try {
    const t0 = performance.now();
    const e = await hubError(() => client.dbQuery({}, ['msg_id']));
    assert.equal(e.message, "the hub's reply to db_request was larger than the 1 MB ipc takes of one message, so the connection dropped it; ask for fewer records or keys (keys=[...]), or raise --max-message-size");
    assert.ok(performance.now() - t0 < 4000, `said after ${(performance.now() - t0).toFixed(0)} ms`);
    // the session goes on: a reply within the limit is read
    answering({ status: 'ok', records: [{ msg_id: 'small' }] });
    assert.deepEqual((await client.dbQuery({}, ['msg_id'])).records.map((r) => r['msg_id']), ['small']);
  } finally {
    await client.close();
  }
});

test('buffer_lens naming buffers that never came: one sentence', async () => {
  answering({ status: 'ok', records: [{ msg_id: 'a' }], buffer_lens: [1e9], result_buffer_lens: null });
  const client = await openHubClient({ connectionFile: file });
  try {
    const e = await hubError(() => client.dbQuery({}, ['msg_id', 'buffers']));
    assert.equal(e.message, "the hub's db_reply is malformed: its buffer_lens name 1000000000 buffers, but it sent 0");
    answering({ status: 'ok', records: [{ msg_id: 'a' }], buffer_lens: ['x'] });
    assert.match((await hubError(() => client.dbQuery({}, ['msg_id', 'buffers']))).message, /buffer_lens and result_buffer_lens must be one count of buffers per record/);
  } finally {
    await client.close();
  }
});

test('a db_reply of millions of records is refused before it is parsed: one sentence, exit status 1, a bounded RSS', async () => {
  // 2 million records, about 50 MB of JSON: within the frame limit, past what a 192 MB heap decodes
  const records = `[${Array.from({ length: 2_000_000 }, (_, i) => `{"msg_id":"m${i}","queue":null}`).join(',')}]`;
  const content = Buffer.from(`{"status":"ok","records":${records}}`);
  answering((s, req) => reply(s, req, {}, content));
  const rss = join(tmp.dir, 'rss');
  const run = await runIpc(['--hub', file, '-c', "len(db_query({}, keys=['msg_id']))"], {
    env: isolatedEnv(tmp.dir, { IPC_PEAK_RSS_FILE: rss }),
    cwd: tmp.dir,
    timeoutMs: 60_000,
    nodeArgs: ['--max-old-space-size=192', '--import', join(ROOT, 'test', 'robust', 'support', 'peak-rss.mjs')],
  });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^line 1: HubError: the hub's reply to db_request holds \d+ MB of JSON, more than ipc can decode in the memory it has left \(\d+ MB\); ask for fewer records or keys/);
  const peakMb = Number(readFileSync(rss, 'utf8')) / 1024;
  assert.ok(peakMb < 500, `peak RSS ${peakMb.toFixed(0)} MB`);
});

test('--max-message-size and hub.max_message_size set the limit; out of range is one sentence', async () => {
  const big = Buffer.from(JSON.stringify({ status: 'ok', records: [{ msg_id: 'x', stdout: 'y'.repeat(3 * 2 ** 20) }] }));
  answering((s, req) => reply(s, req, {}, big));
  const env = isolatedEnv(tmp.dir);
  const small = await runIpc(['--hub', file, '--max-message-size', '2', '-c', "len(db_query({}, keys=['msg_id']))"], { env, cwd: tmp.dir });
  assert.equal(small.code, 1);
  assert.match(small.stderr, /^line 1: HubError: the hub's reply to db_request was larger than the 2 MB ipc takes of one message/);
  const enough = await runIpc(['--hub', file, '--max-message-size', '8', '-c', "len(db_query({}, keys=['msg_id']))"], { env, cwd: tmp.dir });
  assert.equal(enough.stderr, '');
  assert.equal(enough.stdout.trim(), '1');
  const bad = await runIpc(['--hub', file, '--max-message-size', '0', '-c', '1'], { env, cwd: tmp.dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^ipc: ConfigError: --max-message-size takes a number of MB from 1 to 2048, not '0'/);
});

test('a flood of badly signed notifications is dropped cheaply: the idle client stays far from a full core', async () => {
  // the flood comes from another process, so that this one's CPU time is the client's alone
  const flooder = spawn(process.execPath, ['--input-type=module', '-e', `
    import * as zmq from 'zeromq';
    const pub = new zmq.Publisher({ linger: 0 });
    await pub.bind('tcp://127.0.0.1:*');
    process.stdout.write(pub.lastEndpoint + '\\n');
    const junk = Buffer.alloc(256, 120);
    const sig = Buffer.from('0'.repeat(64));
    for (;;) await pub.send(['<IDS|MSG>', sig, '{}', '{}', '{}', junk]);
  `], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const flooded = join(tmp.dir, 'flooded.json');
  try {
    const endpoint = await new Promise<string>((resolve) => flooder.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    hub.writeConnectionFile(flooded, Number(/:(\d+)$/.exec(endpoint)![1]));
    answering({ status: 'ok', records: [] });
    const client = await openHubClient({ connectionFile: flooded });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const channel = (client as HubClient).channel;
      const r0 = channel.rejected;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 3000));
      const used = process.cpuUsage(c0);
      const share = (used.user + used.system) / 1000 / (performance.now() - t0);
      const read = channel.rejected - r0;
      assert.ok(read > 0, 'the flood reached the client');
      // at most 200 a second are read, then the socket rests a second (the flooder sends thousands a second)
      assert.ok(read <= 3 * 201, `${read} bad notifications read in 3 s`);
      assert.ok(share < 0.3, `the client used ${(share * 100).toFixed(0)}% of a core while flooded`);
      // and it still answers
      assert.deepEqual((await client.dbQuery({}, ['msg_id'])).records, []);
    } finally {
      await client.close();
    }
  } finally {
    flooder.kill('SIGKILL');
  }
});
