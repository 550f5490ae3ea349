import { clip, overflowError, typeError } from '../errors.js';
import { PyFloat, TimeDelta, Timestamp, wallClockMillis } from '../records/index.js';
import { PyFunction, PyObject, type CallArgs } from './objects.js';
import { typeName } from './types/index.js';

/** Python's datetime spans the years 1 to 9999. */
const MIN_US = new Date(0).setUTCFullYear(1, 0, 1) * 1000 - 86_400_000_000;
const MAX_US = Date.UTC(9999, 11, 31, 23, 59, 59, 999) * 1000 + 999;
/** timedelta's bound, as Python's: |days| <= 999999999. */
const MAX_DAYS = 999_999_999;

/** A datetime at `us` microseconds, or the OverflowError Python raises past the year 9999 (or before 1). */
export function instant(us: number): Timestamp {
  if (!(us >= MIN_US && us <= MAX_US)) throw overflowError('date value out of range: datetimes span the years 1 to 9999');
  return new Timestamp(us);
}

/** A timedelta of `us` microseconds, or Python's OverflowError past 999999999 days. */
export function span(us: number): TimeDelta {
  const days = Math.floor(us / 86_400_000_000);
  if (!(Math.abs(days) <= MAX_DAYS)) throw overflowError(`days=${Number.isFinite(days) ? days : 'inf'}; must have magnitude <= ${MAX_DAYS}`);
  return new TimeDelta(us);
}

/** Binds call arguments to parameter names, Python style, or raises the TypeError Python raises. */
export function bindArgs(fn: string, params: readonly string[], call: CallArgs, required = 0): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (call.args.length > params.length) {
    throw typeError(`${fn}() takes at most ${params.length} positional argument${params.length === 1 ? '' : 's'} (${call.args.length} given)`);
  }
  call.args.forEach((a, i) => out.set(params[i]!, a));
  for (const [k, v] of call.kwargs) {
    if (!params.includes(k)) throw typeError(`${fn}() got an unexpected keyword argument '${k}'; it takes ${params.join(', ')}`);
    if (out.has(k)) throw typeError(`${fn}() got multiple values for argument '${k}'`);
    out.set(k, v);
  }
  for (let i = 0; i < required; i++) {
    if (!out.has(params[i]!)) throw typeError(`${fn}() is missing the argument '${params[i]}'`);
  }
  return out;
}

function num(fn: string, name: string, v: unknown, integer = false): number {
  if (typeof v === 'boolean' || typeof v === 'bigint') return Number(v);
  if (v instanceof PyFloat && !integer) return v.value;
  if (typeof v !== 'number' || (integer && !Number.isInteger(v))) {
    throw typeError(`${fn}() argument '${name}' must be ${integer ? 'an int' : 'a number'}, not ${typeName(v)}`);
  }
  return v;
}

const TIMEDELTA_PARAMS = ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'];

export function makeTimedelta(call: CallArgs): TimeDelta {
  const a = bindArgs('timedelta', TIMEDELTA_PARAMS, call);
  const get = (k: string) => (a.has(k) ? num('timedelta', k, a.get(k)) : 0);
  const d = TimeDelta.of({
    days: get('days'),
    seconds: get('seconds'),
    microseconds: get('microseconds'),
    milliseconds: get('milliseconds'),
    minutes: get('minutes'),
    hours: get('hours'),
    weeks: get('weeks'),
  });
  return span(d.us);
}

const DATETIME_PARAMS = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo'];

/** datetime(year, month, day, ...): a naive datetime is local time, as ipyparallel assumes. */
export function makeDatetime(call: CallArgs): Timestamp {
  const a = bindArgs('datetime', DATETIME_PARAMS, call, 3);
  const get = (k: string, dflt: number) => (a.has(k) ? num('datetime', k, a.get(k), true) : dflt);
  const [y, mo, d, h, mi, s, us] = [get('year', 0), get('month', 0), get('day', 0), get('hour', 0), get('minute', 0), get('second', 0), get('microsecond', 0)];
  const limits: [string, number, number, number][] = [
    ['year', y, 1, 9999], ['month', mo, 1, 12], ['day', d, 1, 31], ['hour', h, 0, 23], ['minute', mi, 0, 59], ['second', s, 0, 59], ['microsecond', us, 0, 999999],
  ];
  for (const [name, v, lo, hi] of limits) {
    if (v < lo || v > hi) throw typeError(`datetime(): ${name} must be in ${lo}..${hi}, not ${v}`);
  }
  const tz = a.get('tzinfo');
  if (tz !== undefined && tz !== null && tz !== UTC) throw typeError('datetime(): tzinfo may be None or timezone.utc');
  const ms = wallClockMillis([y, mo, d, h, mi, s], tz === UTC);
  if (ms === null) throw typeError(`datetime(): day is out of range for month ${mo}`);
  return new Timestamp(ms * 1000 + us);
}

/** Local midnight of today. */
export function todayMidnight(): Timestamp {
  const d = new Date();
  return Timestamp.fromMillis(new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime());
}

const AGO_UNITS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };

/** ago('90m'), ago('2h'), ago('3d'), ago('1h30m'), ago(3600): that long before now. */
export function ago(spec: unknown): Timestamp {
  let seconds: number;
  if (typeof spec === 'number' || typeof spec === 'bigint' || spec instanceof PyFloat) seconds = Number(spec);
  else if (spec instanceof TimeDelta) seconds = spec.seconds;
  else if (typeof spec === 'string') {
    const text = spec.replace(/\s+/g, '').toLowerCase();
    const re = /(\d+(?:\.\d+)?)(ms|w|d|h|m|s)/gy;
    seconds = 0;
    let end = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      seconds += Number(m[1]) * AGO_UNITS[m[2]!]!;
      end = re.lastIndex;
    }
    if (!text || end !== text.length) {
      throw typeError(`ago() takes a span such as '90m', '2h', '3d', '1h30m' or '45s', not ${clip(JSON.stringify(spec))}`);
    }
  } else throw typeError(`ago() takes a span such as '90m', '2h' or '3d', not ${typeName(spec)}`);
  return instant(Date.now() * 1000 - span(seconds * 1e6).us);
}

/** timezone.utc, for datetime(..., tzinfo=timezone.utc) and datetime.now(timezone.utc). */
export const UTC = new PyObject('timezone', {}, 'datetime.timezone.utc');

export const TIMEZONE = new PyObject('type', { utc: UTC }, "<class 'datetime.timezone'>");

export const TIMEDELTA = new PyObject(
  'type',
  {
    min: new TimeDelta(-999999999 * 86_400_000_000),
    max: new TimeDelta(999999999 * 86_400_000_000),
  },
  "<class 'datetime.timedelta'>",
  new Set(),
  (call) => makeTimedelta(call),
);

const nowFn = new PyFunction('now', () => Timestamp.now(), 'datetime.now(): the current time', 'built-in method');

/** The datetime class: callable, with now(), utcnow(), today(), fromisoformat(), fromtimestamp(). */
export const DATETIME: PyObject = new PyObject(
  'type',
  {
    now: nowFn,
    utcnow: new PyFunction('utcnow', () => Timestamp.now(), 'datetime.utcnow(): the current time', 'built-in method'),
    today: new PyFunction('today', () => Timestamp.now(), 'datetime.today(): the current time', 'built-in method'),
    fromisoformat: new PyFunction('fromisoformat', (c) => {
      const s = bindArgs('fromisoformat', ['date_string'], c, 1).get('date_string');
      const t = typeof s === 'string' ? Timestamp.parse(s) : undefined;
      if (!t) throw typeError(`fromisoformat() takes an ISO 8601 string such as '2026-11-02T15:00:00', not ${clip(JSON.stringify(s) ?? typeName(s))}`);
      return t;
    }, 'datetime.fromisoformat(text)', 'built-in method'),
    fromtimestamp: new PyFunction('fromtimestamp', (c) => {
      const s = num('fromtimestamp', 'timestamp', bindArgs('fromtimestamp', ['timestamp', 'tz'], c, 1).get('timestamp'));
      return instant(s * 1e6);
    }, 'datetime.fromtimestamp(seconds)', 'built-in method'),
    timedelta: TIMEDELTA,
    timezone: TIMEZONE,
    min: new Timestamp(new Date(0).setUTCFullYear(1, 0, 1) * 1000),
  },
  "<class 'datetime.datetime'>",
  new Set(),
  (call) => makeDatetime(call),
);

/** `import datetime` gives the module; `from datetime import datetime, timedelta` its classes. */
export const DATETIME_MODULE = new PyObject(
  'module',
  { datetime: DATETIME, timedelta: TIMEDELTA, timezone: TIMEZONE, date: DATETIME },
  "<module 'datetime'>",
);

/** strftime with the directives people use: %Y %m %d %H %M %S %f %y %b %a %j %z %Z %%. */
export function strftime(t: Timestamp, format: string, utc = false): string {
  const d = t.toDate();
  const get = {
    Y: utc ? d.getUTCFullYear() : d.getFullYear(),
    m: (utc ? d.getUTCMonth() : d.getMonth()) + 1,
    d: utc ? d.getUTCDate() : d.getDate(),
    H: utc ? d.getUTCHours() : d.getHours(),
    M: utc ? d.getUTCMinutes() : d.getMinutes(),
    S: utc ? d.getUTCSeconds() : d.getSeconds(),
    w: utc ? d.getUTCDay() : d.getDay(),
  };
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  return format.replace(/%([YmdHMSfybajzZ%])/g, (_, c: string) => {
    switch (c) {
      case 'Y': return p(get.Y, 4);
      case 'y': return p(get.Y % 100);
      case 'm': return p(get.m);
      case 'd': return p(get.d);
      case 'H': return p(get.H);
      case 'M': return p(get.M);
      case 'S': return p(get.S);
      case 'f': return p(((t.us % 1e6) + 1e6) % 1e6, 6);
      case 'b': return months[get.m - 1]!;
      case 'a': return days[get.w]!;
      case 'j': {
        const start = utc ? Date.UTC(get.Y, 0, 1) : new Date(get.Y, 0, 1).getTime();
        return p(Math.floor((d.getTime() - start) / 86_400_000) + 1, 3);
      }
      case 'z': return utc ? '+0000' : '';
      case 'Z': return utc ? 'UTC' : '';
      default: return '%';
    }
  });
}
