/**
 * Streams every record of a tasks.db to stdout as JSON lines through the
 * library (the SQLite store and format/json), writing as records arrive:
 * the memory floor of the store, whatever a caller collects on top.
 *
 *   node dist/bench/sqlite-stream.js FILE [QUERY-JSON]
 */
import { jsonText } from '../src/format/json.js';
import { openSQLiteStore } from '../src/stores/sqlite/index.js';

const [path, query] = process.argv.slice(2);
const store = await openSQLiteStore({ path: path! });
let lines: string[] = [];
for await (const rec of store.findRecords(query ? JSON.parse(query) : {})) {
  lines.push(jsonText(rec));
  if (lines.length >= 512) {
    const ok = process.stdout.write(lines.join('\n') + '\n');
    lines = [];
    if (!ok) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
}
if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
await store.close();
