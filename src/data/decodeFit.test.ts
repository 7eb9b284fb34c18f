import { describe, expect, it } from 'vitest';
import { evalCropBox, sampleCropBoxes } from '../core/cropBox';
import { Rng } from '../core/rng';
import { decodeScale, decodeSize, type DecodeFit } from './decodeFit';

const rrc = (outSize: number, scaleMin = 0.08): DecodeFit => ({
  kind: 'randomResizedCrop',
  outSize,
  scaleMin,
  ratio: [3 / 4, 4 / 3],
});

describe('decodeFit', () => {
  it('sizes a 500x375 photo for a 32-px student from the smallest RandomResizedCrop side', () => {
    // Narrowest box: sqrt(0.08 * 500 * 375 * 3/4) = 106.07 px -> scale 32 / 106.07.
    expect(decodeScale(500, 375, rrc(32))).toBeCloseTo(32 / Math.sqrt(0.08 * 500 * 375 * 0.75), 12);
    expect(decodeSize(500, 375, rrc(32))).toEqual({ width: 151, height: 114 });
  });

  it('keeps the full size when the saving is small or the crops need every pixel', () => {
    expect(decodeSize(28, 28, rrc(28))).toBeNull(); // the embedded set
    expect(decodeSize(500, 375, rrc(224))).toBeNull(); // an ImageNet student
    expect(decodeSize(500, 375, undefined)).toBeNull();
    expect(decodeSize(0, 375, rrc(32))).toBeNull();
    expect(decodeSize(280, 210, { kind: 'eval', outSize: 224, resizeRatio: 256 / 224 })).toBeNull();
  });

  it('eval at 224 decodes a 500x375 photo at the reference Resize(256) size', () => {
    expect(decodeSize(500, 375, { kind: 'eval', outSize: 224, resizeRatio: 256 / 224 })).toEqual({
      width: 342,
      height: 256,
    });
  });

  it('never makes a sampled crop narrower than the output size (no upsampling the full decode avoids)', () => {
    const rng = new Rng(7);
    for (const [W, H, S, smin] of [
      [500, 375, 32, 0.08],
      [375, 500, 32, 0.08],
      [1200, 300, 48, 0.08],
      [640, 480, 64, 0.35],
      [4000, 3000, 112, 0.08],
    ]) {
      const fit = rrc(S, smin);
      const size = decodeSize(W, H, fit);
      expect(size, `${W}x${H}`).not.toBeNull();
      for (const box of sampleCropBoxes(rng, W, H, 2000, { scale: [smin, 1] })) {
        // The crop's extent on the decoded image, in decoded pixels.
        expect(box.width * size!.width).toBeGreaterThanOrEqual(S - 1e-9);
        expect(box.height * size!.height).toBeGreaterThanOrEqual(S - 1e-9);
      }
    }
  });

  it('eval: the centre crop spans at least outSize decoded pixels', () => {
    for (const [W, H, S] of [
      [500, 375, 32],
      [375, 500, 32],
      [2000, 1500, 64],
      [1000, 400, 28],
    ]) {
      const size = decodeSize(W, H, { kind: 'eval', outSize: S, resizeRatio: 256 / 224 });
      expect(size).not.toBeNull();
      const box = evalCropBox(size!.width, size!.height, S);
      expect(box.width * size!.width).toBeGreaterThanOrEqual(S - 1e-9);
      expect(box.height * size!.height).toBeGreaterThanOrEqual(S - 1e-9);
      // And the crop is the same region of the image as on the full decode (to a pixel of the decode).
      const full = evalCropBox(W, H, S);
      expect(Math.abs(box.top - full.top) * size!.height).toBeLessThan(1);
      expect(Math.abs(box.width - full.width) * size!.width).toBeLessThan(1);
    }
  });
});
