/**
 * The column worker with each slice it sends held back (its thread kept
 * busy a while first), so that the main thread, its own part read, takes
 * blocks of the worker's; `haltAfter` slices sent, it says `halt` instead
 * and sends nothing more (its real reading goes on unheard, as a worker
 * stopping after some slices leaves the rest to the main thread).
 */
import { parentPort } from 'node:worker_threads';

/** How long each slice is held back, in milliseconds. */
const HOLD_MS = 10;

export async function serveSlowly(haltAfter: number): Promise<void> {
  if (!parentPort) return;
  const port = parentPort;
  const send = port.postMessage.bind(port);
  let sent = 0;
  let halted = false;
  port.postMessage = (m: { kind?: string }, transfer?: readonly ArrayBuffer[]) => {
    if (halted) return;
    if (m.kind === 'slice') {
      if (sent++ >= haltAfter) {
        halted = true;
        send({ kind: 'halt' });
        return;
      }
      const until = Date.now() + HOLD_MS;
      while (Date.now() < until);
    }
    send(m, transfer as ArrayBuffer[] | undefined);
  };
  await import('../../src/stores/sqlite/column-worker.js');
}
