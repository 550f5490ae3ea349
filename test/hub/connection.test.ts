/**
 * Reading ipcontroller-client.json: what ipc refuses, and how it says so
 * without ever quoting the key.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, test } from 'node:test';
import { HubChannel } from '../../src/hub/channel.js';
import { readConnectionFile } from '../../src/hub/connection.js';
import { IpcError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ipc-conn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const KEY = 'c0ffee00-secret-key-0000';
const base = {
  ssh: '', interface: 'tcp://127.0.0.1', registration: 55001, control: 55002, mux: 55003, task: 55004, task_scheme: 'leastload',
  iopub: 55005, notification: 55006, broadcast: 55007, key: KEY, curve_serverkey: null, location: 'host', pack: 'json', unpack: 'json',
  signature_scheme: 'hmac-sha256',
};

function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

function refused(path: string, pattern: RegExp) {
  assert.throws(() => readConnectionFile(path), (e: IpcError) => {
    assert.equal(e.kind, 'HubError');
    assert.match(e.message, pattern);
    assert.doesNotMatch(e.message, new RegExp(KEY));
    return true;
  });
}

test('a connection file as ipcontroller writes it gives the registration and notification addresses', () => {
  const info = readConnectionFile(file('ok.json', base));
  assert.equal(info.registration, 'tcp://127.0.0.1:55001');
  assert.equal(info.notification, 'tcp://127.0.0.1:55006');
  assert.equal(info.curveServerKey, null);
  const any = readConnectionFile(file('any.json', { ...base, interface: 'tcp://*' }));
  assert.equal(any.registration, 'tcp://127.0.0.1:55001');
});

test('a connection file that asks for ssh is refused with what to do instead', () => {
  refused(file('ssh.json', { ...base, ssh: 'me@cluster.example.org' }), /ssh tunnel to me@cluster\.example\.org.*ssh -L/);
});

test('a missing, malformed, incomplete or pickling connection file is a HubError naming it', () => {
  refused(join(dir, 'nowhere.json'), /nowhere\.json not found; is a controller running\?/);
  refused(file('bad.json', '{"registration": '), /bad\.json is not a connection file/);
  const { key: _k, ...nokey } = base;
  refused(file('nokey.json', nokey), /lacks key/);
  refused(file('pickle.json', { ...base, pack: 'pickle', unpack: 'pickle' }), /packs messages with 'pickle'/);
  refused(file('scheme.json', { ...base, signature_scheme: 'hmac-whirlpool' }), /signature scheme 'hmac-whirlpool'/);
});

test('the key does not show when the channel is inspected', async () => {
  const channel = new HubChannel(file('inspect.json', base), { timeoutMs: 200 });
  try {
    assert.doesNotMatch(inspect(channel, { depth: Infinity, showHidden: true }), new RegExp(KEY));
    await assert.rejects(channel.request('connection_request', {}), (e: IpcError) => e.kind === 'HubError' && /did not answer connection_request within 0\.2 s/.test(e.message));
  } finally {
    await channel.close();
  }
});

test('a connection file of a controller that is gone is said at once: nothing listens at its address', async () => {
  const { openHubClient } = await import('../../src/client/hub-client.js');
  const net = await import('node:net');
  // a port that was just free: bound, then let go
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const path = file('gone.json', { ...base, registration: port, notification: port + 1 });
  const t0 = Date.now();
  await assert.rejects(openHubClient({ connectionFile: path, timeoutMs: 10_000 }), (e: IpcError) => {
    assert.equal(e.kind, 'HubError');
    assert.equal(e.message, `nothing listens at tcp://127.0.0.1:${port}: the controller of ${path} is not running (start it, or open the tasks.db it wrote with --sqlitedb)`);
    return true;
  });
  assert.ok(Date.now() - t0 < 3000, `said in ${Date.now() - t0} ms, not after the 10 s timeout`);
  // a port where something listens is left to the hub's own answer
  const listening = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  const open = (listening.address() as { port: number }).port;
  try {
    await assert.rejects(openHubClient({ connectionFile: file('mute.json', { ...base, registration: open }), timeoutMs: 500 }), (e: IpcError) => /did not answer connection_request within 0\.5 s/.test(e.message));
  } finally {
    listening.close();
  }
});
