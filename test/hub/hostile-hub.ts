/**
 * A hub that misbehaves on purpose, on loopback: a ROUTER where the real
 * hub's query socket is and a PUB where its notifications go, with a
 * connection file of its own key. Each request is answered by `answer`
 * (frames after the routing id), so a test can send a reply too large, a
 * db_reply of millions of records, or badly signed notifications. The real
 * controller cannot be made hostile; every other hub test uses it.
 */
import { writeFileSync } from 'node:fs';
import * as zmq from 'zeromq';
import { Session, type JsonDict, type Message } from '../../src/hub/jupyter-session.js';

export const KEY = 'a1b2c3d4-0000-4000-8000-hostilehub01';

export type Answer = (request: Message, session: Session) => Buffer[] | null;

export class HostileHub {
  readonly session = new Session(KEY);
  answer: Answer = (req, s) => reply(s, req, { status: 'ok', engines: {} });
  private readonly router = new zmq.Router({ linger: 0 });
  readonly pub = new zmq.Publisher({ linger: 0, sendHighWaterMark: 0 });

  private constructor() {}

  /** Binds both sockets and writes the connection file that points at them. */
  static async start(connectionFile: string): Promise<HostileHub> {
    const h = new HostileHub();
    await h.router.bind('tcp://127.0.0.1:*');
    await h.pub.bind('tcp://127.0.0.1:*');
    h.writeConnectionFile(connectionFile);
    void h.serve();
    return h;
  }

  /** A connection file for this hub; its notifications may come from another process's PUB (`notification`, a port). */
  writeConnectionFile(path: string, notification = port(this.pub)): void {
    writeFileSync(path, JSON.stringify({
      interface: 'tcp://127.0.0.1', registration: port(this.router), notification,
      key: KEY, signature_scheme: 'hmac-sha256', pack: 'json', unpack: 'json',
    }));
  }

  close(): void {
    this.router.close();
    this.pub.close();
  }

  private async serve(): Promise<void> {
    try {
      for await (const [id, ...frames] of this.router) {
        const req = this.session.deserialize(frames);
        if (!req) continue;
        const out = this.answer(req, this.session);
        if (out) await this.router.send([id!, ...out]);
      }
    } catch {
      // closed
    }
  }
}

const port = (s: zmq.Socket) => Number(/:(\d+)$/.exec(s.lastEndpoint!)![1]);

/** A signed reply to `req` with this content (and raw content bytes when given). */
export function reply(s: Session, req: Message, content: JsonDict, rawContent?: Buffer, buffers: Buffer[] = []): Buffer[] {
  const type = String(req.header['msg_type']).replace(/_request$/, '_reply');
  const frames = s.serialize(s.header(type), content, req.header);
  if (rawContent) {
    frames[5] = rawContent;
    frames[1] = s.sign(frames.slice(2, 6));
  }
  return [...frames, ...buffers];
}
