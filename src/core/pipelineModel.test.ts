import { describe, expect, it } from 'vitest';
import { feasibleDecodeRatio, overlappedPipeline, serialPipeline } from './pipelineModel';

const goals = { fkdOverVanilla: 0.6, efficiency: 0.9 };

describe('pipelineModel', () => {
  it('serial: both costs add per crop', () => {
    // d = 2 ms/image, c = 1 ms/crop, 4 crops per decode: FKD 1.5 ms/crop, vanilla 3 ms/crop.
    const p = serialPipeline({ decodeSeconds: 0.002, studentSeconds: 0.001, numCrops: 4 });
    expect(p.fkdOverVanilla).toBeCloseTo(0.5, 12);
    expect(p.pipelineEfficiency).toBeCloseTo(1 / 1.5, 12);
  });

  it('overlapped: the slower of decode and compute sets the pace', () => {
    const p = overlappedPipeline({ decodeSeconds: 0.002, studentSeconds: 0.001, numCrops: 4 });
    expect(p.fkdOverVanilla).toBeCloseTo(0.5, 12); // max(1, 0.5) / max(1, 2)
    expect(p.pipelineEfficiency).toBe(1);
    const slowDecode = overlappedPipeline({ decodeSeconds: 0.008, studentSeconds: 0.001, numCrops: 4 });
    expect(slowDecode.pipelineEfficiency).toBeCloseTo(0.5, 12); // decode 2 ms per crop vs compute 1
    expect(slowDecode.fkdOverVanilla).toBeCloseTo(0.25, 12);
  });

  it("serial at numCrops 4: bench:train's two decode-bound goals exclude each other", () => {
    expect(feasibleDecodeRatio('serial', 4, goals)).toBeNull();
    // At numCrops 16 a window opens: (1 - 0.6) / (0.6 - 1/16) = 0.744..., 16 * 0.1 / 0.9 = 1.777...
    const w = feasibleDecodeRatio('serial', 16, goals)!;
    expect(w.min).toBeCloseTo(0.4 / 0.5375, 12);
    expect(w.max).toBeCloseTo(16 / 9, 12);
  });

  it('overlapped at numCrops 4: decode between 1/0.6 and 4/0.9 of a student step meets both', () => {
    const w = feasibleDecodeRatio('overlapped', 4, goals)!;
    expect(w.min).toBeCloseTo(1 / 0.6, 12);
    expect(w.max).toBeCloseTo(4 / 0.9, 12);
  });

  it('the window agrees with the predictions at its edges', () => {
    for (const mode of ['serial', 'overlapped'] as const) {
      const n = 16;
      const w = feasibleDecodeRatio(mode, n, goals)!;
      const predict = mode === 'serial' ? serialPipeline : overlappedPipeline;
      for (const x of [w.min, (w.min + w.max) / 2, w.max]) {
        const p = predict({ decodeSeconds: x, studentSeconds: 1, numCrops: n });
        expect(p.fkdOverVanilla).toBeLessThanOrEqual(0.6 + 1e-12);
        expect(p.pipelineEfficiency).toBeGreaterThanOrEqual(0.9 - 1e-12);
      }
      const below = predict({ decodeSeconds: w.min * 0.95, studentSeconds: 1, numCrops: n });
      const above = predict({ decodeSeconds: w.max * 1.05, studentSeconds: 1, numCrops: n });
      expect(below.fkdOverVanilla).toBeGreaterThan(0.6);
      expect(above.pipelineEfficiency).toBeLessThan(0.9);
    }
  });

  it('no window when the ratio goal is below 1/numCrops', () => {
    expect(feasibleDecodeRatio('serial', 2, { fkdOverVanilla: 0.4, efficiency: 0.5 })).toBeNull();
    expect(feasibleDecodeRatio('overlapped', 2, { fkdOverVanilla: 0.4, efficiency: 0.5 })).toBeNull();
  });
});
