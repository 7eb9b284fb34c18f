/**
 * Mixup / CutMix applied on the device to a crop batch and its targets (docs/fkd.md, Mixup and CutMix): the
 * parameters come from core/mixing (seeded), the target is the linear mix of the two stored soft
 * labels, not a teacher prediction on the mixed image.
 */
import * as tf from '@tensorflow/tfjs';
import type { MixParams } from '../core/mixing';
import { cropMixWeights, type CropMix } from '../core/labelMix';
import { batchFromImages, type CropBatch, type CropImage, type CropBox, type CropOptions } from './crops';

/** Returns [mixed x, mixed targets]; synchronous (call inside the step's tidy or dispose yourself). */
export function mixBatch(x: tf.Tensor4D, targets: tf.Tensor2D, mix: MixParams): [tf.Tensor4D, tf.Tensor2D] {
  return tf.tidy(() => {
    if (mix.kind === 'none') return [x.clone(), targets.clone()];
    const perm = tf.tensor1d(Array.from(mix.perm), 'int32');
    const xb = tf.gather(x, perm) as tf.Tensor4D;
    const tb = tf.gather(targets, perm) as tf.Tensor2D;
    const l = mix.lambda;
    const mixedTargets = tf.add(tf.mul(targets, l), tf.mul(tb, 1 - l)) as tf.Tensor2D;
    if (mix.kind === 'mixup') return [tf.add(tf.mul(x, l), tf.mul(xb, 1 - l)) as tf.Tensor4D, mixedTargets];
    const [, h, w] = x.shape;
    const b = mix.box!;
    // A 0/1 mask of the pasted region, broadcast over batch and channels.
    const mask = tf.buffer([1, h, w, 1], 'float32');
    for (let r = b.y1; r < b.y2; r++) for (let c = b.x1; c < b.x2; c++) mask.set(1, 0, r, c, 0);
    const m = mask.toTensor();
    return [tf.add(tf.mul(x, tf.sub(1, m)), tf.mul(xb, m)) as tf.Tensor4D, mixedTargets];
  });
}

/**
 * Label-time mixing (core/labelMix.ts): w * own + (1 - w) * partner with per-pixel weights from
 * cropMixWeights, [N, S, S] for N crops of S x S. The generator calls it on the teacher's crops and the
 * trainer on the student's, so a stored mix replays through this one function. Synchronous, tidy.
 */
export function mixCropPairs(own: tf.Tensor4D, partner: tf.Tensor4D, weights: Float32Array): tf.Tensor4D {
  const [n, h, w] = own.shape;
  if (!tf.util.arraysEqual(own.shape, partner.shape) || h !== w || weights.length !== n * h * w) {
    throw new RangeError(
      `mixCropPairs: crops ${own.shape.join('x')} and ${partner.shape.join('x')} with ${weights.length} weights`,
    );
  }
  return tf.tidy(() => {
    const wt = tf.tensor4d(weights, [n, h, w, 1]);
    return tf.add(tf.mul(own, wt), tf.mul(partner, tf.sub(1, wt))) as tf.Tensor4D;
  });
}

/** A training image's label-time mixes: the partner's pixels, and per chosen crop its partner box and mix. */
export interface ImageMix {
  partner: CropImage;
  partnerBoxes: CropBox[];
  crops: CropMix[];
  size: number;
}

/**
 * The student's batch (batchFromImages, CropRows order), each crop of a label-time-mixed set replayed:
 * its partner crop cut the same way and mixed with the stored lambda / box by mixCropPairs.
 */
export function mixedBatchFromImages(
  images: { pixels: CropImage; boxes: CropBox[]; mix?: ImageMix }[],
  outSize: number,
  opts: CropOptions,
): CropBatch {
  const own = batchFromImages(images, outSize, opts);
  if (!images.some((im) => im.mix)) return own;
  const sizes = new Set(images.flatMap((im) => (im.mix ? [im.mix.size] : [])));
  if (sizes.size > 1)
    throw new Error(`label-time mixes on crops of different sizes (${[...sizes].join(', ')})`);
  const mixes = new Array<CropMix | undefined>(own.rows.size);
  own.rows.forEach((row, i, slot) => (mixes[row] = images[i].mix?.crops[slot]));
  const x = tf.tidy(() => {
    const partner = batchFromImages(
      images.map((im) => (im.mix ? { pixels: im.mix.partner, boxes: im.mix.partnerBoxes } : im)),
      outSize,
      opts,
    ).x;
    return mixCropPairs(own.x, partner, cropMixWeights(mixes, [...sizes][0], outSize));
  });
  own.x.dispose();
  return { x, rows: own.rows };
}
