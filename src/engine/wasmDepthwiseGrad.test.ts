import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff } from './testSetup';
import { patchWasmDepthwiseGrads } from './wasmDepthwiseGrad';

afterAll(() => tf.setBackend('cpu'));

describe('wasm depthwise conv gradients (forward depthwise convs)', () => {
  it('equal the cpu filter and input gradients: same/valid, strides 1 and 2, odd and even sizes', async () => {
    patchWasmDepthwiseGrads();
    const cases: { x: number[]; f: number[]; s: number; pad: 'same' | 'valid' }[] = [
      { x: [2, 7, 6, 3], f: [3, 3, 3, 1], s: 1, pad: 'same' },
      { x: [2, 7, 6, 3], f: [3, 3, 3, 1], s: 2, pad: 'same' },
      { x: [2, 8, 8, 4], f: [3, 3, 4, 1], s: 2, pad: 'same' },
      { x: [1, 9, 8, 2], f: [3, 3, 2, 1], s: 2, pad: 'valid' },
      { x: [3, 5, 5, 4], f: [1, 1, 4, 1], s: 1, pad: 'valid' },
      { x: [2, 6, 9, 5], f: [5, 5, 5, 1], s: 1, pad: 'same' },
      { x: [2, 11, 10, 3], f: [5, 5, 3, 1], s: 2, pad: 'same' },
      { x: [2, 6, 7, 2], f: [3, 2, 2, 1], s: 1, pad: 'valid' },
    ];
    for (const c of cases) {
      const got: Float32Array[] = [];
      const gotX: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const dataBefore = tf.backend().numDataIds();
        const x = tf.tensor4d(
          Array.from({ length: c.x.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * 0.7)),
          c.x as [number, number, number, number],
        );
        const f = tf.tensor4d(
          Array.from({ length: c.f.reduce((a, b) => a * b) }, (_, i) => Math.cos(i * 0.3)),
          c.f as [number, number, number, number],
        );
        const [gx, g] = tf.grads((xx, w) =>
          tf.sum(tf.square(tf.depthwiseConv2d(xx as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad))),
        )([x, f]);
        got.push((await g.data()) as Float32Array);
        gotX.push((await gx.data()) as Float32Array);
        tf.dispose([x, f, g, gx]);
        expect(tf.memory().numTensors, `${backend} leaked`).toBe(before);
        expect(tf.backend().numDataIds(), `${backend} leaked data`).toBe(dataBefore);
      }
      const scale = Math.max(...got[0].map(Math.abs));
      expect(maxAbsDiff(got[0], got[1]) / scale, `dW ${JSON.stringify(c)}`).toBeLessThan(1e-5);
      const scaleX = Math.max(...gotX[0].map(Math.abs));
      expect(maxAbsDiff(gotX[0], gotX[1]) / scaleX, `dx ${JSON.stringify(c)}`).toBeLessThan(1e-5);
    }
  });

  it('refuses a channel multiplier above 1 with a clear error', async () => {
    patchWasmDepthwiseGrads();
    await tf.setBackend('wasm');
    const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
    const f = tf.ones([3, 3, 2, 2]) as tf.Tensor4D;
    expect(() => tf.grad((w) => tf.sum(tf.depthwiseConv2d(x, w as tf.Tensor4D, 1, 'same')))(f)).toThrow(
      /channel multiplier 1/,
    );
    tf.dispose([x, f]);
  });
});
