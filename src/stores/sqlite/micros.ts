/**
 * Epoch microseconds of the UTC text forms a hub stores, read without a
 * Timestamp (codec.ts falls back to one for any other form). Apart from the
 * codec, so that a worker thread reading a table loads nothing else.
 */

/** The `YYYY-MM-DDTHH` of the last 7.x timestamp fastMicros read, and its hour's microseconds. */
let hourText = '';
let hourMicros = 0;
const HOUR_MICROS = 3_600_000_000;

/**
 * fastMicros of `YYYY-MM-DDTHH:MM:SS.ffffff+00:00` in the hour of the one
 * read before (timestamps of one answer come in runs of the same hour),
 * without Date.UTC; undefined for anything else.
 */
export function sameHourMicros(text: string): number | undefined {
  if (text.length !== 32 || hourText === '' || !text.startsWith(hourText)) {
    const us = fastMicros(text);
    // the hour is kept from the canonical form only (its minutes, seconds and fraction are read below), and only where
    // the whole hour is a safe integer of microseconds: there the sums below are exact, as fastMicros's own is (a
    // year past 2255 or before 1685 is not, and the sums would round otherwise than it rounds)
    if (us !== undefined && Math.abs(us) <= Number.MAX_SAFE_INTEGER - HOUR_MICROS && text.length === 32 && text.endsWith('+00:00') && text.charCodeAt(19) === 0x2e) {
      hourText = text.slice(0, 13);
      hourMicros = us - (digits(text, 14, 2) * 60 + digits(text, 17, 2)) * 1e6 - digits(text, 20, 6);
    }
    return us;
  }
  return inHourAt(text, 0);
}

/**
 * sameHourMicros of the 32 characters of `text` at `p` (the caller sees that
 * they are there), read in place: a packed row's times (packed-rows.ts) are
 * not cut out of its text unless the hour changes.
 */
export function sameHourMicrosAt(text: string, p: number): number | undefined {
  if (hourText === '' || !text.startsWith(hourText, p)) return sameHourMicros(text.slice(p, p + 32));
  return inHourAt(text, p);
}

/** The rest of the 32 characters at `p` of a time that starts with the hour's text: its minutes, seconds and fraction, in that hour. */
function inHourAt(text: string, p: number): number | undefined {
  // straight-line reads: digits at 14-15, 17-18, 20-25; `:`, `:`, `.`, `+00:00` between and after them
  const m1 = text.charCodeAt(p + 14) - 48;
  const m2 = text.charCodeAt(p + 15) - 48;
  const s1 = text.charCodeAt(p + 17) - 48;
  const s2 = text.charCodeAt(p + 18) - 48;
  const f1 = text.charCodeAt(p + 20) - 48;
  const f2 = text.charCodeAt(p + 21) - 48;
  const f3 = text.charCodeAt(p + 22) - 48;
  const f4 = text.charCodeAt(p + 23) - 48;
  const f5 = text.charCodeAt(p + 24) - 48;
  const f6 = text.charCodeAt(p + 25) - 48;
  // a digit is 0 to 9 (a character below `0` is negative: as unsigned, above 9)
  if (m1 >>> 0 > 9 || m2 >>> 0 > 9 || s1 >>> 0 > 9 || s2 >>> 0 > 9 || f1 >>> 0 > 9 || f2 >>> 0 > 9 || f3 >>> 0 > 9 || f4 >>> 0 > 9 || f5 >>> 0 > 9 || f6 >>> 0 > 9) return undefined;
  if (
    text.charCodeAt(p + 13) !== 0x3a || text.charCodeAt(p + 16) !== 0x3a || text.charCodeAt(p + 19) !== 0x2e ||
    text.charCodeAt(p + 26) !== 0x2b || text.charCodeAt(p + 27) !== 0x30 || text.charCodeAt(p + 28) !== 0x30 ||
    text.charCodeAt(p + 29) !== 0x3a || text.charCodeAt(p + 30) !== 0x30 || text.charCodeAt(p + 31) !== 0x30
  ) return undefined;
  const minute = m1 * 10 + m2;
  const second = s1 * 10 + s2;
  if (minute > 59 || second > 59) return undefined;
  return hourMicros + (minute * 60 + second) * 1e6 + ((((f1 * 10 + f2) * 10 + f3) * 10 + f4) * 10 + f5) * 10 + f6;
}

export function fastMicros(text: string): number | undefined {
  // UTC forms only: `...SS[.ffffff]+00:00` (isoformat) or `...SS[.ffffff]Z` (JSON)
  const n = text.length;
  let body: number;
  if (text.charCodeAt(n - 1) === 0x5a) body = n - 1;
  else if (n >= 25 && text.endsWith('+00:00')) body = n - 6;
  else return undefined;
  if ((body !== 19 && body !== 26) || text.charCodeAt(10) !== 0x54) return undefined;
  if (body === 26 && text.charCodeAt(19) !== 0x2e) return undefined;
  if (text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const frac = body === 26 ? digits(text, 20, 6) : 0;
  if ((year | month | day | hour | minute | second | frac) < 0) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : 28 + ((0x3bbeecc >> (month * 2)) & 3);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second) * 1000 + frac;
}

/** The decimal number of `count` digits at `at`, or -1. */
function digits(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
