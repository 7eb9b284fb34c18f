import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { softCrossEntropy as referenceSoftCE } from '../core/softCrossEntropy';
import { hardCrossEntropy, softCrossEntropy } from './loss';
import { useCpu } from './testSetup';

beforeAll(useCpu);

/** Deterministic pseudo-random values so a failure is reproducible. */
function values(n: number, seed: number, scale: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31 - 0.5) * scale;
  });
}

function softTargets(rows: number, cols: number, seed: number): number[] {
  const raw = values(rows * cols, seed, 1).map((v) => Math.exp(3 * v));
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += raw[r * cols + c];
    for (let c = 0; c < cols; c++) raw[r * cols + c] /= sum;
  }
  return raw;
}

describe('softCrossEntropy (tfjs) vs the core plain-array reference', () => {
  const rows = 6;
  const cols = 7;
  const z = values(rows * cols, 7, 12);
  const q = softTargets(rows, cols, 11);
  for (const T of [0.5, 1, 2, 4, 20]) {
    it(`matches within 1e-5 at T=${T}`, async () => {
      const loss = softCrossEntropy(tf.tensor2d(z, [rows, cols]), tf.tensor2d(q, [rows, cols]), T);
      const got = (await loss.data())[0];
      const want = referenceSoftCE(z, q, rows, cols, T);
      expect(Math.abs(got - want)).toBeLessThan(1e-5);
      expect(want).toBeGreaterThan(0);
    });
  }

  it('hardCrossEntropy equals soft CE with one-hot targets and -log p[label]', async () => {
    const logits = tf.tensor2d([1, 2, 3, 0, 0, 5], [2, 3]);
    const loss = hardCrossEntropy(logits, tf.tensor1d([2, 0], 'int32'));
    const lse = (xs: number[]) => Math.log(xs.reduce((a, x) => a + Math.exp(x), 0));
    const want = (lse([1, 2, 3]) - 3 + (lse([0, 0, 5]) - 0)) / 2;
    expect((await loss.data())[0]).toBeCloseTo(want, 5);
  });
});
