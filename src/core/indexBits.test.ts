import { describe, expect, it } from 'vitest';
import { IndexBits } from './indexBits';

describe('IndexBits', () => {
  it('holds a set of indices in a bit each and counts them', () => {
    const b = new IndexBits(100);
    expect(b.add(0)).toBe(true);
    expect(b.add(31)).toBe(true);
    expect(b.add(32)).toBe(true);
    expect(b.add(99)).toBe(true);
    expect(b.add(31)).toBe(false);
    expect(b.add(100)).toBe(false);
    expect(b.add(-1)).toBe(false);
    expect(b.count).toBe(4);
    expect([0, 1, 30, 31, 32, 33, 98, 99, 100].filter((i) => b.has(i))).toEqual([0, 31, 32, 99]);
  });
});
