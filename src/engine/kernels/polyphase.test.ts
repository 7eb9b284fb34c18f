import { describe, expect, it } from 'vitest';
import { combinedTapIndex, polyphasePlan } from './polyphase';

/** dx of a 1-D strided correlation out[i] = sum_k x[i*s + k - pad] * w[k], by its definition. */
function dxByDefinition(size: number, w: number[], s: number, pad: number, dy: number[]): number[] {
  const dx = new Array<number>(size).fill(0);
  dy.forEach((g, i) =>
    w.forEach((wk, k) => {
      const y = i * s + k - pad;
      if (y >= 0 && y < size) dx[y] += g * wk;
    }),
  );
  return dx;
}

/** dx by the plan: each phase a stride-1 correlation of the padded dy with its taps. */
function dxByPlan(size: number, w: number[], s: number, pad: number, dy: number[]): number[] | null {
  const plan = polyphasePlan(size, w.length, s, pad, dy.length);
  if (!plan) return null;
  const padded = [
    ...new Array<number>(plan.padBefore).fill(0),
    ...dy,
    ...new Array<number>(plan.padAfter).fill(0),
  ];
  expect(padded.length - plan.taps + 1).toBe(size / s);
  const dx = new Array<number>(size).fill(0);
  for (let p = 0; p < s; p++)
    for (let Y = 0; Y < size / s; Y++)
      for (let t = 0; t < plan.taps; t++) {
        const k = plan.tap[p][t];
        if (k >= 0) dx[p + s * Y] += padded[Y + t] * w[k];
      }
  return dx;
}

/** tfjs' 'same' and 'valid' geometry for one dimension: leading pad and output size. */
function geometry(size: number, f: number, s: number, mode: 'same' | 'valid') {
  if (mode === 'valid') return { pad: 0, out: Math.floor((size - f) / s) + 1 };
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + f - size, 0);
  return { pad: Math.floor(total / 2), out };
}

describe('polyphasePlan', () => {
  it('gives the transposed conv of its definition for every filter, stride, size and padding tried', () => {
    let planned = 0;
    for (const s of [2, 3])
      for (const f of [1, 2, 3, 4, 5, 7])
        for (let size = s; size <= 14; size += s)
          for (const mode of ['same', 'valid'] as const) {
            if (mode === 'valid' && f > size) continue;
            const { pad, out } = geometry(size, f, s, mode);
            const w = Array.from({ length: f }, (_, k) => Math.cos(k * 1.3) + 0.1 * k);
            const dy = Array.from({ length: out }, (_, i) => Math.sin(i * 0.7 + 0.2));
            const got = dxByPlan(size, w, s, pad, dy);
            if (!got) continue;
            planned++;
            const want = dxByDefinition(size, w, s, pad, dy);
            got.forEach((v, i) => expect(v, `s${s} f${f} n${size} ${mode} [${i}]`).toBeCloseTo(want[i], 12));
          }
    // Most of these shapes take the polyphase path; the rest are refused, not miscomputed.
    expect(planned).toBeGreaterThan(60);
  });

  it('3x3 stride 2 "same" on an even size: 2 taps, one row of zeros on top (the resnet case)', () => {
    const plan = polyphasePlan(28, 3, 2, 0, 14)!;
    expect(plan).toEqual({
      taps: 2,
      padBefore: 1,
      padAfter: 0,
      tap: [
        [2, 0],
        [-1, 1],
      ],
    });
  });

  it('refuses sizes that are not a multiple of the stride, and stride 1', () => {
    expect(polyphasePlan(7, 3, 2, 1, 4)).toBeNull();
    expect(polyphasePlan(8, 3, 1, 1, 8)).toBeNull();
  });
});

describe('combinedTapIndex', () => {
  it('orders taps [tH, tW, phaseRow, phaseCol] and sends missing taps to the zero row', () => {
    const p = polyphasePlan(4, 3, 2, 0, 2)!; // taps [[2, 0], [-1, 1]]
    const idx = combinedTapIndex(p, p, 3, 9);
    // tH = 0, tW = 0: phases (0,0) (0,1) (1,0) (1,1) -> W[2,2], zero, zero, zero
    expect(Array.from(idx.subarray(0, 4))).toEqual([8, 9, 9, 9]);
    // tH = 1, tW = 1: W[0,0], W[0,1], W[1,0], W[1,1]
    expect(Array.from(idx.subarray(12, 16))).toEqual([0, 1, 3, 4]);
    expect(idx.length).toBe(16);
  });
});
