/**
 * The student learns: two hundred cpu-backend steps of the tiny CNN on a separable synthetic set,
 * through the same step the studio trains with (soft targets, SGD with momentum, per-step BatchNorm),
 * reach near-perfect accuracy on images it never saw. Catches a step that runs but does not learn
 * (a sign flip, a frozen layer, targets misaligned with their images).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { buildStudent } from '../models/students';
import { predictClasses } from './predict';
import { useCpu } from './testSetup';
import { createTrainer } from './trainStep';

beforeAll(useCpu);

const SIZE = 8;
const CLASSES = 4;

/** Class c is brighter in quadrant c, under pixel noise as strong as the signal. */
function synthetic(n: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * SIZE * SIZE);
  const labels = new Int32Array(n);
  const half = SIZE / 2;
  for (let i = 0; i < n; i++) {
    const c = rng.int(0, CLASSES - 1);
    labels[i] = c;
    for (let r = 0; r < SIZE; r++)
      for (let col = 0; col < SIZE; col++) {
        const quadrant = (r < half ? 0 : 2) + (col < half ? 0 : 1);
        x[(i * SIZE + r) * SIZE + col] = (quadrant === c ? 0.5 : -0.5) + 0.5 * rng.normal();
      }
  }
  return { x, labels };
}

/** FKD-like soft targets: most mass on the true class, the rest spread over the others. */
function softTargets(labels: Int32Array): Float32Array {
  const q = new Float32Array(labels.length * CLASSES).fill(0.1 / (CLASSES - 1));
  labels.forEach((c, i) => (q[i * CLASSES + c] = 0.9));
  return q;
}

describe('the tiny student learns', () => {
  it(
    '200 SGD steps on a separable set: loss falls, held-out top-1 >= 97 %',
    { timeout: 240_000 },
    async () => {
      expect(new Set(synthetic(64, 1).labels).size).toBe(CLASSES); // every class is drawn
      const train = synthetic(512, 1);
      const held = synthetic(256, 2);
      const q = softTargets(train.labels);
      const model = buildStudent('tinyCnn', { inputSize: SIZE, channels: 1, numClasses: CLASSES, seed: 3 });
      const trainer = createTrainer(model, { optimizer: 'sgd', lr: 0.05, momentum: 0.9 });
      const order = new Rng(4);
      const batch = 8;
      const losses: number[] = [];
      for (let s = 0; s < 200; s++) {
        const rows = Array.from({ length: batch }, () => order.int(0, train.labels.length - 1));
        const xb = new Float32Array(batch * SIZE * SIZE);
        const qb = new Float32Array(batch * CLASSES);
        rows.forEach((r, i) => {
          xb.set(train.x.subarray(r * SIZE * SIZE, (r + 1) * SIZE * SIZE), i * SIZE * SIZE);
          qb.set(q.subarray(r * CLASSES, (r + 1) * CLASSES), i * CLASSES);
        });
        const x = tf.tensor4d(xb, [batch, SIZE, SIZE, 1]);
        const t = tf.tensor2d(qb, [batch, CLASSES]);
        const loss = trainer.step(x, t);
        losses.push((await loss.data())[0]);
        tf.dispose([x, t, loss]);
      }
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      // The floor of soft CE against these targets is their entropy (~0.5); chance is ln 4 (~1.39).
      expect(mean(losses.slice(-30))).toBeLessThan(0.75 * mean(losses.slice(0, 30)));

      const x = tf.tensor4d(held.x, [held.labels.length, SIZE, SIZE, 1]);
      const { top1 } = await predictClasses(trainer, x, held.labels);
      x.dispose();
      const correct = top1.reduce((n, p, i) => n + Number(p === held.labels[i]), 0);
      expect(correct / held.labels.length).toBeGreaterThanOrEqual(0.97);
      trainer.dispose();
      model.dispose();
    },
  );
});
