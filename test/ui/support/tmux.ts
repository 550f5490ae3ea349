import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';

/**
 * A real terminal for end-to-end tests: a tmux server on a private socket,
 * one window running a command, keys sent with send-keys and the screen read
 * with capture-pane. `close()` kills the server (call it in a finally).
 */
export class Terminal {
  readonly socket = `ipc-ui-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(
    command: string,
    readonly options: { columns?: number; rows?: number; cwd?: string; env?: Record<string, string | undefined> } = {},
  ) {
    const env = { ...process.env, ...options.env };
    // Ink draws nothing live under CI; a real terminal user is not a CI job.
    delete env['CI'];
    delete env['CONTINUOUS_INTEGRATION'];
    for (const [k, v] of Object.entries(options.env ?? {})) if (v === undefined) delete env[k];
    this.tmux(
      ['new-session', '-d', '-x', String(options.columns ?? 120), '-y', String(options.rows ?? 30), command],
      env,
    );
    this.tmux(['set-option', '-g', 'remain-on-exit', 'on']);
    this.socketPath = this.tmux(['display-message', '-p', '#{socket_path}']).trim();
  }

  private readonly socketPath: string;

  private tmux(args: string[], env: NodeJS.ProcessEnv = process.env): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { cwd: this.options.cwd, env, encoding: 'utf8' });
  }

  /** Keys as tmux names them (`Enter`, `C-r`, `PageDown`, `Up`) or literal text with `literal`. */
  send(...keys: string[]): void {
    this.tmux(['send-keys', ...keys]);
  }

  type(text: string): void {
    this.tmux(['send-keys', '-l', text]);
  }

  /** Pastes text as a bracketed paste, as a terminal does when the program asked for it. */
  paste(text: string): void {
    this.tmux(['set-buffer', '--', text]);
    this.tmux(['paste-buffer', '-p', '-d']);
  }

  /** The visible screen, plain text. */
  screen(): string {
    return this.tmux(['capture-pane', '-p']);
  }

  /** The screen with the scrollback. */
  all(): string {
    return this.tmux(['capture-pane', '-p', '-S', '-2000']);
  }

  /** The screen with its colours as escape sequences. */
  screenAnsi(): string {
    return this.tmux(['capture-pane', '-p', '-e']);
  }

  cursor(): { x: number; y: number } {
    const [x, y] = this.tmux(['display-message', '-p', '#{cursor_x} #{cursor_y}']).trim().split(' ').map(Number);
    return { x: x!, y: y! };
  }

  /** A tmux format of the pane (`#{pane_title}`, `#{alternate_on}`, `#{mouse_any_flag}`). */
  query(format: string): string {
    return this.tmux(['display-message', '-p', format]).trim();
  }

  /** tmux's paste buffers, one line each (what an OSC 52 with set-clipboard on would add to). */
  buffers(): string {
    return this.tmux(['list-buffers']);
  }

  /** Any tmux command, for the options a test sets (`set-option -g set-clipboard on`, `pipe-pane`). */
  command(...args: string[]): string {
    return this.tmux(args);
  }

  dead(): boolean {
    return this.tmux(['display-message', '-p', '#{pane_dead}']).trim() === '1';
  }

  /** Waits until `test` holds for the screen (or the scrollback with `all`), else fails with the screen. */
  async waitFor(test: (screen: string) => boolean, what: string, options: { timeoutMs?: number; all?: boolean } = {}): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    let s = '';
    while (Date.now() < deadline) {
      s = options.all ? this.all() : this.screen();
      if (test(s)) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; the screen was:\n${s}`);
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }
}
