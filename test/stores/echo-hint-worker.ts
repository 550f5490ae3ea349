/** A worker that says what it was started with (worker-start.ts's hint), as its first message. */
import { parentPort, workerData } from 'node:worker_threads';

parentPort?.postMessage({ kind: 'hint', hint: workerData });
