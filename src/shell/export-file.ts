import { constants, createWriteStream } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { once } from 'node:events';
import { IpcError, LoopTurns, storeError, throwIfStopped } from '../errors.js';

/** How long pieces are made and written before the event loop turns. */
const TURN_MS = 20;

/** Refuses a file that is there already (unless `force`), or whose folder is not: said before any work is done for it. */
export async function refuseExisting(path: string, force: boolean): Promise<void> {
  if (!force) {
    const exists = await access(path, constants.F_OK).then(() => true, () => false);
    if (exists) throw storeError(`${path} exists; add --force to replace it`);
  }
  const folder = await stat(dirname(resolve(path))).then((s) => s.isDirectory(), () => false);
  if (!folder) throw storeError(`cannot write ${path}: no such directory`);
}

/**
 * Writes pieces to a new file, next to it first and renamed once whole, so an
 * interrupted export leaves no half file. An existing file is kept unless
 * `force`: an export names a file on the user's disk, and a slip of the
 * fingers (`--svg tasks.db`) must not cost them the store. Ctrl-C (`signal`)
 * stops the writing between two pieces, and no file is left.
 */
export async function writeFileStreaming(path: string, force: boolean, pieces: AsyncIterable<string>, signal?: AbortSignal): Promise<number> {
  await refuseExisting(path, force);
  const partial = `${path}.partial-${process.pid}`;
  // room for a few pieces: the next is made while the last is written, not after
  const out = createWriteStream(partial, { flags: 'wx', highWaterMark: 1 << 20 });
  // a write's failure (a full disk, or a write still under way when the pieces failed) is kept, not thrown at the process
  let failure: Error | null = null;
  out.on('error', (e) => (failure ??= e));
  let bytes = 0;
  try {
    await once(out, 'open');
    const turns = new LoopTurns(signal, TURN_MS);
    for await (const piece of pieces) {
      if (failure) throw failure;
      // pieces made without the event loop turning between them: it turns now and then, so that Ctrl-C is seen
      if (signal && turns.due()) await turns.turn();
      throwIfStopped(signal);
      bytes += Buffer.byteLength(piece);
      if (!out.write(piece)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    if (failure) throw failure;
    await rename(partial, path);
    return bytes;
  } catch (e) {
    out.destroy();
    await rm(partial, { force: true });
    if (e instanceof IpcError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw storeError(`cannot write ${path}: ${err.code === 'ENOENT' ? 'no such directory' : err.code === 'EACCES' ? 'permission denied' : err.message}`);
  }
}

