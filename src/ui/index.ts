import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientDescription } from '../client/index.js';
import type { OutputFormat } from '../format/index.js';
import type { Shell } from '../shell/index.js';
import { History, defaultHistoryFile } from './history.js';
import { inkRendered } from './ink-frames.js';
import { loadInk } from './ink.js';
import { importPackage } from './import-package.js';
import { Session } from './terminal-session.js';
import { colourWanted, makePainter, type Painter } from './style.js';

/**
 * The interactive terminal session. The CLI imports this module only when
 * stdin and stdout are terminals; Ink is loaded here, after the colour
 * setting is known, so NO_COLOR reaches the colour library beneath it.
 */
export interface InteractiveOptions {
  /** true (the default): describe the store or hub; a string: that text; false: none. */
  readonly banner?: boolean | string;
  readonly format?: OutputFormat;
  /** Where the history lives; default ~/.ipc_history; null keeps none. */
  readonly historyFile?: string | null;
  readonly noColor?: boolean;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
}

const PASTE_ON = '\x1b[?2004h';
const PASTE_OFF = '\x1b[?2004l';

export async function runInteractive(shell: Shell, options: InteractiveOptions = {}): Promise<number> {
  const colour = colourWanted(options.noColor);
  if (!colour) process.env['FORCE_COLOR'] = '0';
  const painter = makePainter(colour);
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  // Under CI, Ink draws only its static output; here stdin and stdout are a
  // terminal someone is typing at, so Ink is told it is not in a CI job.
  const ci = { CI: process.env['CI'], CONTINUOUS_INTEGRATION: process.env['CONTINUOUS_INTEGRATION'] };
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
  // React's development build checks a great deal on every render; a terminal session wants the fast one.
  process.env['NODE_ENV'] ??= 'production';
  let loaded: [typeof import('ink'), typeof import('react'), typeof import('./app.js')];
  try {
    // Ink before the app, whose components read it from ink.ts
    const [ink, react] = await Promise.all([loadInk(), importPackage<typeof import('react')>('react')]);
    loaded = [ink, react, await import('./app.js')];
  } finally {
    for (const [k, v] of Object.entries(ci)) if (v !== undefined) process.env[k] = v;
  }
  const [{ render }, { createElement }, { App }] = loaded;
  const banner = options.banner === false ? [] : typeof options.banner === 'string' ? [options.banner] : await bannerLines(shell, painter);
  // %stats and %timeline on a large store then find a worker thread ready for their read
  shell.client.readyColumnReads();
  const history = History.load(options.historyFile === undefined ? defaultHistoryFile() : options.historyFile);

  let exitCode = 0;
  let unmount: () => void = () => undefined;
  const session = new Session({
    shell,
    painter,
    history,
    banner,
    format: options.format,
    columns: stdout.columns || 80,
    rows: stdout.rows || 24,
    editText: (text) => editInTerminal(text, stdin),
    exit: (code) => {
      exitCode = code;
      // Let the last frame (the echoed `exit`, no prompt under it) reach the terminal first:
      // React commits it on a later turn, and Ink writes at most one frame per 16 ms.
      setTimeout(() => unmount(), 40);
    },
  });
  stdout.write(PASTE_ON);
  const instance = render(createElement(App, { session }), { stdin, stdout, exitOnCtrlC: false, patchConsole: true, maxFps: 60, onRender: inkRendered });
  unmount = () => instance.unmount();
  // `kill -INT` does what Ctrl-C does at the keyboard.
  const onSigint = () => session.handleKey({ name: 'ctrl', text: 'c', ctrl: true, meta: false, shift: false });
  process.on('SIGINT', onSigint);
  const stopSuspending = suspendOnCtrlZ(stdin, stdout);
  try {
    await instance.waitUntilExit();
  } finally {
    stopSuspending();
    process.off('SIGINT', onSigint);
    session.dispose();
    stdout.write(PASTE_OFF);
  }
  return exitCode;
}

/**
 * Hands the terminal to $VISUAL (else $EDITOR, else vi) on a file holding
 * `text`, and answers what was saved, or null when the editor failed. The
 * event loop waits meanwhile, so no key of the editor's reaches the prompt.
 */
function editInTerminal(text: string, stdin: NodeJS.ReadStream): string | null {
  const editor = process.env['VISUAL'] || process.env['EDITOR'] || 'vi';
  const dir = mkdtempSync(join(tmpdir(), 'ipc-edit-'));
  const file = join(dir, 'input.py');
  const raw = stdin.isTTY && stdin.isRaw;
  try {
    writeFileSync(file, text.endsWith('\n') || text === '' ? text : text + '\n', { mode: 0o600 });
    if (raw) stdin.setRawMode(false);
    // through the shell, so that EDITOR may carry its own arguments ("code -w")
    const r = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
    return r.status === 0 ? readFileSync(file, 'utf8') : null;
  } finally {
    if (raw) stdin.setRawMode(true);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Ctrl-Z, which raw mode delivers as a key: the terminal goes back to
 * cooked mode and the process stops itself (SIGTSTP), as a shell's job
 * control expects. On SIGCONT (fg, or kill -CONT after any stop) raw mode
 * and bracketed paste come back. Returns the remover.
 */
function suspendOnCtrlZ(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): () => void {
  if (!stdin.isTTY) return () => undefined;
  const onData = (data: Buffer | string) => {
    if (!(typeof data === 'string' ? data : data.toString('latin1')).includes('\u001a')) return;
    stdout.write(`${PASTE_OFF}\u001b[?25h\n`);
    stdin.setRawMode(false);
    process.kill(process.pid, 'SIGTSTP');
  };
  const onContinue = () => {
    stdin.setRawMode(true);
    stdout.write(PASTE_ON);
  };
  stdin.on('data', onData);
  process.on('SIGCONT', onContinue);
  return () => {
    stdin.off('data', onData);
    process.off('SIGCONT', onContinue);
  };
}

/** Which store or hub, how many records and their time span, whose session is "mine". */
export async function bannerLines(shell: Shell, p: Painter): Promise<string[]> {
  let d: ClientDescription;
  try {
    d = await shell.client.describe();
  } catch (e) {
    return [p.bold('ipc') + ' — ' + (e instanceof Error ? e.message : String(e))];
  }
  return describeLines(d, shell.client.session.session, p);
}

export function describeLines(d: ClientDescription, session: string | null, p: Painter): string[] {
  const lines = [`${p.bold('ipc')} — ${d.source}`];
  if (d.count !== null) {
    const span =
      d.firstSubmitted && d.lastSubmitted
        ? `, submitted ${d.firstSubmitted.toLocalString(3)} … ${d.lastSubmitted.toLocalString(3)}`
        : '';
    lines.push(`${d.count} task record${d.count === 1 ? '' : 's'}${span}`);
  }
  lines.push(`rc.session.session = ${session === null ? 'None' : `'${session}'`} ${p.dim(`(${d.sessionOrigin})`)}`);
  lines.push(p.dim('Type %help for help, Tab completes, Ctrl-R searches the history, exit or Ctrl-D leaves.'));
  return lines;
}
