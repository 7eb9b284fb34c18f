/** Full tempered teacher distributions for a few crops (label verification; not the generation path). */
import type * as tf from '@tensorflow/tfjs';
import type { Teacher } from '../models/teacher';
import { cropsFromImage, type CropBox } from './crops';
import { cropOptions, teacherProbsOf } from './teacherStep';

export async function teacherFullProbs(
  teacher: Teacher,
  image: tf.Tensor3D,
  boxes: CropBox[],
  temperature: number,
): Promise<Float32Array> {
  const probs = teacherProbsOf(
    teacher,
    (cfg) => cropsFromImage(image, boxes, cfg.inputSize, cropOptions(cfg)),
    temperature,
  );
  try {
    return (await probs.data()) as Float32Array;
  } finally {
    probs.dispose();
  }
}
