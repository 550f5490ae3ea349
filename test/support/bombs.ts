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

