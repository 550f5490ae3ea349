/**
 * A MongoDB stand-in for tests: a wire-protocol server on 127.0.0.1 that
 * answers what the mongodb driver (and pymongo) send, with filters evaluated
 * by mingo. It is not MongoDB; tests that run against it say "stand-in".
 */
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CommandEngine, type StandInOptions } from './commands.js';
import { encodeReply, parseRequest, readMessages } from './wire.js';

export type { Databases, CollectionData } from './commands.js';

export interface MongoStandIn {
  readonly url: string;
  readonly port: number;
  readonly engine: CommandEngine;
  close(): Promise<void>;
}

export async function startMongoStandIn(options: StandInOptions = {}): Promise<MongoStandIn> {
  const engine = new CommandEngine(options);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const connectionId = engine.newConnectionId();
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      try {
        const { messages, rest } = readMessages(pending);
        pending = Buffer.from(rest);
        for (const message of messages) {
          const started = performance.now();
          const request = parseRequest(message);
          if (engine.options.unanswered?.includes(Object.keys(request.command)[0] ?? '')) continue;
          const reply = engine.run(request.command, request.db, connectionId);
          const bytes = request.noReply ? null : encodeReply(request, reply);
          // the write is left out: the client reads while it goes on, and the stand-in may wait for a core after it
          engine.busyMs += performance.now() - started;
          if (bytes) socket.write(bytes);
        }
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `mongodb://127.0.0.1:${port}`,
    port,
    engine,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
