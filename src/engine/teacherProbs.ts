/** Full tempered teacher distributions for a few crops (label verification; not the generation path). */
import * as tf from '@tensorflow/tfjs';
import type { Teacher } from '../models/teacher';
import { cropsFromImage, type CropBox } from './crops';

export async function teacherFullProbs(
  teacher: Teacher,
  image: tf.Tensor3D,
  boxes: CropBox[],
  temperature: number,
): Promise<Float32Array> {
  const cfg = teacher.config;
  const probs = tf.tidy(() => {
    const crops = cropsFromImage(image, boxes, cfg.inputSize, {
      normalisation: cfg.normalisation,
      channels: cfg.channels,
      channelOrder: cfg.channelOrder,
    });
    return tf.softmax(tf.div(teacher.predictLogits(crops), temperature));
  });
  try {
    return (await probs.data()) as Float32Array;
  } finally {
    probs.dispose();
  }
}
