/**
 * A man in the middle between ipc and a real hub: forwards the query
 * socket's traffic and, when asked, changes one byte of each reply's content.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as zmq from 'zeromq';

export class TamperingProxy {
  tamper = false;
  private readonly front = new zmq.Router({ linger: 0 });
  private readonly back = new zmq.Dealer({ linger: 0 });
  private client: Buffer | null = null;

  private constructor() {}

  /** Starts the proxy and writes a connection file that points ipc at it. */
  static async start(connectionFile: string, proxyFile: string): Promise<TamperingProxy> {
    const p = new TamperingProxy();
    const cfg = JSON.parse(readFileSync(connectionFile, 'utf8')) as Record<string, unknown>;
    p.back.connect(`${cfg['interface']}:${cfg['registration']}`);
    await p.front.bind('tcp://127.0.0.1:*');
    cfg['registration'] = Number(/:(\d+)$/.exec(p.front.lastEndpoint!)![1]);
    writeFileSync(proxyFile, JSON.stringify(cfg));
    void p.forward();
    void p.reply();
    return p;
  }

  close(): void {
    this.front.close();
    this.back.close();
  }

  private async forward(): Promise<void> {
    try {
      for await (const [id, ...frames] of this.front) {
        this.client = id!;
        await this.back.send(frames);
      }
    } catch {
      // closed
    }
  }

  private async reply(): Promise<void> {
    try {
      for await (const frames of this.back) {
        if (this.tamper) {
          const content = Buffer.from(frames[5]!);
          content[content.length - 2] ^= 0x01;
          frames[5] = content;
        }
        await this.front.send([this.client!, ...frames]);
      }
    } catch {
      // closed
    }
  }
}
