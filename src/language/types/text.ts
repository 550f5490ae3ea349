/** str (a JS string), the shell's printed Text, and bytes. */
import { typeError } from '../../errors.js';
import type { Text } from '../../records/index.js';
import { chargeItems, chargeString } from '../budget.js';
import { strFormat } from '../format-spec.js';
import { codePointLength, method, stringItems, type CallArgs } from '../objects.js';
import { iterate, typeName } from './protocol.js';
import { SURROGATE, SliceValue, listIndex } from './sequences.js';
import type { PyType } from './type.js';

const STR_METHODS = ['startswith', 'endswith', 'upper', 'lower', 'strip', 'split', 'splitlines', 'join', 'replace', 'count', 'find', 'format'];

export const STR: PyType<string> = {
  name: () => 'str',
  truth: (v) => v !== '',
  len: codePointLength,
  items: stringItems,
  contains(v, x) {
    if (typeof x !== 'string') throw typeError(`'in <string>' requires a string on the left, not ${typeName(x)}`);
    return v.includes(x);
  },
  item(v, key) {
    if (key instanceof SliceValue) return key.applyToString(v);
    if (!SURROGATE.test(v)) return v[listIndex(v.length, key)];
    const chars = stringItems(v);
    return chars[listIndex(chars.length, key)];
  },
  attributeNames: () => [...STR_METHODS],
  attribute: stringMethod,
};

/** Text printed as it is (what %help and type() answer): a str that is always true. */
export const TEXT: PyType<Text> = {
  name: () => 'str',
};

export const BYTES: PyType<Uint8Array> = {
  name: () => 'bytes',
  truth: (v) => v.length > 0,
  len: (v) => v.byteLength,
};

function stringMethod(s: string, name: string): unknown {
  const arg = (c: CallArgs, i: number, dflt?: unknown) => (c.args.length > i ? c.args[i] : dflt);
  const text = (v: unknown, fn: string) => {
    if (typeof v !== 'string') throw typeError(`str.${fn}() takes a string, not ${typeName(v)}`);
    return v;
  };
  switch (name) {
    case 'startswith':
    case 'endswith':
      return method('str', name, (c) => {
        const p = arg(c, 0);
        const options = Array.isArray(p) ? p : [p];
        return options.some((o) => (name === 'startswith' ? s.startsWith(text(o, name)) : s.endsWith(text(o, name))));
      });
    case 'upper': return method('str', name, () => s.toUpperCase());
    case 'lower': return method('str', name, () => s.toLowerCase());
    case 'strip': return method('str', name, () => s.trim());
    case 'splitlines': return method('str', name, () => splitCharged(s, '\n', /\r?\n/).filter((l, i, a) => i < a.length - 1 || l !== ''));
    case 'split': return method('str', name, (c) => {
      const sep = arg(c, 0, null);
      return sep === null ? splitCharged(s, ' ', /\s+/).filter(Boolean) : splitCharged(s, text(sep, name));
    });
    case 'join': return method('str', name, (c) => joined(iterate(arg(c, 0), 'join').map((x) => text(x, name)), s));
    case 'replace': return method('str', name, (c) => joined(splitCharged(s, text(arg(c, 0), name)), text(arg(c, 1), name)));
    case 'count': return method('str', name, (c) => occurrences(s, text(arg(c, 0), name)));
    case 'find': return method('str', name, (c) => s.indexOf(text(arg(c, 0), name)));
    case 'format': return method('str', name, (c) => strFormat(s, c.args, c.kwargs));
    default: return undefined;
  }
}

/** parts.join(sep), charged to the memory budget first. */
function joined(parts: string[], sep: string): string {
  let length = sep.length * Math.max(0, parts.length - 1);
  for (const p of parts) length += p.length;
  chargeString(length, 'the joined string');
  return parts.join(sep);
}

/** Bytes one part of a split string may take (its slot and the small string object). */
const PART_BYTES = 32;

/** s.split(by), charged first for the most parts `sep` could cut `s` into. */
function splitCharged(s: string, sep: string, by: string | RegExp = sep): string[] {
  chargeItems(Math.floor(s.length / Math.max(1, sep.length)) + 1, 'the parts of the string', PART_BYTES);
  return s.split(by);
}

/** str.count: non-overlapping occurrences, counted without splitting. */
function occurrences(s: string, sub: string): number {
  if (sub === '') return s.length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}
