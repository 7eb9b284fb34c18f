/**
 * Benchmark helper (bench:train): the student's compute-only throughput: one random batch of
 * cropsPerStep crops at the run's input size and random soft targets, already on the device, then
 * repeated trainer.step (forward, soft CE, backward, update) with the loss read back after each step,
 * as measureSpeed does. No decode, no IndexedDB, no cropping: FKD's crops/s divided by this is the
 * training pipeline's efficiency.
 */
import * as tf from '@tensorflow/tfjs';
import { currentBackend } from '../engine/tensors';
import { studentFor } from './student';
import type { TrainConfig } from './trainConfig';

export interface StudentThroughput {
  backend: string;
  cropsPerStep: number;
  steps: number;
  seconds: number;
  cropsPerSec: number;
}

export async function studentOnlyThroughput(
  cfg: TrainConfig,
  numClasses: number,
  steps: number,
  warmupSteps = 2,
): Promise<StudentThroughput> {
  const { model, trainer } = studentFor(cfg, numClasses);
  const n = cfg.cropsPerStep;
  const x = tf.randomUniform(
    [n, cfg.inputSize, cfg.inputSize, cfg.channels],
    -1,
    1,
    'float32',
    3,
  ) as tf.Tensor4D;
  const targets = tf.tidy(() =>
    tf.softmax(tf.randomNormal([n, numClasses], 0, 2, 'float32', 5)),
  ) as tf.Tensor2D;
  const step = async () => {
    const loss = trainer.step(x, targets);
    try {
      await loss.data();
    } finally {
      loss.dispose();
    }
  };
  try {
    for (let i = 0; i < warmupSteps; i++) await step();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    const seconds = (performance.now() - t0) / 1000;
    return { backend: currentBackend(), cropsPerStep: n, steps, seconds, cropsPerSec: (n * steps) / seconds };
  } finally {
    x.dispose();
    targets.dispose();
    trainer.dispose();
    model.dispose();
  }
}
