/** datetime.datetime and timedelta as the shell makes them, and the datetimes, dates and times a task returned. */
import { typeError } from '../../errors.js';
import { PyDatetime, PyTimezone, TimeDelta, Timestamp, wallClockMillis } from '../../records/index.js';
import { floatValue } from '../numbers.js';
import { method } from '../objects.js';
import { bindArgs, strftime } from '../time.js';
import type { PyType } from './type.js';

const DATETIME_ATTRIBUTES = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'isoformat', 'timestamp', 'strftime', 'date'];

export const DATETIME: PyType<Timestamp> = {
  name: () => 'datetime.datetime',
  attributeNames: () => [...DATETIME_ATTRIBUTES],
  attribute(t, name) {
    const d = t.toDate();
    switch (name) {
      case 'year': return d.getFullYear();
      case 'month': return d.getMonth() + 1;
      case 'day': return d.getDate();
      case 'hour': return d.getHours();
      case 'minute': return d.getMinutes();
      case 'second': return d.getSeconds();
      case 'microsecond': return ((t.us % 1e6) + 1e6) % 1e6;
      case 'timestamp': return method('datetime', name, () => t.us / 1e6);
      case 'isoformat': return method('datetime', name, (c) => {
        const sep = bindArgs('isoformat', ['sep', 'timespec'], c).get('sep') ?? 'T';
        return t.toLocalString(6).replace(' ', String(sep)).replace(/\.000000$/, '');
      });
      case 'strftime': return method('datetime', name, (c) => strftime(t, String(bindArgs('strftime', ['format'], c, 1).get('format'))));
      case 'date': return method('datetime', name, () => {
        const x = new Date(d.getFullYear(), d.getMonth(), d.getDate());
        return Timestamp.fromMillis(x.getTime());
      });
      default: return undefined;
    }
  },
};

export const TIMEDELTA: PyType<TimeDelta> = {
  name: () => 'datetime.timedelta',
  truth: (v) => v.us !== 0,
  toFloat() {
    throw typeError('float() of a timedelta: use .total_seconds()');
  },
  attributeNames: () => ['days', 'seconds', 'microseconds', 'total_seconds'],
  attribute(v, name) {
    const days = Math.floor(v.us / 86_400_000_000);
    const rest = v.us - days * 86_400_000_000;
    switch (name) {
      case 'days': return days;
      case 'seconds': return Math.floor(rest / 1e6);
      case 'microseconds': return rest % 1e6;
      case 'total_seconds': return method('timedelta', name, () => floatValue(v.us / 1e6));
      default: return undefined;
    }
  },
};

/** The names of a decoded date, time or datetime's fields, in the order PyDatetime holds them. */
function fieldNames(v: PyDatetime): readonly string[] {
  const date = ['year', 'month', 'day'];
  const time = ['hour', 'minute', 'second', 'microsecond'];
  return v.kind === 'date' ? date : v.kind === 'time' ? time : [...date, ...time];
}

/** A decoded datetime.datetime, date or time: its fields; a datetime takes part in datetime arithmetic. */
export const DECODED_DATETIME: PyType<PyDatetime> = {
  name: (v) => v.pyClass,
  attributeNames: (v) => (v.kind === 'date' ? [...fieldNames(v)] : [...fieldNames(v), 'tzinfo']),
  attribute(v, name) {
    const i = fieldNames(v).indexOf(name);
    if (i >= 0) return v.fields[i];
    if (name === 'tzinfo') return v.tzinfo;
    return undefined;
  },
  /** A datetime as an instant (naive: local time, as the shell's own datetimes); a date or time has none. */
  instant(v) {
    if (v.kind !== 'datetime') return undefined;
    const [y, mo, d, h, mi, s, us] = v.fields as [number, number, number, number, number, number, number];
    if (v.tzinfo !== null && !(v.tzinfo instanceof PyTimezone)) return undefined;
    const ms = wallClockMillis([y, mo, d, h, mi, s], v.tzinfo !== null);
    if (ms === null) return undefined;
    return new Timestamp((ms - (v.tzinfo === null ? 0 : v.tzinfo.offset.us / 1000)) * 1000 + us);
  },
};
