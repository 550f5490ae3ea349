/**
 * An instant with microsecond precision. ipyparallel stores datetimes with
 * microseconds; a JS Date keeps milliseconds only, so a stored timestamp is
 * never held in one. Epoch microseconds fit exactly in a double until 2255.
 */
/** Where Timestamp.now() anchored the monotonic clock to the wall clock. */
const clock = { wallUs: 0, perfMs: -1 };

export class Timestamp {
  /** Microseconds since 1970-01-01T00:00:00Z. */
  readonly us: number;

  constructor(us: number) {
    if (!Number.isFinite(us)) throw new RangeError('timestamp out of range');
    this.us = Math.round(us);
  }

  static fromMillis(ms: number): Timestamp {
    return new Timestamp(ms * 1000);
  }

  static fromDate(d: Date): Timestamp {
    return new Timestamp(d.getTime() * 1000);
  }

  /** Now, to the microsecond as Python's datetime.now() gives it (the high-resolution clock, held to the wall clock). */
  static now(): Timestamp {
    const wall = Date.now() * 1000;
    let fine = clock.wallUs + Math.floor((performance.now() - clock.perfMs) * 1000);
    // the monotonic clock, anchored to the wall clock; anchored again when the two part (a clock change)
    if (clock.perfMs < 0 || Math.abs(fine - wall) > 2000) {
      clock.wallUs = wall;
      clock.perfMs = performance.now();
      fine = wall;
    }
    return new Timestamp(fine);
  }

  /**
   * Parses every textual form ipyparallel has written: `isoformat()` with or
   * without microseconds and offset, `Z`, a space instead of `T`, offsets with
   * or without a colon. A naive time is local time, as ipyparallel assumes.
   * Returns undefined for text that is not a timestamp.
   */
  static parse(text: string): Timestamp | undefined {
    const m = TIMESTAMP_TEXT.exec(text);
    if (!m) return undefined;
    const [, y, mo, d, h, mi, s, frac, zone, sign, oh, om] = m;
    const year = Number(y), month = Number(mo), day = Number(d);
    const hour = h === undefined ? 0 : Number(h);
    const minute = mi === undefined ? 0 : Number(mi);
    const second = s === undefined ? 0 : Number(s);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || minute > 59 || second > 59) {
      return undefined;
    }
    // 24:00:00 is midnight at the end of the day, as dateutil reads it; nothing later.
    if (hour > 24 || (hour === 24 && (minute > 0 || second > 0 || Number(frac ?? 0) > 0))) return undefined;
    const micros = frac === undefined ? 0 : Number((frac + '000000').slice(0, 6));
    let ms: number;
    if (zone === undefined) {
      const local = new Date(year, month - 1, day, hour, minute, second);
      local.setFullYear(year);
      ms = local.getTime();
    } else {
      ms = Date.UTC(year, month - 1, day, hour, minute, second);
      if (year < 100) ms = withFullYear(ms, year);
      if (sign !== undefined) {
        const offsetMinutes = Number(oh) * 60 + Number(om ?? 0);
        ms -= (sign === '-' ? -1 : 1) * offsetMinutes * 60_000;
      }
    }
    if (Number.isNaN(ms)) return undefined;
    return new Timestamp(ms * 1000 + micros);
  }

  get millis(): number {
    return Math.floor(this.us / 1000);
  }

  /** Microseconds within the millisecond (0..999). */
  get subMillis(): number {
    return this.us - this.millis * 1000;
  }

  toDate(): Date {
    return new Date(this.millis);
  }

  plus(us: number): Timestamp {
    return new Timestamp(this.us + us);
  }

  compare(other: Timestamp): number {
    return this.us - other.us;
  }

  equals(other: Timestamp): boolean {
    return this.us === other.us;
  }

  /** ISO 8601 UTC with six fractional digits and `Z`: ipc's JSON form. */
  toISOString(): string {
    const base = utcSeconds(this.us);
    return (base ?? this.toDate().toISOString().slice(0, 19)) + '.' + pad6(this.fractionMicros()) + 'Z';
  }

  /** `datetime.isoformat()` of the UTC instant, as ipyparallel 7.x writes it. */
  toPythonIsoformat(): string {
    const base = this.toDate().toISOString().slice(0, 19);
    const f = this.fractionMicros();
    return (f === 0 ? base : base + '.' + pad(f, 6)) + '+00:00';
  }

  /** Local wall-clock time `YYYY-MM-DD HH:MM:SS.mmm` (or with microseconds). */
  toLocalString(digits: 3 | 6 = 3, utc = false): string {
    const d = this.toDate();
    const parts = utc
      ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
      : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
    const [y, mo, da, h, mi, s] = parts as [number, number, number, number, number, number];
    const frac = pad(this.fractionMicros(), 6).slice(0, digits);
    return `${pad(y, 4)}-${pad(mo, 2)}-${pad(da, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${frac}`;
  }

  toString(): string {
    return this.toISOString();
  }

  toJSON(): string {
    return this.toISOString();
  }

  private fractionMicros(): number {
    return ((this.us % 1_000_000) + 1_000_000) % 1_000_000;
  }
}

/** The hub's pattern for ISO 8601 strings that `extract_dates` turns into datetimes. */
export const ISO8601_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$/;

export function isIsoDateString(s: string): boolean {
  return ISO8601_PATTERN.test(s);
}

/** What a stored timestamp column may hold; wider than the hub's pattern on purpose. */
const TIMESTAMP_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|([+-])(\d{2}):?(\d{2})?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Six digits, zero-padded. */
function pad6(n: number): string {
  return n >= 100000 ? String(n) : String(1000000 + n).slice(1);
}

const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);

/**
 * `YYYY-MM-DDTHH:MM:SS` of an instant in years 1000 to 9999, without a Date
 * (days to a civil date as in Howard Hinnant's algorithm); undefined outside.
 */
function utcSeconds(us: number): string | undefined {
  const secs = Math.floor(us / 1e6);
  const days = Math.floor(secs / 86400);
  let t = secs - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 1000 || y > 9999) return undefined;
  const h = Math.floor(t / 3600);
  t -= h * 3600;
  const mi = Math.floor(t / 60);
  return y + '-' + TWO[m] + '-' + TWO[d] + 'T' + TWO[h] + ':' + TWO[mi] + ':' + TWO[t - mi * 60];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function withFullYear(ms: number, year: number): number {
  const d = new Date(ms);
  d.setUTCFullYear(year);
  return d.getTime();
}

/** A span of time in microseconds, Python's timedelta. */
export class TimeDelta {
  readonly us: number;
  constructor(us: number) {
    this.us = Math.round(us);
  }
  static of(parts: { weeks?: number; days?: number; hours?: number; minutes?: number; seconds?: number; milliseconds?: number; microseconds?: number }): TimeDelta {
    const s =
      (parts.weeks ?? 0) * 604800 +
      (parts.days ?? 0) * 86400 +
      (parts.hours ?? 0) * 3600 +
      (parts.minutes ?? 0) * 60 +
      (parts.seconds ?? 0);
    return new TimeDelta(s * 1e6 + (parts.milliseconds ?? 0) * 1000 + (parts.microseconds ?? 0));
  }
  get seconds(): number {
    return this.us / 1e6;
  }
  /** Python's `repr(timedelta)`: `datetime.timedelta(days=1, seconds=7384, microseconds=500000)`. */
  repr(): string {
    let us = this.us;
    const days = Math.floor(us / 86_400_000_000);
    us -= days * 86_400_000_000;
    const seconds = Math.floor(us / 1e6);
    const micros = us - seconds * 1e6;
    const parts: string[] = [];
    if (days) parts.push(`days=${days}`);
    if (seconds) parts.push(`seconds=${seconds}`);
    if (micros) parts.push(`microseconds=${micros}`);
    return `datetime.timedelta(${parts.join(', ') || '0'})`;
  }
  /** Python's `str(timedelta)`: `1 day, 2:03:04.500000`. */
  toString(): string {
    const neg = this.us < 0;
    let rest = Math.abs(this.us);
    const days = Math.floor(rest / 86_400_000_000);
    rest -= days * 86_400_000_000;
    const h = Math.floor(rest / 3_600_000_000);
    rest -= h * 3_600_000_000;
    const m = Math.floor(rest / 60_000_000);
    rest -= m * 60_000_000;
    const s = Math.floor(rest / 1e6);
    const us = rest - s * 1e6;
    const clock = `${h}:${pad(m, 2)}:${pad(s, 2)}${us ? '.' + pad(us, 6) : ''}`;
    const text = days ? `${days} day${days === 1 ? '' : 's'}, ${clock}` : clock;
    return neg ? `-(${text})` : text;
  }
}

/**
 * The instant of a wall-clock time to the second, in local time (a naive
 * datetime, as ipyparallel assumes) or in UTC; null when the day is not in
 * the month. Years below 100 are years, not 19xx.
 */
export function wallClockMillis([y, mo, d, h, mi, s]: readonly [number, number, number, number, number, number], utc: boolean): number | null {
  const date = utc ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
  if (utc) date.setUTCFullYear(y);
  else date.setFullYear(y);
  return (utc ? date.getUTCDate() : date.getDate()) === d ? date.getTime() : null;
}
