import * as net from 'node:net';
import * as zmq from 'zeromq';
import { hubError } from '../errors.js';
import { byteSize } from '../files.js';
import { fileStamp, readConnectionFile, type ConnectionInfo } from './connection.js';
import { DELIM, Session, jsonBudget, type Dropped, type JsonDict, type Message } from './jupyter-session.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** The largest message frame ipc takes from a hub; ZeroMQ drops the connection of a peer that sends more. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 2 ** 20;

/** Past this many badly signed notifications in a second, the notification socket is not read for a second. */
const DROPS_PER_SECOND = 200;

export interface HubChannelOptions {
  readonly timeoutMs?: number;
  /** The largest message frame taken from the hub (ZeroMQ's maxMessageSize); default DEFAULT_MAX_MESSAGE_BYTES. */
  readonly maxMessageBytes?: number;
  /** Called after the channel reconnected to a controller that rewrote its connection file. */
  readonly onReconnect?: () => void;
}

/** A message the hub relayed on IOPub, with the topic its engine gave it (`engine.3.stdout`, `engine.3.status`). */
export interface IopubMessage extends Message {
  readonly topic: string;
  /** performance.now() when it arrived. */
  readonly receivedAt: number;
}

/** A listener on the hub's IOPub relay; `ready` settles once the subscription has reached the hub (or after a wait). */
export interface IopubSubscription {
  readonly ready: Promise<void>;
  close(): void;
}

/** How long a new IOPub subscription is given to reach the hub's publisher after the connection is made. */
const SUBSCRIBE_SETTLE_MS = 100;

interface Pending {
  readonly msgType: string;
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
  readonly maxMessageBytes: number;
  /** Replies dropped for a bad signature or a malformed frame. */
  rejected = 0;
  /** The timing of the last request answered. */
  lastTiming: ExchangeTiming | null = null;
  // Holds the key: a private field keeps it out of util.inspect.
  #info: ConnectionInfo;
  private dealer!: zmq.Dealer;
  private subscriber!: zmq.Subscriber;
  /** The control queue to the engines, connected on first use (only abort and signal requests need it). */
  private control: zmq.Dealer | null = null;
  private controlSending: Promise<unknown> = Promise.resolve();
  private readonly observers = new Map<zmq.Socket, zmq.Observer>();
  private readonly pending = new Map<string, Pending>();
  private readonly listeners: Array<(m: Message) => void> = [];
  private readonly iopubListeners = new Set<(m: IopubMessage) => void>();
  /** Listeners that want the engines' status messages only: while no other listens, the rest is dropped unread. */
  private readonly statusOnly = new Set<(m: IopubMessage) => void>();
  private iopubSocket: zmq.Subscriber | null = null;
  private iopubReady: Promise<void> = Promise.resolve();
  private sending: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly onReconnect: (() => void) | undefined;

  constructor(connectionFile: string, options: HubChannelOptions = {}) {
    this.#info = readConnectionFile(connectionFile);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw hubError(`the timeout must be a positive number of seconds, not ${this.timeoutMs / 1000}`);
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
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
   * Subscribes to the hub's IOPub relay (the `iopub` port of the connection
   * file, signed with its key, CurveZMQ when the file says so): every
   * engine's `status`, `stream`, `error` and `execute_result` messages. The
   * socket opens with the first listener and closes with the last.
   */
  onIopub(listener: (m: IopubMessage) => void, options: { statusOnly?: boolean } = {}): IopubSubscription {
    if (this.closed) throw hubError('the connection to the hub is closed');
    if (!this.#info.iopub) throw hubError(`${this.#info.file} names no iopub port, so the engines' output cannot be followed live`);
    this.iopubListeners.add(listener);
    if (options.statusOnly) this.statusOnly.add(listener);
    if (!this.iopubSocket) this.iopubSocket = this.newIopub();
    return {
      ready: this.iopubReady,
      close: () => {
        this.iopubListeners.delete(listener);
        this.statusOnly.delete(listener);
        if (this.iopubListeners.size === 0 && this.iopubSocket) {
          this.iopubSocket.close();
          this.iopubSocket = null;
        }
      },
    };
  }

  private newIopub(): zmq.Subscriber {
    const socket = new zmq.Subscriber({ linger: 0, maxMessageSize: this.maxMessageBytes });
    socket.subscribe();
    const observer = socket.events;
    this.iopubReady = new Promise<void>((resolve) => {
      const settle = () => setTimeout(resolve, SUBSCRIBE_SETTLE_MS);
      // a hub that is away: the caller reads the records meanwhile, and the relay starts when it comes back
      const timer = setTimeout(resolve, Math.min(this.timeoutMs, 3000));
      timer.unref();
      observer.on('handshake', () => {
        clearTimeout(timer);
        settle();
      });
    });
    this.opened(socket, this.#info.iopub!);
    // the topic (`engine.3.status`) says what a message is before its signature is checked
    const wanted = (frames: Buffer[]) => this.statusOnly.size < this.iopubListeners.size || frames[0]!.toString('latin1').endsWith('.status');
    void this.readSigned(socket, (msg, receivedAt, frames) => {
      const first = frames[0]!;
      const topic = Buffer.compare(first, DELIM) === 0 ? '' : first.toString('utf8');
      const m: IopubMessage = { ...msg, topic, receivedAt };
      const status = topic.endsWith('.status');
      for (const l of this.iopubListeners) if (status || !this.statusOnly.has(l)) l(m);
    }, undefined, wanted);
    return socket;
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

  /**
   * Sends one request to an engine through the hub's control queue (as
   * ipyparallel's Client sends abort and signal requests), addressed by the
   * engine's uuid, and resolves with the engine's reply, or null when none
   * came within the timeout: an engine busy with a task reads its control
   * messages only when the task ends.
   */
  async controlRequest(engineUuid: string, msgType: string, content: unknown, timeoutMs = this.timeoutMs): Promise<Message | null> {
    if (this.closed) throw hubError('the connection to the hub is closed');
    this.checkRestart();
    const control = this.controlSocket();
    const header = this.session.header(msgType);
    const frames = [Buffer.from(engineUuid, 'utf8'), ...this.session.serialize(header, content)];
    return new Promise<Message | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(header.msg_id);
        resolve(null);
      }, timeoutMs);
      const entry: Pending = {
        msgType,
        sentAt: performance.now(),
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e instanceof HubRestarted ? hubError(`the controller restarted before the engine answered ${msgType}`) : e);
        },
      };
      this.pending.set(header.msg_id, entry);
      this.controlSending = this.controlSending
        .then(() => control.send(frames))
        .catch((e: unknown) => {
          if (this.closed || control !== this.control) return;
          this.pending.delete(header.msg_id);
          entry.reject(hubError(`could not send ${msgType} to the hub's control queue: ${(e as Error).message}`));
        });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dealer.close();
    this.subscriber.close();
    this.iopubSocket?.close();
    this.iopubSocket = null;
    this.iopubListeners.clear();
    this.statusOnly.clear();
    this.closeControl();
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
        msgType,
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
      if (this.iopubSocket) {
        this.iopubSocket.close();
        this.iopubSocket = next.iopub ? this.newIopub() : null;
      }
      this.closeControl();
      this.sending = Promise.resolve();
      // Requests sent to the old controller will not be answered: send them again.
      for (const p of this.pending.values()) p.reject(new HubRestarted());
      this.pending.clear();
      this.connect();
    }
    this.onReconnect?.();
    return !same;
  }

  private controlSocket(): zmq.Dealer {
    if (this.control) return this.control;
    const address = this.#info.control;
    if (address === null) throw hubError(`${this.#info.file} names no control port, so ipc cannot reach the engines (a connection file of ipyparallel 7 or newer has one)`);
    const control = new zmq.Dealer({ linger: 0, sendTimeout: this.timeoutMs, maxMessageSize: this.maxMessageBytes });
    this.opened(control, address);
    this.control = control;
    void this.readReplies(control);
    return control;
  }

  private closeControl(): void {
    this.control?.close();
    this.control = null;
    this.controlSending = Promise.resolve();
  }

  private connect(): void {
    this.dealer = this.newDealer();
    try {
      this.subscriber = this.newSubscriber();
    } catch (e) {
      this.dealer.close();
      throw e;
    }
  }

  private newDealer(): zmq.Dealer {
    // A hub that is down must not block a send for ever: the timeout covers it.
    const dealer = new zmq.Dealer({ linger: 0, sendTimeout: this.timeoutMs, maxMessageSize: this.maxMessageBytes });
    // ZeroMQ ends the connection of a hub that sends a frame past maxMessageSize, for good: say so to whoever waits.
    // Watched before it connects: the events of a connection made first are never seen.
    this.watch(dealer, (handshaken) => void (handshaken && this.onDisconnect(dealer)));
    this.opened(dealer, this.#info.registration);
    void this.readReplies(dealer);
    return dealer;
  }

  private newSubscriber(): zmq.Subscriber {
    const subscriber = new zmq.Subscriber({ linger: 0, maxMessageSize: this.maxMessageBytes });
    subscriber.subscribe();
    // a notification past the limit ends that connection too: a new one a second later (watched before it connects)
    this.watch(subscriber, (handshaken) => {
      if (!handshaken) return;
      setTimeout(() => {
        if (this.closed || subscriber !== this.subscriber) return;
        subscriber.close();
        try {
          this.subscriber = this.newSubscriber();
        } catch {
          // the hub went away: the next request says so
        }
      }, 1000).unref();
    });
    this.opened(subscriber, this.#info.notification);
    void this.readNotifications(subscriber);
    return subscriber;
  }

  /** The socket, with CurveZMQ keys when the hub speaks it, connected to `address`. */
  private opened<T extends zmq.Dealer | zmq.Subscriber>(socket: T, address: string): T {
    if (this.#info.curveServerKey) {
      const pair = zmq.curveKeyPair();
      socket.curveServerKey = this.#info.curveServerKey;
      socket.curvePublicKey = pair.publicKey;
      socket.curveSecretKey = pair.secretKey;
    }
    try {
      socket.connect(address);
    } catch (e) {
      socket.close();
      throw hubError(`cannot connect to the hub at ${address}: ${(e as Error).message}`);
    }
    return socket;
  }

  /**
   * Calls `onDisconnect` when the socket's connection drops, saying whether
   * it had been a ZeroMQ connection (the handshake done: not a port where
   * something else listens). The observer is kept here: one only its
   * socket refers to can be collected, its events with it.
   */
  private watch(socket: zmq.Socket, onDisconnect: (handshaken: boolean) => void): void {
    const observer = socket.events;
    let handshaken = false;
    observer.on('handshake', () => (handshaken = true));
    observer.on('disconnect', () => {
      const was = handshaken;
      handshaken = false;
      onDisconnect(was);
    });
    this.observers.set(socket, observer);
    observer.on('end', () => this.observers.delete(socket));
  }

  private readReplies(dealer: zmq.Dealer): Promise<void> {
    return this.readSigned(dealer, (msg, receivedAt) => {
      const parentId = (msg.parentHeader as JsonDict)['msg_id'];
      const waiter = typeof parentId === 'string' ? this.pending.get(parentId) : undefined;
      if (!waiter) return;
      this.pending.delete(parentId as string);
      this.lastTiming = { msgType: String(msg.header['msg_type']), sentAt: waiter.sentAt, receivedAt };
      waiter.resolve(msg);
    }, (d) => {
      if (d.dropped !== 'too large') return;
      // the request it answers; when its parent header could not be read, the only one waiting
      const id = d.parentId ?? (this.pending.size === 1 ? [...this.pending.keys()][0]! : null);
      const waiter = id === null ? undefined : this.pending.get(id);
      if (!waiter) return;
      this.pending.delete(id!);
      waiter.reject(hubError(`the hub's reply to ${waiter.msgType} holds ${byteSize(d.bytes ?? 0)} of JSON, more than ipc can decode in the memory it has left (${byteSize(jsonBudget())}); ask for fewer records or keys (keys=[...]) or a narrower query`));
    });
  }

  private readNotifications(subscriber: zmq.Subscriber): Promise<void> {
    return this.readSigned(subscriber, (msg) => {
      for (const l of this.listeners) l(msg);
    });
  }

  /**
   * The connection dropped while requests waited: ZeroMQ does that when
   * the hub sends a frame past maxMessageSize. A hub still listening sent
   * too much; one that is gone has stopped.
   */
  private async onDisconnect(dealer: zmq.Dealer): Promise<void> {
    if (this.closed || dealer !== this.dealer || this.pending.size === 0) return;
    const waiting = [...this.pending.entries()];
    let stopped = false;
    try {
      await this.checkListening(1000);
    } catch {
      stopped = true;
    }
    for (const [id, p] of waiting) {
      if (this.pending.get(id) !== p) continue;
      this.pending.delete(id);
      p.reject(hubError(stopped
        ? `the controller of ${this.#info.file} stopped while it answered ${p.msgType}`
        : `the hub's reply to ${p.msgType} was larger than the ${byteSize(this.maxMessageBytes)} ipc takes of one message, so the connection dropped it; ask for fewer records or keys (keys=[...]), or raise --max-message-size`));
    }
    // ZeroMQ does not reconnect after such a frame: a new socket for the next request
    if (!stopped && !this.closed && dealer === this.dealer) {
      dealer.close();
      this.sending = Promise.resolve();
      this.dealer = this.newDealer();
    }
  }

  /**
   * Hands each message whose signature verifies to `take`, counting the
   * rest, until the socket closes. A flood of bad messages is read at most
   * DROPS_PER_SECOND a second: the socket waits a second past that.
   */
  private async readSigned(
    socket: AsyncIterable<Buffer[]>, take: (msg: Message, receivedAt: number, frames: Buffer[]) => void, drop?: (d: Dropped) => void,
    wanted?: (frames: Buffer[]) => boolean,
  ): Promise<void> {
    let windowStart = performance.now();
    let drops = 0;
    try {
      for await (const frames of socket) {
        if (wanted && frames.length > 0 && !wanted(frames)) continue;
        const receivedAt = performance.now();
        const msg = this.session.receive(frames);
        if ('header' in msg) {
          take(msg, receivedAt, frames);
          continue;
        }
        if (msg.dropped !== 'too large') this.rejected++;
        drop?.(msg);
        if (receivedAt - windowStart > 1000) {
          windowStart = receivedAt;
          drops = 0;
        }
        if (++drops > DROPS_PER_SECOND) {
          await new Promise((r) => setTimeout(r, 1000));
          windowStart = performance.now();
          drops = 0;
        }
      }
    } catch {
      // the socket was closed
    }
  }
}
