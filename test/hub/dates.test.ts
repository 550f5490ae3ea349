/**
 * Datetimes as a hub sends them. A MongoDB hub gets naive UTC datetimes
 * from pymongo and its JSON packer (jupyter_client's json_default) labels
 * them with the hub's local offset: ipc reads the digits as UTC.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHubDate } from '../../src/hub/index.js';
import { Timestamp } from '../../src/records/index.js';
import { runPython } from '../support/python.js';

test("a MongoDB hub outside UTC labels pymongo's naive UTC times with its own offset; ipc reads the digits as UTC", async () => {
  const sent = (await runPython(`
import datetime
from jupyter_client.jsonutil import json_default
naive_utc = datetime.datetime(2026, 1, 31, 13, 0, 0, 1)   # as pymongo returns a BSON date
aware = datetime.datetime(2026, 1, 31, 13, 0, 0, 1, tzinfo=datetime.timezone.utc)   # as DictDB and SQLiteDB keep them
emit([json_default(naive_utc), json_default(aware)])
`, null, { TZ: 'Asia/Kolkata' })) as string[];
  assert.deepEqual(sent, ['2026-01-31T13:00:00.000001+05:30', '2026-01-31T13:00:00.000001Z']);
  const instant = Timestamp.parse('2026-01-31T13:00:00.000001Z')!;
  assert.deepEqual(parseHubDate(sent[0]!, true), instant, 'from a MongoDB hub');
  assert.deepEqual(parseHubDate(sent[1]!, true), instant);
  assert.deepEqual(parseHubDate(sent[1]!, false), instant);
  assert.deepEqual(parseHubDate(sent[0]!, false), instant.plus(-5.5 * 3600e6), 'from another hub the offset holds');
});
