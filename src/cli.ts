import { closeSync, createReadStream, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import v8 from 'node:v8';
import { helpText, parseArgs, settleFile, type CliOptions } from './config/argv.js';
import { openClient, prepareColumnReads } from './config/open.js';
import type { ReadyWorker } from './stores/index.js';
import { checkStoreFiles, resolveSettings, type Settings } from './config/resolve.js';
import { configError, interrupted, isIpcError, storeError } from './errors.js';
import { FILE_CAPS, byteSize, openNonBlocking, readAllBounded } from './files.js';
import { RecordStream } from './client/index.js';
import { beforeFirstPattern } from './query/index.js';
import { TextStream } from './records/index.js';
import { UnreadableNotes, renderRecordStream, renderValue, safeText, stripAnsi } from './format/index.js';
import { Text, onUnreadable } from './records/index.js';
import { asIpcError, createShell, tailLineText, terminalRequest, type Outcome, type Shell, type TailRequest } from './shell/index.js';

/** Exit statuses: 0 all went well, 1 a statement or the store failed, 2 the command line or configuration is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** A script stopped by SIGINT (Ctrl-C) exits as shells expect: 128 + 2. */
export const EXIT_INTERRUPTED = 130;

export interface MainIO {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** A column read's worker the command started as ipc began (config/early-worker.ts). */
  readonly columnWorker: ReadyWorker | null;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Everything ipc writes to stderr goes through here: what it quotes (a
 * task's traceback, a hub's reply, a value typed) may hold controls, which
 * are shown as escapes, never sent; colour is kept only for a terminal.
 */
function warn(stderr: NodeJS.WritableStream & { isTTY?: boolean }, text: string): boolean {
  return stderr.write(safeText(text, { sgr: stderr.isTTY ? 'keep' : 'strip' }));
}

function sentence(e: unknown): string {
  if (isIpcError(e)) return `${e.kind}: ${e.message}`;
  return `Error: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * A user's $regex or $glob that backtracks catastrophically would hold the
 * process past Ctrl-C: after this many backtracks V8 runs it again on its
 * linear-time engine. Set just before the first pattern is made (V8 takes
 * the flag as it makes one), not as ipc starts (patterns.ts says why).
 */
function linearRegExpFallback(): void {
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  v8.setFlagsFromString('--regexp-backtracks-before-fallback=10000');
}

/** The entry point: argv → a store or hub → script mode or the interactive shell. */
export async function main(argv: string[], io: Partial<MainIO> = {}): Promise<number> {
  beforeFirstPattern(linearRegExpFallback);
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  stdout.on('error', (e: NodeJS.ErrnoException) => {
    // A reader that stops early (ipc ... | head) is not an error.
    if (e.code === 'EPIPE') process.exit(EXIT_OK);
  });

  let cli: CliOptions;
  let settings: Settings;
  try {
    cli = parseArgs(argv);
    if (cli.help) {
      stdout.write(helpText(version()));
      return EXIT_OK;
    }
    if (cli.version) {
      stdout.write(`ipc ${version()}\n`);
      return EXIT_OK;
    }
    settleFile(cli, fileHead(cli.file, cwd));
    settings = resolveSettings(cli, { env, cwd, demoWhenNothing: isInteractive(cli, stdin, stdout) });
    if (settings.profileNote) warn(stderr, `ipc: ${settings.profileNote}\n`);
    checkStoreFiles(settings);
  } catch (e) {
    warn(stderr, `ipc: ${sentence(e)}\n`);
    return EXIT_USAGE;
  }

  const interactive = isInteractive(cli, stdin, stdout);
  let source: string | null = null;
  if (!interactive) {
    const fromTerminal = cli.command === null && (cli.file === null || cli.file === '-') && Boolean(stdin.isTTY);
    // ipc | less, ipc > out.txt: without a word, a person at the keyboard would wait for a prompt that never comes.
    if (fromTerminal && !cli.script) {
      warn(stderr, 'ipc: stdout is not a terminal, so ipc runs in script mode: type statements, then Ctrl-D; their values go to stdout\n');
    }
    try {
      source = await readScript(cli, stdin, cwd);
    } catch (e) {
      warn(stderr, `ipc: ${sentence(e)}\n`);
      return EXIT_USAGE;
    }
  }

  let shell: Shell | null = null;
  const confirm = async (question: string): Promise<boolean> => {
    if (settings.yes) return true;
    if (shell?.terminal) return shell.terminal.ask({ kind: 'confirm', question });
    // A script from -c or a file, started in a terminal: ask there.
    if (!interactive && stdin.isTTY && stderr.isTTY) return askYesNo(safeText(question), stdin, stderr);
    throw storeError(`${question.replace(/\. Go on\?$/, '')}: add --yes to confirm it in a script`);
  };
  if (source !== null) await prepareColumnReads(settings, source, io.columnWorker ?? null);
  else if (io.columnWorker) void io.columnWorker.worker.terminate();
  let opened;
  try {
    opened = await openClient(settings, confirm);
  } catch (e) {
    warn(stderr, `ipc: ${sentence(e)}\n`);
    // nothing to open is the command line's or the configuration's doing
    return isIpcError(e) && e.kind === 'ConfigError' ? EXIT_USAGE : EXIT_FAILED;
  }
  if (opened.note) warn(stderr, `ipc: ${opened.note}\n`);
  shell = createShell({
    client: opened.client,
    settings: { format: settings.format, timezone: settings.timezone, maxColumnWidth: settings.maxColumnWidth },
    ...(opened.tables ? { tables: opened.tables } : {}),
  });

  try {
    if (interactive) {
      const ui = await import('./ui/index.js');
      const stopOnHangup = endOnSignals(stdin, stdout);
      try {
        return await ui.runInteractive(shell, {
          format: settings.format,
          noColor: cli.noColor,
        });
      } finally {
        stopOnHangup();
      }
    }
    if (settings.store.kind === 'demo' && !cli.store && stderr.isTTY) {
      warn(stderr, `ipc: using the embedded demo store (${settings.origin}); see ipc --help to open yours\n`);
    }
    // a record with bad data in a column is still written; stderr names the record and the column
    const notes = new UnreadableNotes((line) => warn(stderr, line));
    const stopNotes = onUnreadable((u) => notes.hear(u));
    try {
      return await runScript(shell, source ?? '', { bail: cli.bail, stdout, stderr, firstLine: 1 });
    } finally {
      stopNotes();
      notes.finish();
    }
  } finally {
    await opened.client.close().catch(() => undefined);
  }
}

/** The Ink shell runs with a terminal on both ends and no script; anything else is script mode. */
function isInteractive(cli: CliOptions, stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): boolean {
  return cli.command === null && cli.file === null && !cli.script && Boolean(stdin.isTTY) && Boolean(stdout.isTTY);
}

/**
 * SIGTERM and SIGHUP (the terminal closed) always end the interactive shell:
 * the terminal goes back to cooked mode with its cursor shown, then the
 * process exits with 128 + the signal's number. Returns the remover.
 */
function endOnSignals(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): () => void {
  const handlers = (['SIGTERM', 'SIGHUP'] as const).map((sig) => {
    const handler = () => {
      try {
        if (stdin.isTTY) stdin.setRawMode(false);
        stdout.write('\u001b[?2004l\u001b[?25h\n');
      } finally {
        process.exit(128 + (sig === 'SIGTERM' ? 15 : 1));
      }
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  };
}

async function askYesNo(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<boolean> {
  // loaded only when a script asks (a cost every start would pay)
  const { createInterface } = createRequire(import.meta.url)('node:readline/promises') as typeof import('node:readline/promises');
  const rl = createInterface({ input, output, terminal: true });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** The first bytes of the file given as the script, to tell a database from a script; null when there is none to read, or it is no regular file (a pipe is read once, as the script). */
function fileHead(file: string | null, cwd: string): Uint8Array | null {
  if (file === null || file === '-') return null;
  let fd: number | null = null;
  try {
    const opened = openNonBlocking(resolve(cwd, file), configError, 'script');
    fd = opened.fd;
    if (!opened.stat.isFile()) return null;
    const head = new Uint8Array(16);
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } catch {
    // not there or not readable: readScript says so
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

const binaryScript = (name: string) => configError(`${name} holds binary data, not statements: a script is text, one statement a line`);
const hugeScript = (name: string) => configError(`${name} is more than ${byteSize(FILE_CAPS.script)}, more than ipc reads as a script; split it, or query the data another way`);

/**
 * The script: -c's text, a file, or stdin. A regular file, a pipe or a
 * device given on purpose is read up to FILE_CAPS.script; a NUL byte ends
 * the reading at once (binary data, /dev/zero), as does a directory or a socket.
 */
async function readScript(cli: CliOptions, stdin: NodeJS.ReadStream, cwd: string): Promise<string> {
  if (cli.command !== null) return cli.command;
  if (cli.file !== null && cli.file !== '-') {
    const name = cli.file;
    const path = resolve(cwd, name);
    let bytes: Buffer;
    try {
      const { fd, stat } = openNonBlocking(path, configError, 'script');
      try {
        if (stat.isDirectory()) throw configError(`the script ${name} is a directory; give a file of statements`);
        if (stat.isFile()) {
          if (stat.size > FILE_CAPS.script) throw hugeScript(name);
          bytes = readAllBounded(fd, FILE_CAPS.script, () => hugeScript(name));
        } else {
          // a pipe or a device: read as a stream, which waits for a writer
          bytes = await collect(createReadStream(path), name);
        }
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if (isIpcError(e)) throw e;
      throw configError(`cannot read the script ${name} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (bytes.includes(0)) throw binaryScript(name);
    return bytes.toString('utf8');
  }
  return (await collect(stdin, 'stdin')).toString('utf8');
}

/** A stream's bytes, refused at the first chunk that holds a NUL byte or passes FILE_CAPS.script. */
async function collect(stream: AsyncIterable<unknown> & { destroy?: () => void }, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (b.includes(0)) throw binaryScript(name);
      total += b.length;
      if (total > FILE_CAPS.script) throw hugeScript(name);
      chunks.push(b);
    }
  } finally {
    if (stream !== process.stdin) stream.destroy?.();
  }
  return Buffer.concat(chunks, total);
}

/** Names by which a statement reads an earlier value (`_`, `__`, `___`, `Out`). */
const REFERS_TO_OUTPUT = /(?<![\w$])(_{1,3}|Out)(?![\w$])/;

/** Resolves once stdout takes more (or at once when interrupted or closed). */
function drained(stdout: NodeJS.WriteStream, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stdout.off('drain', done);
      stdout.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    stdout.once('drain', done);
    stdout.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface ScriptOptions {
  readonly bail: boolean;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly firstLine: number;
}

/**
 * Script mode: each statement that has a value prints it in the current
 * format; errors go to stderr as `line N: Kind: sentence`; the exit status
 * is 1 when any statement failed.
 */
export async function runScript(shell: Shell, source: string, options: ScriptOptions): Promise<number> {
  const { stdout, stderr } = options;
  const plain = !stdout.isTTY;
  let failed = false;
  // A terminal gets text made safe (colour kept, other controls shown as escapes). A file or pipe gets
  // JSON, JSONL, CSV and trace as data, every byte kept, and the table format's text without colour.
  const data = () => shell.settings.format !== 'table';
  const write = (text: string, isData = false) =>
    stdout.write(!plain ? safeText(text) : isData || !text.includes('\u001b') ? text : stripAnsi(text));
  const display = () => ({ timezone: shell.settings.timezone, maxColumnWidth: shell.settings.maxColumnWidth });
  const ac = new AbortController();
  /** Writes a streamed db_query answer as it arrives, waiting whenever stdout's buffer is full. */
  const writeStream = async (o: Outcome, stream: RecordStream | TextStream): Promise<boolean> => {
    try {
      const pieces = stream instanceof TextStream ? stream : renderRecordStream(stream, shell.settings.format, display());
      for await (const piece of pieces) {
        if (ac.signal.aborted) throw interrupted();
        if (!write(piece, data())) await drained(stdout, ac.signal);
      }
      return true;
    } catch (e) {
      if (stream instanceof RecordStream) await stream.close().catch(() => undefined);
      const err = asIpcError(e);
      failed = true;
      warn(stderr, `line ${o.line}: ${err.kind}: ${err.message}\n`);
      return !(options.bail || err.kind === 'Interrupted');
    }
  };
  /** %tail: each line as the task prints it, until its tasks are done or SIGINT. */
  const writeTail = async (o: Outcome, tail: TailRequest): Promise<boolean> => {
    try {
      for await (const line of tail.lines(ac.signal)) {
        if (!write(tailLineText(line) + '\n')) await drained(stdout, ac.signal);
      }
      if (ac.signal.aborted) throw interrupted();
      return true;
    } catch (e) {
      const err = asIpcError(e);
      failed = true;
      warn(stderr, `line ${o.line}: ${err.kind}: ${err.message}\n`);
      return !(options.bail || err.kind === 'Interrupted');
    }
  };
  const onOutcome = (o: Outcome): void | Promise<boolean> => {
    if (o.printed) write(o.printed);
    if (o.error) {
      failed = true;
      const detail = o.error.detail ? '\n' + o.error.detail.replace(/\n*$/, '') : '';
      warn(stderr, `line ${o.line}: ${o.error.kind}: ${o.error.message}${detail}\n`);
      return;
    }
    if (!o.hasValue) return;
    if (o.value instanceof RecordStream || o.value instanceof TextStream) return writeStream(o, o.value);
    const tail = terminalRequest(o.value);
    if (tail?.kind === 'tail') return writeTail(o, tail);
    let text: string;
    try {
      text = o.value instanceof Text ? o.value.text : renderValue(o.value, shell.settings.format, display());
    } catch (e) {
      const err = asIpcError(e);
      failed = true;
      warn(stderr, `line ${o.line}: ${err.kind}: ${err.message}\n`);
      return Promise.resolve(!options.bail);
    }
    if (text === '') return;
    write(text.endsWith('\n') ? text : text + '\n', data() && !(o.value instanceof Text));
  };
  // The first SIGINT interrupts the running statement (evaluation sees it
  // within milliseconds); a second one, should anything not give way, ends the process.
  let sigint = false;
  const onSigint = () => {
    if (sigint) process.exit(EXIT_INTERRUPTED);
    sigint = true;
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    await shell.execute(source, {
      bail: options.bail, stops: 'line', firstLine: options.firstLine, onOutcome, signal: ac.signal,
      // A script that reads _ or Out[n] back gets the collected list, as before.
      streamRecords: !REFERS_TO_OUTPUT.test(source),
    });
  } finally {
    // a SIGINT that came while the last statement's end ran without the event loop turning is heard before the listener goes
    await new Promise((resolve) => setImmediate(resolve));
    process.off('SIGINT', onSigint);
  }
  if (sigint) return EXIT_INTERRUPTED;
  return failed ? EXIT_FAILED : EXIT_OK;
}
