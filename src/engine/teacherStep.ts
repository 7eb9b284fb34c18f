/**
 * The teacher's half of FKD: crops of uploaded images -> softmax(logits / T) -> top-k, computed on
 * the device so only k (class, prob) pairs per crop are read back (pitfall 4: small async readbacks).
 */
import * as tf from '@tensorflow/tfjs';
import type { Teacher } from '../models/teacher';
import { batchFromImages, cropAndResizeBox, cropsFromImage, normaliseCrops, type CropBox } from './crops';

/** Synchronous, tidy: the tempered probabilities of every crop, [crops, C]. */
export function teacherProbs(teacher: Teacher, crops: tf.Tensor4D, temperature: number): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(tf.div(teacher.predictLogits(crops), temperature)) as tf.Tensor2D);
}

export async function teacherSoftTopK(
  teacher: Teacher,
  image: tf.Tensor3D,
  boxes: CropBox[],
  temperature: number,
  k: number,
): Promise<{ indices: Int32Array; values: Float32Array }> {
  return teacherSoftTopKBatch(teacher, [{ image, boxes }], temperature, k);
}

/**
 * Crops of SEVERAL uploaded images in ONE teacher forward (small images bring few crops each; one
 * forward per image would leave the device idle between tiny batches). Rows are image-major, in
 * `parts` order. The device work is queued synchronously when this is called; the returned promise is
 * only the small top-k readback, so a caller can queue the next batch before awaiting this one.
 */
export function teacherSoftTopKBatch(
  teacher: Teacher,
  parts: { image: tf.Tensor3D; boxes: CropBox[] }[],
  temperature: number,
  k: number,
): Promise<{ indices: Int32Array; values: Float32Array }> {
  const cfg = teacher.config;
  const opts = { normalisation: cfg.normalisation, channels: cfg.channels, channelOrder: cfg.channelOrder };
  const { values, indices } = tf.tidy(() => {
    const x = sameShape(parts)
      ? stackedCrops(parts, cfg.inputSize, opts)
      : (tf.concat(
          parts.map((p) => cropsFromImage(p.image, p.boxes, cfg.inputSize, opts)),
          0,
        ) as tf.Tensor4D);
    const probs = teacherProbs(teacher, x, temperature);
    return tf.topk(probs, Math.min(k, probs.shape[1]), true);
  });
  return Promise.all([values.data(), indices.data()])
    .then(([v, i]) => ({ values: v as Float32Array, indices: i as Int32Array }))
    .finally(() => {
      values.dispose();
      indices.dispose();
    });
}

function sameShape(parts: { image: tf.Tensor3D }[]): boolean {
  return parts.length > 1 && parts.every((p) => tf.util.arraysEqual(p.image.shape, parts[0].image.shape));
}

/**
 * Same-size images (the embedded 28x28 set): one stack, one edge pad, ONE cropAndResize over all their
 * boxes (boxInd picks the image) and one normalisation, instead of a dozen small ops per image. Every
 * output pixel is computed from the same inputs by the same arithmetic as cropsFromImage's.
 */
function stackedCrops(
  parts: { image: tf.Tensor3D; boxes: CropBox[] }[],
  outSize: number,
  opts: Parameters<typeof normaliseCrops>[1],
): tf.Tensor4D {
  return tf.tidy(() => {
    const [h, w] = parts[0].image.shape;
    const x = tf.stack(parts.map((p) => p.image)) as tf.Tensor4D;
    const f = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
    // Replicate the edge pixels once on every side (see crops.ts: makes the torch clamp exact).
    const rows = tf.concat(
      [tf.slice(f, [0, 0, 0, 0], [-1, 1, -1, -1]), f, tf.slice(f, [0, h - 1, 0, 0], [-1, 1, -1, -1])],
      1,
    );
    const padded = tf.concat(
      [
        tf.slice(rows, [0, 0, 0, 0], [-1, -1, 1, -1]),
        rows,
        tf.slice(rows, [0, 0, w - 1, 0], [-1, -1, 1, -1]),
      ],
      2,
    ) as tf.Tensor4D;
    const coords: number[][] = [];
    const boxInd: number[] = [];
    parts.forEach((p, i) => {
      for (const b of p.boxes) {
        coords.push(cropAndResizeBox(b, h, w, outSize));
        boxInd.push(i);
      }
    });
    const crops = tf.image.cropAndResize(
      padded,
      tf.tensor2d(coords, [coords.length, 4]),
      tf.tensor1d(boxInd, 'int32'),
      [outSize, outSize],
      'bilinear',
    );
    return normaliseCrops(crops, opts);
  });
}

/**
 * Online KD targets: the teacher sees the very crops the student trains on (same boxes and flips, at
 * the teacher's own input size), crop-major like the student batch. Synchronous; caller disposes.
 */
export function teacherBatchTargets(
  teacher: Teacher,
  images: { pixels: tf.Tensor3D; boxes: CropBox[] }[],
  temperature: number,
): tf.Tensor2D {
  const cfg = teacher.config;
  return tf.tidy(() => {
    const x = batchFromImages(images, cfg.inputSize, {
      normalisation: cfg.normalisation,
      channels: cfg.channels,
      channelOrder: cfg.channelOrder,
    });
    return teacherProbs(teacher, x, temperature);
  });
}
