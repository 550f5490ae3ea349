import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskInterval } from '../../src/analytics/index.js';
import { TraceWriter } from '../../src/format/trace.js';
import { Timestamp } from '../../src/records/index.js';

/*
 * The trace writer writes each event's JSON text itself (quoted texts kept
 * for the next task, a time's high digits kept for the next): the text must
 * be exactly what JSON.stringify makes of the event object, for any time
 * and any function name.
 */

/** The event JSON.stringify would write, keys in the writer's order. */
function reference(t: TaskInterval, pid: number, uuid: string | null, resubmitted: unknown): string {
  const args: Record<string, unknown> = { msg_id: t.msgId, function: t.function, status: t.status };
  if (t.submitted !== null) {
    args['submitted'] = new Timestamp(t.submitted).toISOString();
    args['queue_wait_us'] = Number.isFinite(t.started! - t.submitted) ? t.started! - t.submitted : null;
  }
  if (uuid !== null) args['engine_uuid'] = uuid;
  if (t.resubmitted && resubmitted !== undefined) args['resubmitted'] = resubmitted;
  return JSON.stringify({
    name: t.function ?? t.msgId, cat: t.status, ph: 'X', ts: t.started, dur: Math.max(0, t.completed! - t.started!), pid, tid: 0, args,
  });
}

/** A generator of numbers from a seed, for repeatable draws. */
function draws(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('each event is the text JSON.stringify makes of it: times of every size and sign, odd names, repeats', () => {
  const next = draws(23);
  const names = [null, '', 'square', 'f"q', 'back\\slash', 'new\nline', '\u0001ctl', 'é🙂', '\ud800lone', 'square'];
  const statuses = ['ok', 'error', 'aborted', 'pending'] as const;
  const times = [
    0, 1, 99_999_999, 100_000_000, 100_000_001, 199_999_999, 1_700_000_000_000_000, 1_793_491_200_008_141, 1_793_491_299_999_999,
    1_793_491_300_000_000, Number.MAX_SAFE_INTEGER, -1, -1_000_000_000_000, 1.5, 1_793_491_200_000_000.5,
  ];
  const w = new TraceWriter();
  let text = w.start();
  const expected: string[] = [];
  const uuids = ['e-1', 'e"2', null, ''];
  for (let i = 0; i < 4000; i++) {
    // runs of nearby times (the high digits kept), and now and then any of the edge cases
    const started = i % 7 === 0 ? times[i % times.length]! : 1_793_491_200_000_000 + Math.floor(next() * 1e9) * (i % 2 ? 1 : 100);
    const dur = Math.floor(next() * 5e6);
    const fn = names[Math.floor(next() * names.length)]!;
    const uuid = uuids[i % uuids.length]!;
    const t: TaskInterval = {
      msgId: `task-${i}`,
      engine: i % 3,
      uuid,
      submitted: i % 5 === 0 ? null : started - Math.floor(next() * 1e6),
      started,
      completed: started + dur,
      status: statuses[i % statuses.length]!,
      resubmitted: i % 11 === 0,
      function: fn,
      label: null,
    };
    const piece = w.addInterval(t, uuid, i % 11 === 0 ? `task-${i + 1}` : '');
    text += piece;
    expected.push(piece.replace(/^,?\n/, ''));
    // the pid is the writer's own numbering: the rest of the event must be the reference's
    const got = JSON.parse(piece.replace(/^,?\n/, '')) as { pid: number };
    assert.equal(piece.replace(/^,?\n/, ''), reference(t, got.pid, uuid, i % 11 === 0 ? `task-${i + 1}` : ''), `event ${i} (started ${started}, function ${JSON.stringify(fn)})`);
  }
  const doc = JSON.parse(text + w.end()) as { traceEvents: unknown[] };
  assert.ok(doc.traceEvents.length >= expected.length);
});
