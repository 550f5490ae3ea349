/**
 * `'text' % values`, Python's printf-style formatting: %s %r %d %i %u %f %F
 * %e %E %g %G %x %X %o %c %%, with the flags - + space 0 #, a width and a
 * precision, and `%(name)s` taking from a dict.
 */
import { keyError, typeError, valueError } from '../errors.js';
import { repr, str } from '../format/index.js';
import { isDict, isTuple } from '../records/index.js';
import { chargeString } from './budget.js';
import { pyRound } from './builtins.js';
import { isNumeric, toFloat, truncToInt, unbox } from './numbers.js';
import { typeName } from './types/index.js';

const SPEC = /%(?:\(([^)]*)\))?([-+ 0#]*)(\d+|\*)?(?:\.(\d+|\*))?([diouxXeEfFgGcrsa%])/g;

export function percentFormat(format: string, values: unknown): string {
  const byName = isDict(values) && Object.getPrototypeOf(values) === Object.prototype ? (values as Record<string, unknown>) : null;
  const items = isTuple(values) ? (values as unknown[]) : [values];
  let next = 0;
  const take = (): unknown => {
    if (next >= items.length) throw typeError('not enough arguments for format string');
    return items[next++];
  };
  checkSpecs(format);
  const out = format.replace(SPEC, (_all, name: string | undefined, flags: string, width: string | undefined, precision: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const w = width === '*' ? Number(take()) : width === undefined ? 0 : Number(width);
    const p = precision === '*' ? Number(take()) : precision === undefined ? null : Number(precision);
    let v: unknown;
    if (name !== undefined) {
      if (!byName) throw typeError('format requires a mapping');
      if (!Object.prototype.hasOwnProperty.call(byName, name)) throw keyError(repr(name));
      v = byName[name];
    } else v = take();
    const text = printfConversion(conv, v, flags, p);
    const pad = Math.max(0, w - text.length);
    chargeString(text.length + pad);
    if (flags.includes('-')) return text + ' '.repeat(pad);
    if (flags.includes('0') && 'diouxXeEfFgG'.includes(conv)) {
      const sign = /^[-+ ]/.test(text) ? text[0]! : '';
      return sign + '0'.repeat(pad) + text.slice(sign.length);
    }
    return ' '.repeat(pad) + text;
  });
  if (!byName && next < items.length) throw typeError('not all arguments converted during string formatting');
  return out;
}

/** Every % starts a conversion Python knows, or it is Python's ValueError. */
function checkSpecs(format: string): void {
  const starts = new Set<number>();
  for (const m of format.matchAll(SPEC)) for (let i = m.index!; i < m.index! + m[0].length; i++) starts.add(i);
  for (let i = format.indexOf('%'); i >= 0; i = format.indexOf('%', i + 1)) {
    if (starts.has(i)) continue;
    let j = i + 1;
    while (j < format.length && /[-+ 0#\d.*]/.test(format[j]!)) j++;
    if (j >= format.length) throw valueError('incomplete format');
    const c = format[j]!;
    throw valueError(`unsupported format character '${c}' (0x${c.codePointAt(0)!.toString(16)}) at index ${j}`);
  }
}

/** One printf conversion of a value: its sign (from the value and the flags) and body, unpadded. */
export function printfConversion(conv: string, v: unknown, flags: string, precision: number | null): string {
  switch (conv) {
    case 's': {
      const s = str(v);
      return precision === null ? s : s.slice(0, precision);
    }
    case 'r':
    case 'a': {
      const s = repr(v);
      return precision === null ? s : s.slice(0, precision);
    }
    case 'c':
      if (typeof v === 'string' && [...v].length === 1) return v;
      if (typeof v === 'number' && Number.isInteger(v)) return String.fromCodePoint(v);
      throw typeError('%c requires an int or a unicode character');
  }
  if (!isNumeric(v)) throw typeError(`%${conv} format: a real number is required, not ${typeName(v)}`);
  const sign = (neg: boolean) => (neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '');
  if ('diuxXo'.includes(conv)) {
    const n = typeof v === 'boolean' ? BigInt(v) : BigInt(truncToInt(toFloat(unbox(v) as number | bigint)));
    const abs = n < 0n ? -n : n;
    const alt = flags.includes('#');
    const body = conv === 'x' ? (alt ? '0x' : '') + abs.toString(16) : conv === 'X' ? (alt ? '0X' : '') + abs.toString(16).toUpperCase() : conv === 'o' ? (alt ? '0o' : '') + abs.toString(8) : abs.toString();
    return sign(n < 0n) + body;
  }
  const x = toFloat(unbox(v) as number | bigint);
  if (!Number.isFinite(x)) {
    const t = Number.isNaN(x) ? 'nan' : 'inf';
    return sign(x < 0) + ('EFG'.includes(conv) ? t.toUpperCase() : t);
  }
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  const digits = precision ?? 6;
  let body: string;
  switch (conv) {
    case 'f':
    case 'F':
      // an exact half rounds to even, as Python's formatting does (2.5 → '2'); toFixed would round it up
      body = pyRound(a, Math.min(digits, 100)).toFixed(Math.min(digits, 100));
      break;
    case 'e':
    case 'E':
      body = exponent(a.toExponential(Math.min(digits, 100)));
      break;
    default: {
      // %g: %e or %f by the exponent, at the precision's significant digits, trailing zeros cut unless '#'
      const pr = digits === 0 ? 1 : digits;
      const e = a === 0 ? 0 : Number(a.toExponential(pr - 1).split('e')[1]);
      body = e < -4 || e >= pr ? exponent(a.toExponential(pr - 1)) : a.toFixed(Math.max(0, pr - 1 - e));
      if (!flags.includes('#')) {
        const [mantissa, exp] = body.split('e') as [string, string | undefined];
        const cut = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
        body = exp === undefined ? cut : `${cut}e${exp}`;
      }
    }
  }
  if ('EG'.includes(conv)) body = body.toUpperCase();
  return sign(neg) + body;
}

/** JS writes 1e+5; Python writes 1e+05 (at least two exponent digits). */
function exponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

