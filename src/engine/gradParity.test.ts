import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare, GRAD_PARITY_CASES, gradientParity, runCase } from './gradParity';
import { useCpu } from './testSetup';

beforeAll(useCpu);

describe('gradient parity harness (Node, cpu only; the cpu vs webgpu/webgl run is e2e/grad-parity.spec.ts)', () => {
  it('every case yields a finite loss and non-zero gradients for the input and every weight', async () => {
    for (let i = 0; i < GRAD_PARITY_CASES.length; i++) {
      const c = GRAD_PARITY_CASES[i];
      const out = await runCase(c, i);
      expect(out[0].name).toBe('loss');
      expect(Number.isFinite(out[0].values[0]), c.layer).toBe(true);
      for (const t of out.filter((o) => o.name.startsWith('d loss'))) {
        expect(
          t.values.some((v) => v !== 0),
          `${c.layer}: ${t.name} is all zeros`,
        ).toBe(true);
      }
    }
  });

  it('cpu vs cpu: zero error everywhere, no tensor leaked, backend unchanged', async () => {
    await runCase(GRAD_PARITY_CASES[0], 0); // warm up lazily created tensors
    const before = tf.memory().numTensors;
    const report = await gradientParity(['cpu', 'cpu']);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.getBackend()).toBe('cpu');
    expect(report.ok).toBe(true);
    expect(report.comparisons[0].layers).toHaveLength(GRAD_PARITY_CASES.length);
    for (const l of report.comparisons[0].layers) {
      expect(l).toMatchObject({ ok: true, maxAbs: 0, maxRel: 0 });
      expect(l.tensors).toBeGreaterThanOrEqual(2);
    }
    const bn = report.comparisons[0].layers.find((l) => l.layer.startsWith('batchNormalization'));
    expect(bn?.tensors).toBe(1 + 3 + 2); // loss, d input/gamma/beta, moving mean/variance
  });

  it('tolerance: float32 reordering noise passes, a wrong gradient fails', () => {
    const ref = [{ name: 'g', values: Float32Array.from([1, -2, 0.5, 3]) }];
    const noisy = [{ name: 'g', values: Float32Array.from([1 + 1e-6, -2, 0.5 - 2e-6, 3 + 3e-6]) }];
    const wrong = [{ name: 'g', values: Float32Array.from([1, -2, 0.5, 3.01]) }];
    const nan = [{ name: 'g', values: Float32Array.from([1, NaN, 0.5, 3]) }];
    expect(compare('x', ref, noisy)).toMatchObject({ ok: true, worst: 'g' });
    expect(compare('x', ref, noisy).maxRel).toBeCloseTo(1e-6, 7);
    expect(compare('x', ref, wrong).ok).toBe(false);
    expect(compare('x', ref, nan).ok).toBe(false);
  });

  it('an unknown backend is reported, not thrown, and the previous backend comes back', async () => {
    const report = await gradientParity(['cpu', 'no-such-backend']);
    expect(report.ok).toBe(false);
    expect(report.comparisons[0].error).toBeTruthy();
    expect(tf.getBackend()).toBe('cpu');
  });
});
