/**
 * The column reads' time parsers: a packed row's times read in place in
 * its slice's text (sameHourMicrosAt) give what fastMicros gives each time
 * cut out alone, on the canonical form and on every character of it
 * changed, in the hour of the time before and in another, and in years
 * whose microseconds are past 2^53.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prng } from '../../src/stores/index.js';
import { fastMicros, sameHourMicros, sameHourMicrosAt } from '../../src/stores/sqlite/micros.js';
import { RegionIndex } from '../../src/stores/sqlite/sent-texts.js';

const CANONICAL = [
  '2026-11-01T00:02:00.004278+00:00', '2026-11-01T00:59:59.999999+00:00', '2024-02-29T23:00:00.000000+00:00', '1999-12-31T13:07:45.500000+00:00',
  // microseconds past 2^53 (years after 2255, before 1685), where a sum rounds as it is grouped
  '9026-11-01T00:02:00.004278+00:00', '9026-11-01T00:02:59.999999+00:00', '1200-03-01T05:06:07.891011+00:00', '1200-03-01T05:59:07.891099+00:00',
];
/** Characters a time's character is changed to: digits, its separators, a letter, a space, outside ASCII. */
const CHANGES = ['0', '5', '9', ':', '.', '-', '+', 'T', 'Z', 'a', ' ', '/', '\u00e9', '\u0660'];

test("a time read in place in a slice's text is fastMicros of it cut out, in the same hour and in another", () => {
  const times: string[] = [];
  for (const t of CANONICAL) {
    times.push(t);
    for (let i = 0; i < t.length; i++) for (const c of CHANGES) times.push(t.slice(0, i) + c + t.slice(i + 1));
  }
  const random = prng(23);
  let read = 0;
  for (let round = 0; round < 4; round++) {
    // in an order where a time often follows one of its own hour, and as often one of another
    const order = times.map((t) => [random(), t] as const).sort((a, b) => a[0] - b[0]).map(([, t]) => t);
    const text = `5,144,${order.join('')}uuid`;
    let p = 6;
    for (let k = 0; k < order.length; p += order[k]!.length, k++) {
      const t = order[k]!;
      const want = fastMicros(t);
      assert.equal(sameHourMicrosAt(text, p), want, `${JSON.stringify(t)} after ${JSON.stringify(order[k - 1])}`);
      // and sameHourMicros of it alone, on the hour that reading left
      assert.equal(sameHourMicros(t), want, JSON.stringify(t));
      if (want !== undefined) read++;
    }
  }
  assert.ok(read > 4 * CANONICAL.length, `${read} times read`);
});

test("a packed row's uuid found in place in its slice's text is the one cut out: texts alike at their ends, empty, outside ASCII, past the most kept", () => {
  const random = prng(29);
  const pick = (s: string) => s[Math.floor(random() * s.length)]!;
  // alike in length and end characters (one key), differing inside; some empty, some with a character of two places
  const texts = ['', 'a', 'ab', 'a\ud83d\ude00b', 'a\ud83d\ude01b'];
  for (let k = 0; k < 40; k++) texts.push(`5${Array.from({ length: 30 }, () => pick('0123456789abcdef-')).join('')}e`);
  for (let k = 0; k < 1500; k++) texts.push(Array.from({ length: 1 + Math.floor(random() * 40) }, () => pick('abcé-0123456789')).join(''));
  const numbers = new Map<string, number>();
  const given: string[] = [];
  const index = new RegionIndex((t) => {
    given.push(t);
    let n = numbers.get(t);
    if (n === undefined) numbers.set(t, (n = numbers.size));
    return n;
  });
  for (let round = 0; round < 3; round++) {
    const order = texts.map((t) => [random(), t] as const).sort((a, b) => a[0] - b[0]).map(([, t]) => t);
    let text = 'x';
    const at: [number, number][] = [];
    for (const t of order) {
      at.push([text.length, text.length + t.length]);
      text += `${t},`;
    }
    order.forEach((t, k) => assert.equal(index.get(text, at[k]![0], at[k]![1]), numbers.get(t), JSON.stringify(t)));
  }
  // each text given its number is the text itself
  assert.ok(given.every((t) => texts.includes(t)));
  assert.equal(numbers.size, new Set(texts).size);
});
