import { resolveObjectURL } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { cropBackground, imageUrl, type ImageFile } from './imageUrls';
import { bmpImageFile } from '../core/bmp';

/** Where the element's left and right edges fall on the image, in fractions of its width. */
function shownSpan(size: string, position: string, axis: 0 | 1): [number, number] {
  const scale = parseFloat(size.split(' ')[axis]) / 100; // image side ÷ element side
  const p = parseFloat(position.split(' ')[axis]) / 100;
  const offset = p * (1 - scale); // in element sides: the image's p point on the element's
  return [-offset / scale, (1 - offset) / scale];
}

describe('cropBackground', () => {
  it('puts the box on the whole element, for boxes inside, at the edges and spanning the image', () => {
    const boxes = [
      { left: 0.1, top: 0.25, width: 0.5, height: 0.3, flip: false },
      { left: 0, top: 0, width: 0.2, height: 0.9, flip: false },
      { left: 0.8, top: 0.6, width: 0.2, height: 0.4, flip: true },
      { left: 0, top: 0, width: 1, height: 1, flip: false },
      { left: 0, top: 0.1, width: 1, height: 0.5, flip: false },
    ];
    for (const b of boxes) {
      const { backgroundSize, backgroundPosition } = cropBackground(b);
      const [x0, x1] = shownSpan(backgroundSize, backgroundPosition, 0);
      const [y0, y1] = shownSpan(backgroundSize, backgroundPosition, 1);
      expect(x0).toBeCloseTo(b.left, 9);
      expect(x1).toBeCloseTo(b.left + b.width, 9);
      expect(y0).toBeCloseTo(b.top, 9);
      expect(y1).toBeCloseTo(b.top + b.height, 9);
    }
  });
});

describe('imageUrl', () => {
  const image = (): ImageFile => bmpImageFile(new Uint8ClampedArray(4 * 6).fill(200), 3, 2);

  it('gives one image file one URL, the file itself', async () => {
    const a = image();
    const url = imageUrl(a);
    expect(imageUrl(a)).toBe(url);
    expect(imageUrl(image())).not.toBe(url);
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    expect(String.fromCharCode(bytes[0], bytes[1])).toBe('BM');
    expect(bytes.length).toBe(14 + 108 + 24);
  });

  it('revokes the least recently used URL past sixteen, never one just used', () => {
    const images = Array.from({ length: 16 }, image);
    const urls = images.map(imageUrl);
    // Used again: now the most recent, so the next new image evicts images[1], the oldest left.
    expect(imageUrl(images[0])).toBe(urls[0]);
    imageUrl(image());
    expect(resolveObjectURL(urls[1])).toBeUndefined();
    expect(resolveObjectURL(urls[0])).toBeDefined();
    expect(resolveObjectURL(urls[2])).toBeDefined();
    // Asked again after its URL was revoked, an image gets a new one that works.
    const again = imageUrl(images[1]);
    expect(again).not.toBe(urls[1]);
    expect(resolveObjectURL(again)).toBeDefined();
  });
});
