import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { expectWasmGradsMatchCpu, type ConvGradCase, type ConvOp } from '../testSetup';
import { patchWasmDepthwiseGrads } from './wasmDepthwiseGrad';

afterAll(() => tf.setBackend('cpu'));

describe('wasm depthwise conv gradients (forward depthwise convs)', () => {
  it('equal the cpu filter and input gradients: same/valid, strides 1 and 2, odd and even sizes', async () => {
    patchWasmDepthwiseGrads();
    const cases: ConvGradCase[] = [
      { x: [2, 7, 6, 3], f: [3, 3, 3, 1], s: 1, pad: 'same' },
      { x: [2, 7, 6, 3], f: [3, 3, 3, 1], s: 2, pad: 'same' },
      { x: [2, 8, 8, 4], f: [3, 3, 4, 1], s: 2, pad: 'same' },
      { x: [1, 9, 8, 2], f: [3, 3, 2, 1], s: 2, pad: 'valid' },
      { x: [3, 5, 5, 4], f: [1, 1, 4, 1], s: 1, pad: 'valid' },
      { x: [2, 6, 9, 5], f: [5, 5, 5, 1], s: 1, pad: 'same' },
      { x: [2, 11, 10, 3], f: [5, 5, 3, 1], s: 2, pad: 'same' },
      { x: [2, 6, 7, 2], f: [3, 2, 2, 1], s: 1, pad: 'valid' },
    ];
    const op: ConvOp = (x, f, s, pad) => tf.depthwiseConv2d(x, f, s, pad);
    await expectWasmGradsMatchCpu(op, cases);
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
