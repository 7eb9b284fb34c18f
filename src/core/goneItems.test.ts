import { describe, expect, it } from 'vitest';
import { liveCount, liveIndex, withGone } from './goneItems';

describe('gone items', () => {
  it('maps live positions around the holes, in order and each once', () => {
    const total = 50;
    const gone = withGone(withGone([], [49, 7, 0]), [23, 8, 9, 7]);
    expect(gone).toEqual([0, 7, 8, 9, 23, 49]);
    expect(liveCount(total, gone)).toBe(44);
    const mapped = Array.from({ length: liveCount(total, gone) }, (_, p) => liveIndex(p, gone));
    const expected = Array.from({ length: total }, (_, i) => i).filter((i) => !gone.includes(i));
    expect(mapped).toEqual(expected);
  });

  it('is the identity without holes, and keeps the list ascending as images come back', () => {
    expect(liveIndex(5, undefined)).toBe(5);
    expect(liveIndex(5, [])).toBe(5);
    const before = withGone(undefined, [4, 2, 2]);
    expect(before).toEqual([2, 4]);
    expect(withGone(before, [], [2])).toEqual([4]);
    expect(before).toEqual([2, 4]);
    expect(withGone(before, [10], [3])).toEqual([2, 4, 10]);
  });
});
