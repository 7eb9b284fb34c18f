import { describe, expect, it } from 'vitest';
import { KL_FLOOR, fidelityPoint, fidelitySpecs, fidelityTable, klDivergence, specLabel } from './fidelity';
import { recordByteLength } from './labelRecord';
import { CODECS, PRECISIONS, softmax } from './softLabel';
import { Rng } from './rng';

/** n seeded teacher-like softmaxes over c classes, crop-major. */
function sample(c: number, n: number, seed = 7) {
  const rng = new Rng(seed);
  const probs = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    const logits = Array.from({ length: c }, () => 4 * rng.uniform());
    logits[i % c] += 3;
    probs.set(softmax(logits), i * c);
  }
  return { numClasses: c, images: [{ width: 28, height: 28, crops: n, recordCrops: 64 }], probs };
}

describe('fidelity table', () => {
  it('lists every codec × precision once, top-k codecs at k', () => {
    const specs = fidelitySpecs(10, 5);
    expect(specs).toHaveLength(CODECS.length * PRECISIONS.length);
    const keys = new Set(specs.map((s) => `${s.codec}/${s.precision}`));
    expect(keys.size).toBe(specs.length);
    expect(specs.filter((s) => s.codec === 'msTopK').every((s) => s.k === 5)).toBe(true);
    expect(specs.filter((s) => s.codec === 'hard').every((s) => s.k === 1)).toBe(true);
    expect(fidelitySpecs(3, 5).find((s) => s.codec === 'mrTopK')!.k).toBe(3);
  });

  it('KL is 0 for equal distributions, positive otherwise, finite for zeros in q', () => {
    const p = [0.5, 0.3, 0.2];
    expect(klDivergence(p, p)).toBeCloseTo(0, 12);
    expect(klDivergence(p, [0.4, 0.4, 0.2])).toBeGreaterThan(0);
    const hardKl = klDivergence(p, [1, 0, 0]);
    expect(Number.isFinite(hardKl)).toBe(true);
    expect(hardKl).toBeCloseTo(
      0.5 * Math.log(0.5) + 0.3 * Math.log(0.3 / KL_FLOOR) + 0.2 * Math.log(0.2 / KL_FLOOR),
      6,
    );
  });

  it('full f32 recovers p almost exactly; hard loses most; q8 costs error, f32 costs bytes', () => {
    const s = sample(10, 40);
    const rows = fidelityTable(s, 5);
    const get = (codec: string, precision: string) =>
      rows.find((r) => r.codec === codec && r.precision === precision)!;
    expect(get('full', 'f32').maxAbsError).toBeLessThan(1e-6);
    expect(get('full', 'f32').meanKl).toBeLessThan(1e-6);
    expect(get('hard', 'f32').maxAbsError).toBeGreaterThan(0.3);
    expect(get('hard', 'q8').bytesPerCrop).toBe(get('hard', 'f32').bytesPerCrop);
    expect(get('msTopK', 'q8').maxAbsError).toBeGreaterThan(get('msTopK', 'f32').maxAbsError);
    expect(get('msTopK', 'q8').bytesPerCrop).toBeLessThan(get('msTopK', 'f32').bytesPerCrop);
    // More stored classes: smaller error (MS top-5 vs smoothing, which keeps one).
    expect(get('msTopK', 'f32').meanKl).toBeLessThan(get('smoothing', 'f32').meanKl);
    expect(get('full', 'f32').bytesPerCrop).toBeGreaterThan(get('msTopK', 'f32').bytesPerCrop);
  });

  it('bytes per crop are the label record size over its crops, header included', () => {
    const s = sample(10, 8);
    const spec = { codec: 'msTopK' as const, k: 5, precision: 'q8' as const, numClasses: 10 };
    expect(fidelityPoint(s, spec).bytesPerCrop).toBeCloseTo(recordByteLength(spec, 64, 28, 28) / 64, 10);
  });

  it('says what is wrong with a malformed sample', () => {
    expect(() =>
      fidelityPoint({ numClasses: 10, images: [], probs: new Float32Array(15) }, fidelitySpecs(10, 5)[0]),
    ).toThrow(/multiple of numClasses/);
    expect(() =>
      fidelityPoint(
        {
          numClasses: 10,
          images: [{ width: 1, height: 1, crops: 2, recordCrops: 2 }],
          probs: new Float32Array(10),
        },
        fidelitySpecs(10, 5)[0],
      ),
    ).toThrow(/images list 2 crops/);
    expect(() =>
      fidelityPoint({ numClasses: 10, images: [], probs: new Float32Array(0) }, fidelitySpecs(10, 5)[0]),
    ).toThrow(/no crops/);
  });

  it('names specs the way the studio shows them', () => {
    expect(specLabel({ codec: 'msTopK', k: 5, precision: 'q8' })).toBe('MS top-5 q8');
    expect(specLabel({ codec: 'hard', k: 1, precision: 'f32' })).toBe('hard f32');
  });
});
