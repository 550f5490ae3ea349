/**
 * numpy arrays, dtypes and scalars decoded from pickles, printed as numpy
 * prints them (`array([1. , 2.5])`, the `...` of arrays past 1,000 items,
 * lines cut at 75 columns; scalars as numpy 1.x: `np.float64(1.0)` is `1.0`).
 * The data stays the bytes the pickle held; items are read when printed.
 */
import { typeError } from '../errors.js';
import { PyFloat, PyValue, floatRepr, safeInteger } from '../records/index.js';

const KIND_NAMES: Record<string, string> = { b: 'bool', i: 'int', u: 'uint', f: 'float', c: 'complex', U: 'str', S: 'bytes', O: 'object', V: 'void', M: 'datetime64', m: 'timedelta64' };

interface DtypeText {
  readonly kind: string;
  readonly size: number;
  readonly order: string;
}

/** The dtypes read so far, by text: a task database names the same few again and again. */
const parsed = new Map<string, DtypeText | null>();

function parseDtype(text: string): DtypeText | null {
  const m = /^([<>|=]?)([biufcUSOVmM])(\d*)$/.exec(text);
  if (m) {
    const size = m[3] ? Number(m[3]) * (m[2] === 'U' ? 4 : 1) : m[2] === 'b' ? 1 : m[2] === 'O' ? 8 : 0;
    return { kind: m[2]!, size, order: m[1] === '=' || m[1] === '' ? (m[2] === 'b' || size <= 1 ? '|' : '<') : m[1]! };
  }
  const named = /^(bool|int|uint|float|complex)(\d+)$/.exec(text);
  if (named) {
    const kind = { bool: 'b', int: 'i', uint: 'u', float: 'f', complex: 'c' }[named[1]!]!;
    return { kind, size: Number(named[2]) / 8, order: '<' };
  }
  return text === 'bool' ? { kind: 'b', size: 1, order: '|' } : null;
}

export class PyDtype extends PyValue {
  readonly pyClass = 'numpy.dtype';
  /** `kind` as numpy's dtype.kind ('f', 'i', ...), `size` in bytes, `order` '<', '>' or '|'. */
  constructor(
    readonly kind: string,
    readonly size: number,
    public order: string,
  ) {
    super();
  }

  /** A dtype from its text (`'<f8'`, `'f8'`, `'|b1'`, `'int64'`), or null when it is not a simple one. */
  static parse(text: string): PyDtype | null {
    let known = parsed.get(text);
    if (known === undefined) {
      known = parseDtype(text);
      if (parsed.size < 256) parsed.set(text, known);
    }
    // a new dtype each time: BUILD may still change its byte order
    return known && new PyDtype(known.kind, known.size, known.order);
  }

  get name(): string {
    if (this.kind === 'b') return 'bool';
    if (this.kind === 'U' || this.kind === 'S') return `${this.kind === 'U' ? 'str' : 'bytes'}${this.size * (this.kind === 'U' ? 2 : 8)}`;
    if (this.kind === 'O') return 'object';
    return `${KIND_NAMES[this.kind] ?? this.kind}${this.size * 8}`;
  }

  get littleEndian(): boolean {
    return this.order !== '>';
  }

  pyRepr(): string {
    return `dtype('${this.kind === 'U' || this.kind === 'S' ? `${this.order}${this.kind}${this.kind === 'U' ? this.size / 4 : this.size}` : this.name}')`;
  }

  /** Item `i` of `data` as a JS value: number, bigint (64-bit ints past 2^53) or boolean; undefined when unsupported. */
  read(view: DataView, i: number): number | bigint | boolean | undefined {
    const at = i * this.size;
    const le = this.littleEndian;
    switch (this.kind) {
      case 'b':
        return this.size === 1 ? view.getUint8(at) !== 0 : undefined;
      case 'i':
        switch (this.size) {
          case 1: return view.getInt8(at);
          case 2: return view.getInt16(at, le);
          case 4: return view.getInt32(at, le);
          case 8: return int64(view, at, le, true);
        }
        return undefined;
      case 'u':
        switch (this.size) {
          case 1: return view.getUint8(at);
          case 2: return view.getUint16(at, le);
          case 4: return view.getUint32(at, le);
          case 8: return int64(view, at, le, false);
        }
        return undefined;
      case 'f':
        return this.size === 8 ? view.getFloat64(at, le) : this.size === 4 ? view.getFloat32(at, le) : undefined;
    }
    return undefined;
  }
}

/** A 64-bit int: a number when a double holds it exactly (read as two halves, no BigInt made), else a bigint. */
function int64(view: DataView, at: number, le: boolean, signed: boolean): number | bigint {
  const low = view.getUint32(le ? at : at + 4, le);
  const high = signed ? view.getInt32(le ? at + 4 : at, le) : view.getUint32(le ? at + 4 : at, le);
  if (high > -0x200000 && high < 0x200000) return high * 0x100000000 + low;
  return safeInteger(signed ? view.getBigInt64(at, le) : view.getBigUint64(at, le));
}

/** The shortest digits that read back as the same float32, in toExponential's form. */
function float32Exponential(x: number): string {
  for (let p = 1; p <= 9; p++) {
    const t = x.toExponential(p - 1);
    if (Math.fround(Number(t)) === x) return t;
  }
  return x.toExponential(8);
}

function shortest(x: number, single: boolean): string {
  return single ? float32Exponential(x) : x.toExponential();
}

/** A numpy scalar (`np.float64(2.5)`, `np.int64(3)`), printed as numpy 1.x printed it. */
export class PyNumpyScalar extends PyValue {
  constructor(
    readonly dtype: PyDtype,
    readonly value: number | bigint | boolean,
  ) {
    super();
  }
  get pyClass(): string {
    return `numpy.${this.dtype.kind === 'b' ? 'bool_' : this.dtype.name}`;
  }
  pyRepr(): string {
    const v = this.value;
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (typeof v === 'bigint' || this.dtype.kind !== 'f') return String(v);
    return floatRepr(v, (x) => shortest(x, this.dtype.size === 4));
  }
  override jsonForm(): unknown {
    const x = this.value;
    return typeof x === 'number' && !Number.isFinite(x) ? undefined : x;
  }
  override queryForm(): unknown {
    return typeof this.value === 'bigint' ? Number(this.value) : this.value;
  }
}

/** The empty lists tolist() makes for an array unasked: as many as the pickle budget's items. */
const MAX_EMPTY_LISTS = 100_000;

export class PyNdarray extends PyValue {
  readonly pyClass = 'numpy.ndarray';
  constructor(
    readonly dtype: PyDtype,
    readonly shape: readonly number[],
    readonly data: Uint8Array,
    readonly fortran = false,
  ) {
    super();
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** numpy's tolist(): nested lists, float items as floats (2.0 keeps its point), none cut short. */
  override jsonForm(): unknown {
    const float = this.dtype.kind === 'f';
    return this.tolist(float ? (x) => new PyFloat(x as number) : undefined) ?? undefined;
  }

  /** len(): the first axis; a 0-d array has none. */
  override pyLen(): number {
    if (this.shape.length === 0) throw typeError('len() of unsized object');
    return this.shape[0]!;
  }

  /** How many lists tolist() makes: the outermost, and one for each index of every axis but the last. */
  get listCount(): number {
    let n = 1;
    let lists = 1;
    for (let d = 0; d < this.shape.length - 1; d++) {
      n *= this.shape[d]!;
      lists += n;
    }
    return lists;
  }

  /** Item at a C-order flat index. */
  item(flat: number): number | bigint | boolean | undefined {
    let i = flat;
    if (this.fortran && this.shape.length > 1) {
      let rest = flat;
      let f = 0;
      let stride = 1;
      const idx: number[] = [];
      for (let d = this.shape.length - 1; d >= 0; d--) {
        idx[d] = rest % this.shape[d]!;
        rest = Math.floor(rest / this.shape[d]!);
      }
      for (let d = 0; d < this.shape.length; d++) {
        f += idx[d]! * stride;
        stride *= this.shape[d]!;
      }
      i = f;
    }
    const view = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    if ((i + 1) * this.dtype.size > this.data.length) return undefined;
    return this.dtype.read(view, i);
  }

  /**
   * The array of the given indices along the first axis (`a[1:3]`, `a[::-1]`,
   * `a[0]` of a 2-d array), in C order, as numpy's basic slicing gives it;
   * `drop` leaves the first axis out (an integer index).
   */
  rows(indices: readonly number[], drop = false): PyNdarray {
    const rest = this.shape.slice(1);
    const per = rest.reduce((a, b) => a * b, 1);
    const size = this.dtype.size;
    const out = new Uint8Array(indices.length * per * size);
    const n0 = this.shape[0]!;
    indices.forEach((r, k) => {
      for (let j = 0; j < per; j++) {
        // where item (r, j) lies: C order is r * per + j; Fortran order reverses the strides
        let at = r * per + j;
        if (this.fortran && this.shape.length > 1) {
          let f = r;
          let stride = n0;
          let rem = j;
          const idx: number[] = [];
          for (let d = rest.length - 1; d >= 0; d--) {
            idx[d] = rem % rest[d]!;
            rem = Math.floor(rem / rest[d]!);
          }
          for (let d = 0; d < rest.length; d++) {
            f += idx[d]! * stride;
            stride *= rest[d]!;
          }
          at = f;
        }
        out.set(this.data.subarray(at * size, (at + 1) * size), (k * per + j) * size);
      }
    });
    return new PyNdarray(this.dtype, drop ? rest : [indices.length, ...rest], out);
  }

  /**
   * The items as numpy's tolist() gives them, nested by dimension in C order,
   * each passed through `leaf`; undefined when the dtype's items are not
   * readable here (complex, text, objects, dates) or the data is short.
   * An empty array may still make many lists (shape (10**9, 0): a billion
   * empty lists): past `maxEmptyLists` more than its items account for, it
   * is undefined too, and the caller that wants them charges its own budget.
   */
  tolist(leaf: (x: number | bigint | boolean) => unknown = (x) => x, maxEmptyLists = MAX_EMPTY_LISTS): unknown[] | undefined {
    const dt = this.dtype;
    const size = this.size;
    if (this.shape.length === 0 || this.data.length < size * dt.size) return undefined;
    // an array with no zero dimension makes at most (ndim - 1) lists per item, and one more
    if (this.listCount > (this.shape.length - 1) * size + 1 + maxEmptyLists) return undefined;
    const view = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    if (size > 0 && dt.read(view, 0) === undefined) return undefined;
    const dims = this.shape;
    // where item i of each axis lies among the stored items: C order, or Fortran order's reversed strides
    const strides: number[] = [];
    let s = 1;
    if (this.fortran) {
      for (let d = 0; d < dims.length; d++) {
        strides[d] = s;
        s *= dims[d]!;
      }
    } else {
      for (let d = dims.length - 1; d >= 0; d--) {
        strides[d] = s;
        s *= dims[d]!;
      }
    }
    const build = (axis: number, base: number): unknown[] => {
      const n = dims[axis]!;
      const out: unknown[] = new Array<unknown>(n);
      const stride = strides[axis]!;
      if (axis === dims.length - 1) for (let i = 0; i < n; i++) out[i] = leaf(dt.read(view, base + i * stride)!);
      else for (let i = 0; i < n; i++) out[i] = build(axis + 1, base + i * stride);
      return out;
    };
    return build(0, 0);
  }

  pyRepr(): string {
    const dt = this.dtype;
    const supported = ['b1', 'i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8', 'u8', 'f4', 'f8', 'c8', 'c16'].includes(dt.kind + dt.size);
    if (!supported || this.data.length < this.size * dt.size) {
      return `<numpy.ndarray shape=${shapeText(this.shape)} dtype=${dt.name}>`;
    }
    const size = this.size;
    const implied = ['bool', 'int64', 'float64', 'complex128'].includes(dt.name) && size > 0;
    const suffix = implied ? ')' : ',';
    let body: string;
    if (size > 0) body = formatArray(this, 75 - suffix.length);
    else body = this.shape.length === 1 ? '[]' : `[], shape=${shapeText(this.shape)}`;
    const text = `array(${body}${suffix}`;
    if (implied) return text;
    const dtypeText = `dtype=${dt.name})`;
    const lastLine = text.length - (text.lastIndexOf('\n') + 1);
    return text + (lastLine + dtypeText.length + 1 > 75 ? '\n      ' : ' ') + dtypeText;
  }
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

const EDGE = 3;
const THRESHOLD = 1000;

/** numpy's _formatArray: nested brackets, `...` past the threshold, lines wrapped at the width. */
function formatArray(a: PyNdarray, lineWidth: number): string {
  const shape = a.shape;
  const summary = a.size > THRESHOLD;
  const strides: number[] = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  const shownIndices = (len: number): number[] => {
    if (summary && 2 * EDGE < len) return [0, 1, 2, len - 3, len - 2, len - 1];
    return Array.from({ length: len }, (_, i) => i);
  };
  // a complex array's items are its flat indices, formatted from its real and imaginary parts
  const parts = a.dtype.kind === 'c' ? complexParts(a) : null;
  const item = (flat: number) => (parts ? flat : a.item(flat)!);
  const shown: (number | bigint | boolean)[] = [];
  const collect = (axis: number, base: number): void => {
    if (axis === shape.length) {
      shown.push(item(base));
      return;
    }
    for (const i of shownIndices(shape[axis]!)) collect(axis + 1, base + i * strides[axis]!);
  };
  collect(0, 0);
  const fmt = parts ? complexFormatter(parts, shown as number[]) : formatter(a.dtype, shown, shape.length === 0);
  const prefix = ' '.repeat('array('.length + 1);

  const recurse = (axis: number, base: number, hanging: string, width: number): string => {
    if (axis === shape.length) return fmt(item(base));
    const nextHanging = hanging + ' ';
    const nextWidth = width - 1;
    const len = shape[axis]!;
    const showSummary = summary && 2 * EDGE < len;
    const lead = showSummary ? EDGE : 0;
    const trail = showSummary ? EDGE : len;
    const left = shape.length - axis;
    let out = '';
    if (left === 1) {
      const elemWidth = width - 1;
      let line = hanging;
      const extend = (word: string, w: number) => {
        let wrap = line.length + word.length > w;
        if (line.length <= hanging.length) wrap = false;
        if (wrap) {
          out += line.trimEnd() + '\n';
          line = hanging;
        }
        line += word;
      };
      for (let i = 0; i < lead; i++) {
        extend(recurse(axis + 1, base + i * strides[axis]!, nextHanging, nextWidth), elemWidth);
        line += ', ';
      }
      if (showSummary) {
        extend('...', elemWidth);
        line += ', ';
      }
      for (let i = trail; i > 1; i--) {
        extend(recurse(axis + 1, base + (len - i) * strides[axis]!, nextHanging, nextWidth), elemWidth);
        line += ', ';
      }
      extend(recurse(axis + 1, base + (len - 1) * strides[axis]!, nextHanging, nextWidth), elemWidth);
      out += line;
    } else {
      const sep = ',' + '\n'.repeat(left - 1);
      for (let i = 0; i < lead; i++) out += hanging + recurse(axis + 1, base + i * strides[axis]!, nextHanging, nextWidth) + sep;
      if (showSummary) out += hanging + '...' + sep;
      for (let i = trail; i > 1; i--) out += hanging + recurse(axis + 1, base + (len - i) * strides[axis]!, nextHanging, nextWidth) + sep;
      out += hanging + recurse(axis + 1, base + (len - 1) * strides[axis]!, nextHanging, nextWidth);
    }
    return '[' + out.slice(hanging.length) + ']';
  };
  return recurse(0, 0, prefix, lineWidth);
}

type Format = (v: number | bigint | boolean) => string;

/** A complex array's real and imaginary parts as float arrays of its shape and order. */
function complexParts(a: PyNdarray): [PyNdarray, PyNdarray] {
  const half = a.dtype.size / 2;
  const dt = new PyDtype('f', half, a.dtype.order);
  const n = a.size;
  const re = new Uint8Array(n * half);
  const im = new Uint8Array(n * half);
  for (let i = 0; i < n; i++) {
    re.set(a.data.subarray(2 * i * half, (2 * i + 1) * half), i * half);
    im.set(a.data.subarray((2 * i + 1) * half, (2 * i + 2) * half), i * half);
  }
  return [new PyNdarray(dt, a.shape, re, a.fortran), new PyNdarray(dt, a.shape, im, a.fortran)];
}

/** numpy's ComplexFloatingFormat: the real parts as floats, the imaginary ones with their sign, then j. */
function complexFormatter([re, im]: [PyNdarray, PyNdarray], shown: number[]): Format {
  const single = re.dtype.size === 4;
  const real = floatFormatter(shown.map((i) => re.item(i) as number), single);
  const imag = floatFormatter(shown.map((i) => im.item(i) as number), single, true);
  return (v) => {
    const i = imag(im.item(v as number)!);
    const end = i.trimEnd().length;
    return real(re.item(v as number)!) + i.slice(0, end) + 'j' + i.slice(end);
  };
}

function formatter(dtype: PyDtype, values: (number | bigint | boolean)[], scalar: boolean): Format {
  if (dtype.kind === 'b') return (v) => (v ? (scalar ? 'True' : ' True') : 'False');
  if (dtype.kind !== 'f') {
    let width = 0;
    for (const v of values) width = Math.max(width, String(v).length);
    return (v) => String(v).padStart(width, ' ');
  }
  return floatFormatter(values as number[], dtype.size === 4);
}

/** Digits of a float cut to 8 places after the point (numpy's dragon4, unique, precision 8). */
function positionalText(x: number, single: boolean): string {
  const [mantissa, expText] = shortest(Math.abs(x), single).split('e') as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  let text: string;
  if (exp < 0) text = `0.${'0'.repeat(-exp - 1)}${digits}`;
  else if (digits.length <= exp + 1) text = `${digits}${'0'.repeat(exp + 1 - digits.length)}.`;
  else text = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  const frac = text.length - text.indexOf('.') - 1;
  if (frac > 8) text = Math.abs(x).toFixed(8).replace(/0+$/, '');
  return (x < 0 || Object.is(x, -0) ? '-' : '') + text;
}

function scientificText(x: number, single: boolean, precision: number | null): string {
  let [mantissa, expText] = shortest(Math.abs(x), single).split('e') as [string, string];
  let digits = mantissa.replace('.', '');
  if (digits.length - 1 > 8) {
    [mantissa, expText] = Math.abs(x).toExponential(8).split('e') as [string, string];
    digits = mantissa.replace('.', '').replace(/0+$/, '');
  }
  let frac = digits.slice(1);
  if (precision !== null) frac = frac.padEnd(precision, '0');
  const exp = Number(expText);
  return `${x < 0 || Object.is(x, -0) ? '-' : ''}${digits[0]}.${frac}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function maxOf(xs: readonly number[]): number {
  return xs.reduce((a, b) => (b > a ? b : a), -Infinity);
}

function minOf(xs: readonly number[]): number {
  return xs.reduce((a, b) => (b < a ? b : a), Infinity);
}

function floatFormatter(values: number[], single: boolean, plus = false): Format {
  // sign '+' (the imaginary parts): a + before every number that has no -
  const signed = (x: number, t: string) => (plus && !(x < 0 || Object.is(x, -0)) ? '+' + t : t);
  const positional = (x: number, single: boolean) => signed(x, positionalText(x, single));
  const scientific = (x: number, single: boolean, precision: number | null) => signed(x, scientificText(x, single, precision));
  const finite = values.filter(Number.isFinite);
  const nonzero = finite.filter((v) => v !== 0).map(Math.abs);
  let expFormat = false;
  if (nonzero.length) {
    const max = maxOf(nonzero);
    const min = minOf(nonzero);
    expFormat = max >= 1e8 || min < 0.0001 || max / min > 1000;
  }
  let padLeft = 0;
  let padRight = 0;
  let format: (x: number) => string;
  if (finite.length === 0) {
    format = (x) => positional(x, single);
  } else if (expFormat) {
    const strs = finite.map((x) => scientific(x, single, null));
    const precision = maxOf(strs.map((s) => s.slice(s.indexOf('.') + 1, s.indexOf('e')).length));
    const expSize = maxOf(strs.map((s) => s.length - s.indexOf('e') - 1)) - 1;
    padLeft = maxOf(strs.map((s) => s.indexOf('.')));
    padRight = expSize + 2 + precision;
    format = (x) => {
      const s = scientific(x, single, precision);
      const e = s.indexOf('e');
      const exp = s.slice(e + 2);
      const mant = s.slice(0, e);
      const dot = mant.indexOf('.');
      return mant.slice(0, dot).padStart(padLeft, ' ') + mant.slice(dot) + 'e' + s[e + 1] + exp.padStart(expSize, '0');
    };
  } else {
    const strs = finite.map((x) => positional(x, single));
    padLeft = maxOf(strs.map((s) => s.indexOf('.')));
    padRight = maxOf(strs.map((s) => s.length - s.indexOf('.') - 1));
    format = (x) => {
      const s = positional(x, single);
      const dot = s.indexOf('.');
      return s.slice(0, dot).padStart(padLeft, ' ') + '.' + s.slice(dot + 1).padEnd(padRight, ' ');
    };
  }
  if (finite.length !== values.length) {
    const negInf = plus || values.some((v) => v === -Infinity) ? 1 : 0;
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, 3 - offset, 3 + negInf - offset);
  }
  return (v) => {
    const x = v as number;
    if (Number.isFinite(x)) return format(x);
    const text = (Number.isNaN(x) ? (plus ? '+' : '') : x > 0 ? (plus ? '+' : '') : '-') + (Number.isNaN(x) ? 'nan' : 'inf');
    return text.padStart(padLeft + padRight + 1, ' ');
  };
}
