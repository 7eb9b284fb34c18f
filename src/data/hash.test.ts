import { describe, expect, it } from 'vitest';
import { hashUnit, murmur3 } from './hash';

const enc = new TextEncoder();

describe('murmur3', () => {
  it('matches the reference MurmurHash3 x86_32 vectors', () => {
    expect(murmur3(enc.encode(''), 0)).toBe(0);
    expect(murmur3(enc.encode(''), 1)).toBe(0x514e28b7);
    expect(murmur3(enc.encode('hello'), 0)).toBe(0x248bfa47);
    expect(murmur3(enc.encode('The quick brown fox jumps over the lazy dog'), 0)).toBe(0x2e4ff723);
  });

  it('hashUnit is in [0,1), seed-dependent, and NFC/NFD-insensitive', () => {
    const a = hashUnit(1, 'cafe\u0301/x.jpg');
    expect(a).toBe(hashUnit(1, 'café/x.jpg'));
    expect(a).not.toBe(hashUnit(2, 'café/x.jpg'));
    expect(a >= 0 && a < 1).toBe(true);
  });
});
