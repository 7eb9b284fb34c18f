import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, useCpu } from '../engine/testSetup';
import { LayerNorm } from './layerNorm';

beforeAll(useCpu);

/** Output and gradients (input, gamma, beta) of sum(layer(x) * r) for a layer with set weights. */
async function run(layer: tf.layers.Layer, shape: number[]) {
  const x = tf.tensor(
    Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => 2 * Math.sin(1.3 * i) + 0.5),
    shape,
  );
  const r = tf.tensor(
    Array.from({ length: x.size }, (_, i) => Math.cos(0.7 * i)),
    shape,
  );
  layer.apply(x); // builds
  const d = shape[shape.length - 1];
  layer.setWeights([
    tf.tensor1d(Array.from({ length: d }, (_, i) => 1 + 0.1 * i)),
    tf.tensor1d(Array.from({ length: d }, (_, i) => 0.05 * i - 0.1)),
  ]);
  const f = (xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx) as tf.Tensor, r)) as tf.Scalar;
  const y = await (layer.apply(x) as tf.Tensor).data();
  const dx = await tf.grad(f)(x).data();
  const { grads } = tf.variableGrads(() => f(x));
  const dw = await Promise.all(
    layer.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name].data()),
  );
  return { y, dx, dGamma: dw[0], dBeta: dw[1] };
}

describe('LayerNorm (one op)', () => {
  it('equals tfjs-layers LayerNormalization: values and gradients, rank 2, 3 and 4', async () => {
    for (const shape of [
      [3, 7],
      [2, 5, 6],
      [2, 3, 4, 40],
    ]) {
      const ref = await run(tf.layers.layerNormalization({ epsilon: 1e-6 }), shape);
      const got = await run(new LayerNorm({ epsilon: 1e-6 }), shape);
      for (const k of ['y', 'dx', 'dGamma', 'dBeta'] as const) {
        expect(maxAbsDiff(got[k], ref[k]), `${k} ${shape}`).toBeLessThan(2e-5);
      }
      expect(Math.max(...Array.from(ref.dx).map(Math.abs))).toBeGreaterThan(0.01);
    }
  });

  it('costs a fixed number of kernels, not one per repeated row', async () => {
    const count = async (layer: tf.layers.Layer, rows: number) => {
      const x = tf.ones([rows, 16, 8]);
      layer.apply(x);
      const p = await tf.profile(() => tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor)).grads);
      return p.kernels.length;
    };
    expect(await count(new LayerNorm({ epsilon: 1e-6 }), 2)).toBe(
      await count(new LayerNorm({ epsilon: 1e-6 }), 8),
    );
    const tiled = tf.layers.layerNormalization({ epsilon: 1e-6 });
    expect(await count(tiled, 8)).toBeGreaterThan(
      await count(tf.layers.layerNormalization({ epsilon: 1e-6 }), 2),
    );
  });
});
