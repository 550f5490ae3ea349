import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ISO8601_PATTERN, TimeDelta, Timestamp, extractDates, isIsoDateString } from '../../src/records/index.js';

const UTC_NOON_US = Date.UTC(2026, 0, 31, 12, 0, 0) * 1000;

/** Runs `fn` with the process in another time zone. */
function inZone<T>(tz: string, fn: () => T): T {
  const before = process.env['TZ'];
  process.env['TZ'] = tz;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env['TZ'];
    else process.env['TZ'] = before;
  }
}

test('parses isoformat() with an offset, with and without microseconds', () => {
  assert.equal(Timestamp.parse('2026-01-31T12:00:00+00:00')!.us, UTC_NOON_US);
  assert.equal(Timestamp.parse('2026-01-31T12:00:00.123456+00:00')!.us, UTC_NOON_US + 123456);
  assert.equal(Timestamp.parse('2026-01-31T13:00:00.000001+01:00')!.us, UTC_NOON_US + 1);
  assert.equal(Timestamp.parse('2026-01-31T07:30:00-04:30')!.us, UTC_NOON_US);
  assert.equal(Timestamp.parse('2026-01-31T17:30:00+0530')!.us, UTC_NOON_US);
  assert.equal(Timestamp.parse('2026-01-31T14:00:00+02')!.us, UTC_NOON_US);
});

test('parses Z, a space separator and short fractions', () => {
  assert.equal(Timestamp.parse('2026-01-31T12:00:00Z')!.us, UTC_NOON_US);
  assert.equal(Timestamp.parse('2026-01-31 12:00:00Z')!.us, UTC_NOON_US);
  assert.equal(Timestamp.parse('2026-01-31 12:00:00.5+00:00')!.us, UTC_NOON_US + 500000);
  assert.equal(Timestamp.parse('2026-01-31T12:00:00.123Z')!.us, UTC_NOON_US + 123000);
  assert.equal(Timestamp.parse('2026-01-31T12:00:00.123456789Z')!.us, UTC_NOON_US + 123456);
  assert.equal(Timestamp.parse('2026-01-31T12:00Z')!.us, UTC_NOON_US);
});

test('a naive time is local time, as ipyparallel assumes', () => {
  inZone('America/New_York', () => {
    assert.equal(Timestamp.parse('2026-01-31T07:00:00')!.us, UTC_NOON_US);
    assert.equal(Timestamp.parse('2026-01-31 07:00:00.000042')!.us, UTC_NOON_US + 42);
    assert.equal(Timestamp.parse('2026-07-01T08:00:00')!.us, Date.UTC(2026, 6, 1, 12) * 1000);
  });
  inZone('Asia/Kolkata', () => {
    assert.equal(Timestamp.parse('2026-01-31T17:30:00')!.us, UTC_NOON_US);
  });
  inZone('UTC', () => {
    assert.equal(Timestamp.parse('2026-01-31T12:00:00')!.us, UTC_NOON_US);
  });
});

test('calendar edges: leap days, and 24:00 as the end of a day', () => {
  assert.equal(Timestamp.parse('2024-02-29T00:00:00Z')!.toISOString(), '2024-02-29T00:00:00.000000Z');
  assert.equal(Timestamp.parse('2000-02-29T00:00:00Z')!.toISOString(), '2000-02-29T00:00:00.000000Z');
  assert.equal(Timestamp.parse('1900-02-29T00:00:00Z'), undefined);
  assert.equal(Timestamp.parse('2026-04-31T00:00:00Z'), undefined);
  assert.equal(Timestamp.parse('2026-01-31T24:00:00Z')!.toISOString(), '2026-02-01T00:00:00.000000Z');
  assert.equal(Timestamp.parse('2026-01-31T24:00:01Z'), undefined);
});

test('text that is not a timestamp gives undefined', () => {
  for (const bad of ['', 'yesterday', '2026-1-31T12:00:00', '2026-13-01T00:00:00', '2026-02-30T00:00:00Z', '2026-01-31T12:60:00Z',
    '2026-01-31T25:00:00Z', '2026-01-31T12:00:00+00:00 extra', '31/01/2026']) {
    assert.equal(Timestamp.parse(bad), undefined, `'${bad}' is not a timestamp`);
  }
});

test('toISOString keeps six fractional digits and Z; toPythonIsoformat writes +00:00 as 7.x does', () => {
  const t = Timestamp.parse('2026-01-31T13:00:00.000007+01:00')!;
  assert.equal(t.toISOString(), '2026-01-31T12:00:00.000007Z');
  assert.equal(t.toPythonIsoformat(), '2026-01-31T12:00:00.000007+00:00');
  assert.equal(Timestamp.parse('2026-01-31T12:00:00Z')!.toPythonIsoformat(), '2026-01-31T12:00:00+00:00');
  assert.equal(Timestamp.parse('2026-01-31T12:00:00Z')!.toISOString(), '2026-01-31T12:00:00.000000Z');
  assert.equal(JSON.stringify({ t }), '{"t":"2026-01-31T12:00:00.000007Z"}');
});

test('instants before 1970 keep their microseconds', () => {
  const t = Timestamp.parse('1969-12-31T23:59:59.999999Z')!;
  assert.equal(t.us, -1);
  assert.equal(t.toISOString(), '1969-12-31T23:59:59.999999Z');
});

test('a timestamp round-trips through its ISO form at microsecond precision', () => {
  for (let us = UTC_NOON_US; us < UTC_NOON_US + 5_000_000; us += 999_983) {
    const t = new Timestamp(us);
    assert.equal(Timestamp.parse(t.toISOString())!.us, us);
    assert.equal(Timestamp.parse(t.toPythonIsoformat())!.us, us);
  }
});

test('toLocalString shows local wall-clock time', () => {
  inZone('Europe/Paris', () => {
    const t = Timestamp.parse('2026-01-31T12:00:00.123456Z')!;
    assert.equal(t.toLocalString(), '2026-01-31 13:00:00.123');
    assert.equal(t.toLocalString(6), '2026-01-31 13:00:00.123456');
    assert.equal(t.toLocalString(3, true), '2026-01-31 12:00:00.123');
  });
});

test("the hub's ISO 8601 pattern: what extract_dates turns into datetimes", () => {
  for (const s of ['2026-01-31T12:00:00', '2026-01-31T12:00:00.1', '2026-01-31T12:00:00.123456Z', '2026-01-31T12:00:00+01:00', '2026-01-31T12:00:00-0100']) {
    assert.ok(isIsoDateString(s), s);
  }
  for (const s of ['2026-01-31 12:00:00', '2026-01-31', '2026-01-31T12:00', '2026-01-31T12:00:00.1234567', 'x2026-01-31T12:00:00']) {
    assert.ok(!ISO8601_PATTERN.test(s), s);
  }
  const out = extractDates({ a: ['2026-01-31T12:00:00Z', 'text', 3], b: { c: '2026-01-31 12:00:00' } }) as Record<string, unknown>;
  assert.ok((out['a'] as unknown[])[0] instanceof Timestamp);
  assert.equal((out['a'] as unknown[])[1], 'text');
  assert.equal((out['b'] as Record<string, unknown>)['c'], '2026-01-31 12:00:00');
});

test("TimeDelta prints as Python's str(timedelta)", () => {
  assert.equal(TimeDelta.of({ hours: 1 }).toString(), '1:00:00');
  assert.equal(TimeDelta.of({ days: 1, hours: 2, minutes: 3, seconds: 4, milliseconds: 500 }).toString(), '1 day, 2:03:04.500000');
  assert.equal(TimeDelta.of({ days: 3 }).toString(), '3 days, 0:00:00');
  assert.equal(new TimeDelta(-1_500_000).toString(), '-(0:00:01.500000)');
  assert.equal(TimeDelta.of({ weeks: 1 }).seconds, 604800);
});
