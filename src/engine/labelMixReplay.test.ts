import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleCropBoxes } from '../core/cropBox';
import { sampleCropMixes } from '../core/labelMix';
import { decodeLabelRecord, encodeLabelRecord, recordCropBox } from '../core/labelRecord';
import { Rng } from '../core/rng';
import { mulberry32 } from '../core/mulberry32';
import { mixedBatchFromImages, mixCropPairs } from './mix';
import { uploadImage, uploadPadded } from './pixels';
import { teacherCrops } from './teacherStep';
import { useCpu } from './testSetup';

beforeAll(useCpu);

function randomImage(seed: number, w: number, h: number): Uint8ClampedArray {
  const r = mulberry32(seed);
  return Uint8ClampedArray.from({ length: w * h * 4 }, () => Math.floor(r() * 256));
}

/** Boxes as a record stores them (integer pixels) and reads them back: what the trainer gets. */
function storedBoxes(seed: number, w: number, h: number, n: number) {
  const boxes = sampleCropBoxes(new Rng(seed), w, h, n, { scale: [0.2, 1] });
  const rec = decodeLabelRecord(
    encodeLabelRecord({
      version: 1,
      spec: { codec: 'hard', k: 1, precision: 'f32', numClasses: 2 },
      imageWidth: w,
      imageHeight: h,
      numCrops: n,
      boxes: Int32Array.from(
        boxes.flatMap((b) => [
          Math.round(b.top * h),
          Math.round(b.left * w),
          Math.round(b.height * h),
          Math.round(b.width * w),
        ]),
      ),
      flips: Uint8Array.from(boxes, (b) => (b.flip ? 1 : 0)),
      indices: new Uint16Array(n),
      probs: new Float32Array(n).fill(1),
    }),
  );
  return Array.from({ length: n }, (_, i) => recordCropBox(rec, i));
}

describe('label-time mix replay', () => {
  const size = 16;
  const opts = { normalisation: 'imagenet' as const, channels: 3 as const };

  it('the trainer replays the generator pixels bit for bit from the stored parameters', async () => {
    const W = 28;
    const H = 28;
    const rgba = [0, 1, 2].map((s) => randomImage(s + 1, W, H));
    const boxes = [0, 1, 2].map((s) => storedBoxes(10 + s, W, H, 4));
    // Image 0 mixes with image 2, image 1 with image 0; mixes drawn and stored as the generator does.
    const partnerOf = [2, 0];
    const stored = partnerOf.map((p, i) => {
      const crops = sampleCropMixes(new Rng(3).fork(`labelmix:${i}`), 'both', 4, p, 4, size);
      const rec = {
        version: 2,
        spec: { codec: 'hard' as const, k: 1, precision: 'f32' as const, numClasses: 2 },
        imageWidth: W,
        imageHeight: H,
        numCrops: 4,
        boxes: new Int32Array([0, 0, W, H, 0, 0, W, H, 0, 0, W, H, 0, 0, W, H]),
        flips: new Uint8Array(4),
        indices: new Uint16Array(4),
        probs: new Float32Array(4).fill(1),
        mix: { size, crops },
      };
      return decodeLabelRecord(encodeLabelRecord(rec)).mix!;
    });
    expect(new Set(stored.flatMap((m) => m.crops.map((c) => c.kind)))).toEqual(new Set(['mixup', 'cutmix']));

    const tensors = rgba.map((p) => uploadImage(p, W, H));
    const gen = teacherCrops(
      partnerOf.map((p, i) => ({
        image: tensors[i],
        boxes: boxes[i],
        mix: {
          partner: tensors[p],
          partnerBoxes: stored[i].crops.map((c) => boxes[p][c.partnerCrop]),
          crops: stored[i].crops,
          size,
        },
      })),
      size,
      opts,
    );
    const padded = rgba.map((p) => uploadPadded(p, W, H));
    // The trainer picks crops 3 and 1 of each image (its own order) and replays their stored mixes.
    const picked = [3, 1];
    const train = mixedBatchFromImages(
      partnerOf.map((p, i) => ({
        pixels: padded[i],
        boxes: picked.map((c) => boxes[i][c]),
        mix: {
          partner: padded[p],
          partnerBoxes: picked.map((c) => boxes[p][stored[i].crops[c].partnerCrop]),
          crops: picked.map((c) => stored[i].crops[c]),
          size: stored[i].size,
        },
      })),
      size,
      opts,
    );
    const g = await gen.data();
    const t = await train.x.data();
    const plane = size * size * 3;
    let compared = 0;
    train.rows.forEach((row, i, slot) => {
      const genRow = i * 4 + picked[slot];
      const a = g.subarray(genRow * plane, (genRow + 1) * plane);
      const b = t.subarray(row * plane, (row + 1) * plane);
      expect(b).toEqual(a);
      compared++;
    });
    expect(compared).toBe(4);
    // And the mix is not a no-op: the mixed crops differ from the unmixed ones.
    const plain = teacherCrops([{ image: tensors[0], boxes: boxes[0] }], size, opts);
    expect(Array.from(await plain.data())).not.toEqual(Array.from(g.subarray(0, 4 * plane)));
    tf.dispose([gen, train.x, plain, ...tensors, ...padded.map((p) => p.tensor)]);
  });

  it('mixCropPairs refuses crops and weights that do not line up', () => {
    const a = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    expect(() => mixCropPairs(a, a, new Float32Array(31))).toThrow(/mixCropPairs/);
    a.dispose();
  });
});
