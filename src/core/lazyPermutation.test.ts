import { describe, expect, it } from 'vitest';
import { LazyPermutation } from './lazyPermutation';
import { Rng } from './rng';

describe('LazyPermutation', () => {
  it('visits every position once per pass, for sizes around the domain edges', () => {
    for (const n of [1, 2, 3, 4, 5, 17, 255, 256, 257, 1000, 4097]) {
      const p = new LazyPermutation(n, new Rng(9).fork(`order:${n}`));
      const seen = new Uint8Array(n);
      for (let i = 0; i < n; i++) seen[p.at(i)]++;
      expect(seen.every((c) => c === 1)).toBe(true);
    }
  });

  it('is seeded: the same seed gives the same order, another seed another', () => {
    const a = new LazyPermutation(1000, new Rng(1).fork('order:0')).slice(0, 50);
    expect(new LazyPermutation(1000, new Rng(1).fork('order:0')).slice(0, 50)).toEqual(a);
    expect(new LazyPermutation(1000, new Rng(1).fork('order:1')).slice(0, 50)).not.toEqual(a);
    // Shuffled, not the identity or a rotation of it.
    expect(a.filter((v, i) => v === i).length).toBeLessThan(5);
  });

  it('covers 1.28M images without holding an order array, any step found directly', () => {
    const n = 1_281_167;
    const p = new LazyPermutation(n, new Rng(3).fork('order:7'));
    const seen = new Uint8Array(n); // the test's own check, one byte per image
    const heap0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) seen[p.at(i)]++;
    const grown = process.memoryUsage().heapUsed - heap0;
    expect(seen.every((c) => c === 1)).toBe(true);
    // The permutation keeps four round keys: computing every position allocates nothing that stays.
    expect(grown).toBeLessThan(4 * 2 ** 20);
    expect(p.slice(640_000, 640_004)).toEqual([640_000, 640_001, 640_002, 640_003].map((i) => p.at(i)));
    expect(() => p.at(n)).toThrow(RangeError);
  });
});
