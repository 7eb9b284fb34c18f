/**
 * The teacher's half of FKD: crops of one uploaded image -> softmax(logits / T) -> top-k, computed on
 * the device so only k (class, prob) pairs per crop are read back (pitfall 4: small async readbacks).
 */
import * as tf from '@tensorflow/tfjs';
import type { Teacher } from '../models/teacher';
import { batchFromImages, cropsFromImage, type CropBox } from './crops';

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
  const cfg = teacher.config;
  const { values, indices } = tf.tidy(() => {
    const crops = cropsFromImage(image, boxes, cfg.inputSize, {
      normalisation: cfg.normalisation,
      channels: cfg.channels,
      channelOrder: cfg.channelOrder,
    });
    const probs = teacherProbs(teacher, crops, temperature);
    return tf.topk(probs, Math.min(k, probs.shape[1]), true);
  });
  try {
    const [v, i] = await Promise.all([values.data(), indices.data()]);
    return { values: v as Float32Array, indices: i as Int32Array };
  } finally {
    values.dispose();
    indices.dispose();
  }
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
