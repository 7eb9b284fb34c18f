import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { gradientParity } from './gradParity';
import { maxAbsDiff } from './testSetup';
import { patchWasmBatchMatMul } from './wasmMatMul';
import { patchWasmConv2DBackpropFilter, patchWasmConv2DBackpropInput } from './wasmConvGrad';
import { patchWasmDepthwiseGrads } from './wasmDepthwiseGrad';

afterAll(() => tf.setBackend('cpu'));

describe('wasm conv gradients (filter: a dilated forward conv; input: a forward conv at stride 1)', () => {
  it('equal the cpu filter and input gradients for same/valid padding, strides 1 and 2, odd sizes', async () => {
    patchWasmConv2DBackpropFilter();
    patchWasmConv2DBackpropInput();
    const cases: { x: number[]; f: number[]; s: number; pad: 'same' | 'valid' }[] = [
      { x: [2, 7, 6, 3], f: [3, 3, 3, 5], s: 1, pad: 'same' },
      { x: [2, 7, 6, 3], f: [3, 3, 3, 5], s: 2, pad: 'same' },
      { x: [1, 9, 8, 2], f: [3, 3, 2, 4], s: 2, pad: 'valid' },
      { x: [3, 5, 5, 4], f: [1, 1, 4, 6], s: 1, pad: 'valid' },
      { x: [1, 12, 12, 3], f: [7, 7, 3, 4], s: 2, pad: 'same' },
      { x: [2, 6, 9, 3], f: [5, 5, 3, 2], s: 1, pad: 'same' },
      { x: [2, 8, 8, 2], f: [4, 4, 2, 3], s: 1, pad: 'same' },
      { x: [2, 6, 7, 2], f: [3, 2, 2, 3], s: 1, pad: 'valid' },
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
          tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad))),
        )([x, f]);
        got.push((await g.data()) as Float32Array);
        gotX.push((await gx.data()) as Float32Array);
        tf.dispose([x, f, g, gx]);
        expect(tf.memory().numTensors, `${backend} leaked`).toBe(before);
        // Kernel-level temporaries (slices, im2col, reshapes) are freed too, not only tensors.
        expect(tf.backend().numDataIds(), `${backend} leaked data`).toBe(dataBefore);
      }
      const scale = Math.max(...got[0].map(Math.abs));
      expect(maxAbsDiff(got[0], got[1]) / scale, `dW ${JSON.stringify(c)}`).toBeLessThan(1e-5);
      const scaleX = Math.max(...gotX[0].map(Math.abs));
      expect(maxAbsDiff(gotX[0], gotX[1]) / scaleX, `dx ${JSON.stringify(c)}`).toBeLessThan(1e-5);
    }
  });

  it('lets every gradient parity case whose kernels wasm has run on wasm and match cpu', async () => {
    patchWasmBatchMatMul();
    patchWasmConv2DBackpropFilter();
    patchWasmConv2DBackpropInput();
    patchWasmDepthwiseGrads();
    const report = await gradientParity(['cpu', 'wasm']);
    const rows = report.comparisons[0].layers;
    const failed = rows.filter((l) => !l.ok).map((l) => `${l.layer}: ${l.error ?? l.worst}`);
    expect(failed, failed.join('\n')).toEqual([]);
    for (const name of [
      'depthwiseConv2d 3x3',
      'depthwiseConv2d 3x3 stride 2',
      'conv2d 3x3',
      'conv2d 3x3 stride 2 (torch padding)',
      'student resnetMini (whole model)',
    ]) {
      expect(rows.find((l) => l.layer === name)?.ok, name).toBe(true);
    }
  });
});
