import { describe, expect, it } from 'vitest';
import { fmix32, murmur3, murmur3Mix } from './murmur3';

const enc = new TextEncoder();

describe('murmur3', () => {
  it('matches the reference MurmurHash3 x86_32 vectors', () => {
    expect(murmur3(enc.encode(''), 0)).toBe(0);
    expect(murmur3(enc.encode(''), 1)).toBe(0x514e28b7);
    expect(murmur3(enc.encode(''), 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3(enc.encode('hello'), 0)).toBe(0x248bfa47);
    expect(murmur3(enc.encode('The quick brown fox jumps over the lazy dog'), 0)).toBe(0x2e4ff723);
  });

  it('handles every tail length (1, 2 and 3 trailing bytes)', () => {
    // Reference vectors for seed 0x9747b28c.
    const seed = 0x9747b28c;
    expect(murmur3(enc.encode('a'), seed)).toBe(0x7fa09ea6);
    expect(murmur3(enc.encode('aa'), seed)).toBe(0x5d211726);
    expect(murmur3(enc.encode('aaa'), seed)).toBe(0x283e0130);
    expect(murmur3(enc.encode('aaaa'), seed)).toBe(0x5a97808a);
    expect(murmur3(enc.encode('Hello, world!'), seed)).toBe(0x24884cba);
  });

  it('is the body mix plus the finaliser for whole words', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const h = murmur3Mix(murmur3Mix(7, 0x04030201), 0x08070605);
    expect(murmur3(bytes, 7)).toBe(fmix32(h ^ 8));
  });

  it('fmix32 is a bijection-like avalanche: 0 stays 0, neighbours land far apart', () => {
    expect(fmix32(0)).toBe(0);
    const a = fmix32(1);
    const b = fmix32(2);
    let diff = a ^ b;
    let bits = 0;
    while (diff) {
      bits += diff & 1;
      diff >>>= 1;
    }
    expect(bits).toBeGreaterThan(8);
    expect(fmix32(-1)).toBe(fmix32(0xffffffff));
  });
});
