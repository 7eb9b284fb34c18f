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
});
