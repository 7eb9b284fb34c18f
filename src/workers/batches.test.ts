import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { CropRows } from '../engine/crops';
import type { DatasetItem } from '../store';
import { batchLabels, batchTargets, pickCrops, type LoadedImage } from './batches';

/** Image i of class 10 + i; its crop s has the soft target [i, s] (two classes). */
const images = (n: number, k: number): LoadedImage[] =>
  Array.from(
    { length: n },
    (_, i) =>
      ({
        item: { index: i, classIndex: 10 + i } as DatasetItem,
        boxes: new Array(k),
        softTargets: Float32Array.from({ length: 2 * k }, (_, j) => (j % 2 === 0 ? i : Math.floor(j / 2))),
      }) as LoadedImage,
  );

describe('the loader lays targets and labels out in the batch row order', () => {
  it('crop-major: row slot * n + image', () => {
    const ims = images(3, 2);
    const rows = new CropRows(3, 2);
    expect(Array.from(batchLabels(ims, rows))).toEqual([10, 11, 12, 10, 11, 12]);
    const t = batchTargets(ims, rows, 2);
    // Row r holds [image, slot] of the crop the row map puts there.
    expect(Array.from(t)).toEqual([0, 0, 1, 0, 2, 0, 0, 1, 1, 1, 2, 1]);
  });

  it('picks distinct stored crops, the same for the same stream', () => {
    const a = pickCrops(new Rng(5).fork('fkd:0:7'), 8, 4);
    expect(new Set(a).size).toBe(4);
    expect(a.every((c) => c >= 0 && c < 8)).toBe(true);
    expect(pickCrops(new Rng(5).fork('fkd:0:7'), 8, 4)).toEqual(a);
    // More wanted than stored: reused rather than failing the run.
    expect(pickCrops(new Rng(5), 2, 5)).toHaveLength(5);
  });
});
