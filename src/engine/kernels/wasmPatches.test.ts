import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { patchWasmKernels } from './wasmPatches';

const added = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
];
const replaced = ['BatchMatMul', 'Conv2DBackpropInput', 'Tile'];

describe('patchWasmKernels', () => {
  it('adds the missing wasm gradients and replaces the slow kernels, once', () => {
    for (const k of added) expect(tf.getKernel(k, 'wasm')).toBeUndefined();
    const before = new Map(replaced.map((k) => [k, tf.getKernel(k, 'wasm')?.kernelFunc]));
    patchWasmKernels();
    for (const k of added) expect(tf.getKernel(k, 'wasm')).toBeDefined();
    const after = new Map(replaced.map((k) => [k, tf.getKernel(k, 'wasm')?.kernelFunc]));
    for (const k of replaced) {
      expect(after.get(k)).toBeDefined();
      expect(after.get(k)).not.toBe(before.get(k));
    }
    patchWasmKernels();
    for (const k of replaced) expect(tf.getKernel(k, 'wasm')?.kernelFunc).toBe(after.get(k));
  });
});
