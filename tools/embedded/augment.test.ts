import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { cropResizeGrey, trainCrop } from './augment';

const W = 6;
const H = 4;
const src = Uint8Array.from({ length: W * H }, (_, i) => i * 10);

describe('cropResizeGrey', () => {
  it('returns the image scaled to [0, 1] for the whole-image box, mirrored when flipped', () => {
    const out = new Float32Array(W * H);
    cropResizeGrey(src, 0, W, H, { top: 0, left: 0, height: 1, width: 1, flip: false }, out, 0, W, H);
    for (let i = 0; i < W * H; i++) expect(out[i]).toBeCloseTo(src[i] / 255, 6);
    cropResizeGrey(src, 0, W, H, { top: 0, left: 0, height: 1, width: 1, flip: true }, out, 0, W, H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) expect(out[y * W + x]).toBeCloseTo(src[y * W + (W - 1 - x)] / 255, 6);
  });

  it('cuts the box given as fractions of the image', () => {
    // The 2x2 block at (left 2, top 1), resized 1:1.
    const out = new Float32Array(4);
    const box = { top: 1 / H, left: 2 / W, height: 2 / H, width: 2 / W, flip: false };
    cropResizeGrey(src, 0, W, H, box, out, 0, 2, 2);
    const want = [src[1 * W + 2], src[1 * W + 3], src[2 * W + 2], src[2 * W + 3]].map((v) => v / 255);
    for (let i = 0; i < 4; i++) expect(out[i]).toBeCloseTo(want[i], 6);
  });
});

describe('trainCrop', () => {
  it('draws FKD crops inside the scale range, reproducibly from the seed', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const box = trainCrop(a, 28, [0.35, 1], 0);
      expect(trainCrop(b, 28, [0.35, 1], 0)).toEqual(box);
      const area = box.width * box.height;
      expect(area).toBeGreaterThan(0.3);
      expect(area).toBeLessThanOrEqual(1);
      expect(box.left + box.width).toBeLessThanOrEqual(1 + 1e-9);
      expect(box.top + box.height).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  it('returns the whole image (keeping the flip) with fullP = 1, and flips about half the time', () => {
    const rng = new Rng(9);
    let flips = 0;
    for (let i = 0; i < 400; i++) {
      const box = trainCrop(rng, 28, [0.35, 1], 1);
      expect([box.top, box.left, box.height, box.width]).toEqual([0, 0, 1, 1]);
      if (box.flip) flips++;
    }
    expect(flips).toBeGreaterThan(150);
    expect(flips).toBeLessThan(250);
  });
});
