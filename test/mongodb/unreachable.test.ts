import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { IpcError } from '../../src/errors.js';
import { openMongoStore, type MongoOptions } from '../../src/stores/mongodb/index.js';
import { collect } from '../../src/stores/index.js';
import { startMongoStandIn } from '../support/mongo-standin/index.js';
import { startMongoTarget, TARGET_LABEL } from '../support/mongo-target.js';

/** Opens and expects a StoreError matching `pattern`; returns how long it took (ms). */
async function failsToOpen(options: MongoOptions, pattern: RegExp): Promise<number> {
  const started = Date.now();
  await assert.rejects(openMongoStore(options), (e: unknown) => {
    assert.ok(e instanceof IpcError, `not an IpcError: ${String(e)}`);
    assert.equal(e.kind, 'StoreError');
    assert.match(e.message, pattern);
    return true;
  });
  return Date.now() - started;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('an unreachable server (connection refused) is a StoreError within the server-selection timeout', async () => {
  const port = await freePort();
  const took = await failsToOpen(
    { url: `mongodb://127.0.0.1:${port}`, serverSelectionTimeoutMs: 700 },
    new RegExp(`cannot reach MongoDB at mongodb://127\\.0\\.0\\.1:${port}: the connection was refused; is mongod running there\\? \\(ipc waited 0\\.7 s\\)`),
  );
  assert.ok(took < 700 + 1000, `took ${took} ms`);
});

test('a server that accepts but never answers is a StoreError within the server-selection timeout, not a hang', async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as { port: number }).port;
  try {
    const took = await failsToOpen(
      { url: `mongodb://127.0.0.1:${port}`, serverSelectionTimeoutMs: 800 },
      /no MongoDB server answered at mongodb:\/\/127\.0\.0\.1:\d+ within 0\.8 s|did not answer within 0\.8 s/,
    );
    assert.ok(took < 800 + 1500, `took ${took} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test('the default server-selection timeout is 5 s', async () => {
  const port = await freePort();
  const took = await failsToOpen({ url: `mongodb://127.0.0.1:${port}` }, /\(ipc waited 5 s\)/);
  assert.ok(took >= 4500 && took < 6500, `took ${took} ms`);
});

test('a bad timeout or URL is refused at once', async () => {
  await failsToOpen({ url: 'mongodb://127.0.0.1:1', serverSelectionTimeoutMs: 0 }, /timeout must be a positive number/);
  await failsToOpen({ url: 'http://example/' }, /'http:\/\/example\/' is not a MongoDB URL ipc can use/);
});

test(`refused credentials are a StoreError that does not show the password, against ${TARGET_LABEL}`, async () => {
  const target = await startMongoTarget();
  try {
    const url = target.url.replace(/^mongodb:\/\/([^@/]*@)?/, 'mongodb://nobody:s3cret@');
    const took = await failsToOpen(
      { url, database: target.freshDatabase(), serverSelectionTimeoutMs: 3000 },
      /refused the credentials \(authentication failed\); check the user, password and authSource in the URL/,
    );
    assert.ok(took < 3000 + 1000, `took ${took} ms`);
    await assert.rejects(openMongoStore({ url, serverSelectionTimeoutMs: 3000 }), (e: unknown) => !(e as Error).message.includes('s3cret'));
  } finally {
    await target.close();
  }
});

test('a MongoDB older than 4.4 is a StoreError that says so, within the timeout', async () => {
  const old = await startMongoStandIn({ maxWireVersion: 8 });
  try {
    const took = await failsToOpen({ url: old.url, serverSelectionTimeoutMs: 1000 }, /is too old: ipc needs MongoDB 4\.4 or newer/);
    assert.ok(took < 1000 + 1000, `took ${took} ms`);
  } finally {
    await old.close();
  }
});

test('a server that goes away after opening turns the next query into a StoreError within the timeout', async () => {
  const standIn = await startMongoStandIn();
  const store = await openMongoStore({ url: standIn.url, write: true, serverSelectionTimeoutMs: 800 });
  try {
    await store.addRecord('a', { msg_id: 'a', queue: 'task' });
    await standIn.close();
    const started = Date.now();
    await assert.rejects(collect(store.findRecords({ queue: 'task' })), (e: unknown) => {
      assert.ok(e instanceof IpcError && e.kind === 'StoreError', String(e));
      assert.match(e.message, /cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:\d+: the connection was refused/);
      return true;
    });
    assert.ok(Date.now() - started < 800 + 1500, `took ${Date.now() - started} ms`);
  } finally {
    await store.close();
  }
});

test('a server that answers the handshake and then stalls is a StoreError within the timeout, not a hang', async () => {
  const stalling = await startMongoStandIn({ unanswered: ['listCollections', 'endSessions'] });
  try {
    const took = await failsToOpen({ url: stalling.url, serverSelectionTimeoutMs: 800 }, /did not answer within 0\.8 s/);
    assert.ok(took < 800 + 1500, `took ${took} ms`);
  } finally {
    await stalling.close();
  }
});
