import Database from 'better-sqlite3';
import { openSQLiteStore } from '../../../src/stores/sqlite/index.js';

/** Writes a tasks.db of `rows` generated records (headers, stdout, dates), as paged-answer.test does. */
export async function writeBigTasksDb(path: string, rows: number): Promise<void> {
  const store = await openSQLiteStore({ path, write: true, create: true });
  await store.close();
  const sqlite = new Database(path);
  sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO "ipython-tasks" (msg_id, submitted, completed, engine_uuid, queue, stdout, header, metadata, result_header)
    SELECT printf('%08x-0000-4000-8000-%012x', i, i * 7919),
      strftime('%Y-%m-%dT%H:%M:%f000+00:00', 1790000000 + (i % 997) * 1000 + i / 10.0, 'unixepoch'),
      strftime('%Y-%m-%dT%H:%M:%f000+00:00', 1790000000 + i / 10.0 + 2.5, 'unixepoch'),
      printf('engine-%02d', i % 16), CASE WHEN i % 3 = 0 THEN 'mux' ELSE 'task' END,
      printf('step %d of a long computation that printed a line', i),
      json_object('msg_id', printf('%08x-0000-4000-8000-%012x', i, i * 7919), 'msg_type', 'apply_request', 'session', 'c4e1e2f0-5a6b-4c7d-8e9f-0a1b2c3d4e5f', 'username', 'user', 'version', '5.3'),
      json_object('after', json_array(), 'follow', json_array(), 'timeout', NULL, 'targets', json_array(), 'retries', 0),
      json_object('msg_id', printf('%08x-0000-4000-8000-%012x', i + 1, i), 'msg_type', 'apply_reply', 'status', 'ok', 'date', '2026-09-21T13:33:20.100000Z')
    FROM n`);
  sqlite.close();
}
