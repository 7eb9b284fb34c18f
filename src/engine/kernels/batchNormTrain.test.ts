import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining, patchBatchNormTraining } from './batchNormTrain';
import { maxAbsDiff, useCpu } from '../testSetup';

beforeAll(useCpu);
afterAll(useCpu);

const values = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/**
 * A fixed input of `shape`, per-channel gamma and beta, and loss weights w (a loss sum(y^2 * w) weighs
 * every output differently, so every gradient term matters). `spread` scales the per-channel offsets
 * of x, gamma's slope and beta's.
 */
function bnInputs(shape: number[], spread: { offset: number; gamma: number; beta: number }) {
  const n = shape.reduce((a, b) => a * b);
  const c = shape[shape.length - 1];
  return {
    x: tf.tensor(
      values(n, (i) => Math.sin(i * 0.37) * 3 + (i % c) * spread.offset),
      shape,
    ),
    gamma: tf.tensor1d(values(c, (i) => 0.5 + i * spread.gamma)),
    beta: tf.tensor1d(values(c, (i) => i * spread.beta - 0.2)),
    w: tf.tensor(
      values(n, (i) => Math.cos(i * 0.11)),
      shape,
    ),
  };
}

/** tfjs-layers' own training normalisation: tf.moments then tf.batchNorm, differentiated by autodiff. */
function reference(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number) {
  const axes = [...Array(x.rank - 1).keys()];
  const { mean, variance } = tf.moments(x, axes);
  return { y: tf.batchNorm(x, mean, variance, beta, gamma, eps), mean, variance };
}

describe('batchNormTraining (one custom op)', () => {
  for (const shape of [
    [4, 5, 6, 3],
    [2, 7, 7, 8],
    [6, 10],
  ]) {
    it(`equals moments + batchNorm and its autodiff gradients, shape ${shape.join('x')}`, () => {
      const { x, gamma, beta, w } = bnInputs(shape, { offset: 1, gamma: 0.25, beta: 0.1 });
      const ours = batchNormTraining(x, gamma, beta, 1e-5);
      const ref = reference(x, gamma, beta, 1e-5);
      expect(maxAbsDiff(ours.y.dataSync(), ref.y.dataSync())).toBeLessThan(1e-5);
      expect(maxAbsDiff(ours.mean.dataSync(), ref.mean.dataSync())).toBeLessThan(1e-5);
      expect(maxAbsDiff(ours.variance.dataSync(), ref.variance.dataSync())).toBeLessThan(1e-4);
      // A loss that weighs every output differently, so every gradient term matters.
      const loss = (f: (a: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor) =>
        tf.grads((a, g, b) => tf.sum(tf.mul(tf.square(f(a, g as tf.Tensor1D, b as tf.Tensor1D)), w)));
      const before = tf.memory().numTensors;
      const gOurs = loss((a, g, b) => {
        const r = batchNormTraining(a, g, b, 1e-5);
        tf.dispose([r.mean, r.variance]);
        return r.y;
      })([x, gamma, beta]);
      const gRef = loss((a, g, b) => reference(a, g, b, 1e-5).y)([x, gamma, beta]);
      for (let i = 0; i < 3; i++) {
        const scale = Math.max(...Array.from(gRef[i].dataSync(), Math.abs));
        expect(maxAbsDiff(gOurs[i].dataSync(), gRef[i].dataSync()) / scale, `grad ${i}`).toBeLessThan(1e-4);
      }
      tf.dispose([...gOurs, ...gRef]);
      tf.dispose([x, gamma, beta, w, ours.y, ours.mean, ours.variance, ref.y, ref.mean, ref.variance]);
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before - 8);
    });
  }
});

describe('patched BatchNormalization layer', () => {
  it('trains like tfjs-layers: same output, same moving statistics; inference untouched; no leaks', () => {
    const x = tf.tensor4d(
      values(2 * 4 * 4 * 3, (i) => Math.sin(i * 0.5) * 2 + 1),
      [2, 4, 4, 3],
    );
    const make = () => {
      const layer = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
      layer.build(x.shape);
      layer.setWeights([
        tf.tensor1d([1, 2, 0.5]),
        tf.tensor1d([0.1, -0.1, 0]),
        tf.tensor1d([0.2, 0.3, -0.1]),
        tf.tensor1d([1, 2, 3]),
      ]);
      return layer;
    };
    const plain = make();
    const yPlain = plain.apply(x, { training: true }) as tf.Tensor;
    const statsPlain = plain
      .getWeights()
      .slice(2)
      .map((t) => t.dataSync());
    const inferPlain = (plain.apply(x, { training: false }) as tf.Tensor).dataSync();

    patchBatchNormTraining();
    const patched = make();
    const before = tf.memory().numTensors;
    const yPatched = patched.apply(x, { training: true }) as tf.Tensor;
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(maxAbsDiff(yPatched.dataSync(), yPlain.dataSync())).toBeLessThan(1e-5);
    const statsPatched = patched
      .getWeights()
      .slice(2)
      .map((t) => t.dataSync());
    for (let i = 0; i < 2; i++) expect(maxAbsDiff(statsPatched[i], statsPlain[i])).toBeLessThan(1e-6);
    // Moving statistics moved (momentum 0.9 towards the batch's).
    expect(maxAbsDiff(statsPatched[0], [0.2, 0.3, -0.1])).toBeGreaterThan(1e-3);
    const inferPatched = (patched.apply(x, { training: false }) as tf.Tensor).dataSync();
    expect(maxAbsDiff(inferPatched, inferPlain)).toBeLessThan(1e-6);
  });
});

describe('batchNormTraining on wasm (per-channel vectors tiled out below 32 channels)', () => {
  /** Output, statistics and the three gradients of the op on one backend, for a fixed input. */
  async function run(backend: string, shape: number[]) {
    await tf.setBackend(backend);
    const { x, gamma, beta, w } = bnInputs(shape, { offset: 0.5, gamma: 0.05, beta: 0.02 });
    const before = tf.memory().numTensors;
    const out = batchNormTraining(x, gamma, beta, 1e-5);
    const grads = tf.grads((a, g, b) => {
      const r = batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
      tf.dispose([r.mean, r.variance]);
      return tf.sum(tf.mul(tf.square(r.y), w));
    })([x, gamma, beta]);
    const data = await Promise.all([out.y, out.mean, out.variance, ...grads].map((t) => t.data()));
    tf.dispose([out.y, out.mean, out.variance, ...grads]);
    const leaked = tf.memory().numTensors - before;
    tf.dispose([x, gamma, beta, w]);
    return { data: data as Float32Array[], leaked };
  }

  for (const shape of [
    [4, 6, 6, 8],
    [3, 5, 5, 16],
    [2, 4, 4, 40],
  ]) {
    it(`equals the cpu backend, shape ${shape.join('x')}`, async () => {
      const cpu = await run('cpu', shape);
      const wasm = await run('wasm', shape);
      expect(wasm.leaked).toBe(0);
      ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].forEach((name, i) => {
        const scale = Math.max(1, ...Array.from(cpu.data[i], Math.abs));
        expect(maxAbsDiff(wasm.data[i], cpu.data[i]) / scale, name).toBeLessThan(1e-4);
      });
    });
  }
});
