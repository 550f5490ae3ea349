import { Worker } from 'node:worker_threads';

/** A column read's worker thread started ahead of a read: whether it still runs, and whether it said it is ready (its modules loaded). */
export interface ReadyWorker {
  readonly worker: Worker;
  alive: boolean;
  started: boolean;
}

/** What a worker started ahead may do while it waits for its job. */
export interface WorkerHint {
  /** Load what function names are read with: the command names a magic that reads them. */
  readonly names?: boolean;
}

/**
 * Starts the worker of module `url`, its flags kept by its listeners (it
 * says it is ready with its first message); null when it cannot start. It
 * keeps no process running. Apart from the reader so that the command can
 * start one before ipc's modules load (config/early-worker.ts).
 */
export function startWorker(url: URL, hint: WorkerHint = {}): ReadyWorker | null {
  try {
    const worker = new Worker(url, { workerData: hint });
    const entry: ReadyWorker = { worker, alive: true, started: false };
    const dead = () => {
      entry.alive = false;
    };
    worker.on('error', dead);
    worker.on('exit', dead);
    worker.once('message', () => {
      entry.started = true;
    });
    worker.unref();
    return entry;
  } catch {
    return null;
  }
}
