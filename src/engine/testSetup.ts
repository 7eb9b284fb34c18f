/** Shared by the engine/models tests: the pure-JS cpu backend (tfjs-node is not available). */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { expect } from 'vitest';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/**
 * The wasm backend prepared as the studio prepares it (its flags and kernel patches, backend.ts): the
 * backend it trains and labels with on a machine without a GPU, and several times faster than the
 * pure-JS cpu backend, so tests that train or classify for many steps use it.
 */
export async function useWasm(): Promise<void> {
  const { prepareBackends } = await import('./backend');
  await prepareBackends();
  await tf.setBackend('wasm');
  await tf.ready();
}

/** Max |a - b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A conv gradient test case: x and filter shapes, stride, padding. */
export interface ConvGradCase {
  x: number[];
  f: number[];
  s: number;
  pad: 'same' | 'valid';
}

export type ConvOp = (x: tf.Tensor4D, f: tf.Tensor4D, stride: number, pad: 'same' | 'valid') => tf.Tensor4D;

/**
 * The gradients of sum(op(x, f)^2) with respect to x and f on `backend` (fixed sin/cos inputs), and how
 * many tensors and backend data ids outlived the call: kernel-level temporaries must be freed too.
 */
export async function convGradsOn(backend: string, op: ConvOp, c: ConvGradCase) {
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
  const [gx, gw] = tf.grads((xx, w) =>
    tf.sum(tf.square(op(xx as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad))),
  )([x, f]);
  const dx = (await gx.data()) as Float32Array;
  const dW = (await gw.data()) as Float32Array;
  tf.dispose([x, f, gx, gw]);
  return {
    dx,
    dW,
    leakedTensors: tf.memory().numTensors - before,
    leakedData: tf.backend().numDataIds() - dataBefore,
  };
}

/** max |a - b| / max |a|: a's magnitude sets the tolerance's scale. */
export function relMaxDiff(a: Float32Array, b: Float32Array): number {
  return maxAbsDiff(a, b) / Math.max(...a.map(Math.abs));
}

/**
 * For each case, the wasm filter and input gradients of `op` equal the cpu backend's (relative 1e-5),
 * and neither backend leaks a tensor or a kernel-level temporary (slices, transposes, reshapes).
 */
export async function expectWasmGradsMatchCpu(op: ConvOp, cases: ConvGradCase[]): Promise<void> {
  for (const c of cases) {
    const cpu = await convGradsOn('cpu', op, c);
    const wasm = await convGradsOn('wasm', op, c);
    for (const r of [cpu, wasm]) {
      expect(r.leakedTensors, 'leaked tensors').toBe(0);
      expect(r.leakedData, 'leaked backend data').toBe(0);
    }
    expect(relMaxDiff(cpu.dW, wasm.dW), `dW ${JSON.stringify(c)}`).toBeLessThan(1e-5);
    expect(relMaxDiff(cpu.dx, wasm.dx), `dx ${JSON.stringify(c)}`).toBeLessThan(1e-5);
  }
}
