/** The column worker, each slice held back, saying `halt` after two (slow-serve.ts). */
import { serveSlowly } from './slow-serve.js';

await serveSlowly(2);
