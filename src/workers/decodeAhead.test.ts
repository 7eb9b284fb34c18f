import { describe, expect, it } from 'vitest';
import { imageInputBytes } from '../data/imageInput';
import { SourceNotFoundError } from '../data/source';
import type { DatasetItem } from '../store';
import { decodeAhead, decodeAheadDepth } from './decodeAhead';
import type { DecodeFn } from './readImage';

const items: DatasetItem[] = ['a.png', 'gone.png', 'bad.png', 'c.png', 'd.png'].map((path, index) => ({
  index,
  path,
  classIndex: 0,
  bytes: 1,
  datasetId: 'd',
  split: 'train',
}));

describe('decodeAhead', () => {
  it('yields every item in order with its decode or the reason it has none, a bounded depth ahead', async () => {
    let started = 0;
    let consumed = 0;
    let maxAhead = 0;
    const reader = {
      async read(item: DatasetItem): Promise<Blob> {
        if (item.path === 'gone.png') throw new SourceNotFoundError(item.path);
        return new Blob([item.path]);
      },
    };
    const decode: DecodeFn = async (input, { name, fit }) => {
      started++;
      maxAhead = Math.max(maxAhead, started - consumed);
      expect(fit).toBeUndefined(); // the teacher sees full-size images
      if (name === 'bad.png') return { error: 'truncated or corrupt PNG' };
      const text = new TextDecoder().decode(await imageInputBytes(input));
      return {
        pixels: new Uint8ClampedArray(4),
        width: 1,
        height: 1,
        sourceWidth: 1,
        sourceHeight: 1,
        format: text,
        warnings: [],
      } as never;
    };
    const got: string[] = [];
    for await (const { item, decoded } of decodeAhead(reader, items, 2, decode)) {
      consumed++;
      got.push('error' in decoded ? `${item.path}: ${decoded.error}` : `${item.path} ok`);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(got).toEqual([
      'a.png ok',
      'gone.png: file not found (moved or deleted since indexing): gone.png',
      'bad.png: truncated or corrupt PNG',
      'c.png ok',
      'd.png ok',
    ]);
    expect(maxAhead).toBeLessThanOrEqual(2);
  });

  it('a lost permission is not a skip: it stops the job', async () => {
    const reader = {
      read: async (): Promise<Blob> => {
        throw new Error('permission to read "pets" was lost');
      },
    };
    const decode: DecodeFn = async () => ({ error: 'unused' });
    await expect(
      (async () => {
        for await (const d of decodeAhead(reader, items, 2, decode)) void d;
      })(),
    ).rejects.toThrow(/permission/);
  });

  it('depth: two teacher batches of images, within 8..64', () => {
    expect(decodeAheadDepth(512, 32)).toBe(32);
    expect(decodeAheadDepth(512, 1)).toBe(64);
    expect(decodeAheadDepth(16, 32)).toBe(8);
  });
});
