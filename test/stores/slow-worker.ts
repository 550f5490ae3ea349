/** The column worker, each slice held back (slow-serve.ts). */
import { serveSlowly } from './slow-serve.js';

await serveSlowly(Infinity);
