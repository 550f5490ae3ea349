/**
 * The live-hub suite on `ipcontroller --mongodb` (ipyparallel 7.1 over
 * pymongo) writing to a real mongod: runs when IPC_TEST_MONGODB_URL names one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { REAL_MONGODB_URL, startMongoTarget, type MongoTarget } from '../support/mongo-target.js';
import { PYTHON, havePython } from '../support/python.js';
import type { DbFlag } from './cluster.js';
import { liveHubSuite } from './suite.js';

// The hub's pymongo hands back naive UTC datetimes, which the hub's JSON
// packer calls local time: run the cluster in UTC so that they are right.
process.env['TZ'] = 'UTC';

const havePymongo = havePython() && spawnSync(PYTHON, ['-c', 'import pymongo'], { stdio: 'ignore' }).status === 0;

if (havePymongo && REAL_MONGODB_URL) {
  let target: MongoTarget | undefined;
  liveHubSuite('--mongodb' as DbFlag, {
    restart: false,
    where: 'a real mongod',
    async prepare(cluster) {
      target = await startMongoTarget();
      mkdirSync(cluster.profileDir, { recursive: true });
      writeFileSync(
        join(cluster.profileDir, 'ipcontroller_config.py'),
        `c.MongoDB.connection_args = [${JSON.stringify(target.url)}]\nc.MongoDB.database = ${JSON.stringify(target.freshDatabase())}\n`,
      );
    },
    async cleanup() {
      await target?.close();
    },
  });
} else {
  const why = havePymongo ? 'set IPC_TEST_MONGODB_URL to a real mongod' : 'needs python3-pymongo and a real mongod (IPC_TEST_MONGODB_URL)';
  describe('a live hub started with --mongodb', { skip: why }, () => {});
}
