import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchReLUMax, reluMax } from './reluMaxGrad';
import { maxAbsDiff, useCpu } from '../testSetup';

beforeAll(useCpu);

describe('capped ReLU with a cheap gradient', () => {
  // Values on both sides of 0 and 6, none exactly on them (where the two gradients may differ).
  const x = tf.tensor4d(
    Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i * 0.9) * 9 + 0.01),
    [2, 5, 5, 3],
  );
  const w = tf.tensor4d(
    Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.cos(i * 0.3)),
    [2, 5, 5, 3],
  );
  const lossOf = (f: (t: tf.Tensor) => tf.Tensor) => tf.grad((t) => tf.sum(tf.mul(f(t), w)));

  it('gives relu6 values and the relu-then-clip gradient away from 0 and 6', () => {
    const reference = (t: tf.Tensor) => tf.clipByValue(tf.relu(t), 0, 6);
    expect(maxAbsDiff(reluMax(x, 6).dataSync(), reference(x).dataSync())).toBe(0);
    const ours = lossOf((t) => reluMax(t, 6))(x);
    const ref = lossOf(reference)(x);
    expect(maxAbsDiff(ours.dataSync(), ref.dataSync())).toBe(0);
    // Both sides of the cap and of zero occur, so the test sees all three gradient regions.
    const xs = x.dataSync();
    expect(xs.some((v) => v > 6) && xs.some((v) => v < 0) && xs.some((v) => v > 0 && v < 6)).toBe(true);
  });

  it('patches ReLU layers with a maxValue only; no tensors leak', () => {
    const capped = tf.layers.reLU({ maxValue: 6 });
    const plain = tf.layers.reLU();
    const before6 = (capped.apply(x) as tf.Tensor).dataSync();
    const beforePlain = (plain.apply(x) as tf.Tensor).dataSync();
    patchReLUMax();
    const n = tf.memory().numTensors;
    const y6 = capped.apply(x) as tf.Tensor;
    const yPlain = plain.apply(x) as tf.Tensor;
    expect(tf.memory().numTensors).toBe(n + 2);
    expect(maxAbsDiff(y6.dataSync(), before6)).toBe(0);
    expect(maxAbsDiff(yPlain.dataSync(), beforePlain)).toBe(0);
    const g = lossOf((t) => capped.apply(t) as tf.Tensor)(x);
    const ref = lossOf((t) => tf.clipByValue(tf.relu(t), 0, 6))(x);
    expect(maxAbsDiff(g.dataSync(), ref.dataSync())).toBe(0);
  });
});
