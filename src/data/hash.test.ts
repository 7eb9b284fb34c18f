import { describe, expect, it } from 'vitest';
import { murmur3 } from '../core/murmur3';
import { hashUnit } from './hash';

const enc = new TextEncoder();

describe('hashUnit', () => {
  it('is in [0,1), seed-dependent, and NFC/NFD-insensitive', () => {
    const a = hashUnit(1, 'cafe\u0301/x.jpg');
    expect(a).toBe(hashUnit(1, 'café/x.jpg'));
    expect(a).not.toBe(hashUnit(2, 'café/x.jpg'));
    expect(a >= 0 && a < 1).toBe(true);
  });

  it('is MurmurHash3 of the NFC UTF-8 path over 2^32', () => {
    expect(hashUnit(0, 'hello')).toBe(murmur3(enc.encode('hello'), 0) / 2 ** 32);
  });
});
