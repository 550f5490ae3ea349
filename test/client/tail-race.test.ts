import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from '../../src/client/index.js';
import type { IopubEvent } from '../../src/client/live.js';
import { Tail } from '../../src/client/tail.js';
import { compileQuery, matches, type QueryInput } from '../../src/query/index.js';
import { RecordList, Timestamp, type Dict, type TaskRecord } from '../../src/records/index.js';

/*
 * `%tail -f` on a hub: an engine's IOPub can come before the hub has
 * handled the task's request, so the first look at the task may not find
 * it. Here a hub that records a task only once it has been asked about it
 * once: the tail must still show every line the task prints, once, in
 * order (a tail that took the task for one its query does not select lost
 * the lines printed before it was found again).
 */

const ID = 'task-race';

test('a task the hub records only after its first IOPub message: every line once, in order', async () => {
  let listener: ((e: IopubEvent) => void) | null = null;
  let recorded = false;
  let stdout = '';
  const record = (): TaskRecord => ({
    msg_id: ID, submitted: new Timestamp(Date.now() * 1000 - 1000), engine_uuid: 'e-0', stdout, stderr: '', completed: null,
    error: null, result_content: null, result_header: null, result_metadata: null,
  });
  const asked = new Set<string>();
  const client = {
    live: {
      iopub: async (l: (e: IopubEvent) => void) => {
        listener = l;
        return () => (listener = null);
      },
    },
    engines: async () => new Map([[0, 'e-0']]),
    dbQuery: async (query: QueryInput, keys?: readonly string[]) => {
      const text = JSON.stringify(query);
      // the first question that names the task finds nothing: the hub records it meanwhile
      const names = text.includes(ID);
      const found = recorded && matches(compileQuery(query), record()) ? [record()] : [];
      if (names && !asked.has(text) && !recorded) {
        asked.add(text);
        recorded = true;
      }
      return new RecordList((keys as string[] | undefined) ?? [], found);
    },
  } as unknown as Client;

  const tail = new Tail({ client, ids: null, query: { completed: null }, follow: true, stderr: false, engine: null, pollMs: 60 });
  const abort = new AbortController();
  const lines: string[] = [];
  const reading = (async () => {
    for await (const l of tail.lines(abort.signal)) if (l.stream === 'stdout') lines.push(l.text);
  })();
  while (!listener) await new Promise((r) => setTimeout(r, 5));
  const send = (msgType: string, content: Dict) =>
    listener!({ engine: 0, msgType, parentId: ID, date: new Timestamp(Date.now() * 1000), content });
  send('status', { execution_state: 'busy' });
  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 40));
    const text = `line ${i}\n`;
    stdout += text;
    send('stream', { name: 'stdout', text });
  }
  await new Promise((r) => setTimeout(r, 800));
  abort.abort();
  await reading;
  assert.deepEqual(lines, Array.from({ length: 12 }, (_, i) => `line ${i}`));
});
