import * as net from 'node:net';
import * as zmq from 'zeromq';
import { hubError } from '../errors.js';
import { fileStamp, readConnectionFile, type ConnectionInfo } from './connection.js';
import { Session, type JsonDict, type Message } from './session.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface HubChannelOptions {
  readonly timeoutMs?: number;
  /** Called after the channel reconnected to a controller that rewrote its connection file. */
  readonly onReconnect?: () => void;
}

interface Pending {
  resolve(m: Message): void;
  reject(e: Error): void;
  /** performance.now() when the request left. */
  sentAt: number;
}

/** Where the time of the last exchange went, for benchmarks: ms from performance.now(). */
export interface ExchangeTiming {
  readonly msgType: string;
  readonly sentAt: number;
  readonly receivedAt: number;
}

/** A request was in flight when the controller restarted. */
class HubRestarted extends Error {}

/**
 * The query channel to a running hub: one DEALER socket connected to the
 * `registration` address, a request/reply exchange matched by parent msg_id,
 * a per-request timeout, and a SUB socket on the notification address.
 * A controller that restarts rewrites its connection file; the channel notices
 * and reconnects to the new addresses before the next request.
 */
export class HubChannel {
  readonly session: Session;
  readonly timeoutMs: number;
  /** Replies dropped for a bad signature or a malformed frame. */
  rejected = 0;
  /** The timing of the last request answered. */
  lastTiming: ExchangeTiming | null = null;
  // Holds the key: a private field keeps it out of util.inspect.
  #info: ConnectionInfo;
  private dealer!: zmq.Dealer;
  private subscriber!: zmq.Subscriber;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners: Array<(m: Message) => void> = [];
  private sending: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly onReconnect: (() => void) | undefined;

  constructor(connectionFile: string, options: HubChannelOptions = {}) {
    this.#info = readConnectionFile(connectionFile);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw hubError(`the timeout must be a positive number of seconds, not ${this.timeoutMs / 1000}`);
    this.onReconnect = options.onReconnect;
    this.session = new Session(this.#info.key, this.#info.signatureScheme);
    this.connect();
  }

  get address(): string {
    return this.#info.registration;
  }

  get connectionFile(): string {
    return this.#info.file;
  }

  /**
   * Whether something listens at the hub's address, asked with a plain TCP
   * connection, which is refused at once where no controller runs (ZeroMQ
   * itself would retry in silence until the timeout). Raises HubError when
   * it is refused or the host is unknown; anything else (a slow network, an
   * ipc:// address) is left to the first request.
   */
  async checkListening(timeoutMs: number): Promise<void> {
    const m = /^tcp:\/\/(.+):(\d+)$/.exec(this.#info.registration);
    if (!m) return;
    const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
    const port = Number(m[2]);
    const code = await new Promise<string | null>((resolve) => {
      const socket = net.connect({ host: host === '*' ? '127.0.0.1' : host, port });
      const done = (c: string | null) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(c);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      socket.once('connect', () => done(null));
      socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? null));
    });
    if (code === 'ECONNREFUSED') {
      throw hubError(`nothing listens at ${this.#info.registration}: the controller of ${this.#info.file} is not running (start it, or open the tasks.db it wrote with --sqlitedb)`);
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw hubError(`the host of ${this.#info.registration} in ${this.#info.file} is not known here`);
  }

  /** Registers a handler for hub notifications (engine registration, shutdown). */
  onNotification(listener: (m: Message) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Sends one request and resolves with the hub's reply. Rejects with a
   * HubError after the timeout; a reply that arrives later is dropped.
   */
  async request(msgType: string, content: unknown, timeoutMs = this.timeoutMs): Promise<Message> {
    if (this.closed) throw hubError('the connection to the hub is closed');
    this.checkRestart();
    try {
      return await this.exchange(msgType, content, timeoutMs);
    } catch (e) {
      if (this.closed || !(e instanceof HubRestarted || this.checkRestart())) throw e;
    }
    try {
      return await this.exchange(msgType, content, timeoutMs);
    } catch (e) {
      if (e instanceof HubRestarted) throw hubError(`the controller of ${this.#info.file} restarted twice during ${msgType}; try again`);
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dealer.close();
    this.subscriber.close();
    for (const p of this.pending.values()) p.reject(hubError('the connection to the hub was closed before it answered'));
    this.pending.clear();
  }

  private exchange(msgType: string, content: unknown, timeoutMs: number): Promise<Message> {
    const startedAt = performance.now();
    const header = this.session.header(msgType);
    const frames = this.session.serialize(header, content);
    const rejectedBefore = this.rejected;
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(header.msg_id);
        reject(this.timeoutError(msgType, timeoutMs, this.rejected > rejectedBefore));
      }, timeoutMs);
      const entry: Pending = {
        sentAt: startedAt,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.pending.set(header.msg_id, entry);
      const dealer = this.dealer;
      // A socket takes one send at a time: chain them.
      this.sending = this.sending
        .then(() => dealer.send(frames))
        .then(() => {
          entry.sentAt = performance.now();
        })
        .catch((e: unknown) => {
          if (this.closed || dealer !== this.dealer) return;
          this.pending.delete(header.msg_id);
          entry.reject(hubError(`could not send ${msgType} to the hub at ${this.#info.registration}: ${(e as Error).message}`));
        });
    });
  }

  private timeoutError(msgType: string, timeoutMs: number, sawBadReply: boolean) {
    const seconds = `${+(timeoutMs / 1000).toFixed(3)} s`;
    if (sawBadReply) {
      return hubError(`the hub's reply to ${msgType} had a bad signature and was dropped; does ${this.#info.file} hold the key of the running controller?`);
    }
    return hubError(`the hub at ${this.#info.registration} did not answer ${msgType} within ${seconds}; is the controller of ${this.#info.file} running? (--timeout sets a longer wait)`);
  }

  /**
   * Notices a controller that rewrote its connection file (a restart): new
   * addresses or key mean new sockets; true when the channel reconnected.
   * Either way the engines it knew are gone, so onReconnect runs.
   */
  private checkRestart(): boolean {
    const stamp = fileStamp(this.#info.file);
    if (stamp === null || stamp === this.#info.stamp) return false;
    let next: ConnectionInfo;
    try {
      next = readConnectionFile(this.#info.file);
    } catch {
      return false;
    }
    const same =
      next.registration === this.#info.registration &&
      next.notification === this.#info.notification &&
      next.key === this.#info.key &&
      next.curveServerKey === this.#info.curveServerKey;
    this.#info = next;
    if (!same) {
      this.session.rekey(next.key, next.signatureScheme);
      this.dealer.close();
      this.subscriber.close();
      this.sending = Promise.resolve();
      // Requests sent to the old controller will not be answered: send them again.
      for (const p of this.pending.values()) p.reject(new HubRestarted());
      this.pending.clear();
      this.connect();
    }
    this.onReconnect?.();
    return !same;
  }

  private connect(): void {
    // A hub that is down must not block a send for ever: the timeout covers it.
    const dealer = new zmq.Dealer({ linger: 0, sendTimeout: this.timeoutMs });
    const subscriber = new zmq.Subscriber({ linger: 0 });
    if (this.#info.curveServerKey) {
      const pair = zmq.curveKeyPair();
      for (const s of [dealer, subscriber]) {
        s.curveServerKey = this.#info.curveServerKey;
        s.curvePublicKey = pair.publicKey;
        s.curveSecretKey = pair.secretKey;
      }
    }
    try {
      dealer.connect(this.#info.registration);
      subscriber.subscribe();
      subscriber.connect(this.#info.notification);
    } catch (e) {
      dealer.close();
      subscriber.close();
      throw hubError(`cannot connect to the hub at ${this.#info.registration}: ${(e as Error).message}`);
    }
    this.dealer = dealer;
    this.subscriber = subscriber;
    void this.readReplies(dealer);
    void this.readNotifications(subscriber);
  }

  private readReplies(dealer: zmq.Dealer): Promise<void> {
    return this.readSigned(dealer, (msg, receivedAt) => {
      const parentId = (msg.parentHeader as JsonDict)['msg_id'];
      const waiter = typeof parentId === 'string' ? this.pending.get(parentId) : undefined;
      if (!waiter) return;
      this.pending.delete(parentId as string);
      this.lastTiming = { msgType: String(msg.header['msg_type']), sentAt: waiter.sentAt, receivedAt };
      waiter.resolve(msg);
    });
  }

  private readNotifications(subscriber: zmq.Subscriber): Promise<void> {
    return this.readSigned(subscriber, (msg) => {
      for (const l of this.listeners) l(msg);
    });
  }

  /** Hands each message whose signature verifies to `take`, counting the rest, until the socket closes. */
  private async readSigned(socket: AsyncIterable<Buffer[]>, take: (msg: Message, receivedAt: number) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        const receivedAt = performance.now();
        const msg = this.session.deserialize(frames);
        if (msg) take(msg, receivedAt);
        else this.rejected++;
      }
    } catch {
      // the socket was closed
    }
  }
}
