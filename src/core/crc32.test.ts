import { describe, expect, it } from 'vitest';
import { crc32, crc32Update } from './crc32';

describe('crc32', () => {
  it('matches the standard check value and is incremental', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(crc32(bytes)).toBe(0xcbf43926);
    expect(crc32Update(crc32(bytes.subarray(0, 4)), bytes.subarray(4))).toBe(0xcbf43926);
    expect(crc32Update(crc32Update(0, bytes.subarray(0, 0)), bytes)).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('matches zlib on a PNG chunk (IEND)', () => {
    // Every PNG ends with the IEND chunk whose CRC over its type bytes is ae426082.
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
  });

  it('gives the bit-by-bit CRC at every length and split (the 8-byte steps and the tail agree)', () => {
    const slow = (bytes: Uint8Array, crc = 0) => {
      let c = ~crc >>> 0;
      for (const b of bytes) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return ~c >>> 0;
    };
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let n = 0; n <= 40; n++) expect(crc32(bytes.subarray(0, n))).toBe(slow(bytes.subarray(0, n)));
    expect(crc32(bytes)).toBe(slow(bytes));
    for (const at of [1, 7, 8, 13, 299])
      expect(crc32Update(crc32(bytes.subarray(0, at)), bytes.subarray(at))).toBe(slow(bytes));
  });
});
