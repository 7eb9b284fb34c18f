import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './mulberry32';
import type { CodecSpec, Precision } from './softLabel';
import {
  PRECISIONS,
  codecFromReferenceName,
  encodeSoftLabel,
  largestRemainderCodes,
  quantLevels,
  recoverSoftLabel,
  recoverSoftLabels,
  recoveredErrorBound,
  softmax,
  storedK,
} from './softLabel';

interface FixtureLabel {
  labelType: string;
  k: number;
  torchTopkIndices?: number[];
  stableIndices?: number[];
  values?: string;
  valuesF16?: string;
  recovered?: string;
}
interface FixtureCase {
  name: string;
  numClasses: number;
  temperature: number;
  logits: string;
  probs: string;
  labels: FixtureLabel[];
}

function f32(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}
function load(name: string): FixtureCase[] {
  const url = new URL(`./__fixtures__/${name}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: FixtureCase[] }).cases;
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
function expectDistribution(q: Float32Array): void {
  let s = 0;
  for (const v of q) {
    expect(v).toBeGreaterThanOrEqual(0);
    s += v;
  }
  expect(Math.abs(s - 1)).toBeLessThan(1e-5);
}

const cases = [...load('codec_c10.json'), ...load('codec_c1000.json')];

describe('softmax', () => {
  it.each(cases.map((c) => [c.name + '/C' + c.numClasses, c] as const))(
    'matches torch.softmax: %s',
    (_n, c) => {
      const p = softmax(f32(c.logits), c.temperature);
      expect(maxAbsDiff(p, f32(c.probs))).toBeLessThanOrEqual(1e-6);
      expectDistribution(p);
    },
  );

  it('is stable for huge logits and validates T', () => {
    const p = softmax([1000, 1001, -1e30], 0.5);
    expect(Array.from(p).every(Number.isFinite)).toBe(true);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(() => softmax([1, 2], 0)).toThrow(/temperature/);
  });
});

describe('codecs against torch fixtures', () => {
  for (const c of cases) {
    const probs = f32(c.probs);
    for (const lab of c.labels) {
      const { codec, k } = codecFromReferenceName(lab.labelType);
      const name = `${c.name}/C${c.numClasses}/${lab.labelType}`;
      it(`${name}: f32 indices, stored values, recovered target`, () => {
        const spec: CodecSpec = { codec, k, precision: 'f32', numClasses: c.numClasses };
        expect(storedK(spec)).toBe(lab.k);
        const enc = encodeSoftLabel(probs, spec);
        const q = recoverSoftLabel(enc, spec);
        expectDistribution(q);
        if (codec === 'full') {
          expect(maxAbsDiff(q, probs)).toBeLessThanOrEqual(1e-6);
          return;
        }
        // Lowest index first on ties; torch's own order may differ only inside tie groups.
        expect(Array.from(enc.indices)).toEqual(lab.stableIndices);
        lab.torchTopkIndices!.forEach((ti, r) => expect(probs[ti]).toBe(probs[enc.indices[r]]));
        const values = f32(lab.values!);
        if (codec === 'hard') expect(Array.from(enc.probs)).toEqual([1]);
        else if (codec === 'mrTopK') {
          const s = values.reduce((a, b) => a + b, 0);
          expect(
            maxAbsDiff(
              enc.probs,
              Array.from(values, (v) => v / s),
            ),
          ).toBeLessThanOrEqual(1e-6);
        } else expect(Array.from(enc.probs)).toEqual(Array.from(values));
        expect(maxAbsDiff(q, f32(lab.recovered!))).toBeLessThanOrEqual(1e-6);
      });

      it(`${name}: f16 / q16 / q8 stay within the documented bound`, () => {
        const reference = codec === 'full' ? probs : f32(lab.recovered!);
        for (const precision of ['f16', 'q16', 'q8'] as Precision[]) {
          const spec: CodecSpec = { codec, k, precision, numClasses: c.numClasses };
          const enc = encodeSoftLabel(probs, spec);
          if (precision === 'f16' && (codec === 'msTopK' || codec === 'smoothing')) {
            expect(Array.from(enc.probs)).toEqual(Array.from(f32(lab.valuesF16!))); // torch .half()
          }
          const q = recoverSoftLabel(enc, spec);
          expectDistribution(q);
          expect(maxAbsDiff(q, reference)).toBeLessThanOrEqual(recoveredErrorBound(spec));
        }
      });
    }
  }
});

describe('quantisation', () => {
  it('largest-remainder codes hit the target and stay within one step', () => {
    const r = mulberry32(5);
    for (let t = 0; t < 200; t++) {
      const v = Array.from({ length: 1 + Math.floor(r() * 20) }, () => r());
      const s = v.reduce((a, b) => a + b, 0);
      const norm = v.map((x) => x / s);
      const codes = largestRemainderCodes(norm, 1023, 1023);
      expect(codes.reduce((a, b) => a + b, 0)).toBe(1023);
      codes.forEach((c, i) => expect(Math.abs(c - norm[i] * 1023)).toBeLessThan(1));
    }
  });

  it('sorted top-k codes fit p_i <= 1/i widths, also for adversarial ties at 1/i', () => {
    const r = mulberry32(11);
    const dists: number[][] = [
      [0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0, 0, 0],
      [0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0],
    ];
    for (let t = 0; t < 300; t++) {
      const logits = Array.from({ length: 10 }, () => (r() - 0.5) * 10 * r());
      dists.push(Array.from(softmax(logits)));
    }
    for (const p of dists) {
      for (const precision of ['q8', 'q16'] as Precision[]) {
        for (const codec of ['msTopK', 'mrTopK'] as const) {
          const m = quantLevels(precision);
          const enc = encodeSoftLabel(p, { codec, k: 5, precision, numClasses: 10 });
          enc.probs.forEach((v, i) => {
            const code = Math.round(v * m);
            expect(Math.abs(code - v * m)).toBeLessThan(0.01); // on the grid (float32 storage of c/M)
            expect(code).toBeLessThanOrEqual(Math.floor(m / (i + 1)));
          });
        }
      }
    }
  });

  it('the bounds are tight enough to catch a precision that does nothing', () => {
    const r = mulberry32(3);
    const worst: Record<Precision, number> = { f32: 0, f16: 0, q16: 0, q8: 0 };
    for (let t = 0; t < 200; t++) {
      const p = softmax(Array.from({ length: 1000 }, () => (r() - 0.5) * 12));
      for (const precision of PRECISIONS) {
        const spec: CodecSpec = { codec: 'msTopK', k: 5, precision, numClasses: 1000 };
        const exact = recoverSoftLabel(encodeSoftLabel(p, { ...spec, precision: 'f32' }), spec);
        const q = recoverSoftLabel(encodeSoftLabel(p, spec), spec);
        worst[precision] = Math.max(worst[precision], maxAbsDiff(q, exact));
      }
    }
    expect(worst.f32).toBe(0);
    expect(worst.q8).toBeLessThan(1 / 1023);
    expect(worst.q8).toBeGreaterThan(0.3 / 1023);
    expect(worst.q16).toBeLessThan(1 / 65535);
    expect(worst.q16).toBeGreaterThan(0.3 / 65535);
    expect(worst.f16).toBeGreaterThan(1e-6);
    expect(worst.f16).toBeLessThan(1e-3);
  });
});

describe('recover', () => {
  it('rebuilds each codec by the reference rule', () => {
    const spec = (codec: CodecSpec['codec'], k = 2): CodecSpec => ({
      codec,
      k,
      precision: 'f32',
      numClasses: 5,
    });
    const enc = { indices: Uint16Array.of(3, 1), probs: Float32Array.of(0.5, 0.25) };
    expect(Array.from(recoverSoftLabel(enc, spec('msTopK')))).toEqual(
      [0.25 / 3, 0.25, 0.25 / 3, 0.5, 0.25 / 3].map(Math.fround),
    );
    expect(Array.from(recoverSoftLabel(enc, spec('mrTopK')))).toEqual(
      [0, 1 / 3, 0, 2 / 3, 0].map(Math.fround),
    );
    const one = { indices: Uint16Array.of(2), probs: Float32Array.of(0.6) };
    expect(maxAbsDiff(recoverSoftLabel(one, spec('smoothing')), [0.1, 0.1, 0.6, 0.1, 0.1])).toBeLessThan(
      1e-7,
    );
    expect(Array.from(recoverSoftLabel(one, spec('hard')))).toEqual([0, 0, 1, 0, 0]);
  });

  it('clamps a negative leftover and renormalises (stored mass > 1)', () => {
    const spec: CodecSpec = { codec: 'msTopK', k: 2, precision: 'f16', numClasses: 4 };
    const q = recoverSoftLabel({ indices: Uint16Array.of(0, 1), probs: Float32Array.of(0.7, 0.35) }, spec);
    expectDistribution(q);
    expect(q[2]).toBe(0);
    expect(q[0]).toBeCloseTo(0.7 / 1.05, 6);
  });

  it('batch helper is crop-major and equals single recovers', () => {
    const spec: CodecSpec = { codec: 'msTopK', k: 5, precision: 'q8', numClasses: 10 };
    const r = mulberry32(9);
    const encs = Array.from({ length: 4 }, () =>
      encodeSoftLabel(softmax(Array.from({ length: 10 }, r)), spec),
    );
    const all = recoverSoftLabels(encs, spec);
    encs.forEach((e, i) =>
      expect(Array.from(all.subarray(i * 10, i * 10 + 10))).toEqual(Array.from(recoverSoftLabel(e, spec))),
    );
  });

  it('rejects malformed input with clear errors', () => {
    const spec: CodecSpec = { codec: 'msTopK', k: 5, precision: 'f32', numClasses: 10 };
    expect(() => encodeSoftLabel([0.5, 0.5], spec)).toThrow(/expected 10/);
    expect(() => encodeSoftLabel(new Array(10).fill(0), spec)).toThrow(/positive sum/);
    expect(() => encodeSoftLabel(new Array(10).fill(0.1), { ...spec, k: 11 })).toThrow(/k=11/);
    expect(() => encodeSoftLabel(new Array(10).fill(NaN), spec)).toThrow(/invalid/);
    const bad = { indices: Uint16Array.of(1, 2, 3, 4, 10), probs: new Float32Array(5) };
    expect(() => recoverSoftLabel(bad, spec)).toThrow(/index 10/);
  });
});

describe('codecFromReferenceName', () => {
  it('maps every reference label_type, including the trainer-only marginal_renorm', () => {
    expect(codecFromReferenceName('marginal_smoothing_k5')).toEqual({ codec: 'msTopK', k: 5 });
    expect(codecFromReferenceName('marginal_smoothing_k10')).toEqual({ codec: 'msTopK', k: 10 });
    expect(codecFromReferenceName('marginal_renorm_k5')).toEqual({ codec: 'mrTopK', k: 5 });
    expect(codecFromReferenceName('marginal_renorm')).toEqual({ codec: 'mrTopK', k: 5 });
    expect(codecFromReferenceName('hard')).toEqual({ codec: 'hard', k: 1 });
    expect(codecFromReferenceName('smoothing')).toEqual({ codec: 'smoothing', k: 1 });
    expect(codecFromReferenceName('ori')).toEqual({ codec: 'full', k: 0 });
    expect(() => codecFromReferenceName('marginal_k5')).toThrow(/unknown FKD label type/);
  });
});
