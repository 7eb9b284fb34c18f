import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { gradientParity } from '../gradParity';
import { expectWasmGradsMatchCpu, type ConvGradCase, type ConvOp } from '../testSetup';
import { patchWasmConv2DBackpropFilter, patchWasmConv2DBackpropInput } from './wasmConvGrad';
import { patchWasmKernels } from './wasmPatches';

afterAll(() => tf.setBackend('cpu'));

describe('wasm conv gradients (filter: a dilated forward conv; input: forward convs, by phases when strided)', () => {
  it('equal the cpu filter and input gradients for same/valid padding, strides 1 and 2, odd sizes', async () => {
    patchWasmConv2DBackpropFilter();
    patchWasmConv2DBackpropInput();
    const cases: ConvGradCase[] = [
      { x: [2, 7, 6, 3], f: [3, 3, 3, 5], s: 1, pad: 'same' },
      { x: [2, 7, 6, 3], f: [3, 3, 3, 5], s: 2, pad: 'same' },
      { x: [1, 9, 8, 2], f: [3, 3, 2, 4], s: 2, pad: 'valid' },
      { x: [3, 5, 5, 4], f: [1, 1, 4, 6], s: 1, pad: 'valid' },
      // 1x1 filters take the matmul path: strided (subsampled by an identity conv), odd and even sizes.
      { x: [2, 8, 8, 3], f: [1, 1, 3, 5], s: 2, pad: 'same' },
      { x: [2, 7, 9, 3], f: [1, 1, 3, 4], s: 2, pad: 'valid' },
      { x: [2, 7, 7, 2], f: [1, 1, 2, 3], s: 2, pad: 'same' },
      { x: [2, 6, 6, 3], f: [1, 1, 3, 2], s: 3, pad: 'same' },
      { x: [1, 12, 12, 3], f: [7, 7, 3, 4], s: 2, pad: 'same' },
      { x: [2, 6, 9, 3], f: [5, 5, 3, 2], s: 1, pad: 'same' },
      { x: [2, 8, 8, 2], f: [4, 4, 2, 3], s: 1, pad: 'same' },
      { x: [2, 6, 7, 2], f: [3, 2, 2, 3], s: 1, pad: 'valid' },
      // Strided input gradients by phases (polyphase.ts) where the size is a multiple of the stride:
      // 3x3 'same' and 'valid', non-square, 4x4 and 5x5, stride 3; the odd sizes above take the
      // zero-dilated path.
      { x: [2, 8, 6, 3], f: [3, 3, 3, 5], s: 2, pad: 'same' },
      { x: [1, 10, 8, 2], f: [3, 3, 2, 4], s: 2, pad: 'valid' },
      { x: [2, 12, 12, 3], f: [4, 4, 3, 2], s: 2, pad: 'same' },
      { x: [2, 8, 8, 4], f: [5, 5, 4, 3], s: 2, pad: 'valid' },
      { x: [1, 9, 9, 2], f: [3, 3, 2, 3], s: 3, pad: 'same' },
      { x: [1, 12, 6, 2], f: [2, 3, 2, 3], s: 3, pad: 'valid' },
    ];
    const op: ConvOp = (x, f, s, pad) => tf.conv2d(x, f, s, pad);
    await expectWasmGradsMatchCpu(op, cases);
  });

  it('lets every gradient parity case whose kernels wasm has run on wasm and match cpu', async () => {
    patchWasmKernels();
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
      'depthwiseConv2d 3x3 stride 2, multiplier 2 (SReT pooling)',
      'student sretLT (whole model)',
    ]) {
      expect(rows.find((l) => l.layer === name)?.ok, name).toBe(true);
    }
  });
});
