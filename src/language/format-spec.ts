/**
 * Python's format-spec mini-language, for f-strings, `format()` and
 * `str.format`: `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`
 * over ints, floats, strings and datetimes; any other value takes only the
 * empty spec, as `object.__format__` does.
 */
import { indexError, keyError, typeError, valueError } from '../errors.js';
import { repr, str } from '../format/index.js';
import { PyFloat, Timestamp, isDict } from '../records/index.js';
import { chargeString } from './budget.js';
import { isFloat, isInt, toFloat, unbox } from './numbers.js';
import { printfConversion } from './percent.js';
import { strftime } from './time.js';
import { typeName } from './types/index.js';

const SPEC = /^(?:([\s\S])?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

interface Spec {
  fill: string;
  align: string | null;
  sign: string | null;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number | null;
  type: string;
}

function parseSpec(spec: string, v: unknown): Spec {
  const m = SPEC.exec(spec);
  if (!m) {
    if (spec.length && SPEC.test(spec.slice(0, -1))) throw valueError(`Unknown format code '${spec.at(-1)}' for object of type '${typeName(v)}'`);
    throw valueError(`Invalid format specifier '${spec}' for object of type '${typeName(v)}'`);
  }
  return {
    fill: m[1] ?? ' ',
    align: m[2] ?? null,
    sign: m[3] ?? null,
    alt: m[5] !== undefined,
    zero: m[6] !== undefined,
    width: m[7] ? Number(m[7]) : 0,
    grouping: m[8] ?? '',
    precision: m[9] !== undefined ? Number(m[9]) : null,
    type: m[10] ?? '',
  };
}

/** `format(v, spec)`. */
export function formatValue(v: unknown, spec: string): string {
  const plain = unbox(v as never);
  if (typeof v === 'string') return formatText(v, spec);
  if (v instanceof Timestamp) return spec === '' ? str(v) : strftime(v, spec);
  if (typeof plain === 'boolean' && spec === '') return str(v);
  if (v instanceof PyFloat || isFloat(plain)) return formatNumber(toFloat(plain as number), true, spec);
  if (isInt(plain) || typeof plain === 'boolean') return formatNumber(typeof plain === 'boolean' ? Number(plain) : plain, false, spec);
  if (spec === '') return str(v);
  throw typeError(`unsupported format string passed to ${typeName(v)}.__format__`);
}

function formatText(s: string, spec: string): string {
  if (spec === '') return s;
  const p = parseSpec(spec, s);
  if (p.type !== '' && p.type !== 's') throw valueError(`Unknown format code '${p.type}' for object of type 'str'`);
  if (p.sign !== null) throw valueError('Sign not allowed in string format specifier');
  if (p.alt) throw valueError('Alternate form (#) not allowed in string format specifier');
  if (p.grouping) throw valueError(`Cannot specify '${p.grouping}' with 's'.`);
  if (p.align === '=') throw valueError("'=' alignment not allowed in string format specifier");
  const body = p.precision === null ? s : [...s].slice(0, p.precision).join('');
  return pad(body, '', p, '<');
}

function formatNumber(n: number | bigint, float: boolean, spec: string): string {
  const p = parseSpec(spec, float ? 1.5 : 1);
  let type = p.type;
  if (!float && 'eEfFgG%'.includes(type) && type !== '') return formatNumber(toFloat(n), true, spec);
  if (float && 'bcdoxX'.includes(type) && type !== '') throw valueError(`Unknown format code '${type}' for object of type 'float'`);
  if (type === 'n') type = float ? 'g' : 'd';
  if (type === 's') throw valueError(`Unknown format code 's' for object of type '${float ? 'float' : 'int'}'`);
  let negative: boolean;
  let body: string;
  if (!float) {
    if (p.precision !== null) throw valueError('Precision not allowed in integer format specifier');
    const b = BigInt(n);
    negative = b < 0n;
    const abs = negative ? -b : b;
    switch (type) {
      case 'c':
        if (p.sign !== null) throw valueError("Sign not allowed with integer format specifier 'c'");
        return pad(String.fromCodePoint(Number(b)), '', p, '<');
      case 'b': body = (p.alt ? '0b' : '') + group(abs.toString(2), p.grouping, 4); break;
      case 'o': body = (p.alt ? '0o' : '') + group(abs.toString(8), p.grouping, 4); break;
      case 'x': body = (p.alt ? '0x' : '') + group(abs.toString(16), p.grouping, 4); break;
      case 'X': body = (p.alt ? '0X' : '') + group(abs.toString(16).toUpperCase(), p.grouping, 4); break;
      default: body = group(abs.toString(), p.grouping, 3);
    }
  } else {
    const x = n as number;
    negative = x < 0 || Object.is(x, -0);
    body = floatBody(Math.abs(x), type, p);
    if (p.grouping) {
      const m = /^(\d+)(.*)$/.exec(body);
      if (m) body = group(m[1]!, p.grouping, 3) + m[2];
    }
  }
  const sign = negative ? '-' : p.sign === '+' ? '+' : p.sign === ' ' ? ' ' : '';
  return pad(body, sign, p, '>');
}

function floatBody(a: number, type: string, p: Spec): string {
  const flags = p.alt ? '#' : '';
  if (type === '%') {
    const t = printfConversion('f', a * 100, flags, p.precision ?? 6);
    return t + '%';
  }
  if (type !== '') return printfConversion(type, a, flags, p.precision ?? 6);
  if (p.precision === null) return str(a === Math.trunc(a) && Number.isFinite(a) ? new PyFloat(a) : a);
  // no type with a precision: 'g', but a fixed-point result keeps a digit past the point
  const g = printfConversion('g', a, flags, p.precision === 0 ? 1 : p.precision);
  return /^[\d]+$/.test(g) ? `${g}.0` : g;
}

function group(digits: string, sep: string, every: number): string {
  if (!sep) return digits;
  let out = '';
  for (let i = digits.length; i > 0; i -= every) out = digits.slice(Math.max(0, i - every), i) + (out ? sep + out : '');
  return out;
}

function pad(body: string, sign: string, p: Spec, defaultAlign: string): string {
  let align = p.align ?? defaultAlign;
  let fill = p.fill;
  if (p.zero && p.align === null) {
    fill = '0';
    align = defaultAlign === '>' ? '=' : align;
  }
  const len = [...body].length + sign.length;
  const room = Math.max(0, p.width - len);
  chargeString(len + room);
  switch (align) {
    case '<': return sign + body + fill.repeat(room);
    case '^': return fill.repeat(Math.floor(room / 2)) + sign + body + fill.repeat(room - Math.floor(room / 2));
    case '=': return sign + fill.repeat(room) + body;
    default: return fill.repeat(room) + sign + body;
  }
}

/** `ascii()`: a repr with every non-ASCII character escaped as Python escapes it. */
export function asciiRepr(r: string): string {
  return r.replace(/[^\x00-\x7f]/gu, (c) => {
    const cp = c.codePointAt(0)!;
    if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
    if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
    return `\\U${cp.toString(16).padStart(8, '0')}`;
  });
}

/** `str.format`: `{}`, `{0}`, `{name}`, with `[key]` lookups, `!r`/`!s`/`!a` and a spec that may hold fields itself. */
export function strFormat(template: string, args: readonly unknown[], kwargs: ReadonlyMap<string, unknown>): string {
  let auto = 0;
  let manual = false;
  const fieldValue = (name: string): unknown => {
    const m = /^([^.[]*)((?:\[[^\]]*\])*)$/.exec(name);
    if (!m) throw valueError(`the field '${name}' of str.format is not supported here: use an f-string for attributes`);
    let v: unknown;
    if (m[1] === '') {
      if (manual) throw valueError('cannot switch from manual field specification to automatic field numbering');
      if (auto >= args.length) throw indexError(`Replacement index ${auto} out of range for positional args tuple`);
      v = args[auto++];
    } else if (/^\d+$/.test(m[1]!)) {
      manual = true;
      const i = Number(m[1]);
      if (i >= args.length) throw indexError(`Replacement index ${i} out of range for positional args tuple`);
      v = args[i];
    } else {
      if (!kwargs.has(m[1]!)) throw keyError(`'${m[1]}'`);
      v = kwargs.get(m[1]!);
    }
    for (const [, key] of m[2]!.matchAll(/\[([^\]]*)\]/g)) {
      const k: unknown = /^\d+$/.test(key!) ? Number(key) : key;
      if (Array.isArray(v) && typeof k === 'number') v = v[k];
      else if (v instanceof Map) v = v.get(k);
      else if (isDict(v)) v = (v as Record<string, unknown>)[String(k)];
      else throw typeError(`'${typeName(v)}' object is not subscriptable`);
      if (v === undefined) throw keyError(String(k));
    }
    return v;
  };
  const render = (text: string, depth: number): string =>
    text.replace(/\{\{|\}\}|\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g, (all, body: string | undefined) => {
      if (all === '{{') return '{';
      if (all === '}}') return '}';
      const m = /^([^!:]*)(?:!([rsa]))?(?::([\s\S]*))?$/.exec(body!);
      if (!m) throw valueError(`invalid replacement field '{${body}}'`);
      let v = fieldValue(m[1]!);
      if (m[2] === 'r') v = repr(v);
      else if (m[2] === 'a') v = asciiRepr(repr(v));
      else if (m[2] === 's') v = str(v);
      const spec = m[3] ?? '';
      if (depth > 0 && spec.includes('{')) throw valueError('Max string recursion exceeded');
      return formatValue(v, spec.includes('{') ? render(spec, depth + 1) : spec);
    });
  return render(template, 0);
}
