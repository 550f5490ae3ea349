/**
 * `%tee FILE`, `%once FILE`, `%notee`: every later `Out[n]` (or only the
 * next one) is also appended to FILE as the plain text script mode prints,
 * as sqlite3's `.output`/`.once` and psql's `\o` do. The file is opened
 * without blocking (a FIFO with no reader is refused at once) and must be a
 * regular file.
 */
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { storeError } from '../errors.js';
import { renderValue, stripAnsi, type DisplayOptions } from '../format/index.js';
import { Text } from '../records/index.js';

export class Tee {
  private fd: number | null;

  constructor(
    readonly path: string,
    /** Only the next value (`%once`). */
    readonly once: boolean,
  ) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'ENXIO' ? 'it is a pipe nobody reads' : code === 'EISDIR' ? 'it is a directory' : code;
      throw storeError(`cannot write ${path}: ${why}`);
    }
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw storeError(`cannot write ${path}: it is not a regular file`);
    }
    this.fd = fd;
  }

  /** Appends `Out[n]: text`; answers whether the tee goes on after it. */
  write(n: number, value: unknown, display: DisplayOptions): boolean {
    if (this.fd === null) return false;
    const text = value instanceof Text ? value.text : stripAnsi(renderValue(value, 'table', display));
    const body = `Out[${n}]: ${text.includes('\n') ? '\n' : ''}${text.replace(/\n*$/, '')}\n`;
    try {
      writeSync(this.fd, body);
    } catch (e) {
      this.close();
      throw storeError(`%tee stopped: cannot write ${this.path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (this.once) this.close();
    return !this.once;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
