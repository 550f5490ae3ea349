/**
 * ipc's message session against jupyter_client's Session, the one the hub
 * uses: each side reads what the other signs, and a changed byte is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, DELIM } from '../../src/hub/jupyter-session.js';
import { Timestamp } from '../../src/records/index.js';
import { runPython } from '../support/python.js';

const KEY = 'b5a1f2e0-5fb2c4cbd4c3a6e1b2f09c7d';
const b64 = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('base64'));
const unb64 = (frames: string[]) => frames.map((f) => new Uint8Array(Buffer.from(f, 'base64')));

test("jupyter_client's Session reads ipc's requests, and ipc reads its replies", async () => {
  const ours = new Session(KEY, 'hmac-sha256');
  const since = Timestamp.parse('2026-01-31T12:00:00.000001Z')!;
  const first = ours.serialize(ours.header('db_request'), { query: { submitted: { $gte: since } }, keys: null });
  const second = ours.serialize(ours.header('db_request'), { query: { submitted: { $gte: since } }, keys: null });
  assert.notDeepEqual(first[1], second[1], 'every request is signed afresh');

  const out = (await runPython(`
import base64
from jupyter_client.session import Session
s = Session(key=INPUT['key'].encode(), signature_scheme='hmac-sha256')
got = []
for frames in INPUT['requests']:
    frames = [base64.b64decode(f) for f in frames]
    idents, parts = s.feed_identities(frames)
    msg = s.deserialize(parts)
    got.append({'msg_type': msg['header']['msg_type'], 'version': msg['header']['version'],
                'session': msg['header']['session'], 'date': msg['header']['date'], 'query': msg['content']['query']})
reply = s.serialize(s.msg('db_reply', content={'status': 'ok', 'records': [{'msg_id': 'a', 'submitted': '2026-01-31T12:00:00.000001+00:00', 'stdout': 'ünïcode'}]}, parent={'msg_id': 'p'}))
emit({'got': got, 'reply': [base64.b64encode(f).decode() for f in reply]})
`, { key: KEY, requests: [b64(first), b64(second)] })) as { got: Array<Record<string, unknown>>; reply: string[] };

  assert.equal(out.got.length, 2);
  assert.equal(out.got[0]!['msg_type'], 'db_request');
  assert.equal(out.got[0]!['version'], '5.3');
  assert.equal(out.got[0]!['session'], ours.session);
  assert.ok(out.got[0]!['date'] instanceof Timestamp, 'the header date is an ISO date the hub extracts');
  assert.deepEqual(out.got[0]!['query'], { submitted: { $gte: '2026-01-31T12:00:00.000001Z' } });

  const reply = unb64(out.reply);
  assert.deepEqual(Buffer.from(reply[0]!), DELIM);
  const msg = ours.deserialize(reply);
  assert.ok(msg);
  assert.equal(msg.header['msg_type'], 'db_reply');
  assert.equal(msg.parentHeader['msg_id'], 'p');
  assert.deepEqual(msg.content['records'], [{ msg_id: 'a', submitted: '2026-01-31T12:00:00.000001+00:00', stdout: 'ünïcode' }]);

  for (const part of [2, 3, 4, 5]) {
    const tampered = reply.map((f) => new Uint8Array(f));
    tampered[part]![1]! ^= 0x20;
    assert.equal(ours.deserialize(tampered), null, `a changed byte in part ${part} is refused`);
  }
  assert.equal(new Session('another key').deserialize(reply), null, 'a reply signed with another key is refused');
  assert.equal(ours.deserialize(reply.slice(0, 4)), null, 'a truncated message is refused');
  assert.ok(new Session('').deserialize(reply), 'without a key (CurveZMQ) nothing is signed or checked');
});
