import { render } from 'ink-testing-library';
import { StoreClient } from '../../../src/client/store-client.js';
import { createShell } from '../../../src/shell/shell.js';
import { openDemoStore } from '../../../src/stores/demo/index.js';
import type { DictDB } from '../../../src/stores/dictdb.js';
import { App } from '../../../src/ui/app.js';
import { History } from '../../../src/ui/history.js';
import { loadInk } from '../../../src/ui/ink.js';
import { describeLines } from '../../../src/ui/index.js';
import { Session } from '../../../src/ui/terminal-session.js';
import { makePainter, stripAnsi } from '../../../src/ui/style.js';

export interface Mounted {
  readonly session: Session;
  readonly store: DictDB;
  readonly stdin: { write(data: string): void };
  readonly stdout: { columns: number; emit(event: string): boolean; frames: string[] };
  /** The latest frame (scrollback and live area), without colours unless asked. */
  frame(raw?: boolean): string;
  /** Sends keys, then waits for the frame to satisfy `test`. */
  until(test: (frame: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  exitCode(): number | null;
  unmount(): void;
}

/** The ui over the real shell, the real store client and the demo DictDB, in ink-testing-library's terminal. */
export async function mount(options: { count?: number; colour?: boolean; rows?: number; history?: History } = {}): Promise<Mounted> {
  const store = openDemoStore({ count: options.count ?? 240, seed: 11 });
  // As the CLI does with --write: destructive calls ask the person at the prompt.
  const client = await StoreClient.open(store, { write: true, confirm: (q) => shell.terminal ? shell.terminal.ask({ kind: 'confirm', question: q }) : Promise.resolve(false) });
  const shell = createShell({ client });
  const painter = makePainter(options.colour ?? false);
  let code: number | null = null;
  const session = new Session({
    shell,
    painter,
    history: options.history ?? new History(null),
    banner: describeLines(await client.describe(), client.session.session, painter),
    columns: 100,
    rows: options.rows ?? 24,
    exit: (c) => {
      code = c;
    },
  });
  // the app's components read Ink from ink.ts, which runInteractive loads first
  await loadInk();
  const r = render(<App session={session} />);
  // What the person sees: the viewer's screen while it is open, else Ink's last frame.
  const frame = (raw = false) => {
    const viewing = session.mode === 'table' || session.mode === 'pager';
    const f = viewing ? session.viewerLines().join('\n') : (r.lastFrame() ?? '');
    return raw ? f : stripAnsi(f);
  };
  return {
    session,
    store,
    stdin: r.stdin,
    stdout: r.stdout as unknown as Mounted['stdout'],
    frame,
    async until(test, what, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const f = frame();
        if (test(f)) return f;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the frame was:\n${f}`);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
    exitCode: () => code,
    unmount() {
      session.dispose();
      r.unmount();
      r.cleanup();
    },
  };
}

/** The live area: what follows the last scrollback line (the frame ends with it). */
export function tail(frame: string, lines: number): string {
  return frame.split('\n').slice(-lines).join('\n');
}
