import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { cutmixBox, mixTargets, sampleMix, type MixParams } from './mixing';
import { Rng } from './rng';

interface CutmixCase {
  size: number;
  lambda: number;
  cx: number;
  cy: number;
  bbx1: number;
  bby1: number;
  bbx2: number;
  bby2: number;
  lambdaAfter: number;
}

const cases = (
  JSON.parse(readFileSync(new URL('./__fixtures__/mixing_cutmix.json', import.meta.url), 'utf8')) as {
    cases: CutmixCase[];
  }
).cases;

/** Random soft targets whose rows sum to 1. */
function softTargets(rng: Rng, n: number, c: number): Float32Array {
  const q = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += q[i * c + k] = rng.gamma(0.3);
    for (let k = 0; k < c; k++) q[i * c + k] /= s;
  }
  return q;
}

describe('cutmixBox vs the reference rand_bbox', () => {
  it('gives the same box and recomputed lambda for every fixture case', () => {
    expect(cases.length).toBeGreaterThan(300);
    for (const c of cases) {
      // The reference's first centre (cx) indexes dim 2 = rows, the second (cy) dim 3 = columns.
      const got = cutmixBox(c.lambda, c.cx, c.cy, c.size);
      expect(got.box, JSON.stringify(c)).toEqual({ y1: c.bbx1, x1: c.bby1, y2: c.bbx2, x2: c.bby2 });
      expect(got.lambda).toBe(c.lambdaAfter);
    }
  });

  it('truncates the cut size like int(), not round()', () => {
    // cut = 10 * sqrt(1 - 0.0784) = 9.6 -> 9, half 4 (rounding would give 10, half 5)
    expect(cutmixBox(0.0784, 5, 5, 10).box).toEqual({ y1: 1, x1: 1, y2: 9, x2: 9 });
  });
});

describe('sampleMix', () => {
  it('returns no mixing when prob is 0', () => {
    const m = sampleMix(new Rng(1), 6, 32, { prob: 0 });
    expect(m.kind).toBe('none');
    expect(m.lambda).toBe(1);
    expect([...m.perm]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('picks mixup vs cutmix by switchProb and is seeded', () => {
    const rng = new Rng(2);
    let mixup = 0;
    for (let i = 0; i < 2000; i++) if (sampleMix(rng, 4, 32).kind === 'mixup') mixup++;
    expect(mixup / 2000).toBeGreaterThan(0.45);
    expect(mixup / 2000).toBeLessThan(0.55);
    expect(sampleMix(new Rng(3), 8, 32)).toEqual(sampleMix(new Rng(3), 8, 32));
  });

  it('mixup lambda ~ Beta(0.8, 0.8), with a valid permutation', () => {
    const rng = new Rng(4);
    const ls: number[] = [];
    const kinds = new Set<string>();
    for (let i = 0; i < 20000; i++) {
      const m = sampleMix(rng, 5, 32, { switchProb: 1 });
      kinds.add(m.kind + (m.box ? '+box' : ''));
      ls.push(m.lambda);
      if (i < 50) expect([...m.perm].sort()).toEqual([0, 1, 2, 3, 4]);
    }
    expect([...kinds]).toEqual(['mixup']);
    const mean = ls.reduce((a, b) => a + b, 0) / ls.length;
    const v = ls.reduce((a, b) => a + (b - mean) ** 2, 0) / ls.length;
    expect(mean).toBeCloseTo(0.5, 1);
    expect(Math.abs(v - 0.64 / (2.56 * 2.6))).toBeLessThan(0.005);
  });

  it('cutmix boxes lie in the crop and lambda equals 1 - box area / size^2', () => {
    const rng = new Rng(5);
    const size = 28;
    let sum = 0;
    for (let i = 0; i < 3000; i++) {
      const m = sampleMix(rng, 3, size, { switchProb: 0 });
      expect(m.kind).toBe('cutmix');
      const b = m.box;
      if (!b) throw new Error('cutmix without a box');
      expect(0 <= b.y1 && b.y1 <= b.y2 && b.y2 <= size && 0 <= b.x1 && b.x1 <= b.x2 && b.x2 <= size).toBe(
        true,
      );
      expect(m.lambda).toBe(1 - ((b.y2 - b.y1) * (b.x2 - b.x1)) / (size * size));
      sum += m.lambda;
    }
    // Beta(1, 1) has mean 1/2; clipping at the border only shrinks boxes, so the mean goes up.
    expect(sum / 3000).toBeGreaterThan(0.5);
    expect(sum / 3000).toBeLessThan(0.75);
  });
});

describe('mixTargets', () => {
  it('mixes rows linearly with the permuted rows and keeps them summing to 1', () => {
    const rng = new Rng(6);
    const n = 16;
    const c = 1000;
    const q = softTargets(rng, n, c);
    const mix: MixParams = { kind: 'mixup', lambda: 0.3, perm: rng.permutation(n) };
    const out = mixTargets(q, c, mix);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += out[i * c + k];
      expect(s).toBeCloseTo(1, 5);
      const k = (i * 37) % c;
      expect(out[i * c + k]).toBeCloseTo(0.3 * q[i * c + k] + 0.7 * q[mix.perm[i] * c + k], 7);
    }
  });

  it('is the identity for kind none and checks shapes', () => {
    const q = softTargets(new Rng(7), 4, 10);
    const none = sampleMix(new Rng(8), 4, 10, { prob: 0 });
    expect([...mixTargets(q, 10, none)]).toEqual([...q]);
    expect(() => mixTargets(q, 9, none)).toThrow(RangeError);
  });
});
