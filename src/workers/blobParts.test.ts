import { describe, expect, it } from 'vitest';
import { BlobParts } from './blobParts';

describe('BlobParts', () => {
  it('gives back exactly the bytes added, in order, across packed pieces and folds', async () => {
    // Tiny chunks (packed into pieces), chunks larger than a piece, and enough bytes to fold twice.
    const sizes = [1, 30, 70_000, 5, 2 << 20, ...Array<number>(400).fill(90_000), 3, 7];
    const out = new BlobParts('application/zip');
    sizes.forEach((size, i) => out.add([new Uint8Array(size).fill(i & 0xff)]));
    const blob = out.finish();
    expect(blob.type).toBe('application/zip');
    expect(blob.size).toBe(sizes.reduce((a, b) => a + b, 0));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let at = 0;
    sizes.forEach((size, i) => {
      const part = bytes.subarray(at, at + size);
      expect(part.every((b) => b === (i & 0xff))).toBe(true);
      at += size;
    });
  });
});
