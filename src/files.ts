import { closeSync, constants, fchmodSync, fstatSync, ftruncateSync, openSync, readSync, writeSync, type Stats } from 'node:fs';
import type { IpcError } from './errors.js';

/**
 * Reading a file that a flag, the configuration or a profile names: only a
 * regular file, never more than a cap that fits its kind. The open never
 * blocks (O_NONBLOCK: a FIFO with no writer opens at once) and the kind is
 * that of the file opened (fstat), not of a name that may change meanwhile.
 */

/** How much ipc reads of each kind of file it is pointed at. */
export const FILE_CAPS = {
  /** .ipcrc and ipcontroller-client.json: a few hundred bytes in practice. */
  config: 256 * 1024,
  connection: 256 * 1024,
  /** A controller's engine map: about 50 bytes an engine. */
  engines: 8 * 2 ** 20,
  /** A profile's ipcontroller_config.py, comments and all. */
  controllerConfig: 8 * 2 ** 20,
  /** ~/.ipc_history: 10,000 entries. */
  history: 16 * 2 ** 20,
  /** A script of statements. */
  script: 64 * 2 ** 20,
  /** %q's named queries (~/.ipc_queries.json). */
  queries: 2 ** 20,
  /** Records to load into a DictDB (--load). */
  records: 256 * 2 ** 20,
} as const;

/** "a named pipe (FIFO)", "a directory", ...: what a file that is not regular is. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A size for a sentence: 256 KB, 8 MB, 1.5 GB. */
export function byteSize(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : Number(n.toFixed(n < 10 ? 1 : 0))} ${units[i]}`;
}

export interface Opened {
  readonly fd: number;
  readonly stat: Stats;
}

/**
 * Opens `path` for reading without blocking and returns it with its kind.
 * A socket cannot be opened (ENXIO): that is said as its kind. Other
 * errors (ENOENT, EACCES) are thrown as Node raised them, for the caller's
 * own sentence.
 */
export function openNonBlocking(path: string, fail: (sentence: string) => IpcError, what: string): Opened {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENXIO') throw fail(`the ${what} ${path} is a socket, not a regular file; name a regular file instead`);
    throw e;
  }
  try {
    return { fd, stat: fstatSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * The text of a regular file of at most `cap` bytes. A directory, FIFO,
 * device or socket, or a file past the cap, is one sentence made by `fail`
 * (`what` names the file's role: "configuration file"). Errors of the file
 * system itself (ENOENT, EACCES) are thrown as Node raised them.
 */
export function readBoundedFile(path: string, what: string, cap: number, fail: (sentence: string) => IpcError): string {
  const { fd } = openRegular(path, what, cap, fail);
  try {
    return readAllBounded(fd, cap, () => tooBig(path, what, cap, `over ${byteSize(cap)}`, fail)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Checks, without reading it, that readBoundedFile would read `path`: the same sentences. */
export function checkBoundedFile(path: string, what: string, cap: number, fail: (sentence: string) => IpcError): void {
  closeSync(openRegular(path, what, cap, fail).fd);
}

function tooBig(path: string, what: string, cap: number, size: string, fail: (sentence: string) => IpcError): IpcError {
  return fail(`the ${what} ${path} is ${size}, more than the ${byteSize(cap)} ipc reads of one; check that it names the right file`);
}

/** Opened without blocking, and known to be a regular file within the cap (closed otherwise). */
function openRegular(path: string, what: string, cap: number, fail: (sentence: string) => IpcError): Opened {
  const opened = openNonBlocking(path, fail, what);
  const { stat } = opened;
  if (!stat.isFile() || stat.size > cap) {
    closeSync(opened.fd);
    throw stat.isFile() ? tooBig(path, what, cap, byteSize(stat.size), fail) : fail(`the ${what} ${path} is ${fileKind(stat)}, not a regular file; name a regular file instead`);
  }
  return opened;
}

/** Reads an open file to its end, or throws `over()` once it has given more than `cap` bytes. */
export function readAllBounded(fd: number, cap: number, over: () => Error): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, cap + 1 - total));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > cap) throw over();
  }
  return Buffer.concat(chunks, total);
}

/**
 * Appends text to a regular file (or replaces its text), creating it with
 * `mode`; false (nothing written) when the name is a FIFO, device or
 * anything else that is not a regular file, or cannot be opened. Never blocks.
 */
export function writeRegularFile(path: string, text: string, mode: number, how: 'append' | 'replace'): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | (how === 'append' ? constants.O_APPEND : 0) | constants.O_CREAT | constants.O_NONBLOCK | constants.O_NOCTTY, mode);
  } catch {
    return false;
  }
  try {
    if (!fstatSync(fd).isFile()) return false;
    if (how === 'replace') ftruncateSync(fd, 0);
    fchmodSync(fd, mode);
    writeSync(fd, text);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
