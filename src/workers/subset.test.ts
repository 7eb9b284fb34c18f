import { describe, expect, it } from 'vitest';
import { keptIndices, seededSubset, seededSubsetIndices, subsetFilter } from './subset';

describe('seededSubset', () => {
  // An index ordered class by class, as datasets are: 10 classes x 200 images.
  const items = Array.from({ length: 2000 }, (_, i) => ({ index: i, classIndex: Math.floor(i / 200) }));

  it('takes a seeded sample in index order that spans the classes, not the first N', () => {
    const s = seededSubset(items, 256, 1, 'train');
    expect(s).toHaveLength(256);
    expect(s.map((x) => x.index)).toEqual([...s.map((x) => x.index)].sort((a, b) => a - b));
    expect(new Set(s.map((x) => x.classIndex)).size).toBe(10);
    expect(seededSubset(items, 256, 1, 'train')).toEqual(s);
    expect(seededSubset(items, 256, 2, 'train')).not.toEqual(s);
  });

  it('returns everything when no cap or a cap past the end is given', () => {
    expect(seededSubset(items, undefined, 1, 'x')).toBe(items);
    expect(seededSubset(items, 0, 1, 'x')).toBe(items);
    expect(seededSubset(items, 5000, 1, 'x')).toBe(items);
  });
});

describe('held train indices', () => {
  const items = Array.from({ length: 2000 }, (_, i) => ({ index: i, classIndex: Math.floor(i / 200) }));

  it('seededSubsetIndices picks what seededSubset picks', () => {
    const all = Uint32Array.from(items, (it) => it.index);
    expect([...seededSubsetIndices(all, 256, 1, 'train')]).toEqual(
      seededSubset(items, 256, 1, 'train').map((it) => it.index),
    );
    expect(seededSubsetIndices(all, undefined, 1, 'train')).toBe(all);
  });

  it('keptIndices pages in order, skips and counts the gone, and keeps what the filter keeps', async () => {
    const withGone = items.map((it) => (it.index % 3 === 0 ? { ...it, gone: true } : it));
    async function* pages() {
      for (let lo = 0; lo < withGone.length; lo += 300) yield withGone.slice(lo, lo + 300);
    }
    const { indices, gone } = await keptIndices(pages(), subsetFilter({ kind: 'perClass', n: 4 }, 1));
    expect(gone).toBe(667);
    expect([...indices.subarray(0, 8)]).toEqual([1, 2, 4, 5, 200, 202, 203, 205]);
    expect(indices).toHaveLength(40);
  });
});

describe('subsetFilter', () => {
  // 10 classes x 200 images, in index order as the index stores them.
  const items = Array.from({ length: 2000 }, (_, i) => ({ index: i, classIndex: Math.floor(i / 200) }));

  it('first N per class keeps exactly N of each class, the first ones', () => {
    const keep = items.filter(subsetFilter({ kind: 'perClass', n: 7 }, 1));
    expect(keep).toHaveLength(70);
    for (let c = 0; c < 10; c++)
      expect(keep.filter((x) => x.classIndex === c).map((x) => x.index)).toEqual(
        Array.from({ length: 7 }, (_, i) => c * 200 + i),
      );
  });

  it('a class list keeps those classes only', () => {
    const keep = items.filter(subsetFilter({ kind: 'classes', classes: [2, 5] }, 1));
    expect(keep).toHaveLength(400);
    expect(new Set(keep.map((x) => x.classIndex))).toEqual(new Set([2, 5]));
  });

  it('a fraction keeps about that share, the same images in any visiting order, seeded', () => {
    const f = subsetFilter({ kind: 'fraction', fraction: 0.25 }, 3);
    const keep = items.filter(f).map((x) => x.index);
    expect(keep.length).toBeGreaterThan(400);
    expect(keep.length).toBeLessThan(600);
    const reversed = [...items].reverse().filter(subsetFilter({ kind: 'fraction', fraction: 0.25 }, 3));
    expect(reversed.map((x) => x.index).reverse()).toEqual(keep);
    expect(
      items.filter(subsetFilter({ kind: 'fraction', fraction: 0.25 }, 4)).map((x) => x.index),
    ).not.toEqual(keep);
  });

  it('no subset keeps everything', () => {
    expect(items.filter(subsetFilter(undefined, 1))).toHaveLength(2000);
  });
});
