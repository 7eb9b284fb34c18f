import { describe, expect, it } from 'vitest';
import { seededSubset } from './subset';

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
