/**
 * The SReT student learns: a tiny-width SReT-LT (shared recursive blocks, sliced attention, learnable
 * residuals, grouped-conv pooling) trained through the studio's step with the AdamW recipe on the wasm
 * backend (4x faster than cpu here) reaches high accuracy on held-out images of a separable synthetic set, and the recursion's
 * shared weights move. Catches a shape of the model that runs but cannot learn.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { buildStudent } from '../models/students';
import { predictClasses } from './predict';
import { useWasm } from './testSetup';
import { createTrainer } from './trainStep';

beforeAll(useWasm);

const SIZE = 16;
const CLASSES = 4;
const STEPS = 60;

/** Class c: a bright horizontal bar in band c of four, under pixel noise as strong as the signal. */
function bars(n: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * SIZE * SIZE);
  const labels = new Int32Array(n);
  const band = SIZE / CLASSES;
  for (let i = 0; i < n; i++) {
    const c = rng.int(0, CLASSES - 1);
    labels[i] = c;
    for (let r = 0; r < SIZE; r++)
      for (let col = 0; col < SIZE; col++)
        x[(i * SIZE + r) * SIZE + col] = (Math.floor(r / band) === c ? 0.5 : -0.5) + 0.5 * rng.normal();
  }
  return { x, labels };
}

describe('the tiny SReT student learns', () => {
  it(
    '60 AdamW steps on a separable set: loss falls, held-out top-1 >= 95 %, shared weights move',
    { timeout: 600_000 },
    async () => {
      const train = bars(512, 1);
      const held = bars(256, 2);
      expect(new Set(train.labels).size).toBe(CLASSES);
      const model = buildStudent('sretLT', {
        inputSize: SIZE,
        channels: 1,
        numClasses: CLASSES,
        seed: 3,
        width: 8,
        depth: 3,
      });
      const qkv = model.getLayer('s0_block0_attn').getWeights()[0];
      const qkvBefore = await qkv.data();
      const trainer = createTrainer(model, { optimizer: 'adamw', lr: 0.008, weightDecay: 0.05 });
      const order = new Rng(4);
      const batch = 16;
      const losses: number[] = [];
      const tensorsAfterFirst: number[] = [];
      for (let s = 0; s < STEPS; s++) {
        const rows = Array.from({ length: batch }, () => order.int(0, train.labels.length - 1));
        const xb = new Float32Array(batch * SIZE * SIZE);
        const qb = new Float32Array(batch * CLASSES).fill(0.1 / (CLASSES - 1));
        rows.forEach((r, i) => {
          xb.set(train.x.subarray(r * SIZE * SIZE, (r + 1) * SIZE * SIZE), i * SIZE * SIZE);
          qb[i * CLASSES + train.labels[r]] = 0.9;
        });
        const x = tf.tensor4d(xb, [batch, SIZE, SIZE, 1]);
        const t = tf.tensor2d(qb, [batch, CLASSES]);
        const loss = trainer.step(x, t);
        losses.push((await loss.data())[0]);
        tf.dispose([x, t, loss]);
        if (s === 1 || s === STEPS - 1) tensorsAfterFirst.push(tf.memory().numTensors);
      }
      // Tensor count flat once the optimiser state exists.
      expect(tensorsAfterFirst[1]).toBe(tensorsAfterFirst[0]);
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      expect(mean(losses.slice(-20))).toBeLessThan(0.75 * mean(losses.slice(0, 20)));

      const x = tf.tensor4d(held.x, [held.labels.length, SIZE, SIZE, 1]);
      const { top1 } = await predictClasses(trainer, x, held.labels);
      x.dispose();
      const correct = top1.reduce((n, p, i) => n + Number(p === held.labels[i]), 0);
      expect(correct / held.labels.length).toBeGreaterThanOrEqual(0.95);
      const qkvAfter = await model.getLayer('s0_block0_attn').getWeights()[0].data();
      expect(qkvAfter.some((v, i) => v !== qkvBefore[i])).toBe(true);
      trainer.dispose();
      model.dispose();
    },
  );
});
