import { describe, expect, it } from 'vitest';
import { SourceNotFoundError } from '../data/source';
import type { DatasetItem } from '../store';
import { FolderUnreachableError, readImage, type DecodeFn } from './readImage';

const item: DatasetItem = {
  datasetId: 'd',
  split: 'train',
  index: 3,
  path: 'a/x.jpg',
  classIndex: 0,
  bytes: 1,
};
const decode: DecodeFn = () => Promise.reject(new Error('never decoded'));
const missing = () => Promise.reject(new SourceNotFoundError('a/x.jpg'));

describe('readImage', () => {
  it('skips a file deleted since indexing while its folder is still there', async () => {
    const r = await readImage({ read: missing, rootError: async () => undefined }, item, undefined, decode);
    expect(r).toEqual({ error: 'file not found (moved or deleted since indexing): a/x.jpg' });
  });

  it('skips a file rewritten since indexing (size or date differ) without decoding it', async () => {
    const dated = { ...item, modified: 10 };
    const read = async () => new File([new Uint8Array(2)], 'x.jpg', { lastModified: 10 });
    const r = await readImage({ read }, dated, undefined, decode);
    expect(r).toEqual({
      error: expect.stringContaining('changed on disk since indexing (1 → 2 bytes)') as unknown,
    });
  });

  it('reads a file whose date alone differs (a folder copied back keeps its bytes, not its dates)', async () => {
    const dated = { ...item, modified: 10 };
    const read = async () => new File([new Uint8Array(1)], 'x.jpg', { lastModified: 99 });
    const decoded = { error: 'decoded' };
    expect(await readImage({ read }, dated, undefined, async () => decoded)).toBe(decoded);
  });

  it('throws (the job pauses) when the whole folder is gone, instead of skipping every image', async () => {
    const gone = { name: 'my-photos', cause: new DOMException('gone', 'NotFoundError') };
    const r = readImage({ read: missing, rootError: async () => gone }, item, undefined, decode);
    await expect(r).rejects.toBeInstanceOf(FolderUnreachableError);
    await expect(r).rejects.toThrow('the folder "my-photos" cannot be read any more');
  });
});
