/** Pickles meant to run code, or to become huge from a few bytes. */
export function bombs(): Record<string, Uint8Array> {
  const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
  const appends = [0x80, 4, 0x5d, 0x28];
  for (let i = 0; i < 200_000; i++) appends.push(0x4b, i & 0xff);
  appends.push(0x65, 0x2e);
  // each level a list of ten references to the level below: 10^30 items once expanded
  const memo = [0x80, 4, 0x5d, 0x94, 0x30];
  for (let level = 1; level <= 30; level++) {
    memo.push(0x28);
    for (let j = 0; j < 10; j++) memo.push(0x6a, ...u32(level - 1));
    memo.push(0x6c, 0x94);
    if (level < 30) memo.push(0x30);
  }
  memo.push(0x2e);
  const depth = 100_000;
  const deep = [0x80, 4, ...new Array<number>(depth).fill(0x28), ...new Array<number>(depth).fill(0x6c), 0x2e];
  return {
    'LONG4 of 2^31 bytes': Uint8Array.from([0x80, 4, 0x8b, ...u32(2 ** 31 - 1), 1, 2, 0x2e]),
    'BINBYTES8 of 2^62 bytes': Uint8Array.from([0x80, 4, 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x2e]),
    'BINUNICODE8 of 2^40 bytes': Uint8Array.from([0x80, 4, 0x8d, 0, 0, 0, 0, 0, 1, 0, 0, 0x2e]),
    'a 200,000-item APPENDS': Uint8Array.from(appends),
    'a memo bomb': Uint8Array.from(memo),
    'lists nested 100,000 deep': Uint8Array.from(deep),
  };
}


/** A pickle of `count` repetitions of `unit` between a head and a tail, built in place. */
export function repeated(head: number[], unit: number[], count: number, tail: number[]): Uint8Array {
  const out = new Uint8Array(head.length + unit.length * count + tail.length);
  out.set(head, 0);
  let pos = head.length;
  for (let i = 0; i < count; i++, pos += unit.length) out.set(unit, pos);
  out.set(tail, pos);
  return out;
}

/** A protocol 4 pickle calling `module.name(text)`, the text as BINUNICODE. */
function textCall(module: string, name: string, text: string): Uint8Array {
  const t = Buffer.from(text, 'latin1');
  const head = Buffer.from(`\x80\x04c${module}\n${name}\nX`, 'latin1');
  const n = Buffer.alloc(4);
  n.writeUInt32LE(t.length);
  return Uint8Array.from(Buffer.concat([head, n, t, Buffer.from([0x85, 0x52, 0x2e])]));
}

/**
 * Pickles of tens of MB that make little but take long, or build much:
 * each is made when asked for and dropped after, with the start of the
 * sentence its decoding gives.
 */
export function* largeBombs(): Generator<[name: string, make: () => Uint8Array, sentence: string]> {
  const steps = 'the pickle runs more than 1,600,000 opcodes, more than a value within the limit of 100,000 items needs';
  // [[0], [1], ...]: 8 million one-item lists, each appended as it is made
  yield ['a 40 MB list of one-item lists', () => repeated([0x80, 4, 0x5d], [0x5d, 0x4b, 7, 0x61, 0x61], 8_000_000, [0x2e]), steps];
  yield ['60 MB of MARK and POP_MARK', () => repeated([0x80, 4, 0x4e], [0x28, 0x31], 30_000_000, [0x2e]), steps];
  yield ['60 MB of MEMOIZE', () => repeated([0x80, 4, 0x4e], [0x94], 60_000_000, [0x2e]), steps];
  yield ['60 MB of BINPUT 0', () => repeated([0x80, 4, 0x4e], [0x71, 0], 30_000_000, [0x2e]), steps];
  yield ['60 MB of FRAMEs', () => repeated([0x80, 4], [0x95, 9, 0, 0, 0, 0, 0, 0, 0], 6_600_000, [0x4e, 0x2e]), steps];
  yield ['a STRING of 10 million escapes', () => repeated([0x80, 2, 0x53, 0x27], [0x5c, 0x6e], 10_000_000, [0x27, 0x0a, 0x2e]), steps];
  yield ['an INT of 20 million digits', () => repeated([0x49], [0x39], 20_000_000, [0x0a, 0x2e]), 'an integer of 20,000,000 digits exceeds the limit of 4,300 digits'];
  yield ['a LONG4 of 8 MB', () => Uint8Array.from([0x80, 4, 0x8b, 0, 0, 0x80, 0, ...new Array<number>(16).fill(1), 0x2e]), 'an integer of 8388608 bytes exceeds the 2048-byte limit'];
  const digits = () => '7'.repeat(20_000_000);
  yield ['int() of 20 million digits', () => textCall('builtins', 'int', digits()), 'an integer of 20,000,000 digits exceeds the limit of 4,300 digits'];
  yield ['a Fraction of 20 million digits', () => textCall('fractions', 'Fraction', `${digits()}/3`), 'the text of a Fraction of 20,000,002 characters exceeds the limit of 4,300 digits'];
  yield ['a Decimal of 20 million digits', () => textCall('decimal', 'Decimal', digits()), 'the text of a Decimal of 20,000,000 characters exceeds the limit of 4,300 digits'];
}
