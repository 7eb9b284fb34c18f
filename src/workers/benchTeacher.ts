/**
 * Benchmark helper (bench:slg): the teacher's inference-only throughput on crops that are already on
 * the device: one random batch of teacherBatchSize crops, then repeated forward + softmax(logits / T) +
 * top-k with the small top-k readback, exactly the device work and readback a generation batch needs,
 * without decode, upload, cropping, encoding or storage. Generation crops/s divided by this is the
 * generation pipeline's efficiency.
 */
import * as tf from '@tensorflow/tfjs';
import { currentBackend } from '../engine/tensors';
import { teacherProbs } from '../engine/teacherStep';
import { teacherBatchSize } from './generate';
import { openTeacher } from './teachers';

export interface TeacherThroughput {
  backend: string;
  batchSize: number;
  repeats: number;
  crops: number;
  seconds: number;
  cropsPerSec: number;
}

/**
 * `crops`: batch size (0 = generate.ts's teacherBatchSize for this input); `repeats`: timed forwards
 * (after one untimed warm-up forward that compiles kernels). `inputSize` 0 = the teacher's own size.
 */
export async function teacherOnlyThroughput(
  teacherId: string,
  inputSize: number,
  crops: number,
  repeats: number,
  k = 5,
  temperature = 1,
): Promise<TeacherThroughput> {
  const { teacher } = await openTeacher(teacherId);
  const cfg = teacher.config;
  const size = inputSize || cfg.inputSize;
  const batchSize = crops > 0 ? crops : teacherBatchSize(size, cfg.channels);
  const x = tf.randomUniform([batchSize, size, size, cfg.channels], 0, 1, 'float32', 7) as tf.Tensor4D;
  const once = async () => {
    const { values, indices } = tf.tidy(() => {
      const probs = teacherProbs(teacher, x, temperature);
      return tf.topk(probs, Math.min(k, probs.shape[1]), true);
    });
    try {
      await Promise.all([values.data(), indices.data()]);
    } finally {
      values.dispose();
      indices.dispose();
    }
  };
  try {
    await once();
    const t0 = performance.now();
    for (let r = 0; r < repeats; r++) await once();
    const seconds = (performance.now() - t0) / 1000;
    const total = batchSize * repeats;
    return {
      backend: currentBackend(),
      batchSize,
      repeats,
      crops: total,
      seconds,
      cropsPerSec: total / seconds,
    };
  } finally {
    x.dispose();
    teacher.dispose();
  }
}
