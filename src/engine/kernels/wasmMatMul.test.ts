import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../testSetup';
import { patchWasmBatchMatMul } from './wasmMatMul';

describe('patched wasm BatchMatMul', () => {
  it('gives the cpu backend result for every transpose combination', async () => {
    patchWasmBatchMatMul();
    const a = Array.from({ length: 6 * 4 }, (_, i) => Math.sin(i));
    const b = Array.from({ length: 6 * 5 }, (_, i) => Math.cos(i));
    const cases: [number[], number[], boolean, boolean][] = [
      [[6, 4], [4, 5], false, false],
      [[4, 6], [4, 5], true, false],
      [[6, 4], [5, 4], false, true],
      [[4, 6], [5, 4], true, true],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const results: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        const out = tf.matMul(
          tf.tensor2d(a, sa as [number, number]),
          tf.tensor2d(b.slice(0, 20), sb as [number, number]),
          ta,
          tb,
        );
        results.push((await out.data()) as Float32Array);
        out.dispose();
      }
      expect(maxAbsDiff(results[0], results[1])).toBeLessThan(1e-5);
    }
  });
});
