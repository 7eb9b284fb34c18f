import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { storedItem } from './indexJob';

describe('storedItem', () => {
  it('keeps the stored fields, leaves out absent ones and the split', () => {
    const folder = storedItem({
      split: 'train',
      index: 3,
      path: 'c/x.jpg',
      classIndex: 1,
      bytes: 9,
      modified: 5,
    });
    expect(folder).toEqual({ index: 3, path: 'c/x.jpg', classIndex: 1, bytes: 9, modified: 5 });
    expect(Object.keys(folder)).not.toContain('shard');
    const { split, ...stored } = {
      split: 'val' as const,
      index: 0,
      path: 'k.jpg',
      classIndex: 2,
      bytes: 4,
      shard: 's.tar',
      offset: 0,
      headerAt: 1024,
      dataAt: 1536,
    };
    expect(storedItem({ split, ...stored })).toEqual(stored);
  });
});
