import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, it } from 'vitest';
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

  it('equal the cpu gradients with a channel multiplier above 1 (SReT pooling: 2)', async () => {
    patchWasmDepthwiseGrads();
    const cases: ConvGradCase[] = [
      { x: [2, 7, 6, 3], f: [3, 3, 3, 2], s: 1, pad: 'same' },
      { x: [2, 8, 8, 4], f: [3, 3, 4, 2], s: 2, pad: 'valid' },
      { x: [3, 7, 7, 2], f: [3, 3, 2, 3], s: 2, pad: 'same' },
      { x: [1, 5, 6, 1], f: [1, 1, 1, 4], s: 1, pad: 'valid' },
    ];
    await expectWasmGradsMatchCpu((x, f, s, pad) => tf.depthwiseConv2d(x, f, s, pad), cases);
  });
});
