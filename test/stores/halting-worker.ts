/**
 * A column worker that says it is ready, then halts on its job at once
 * without sending a slice (as the worker does when it cannot name a row's
 * function): the read must then read everything on its own thread.
 */
import { parentPort } from 'node:worker_threads';

if (parentPort) {
  const port = parentPort;
  port.postMessage({ kind: 'ready' });
  port.once('message', () => port.postMessage({ kind: 'halt' }));
}
