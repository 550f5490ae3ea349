/**
 * The MongoDB stand-in in a process of its own, for the MongoDB bench: the
 * stand-in's own work (and its garbage) must not land in the client's
 * thread, as it would not with a real server. Prints its URL; each line
 * read on stdin is answered with the milliseconds it has spent answering.
 */
import { createInterface } from 'node:readline';
import { startMongoStandIn } from '../test/support/mongo-standin/index.js';

const standIn = await startMongoStandIn();
process.stdout.write(`${standIn.url}\n`);
createInterface({ input: process.stdin })
  .on('line', () => process.stdout.write(`${standIn.engine.busyMs}\n`))
  .on('close', () => void standIn.close());
