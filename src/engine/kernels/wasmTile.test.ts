import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { patchWasmTile, tileInto } from './wasmTile';

afterAll(() => tf.setBackend('cpu'));

const cases: [number[], number[]][] = [
  [
    [1, 1, 1, 5],
    [3, 4, 2, 1],
  ], // BatchNorm's gradient
  [
    [2, 3],
    [1, 1],
  ],
  [
    [2, 3],
    [3, 1],
  ],
  [
    [2, 3],
    [1, 4],
  ],
  [
    [2, 1, 3],
    [2, 5, 2],
  ],
  [
    [3, 1],
    [1, 7],
  ],
  [[1], [9]],
  [
    [2, 2, 2],
    [2, 3, 2],
  ],
];

describe('Tile by block repetition', () => {
  it('tileInto equals tf.tile (cpu) for leading, inner, last and mixed axes', async () => {
    await tf.setBackend('cpu');
    for (const [shape, reps] of cases) {
      const size = shape.reduce((a, b) => a * b, 1);
      const src = Float32Array.from({ length: size }, (_, i) => i + 0.5);
      const want = await tf.tile(tf.tensor(src, shape), reps).data();
      const out = new Float32Array(want.length);
      tileInto(src, shape, reps, out);
      expect(Array.from(out), `${shape} x ${reps}`).toEqual(Array.from(want));
    }
  });

  it('the patched wasm kernel matches cpu for float32 and int32, and keeps bool on the native path', async () => {
    await tf.setBackend('wasm');
    patchWasmTile();
    for (const [shape, reps] of cases) {
      for (const dtype of ['float32', 'int32'] as const) {
        const size = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: size }, (_, i) => i * 3 - 4);
        await tf.setBackend('wasm');
        const got = await tf.tile(tf.tensor(values, shape, dtype), reps).data();
        await tf.setBackend('cpu');
        const want = await tf.tile(tf.tensor(values, shape, dtype), reps).data();
        expect(Array.from(got), `${dtype} ${shape} x ${reps}`).toEqual(Array.from(want));
      }
    }
    await tf.setBackend('wasm');
    const b = await tf.tile(tf.tensor([true, false], [2], 'bool'), [2]).data();
    expect(Array.from(b)).toEqual([1, 0, 1, 0]);
  });
});
