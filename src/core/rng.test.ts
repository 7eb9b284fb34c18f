import { describe, expect, it } from 'vitest';

import { Rng } from './rng';

/** Independent BigInt transcription of pcg32_srandom_r / pcg32_random_r (pcg-c-basic). */
function referencePcg32(seed: bigint, stream: bigint, n: number): number[] {
  const M = (1n << 64n) - 1n;
  const MUL = 6364136223846793005n;
  let state = 0n;
  const inc = ((stream << 1n) | 1n) & M;
  const next = (): number => {
    const old = state;
    state = (old * MUL + inc) & M;
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << (-rot & 31))) >>> 0;
  };
  next();
  state = (state + (seed & M)) & M;
  next();
  return Array.from({ length: n }, next);
}

function chiSquare(counts: number[], expected: number): number {
  return counts.reduce((s, c) => s + ((c - expected) * (c - expected)) / expected, 0);
}

function meanVar(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) * (b - m), 0) / (xs.length - 1);
  return [m, v];
}

describe('Rng (PCG32)', () => {
  it('reproduces the pcg32-demo output for seed 42, stream 54', () => {
    const r = new Rng(42, 54);
    const got = Array.from({ length: 6 }, () => r.nextU32());
    expect(got).toEqual([0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e]);
  });

  it('matches a BigInt reference for many seeds and streams, including negative and large ones', () => {
    const cases: [number, number][] = [
      [0, 0],
      [1, 1],
      [-1, 7],
      [2 ** 53 - 1, 2 ** 40 + 3],
      [123456789, -5],
      [0xdeadbeef, 0xcafef00d],
    ];
    for (const [seed, stream] of cases) {
      const r = new Rng(seed, stream);
      const got = Array.from({ length: 1000 }, () => r.nextU32());
      const want = referencePcg32(BigInt(seed), BigInt(stream), 1000);
      expect(got).toEqual(want);
    }
  });

  it('is deterministic and resumes exactly from a JSON round-tripped state', () => {
    const a = new Rng(2024, 3);
    const b = new Rng(2024, 3);
    for (let i = 0; i < 37; i++) expect(a.nextU32()).toBe(b.nextU32());
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const c = Rng.fromState(saved);
    for (let i = 0; i < 100; i++) expect(c.uniform()).toBe(a.uniform());
    expect(new Rng(2024, 4).nextU32()).not.toBe(new Rng(2024, 3).nextU32());
    expect(() => Rng.fromState({ algo: 'pcg32', state: 'xyz', inc: '0000000000000001' })).toThrow();
    expect(() =>
      Rng.fromState({ algo: 'pcg32', state: '0000000000000000', inc: '0000000000000002' }),
    ).toThrow();
    expect(() => new Rng(1.5)).toThrow(RangeError);
  });

  it('uniform is in [0, 1) with mean 1/2 and uniformRange maps it', () => {
    const r = new Rng(5);
    const xs = Array.from({ length: 50000 }, () => r.uniform());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const [m, v] = meanVar(xs);
    expect(m).toBeCloseTo(0.5, 2);
    expect(v).toBeCloseTo(1 / 12, 2);
    for (let i = 0; i < 1000; i++) {
      const y = r.uniformRange(-3, 5);
      expect(y >= -3 && y < 5).toBe(true);
    }
  });

  it('int is inclusive and uniform (chi-square)', () => {
    const r = new Rng(11);
    const counts = new Array(10).fill(0);
    const n = 100000;
    for (let i = 0; i < n; i++) counts[r.int(0, 9)]++;
    // 9 degrees of freedom, p = 0.001 critical value 27.88.
    expect(chiSquare(counts, n / 10)).toBeLessThan(27.88);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(r.int(-2, 2));
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    expect(r.int(7, 7)).toBe(7);
    expect(() => r.int(3, 2)).toThrow(RangeError);
  });

  it('int has no modulo bias on a range that does not divide 2^32', () => {
    // With plain `u32 % range`, values below 2^30 would come up 1/2 of the time instead of 1/3.
    const r = new Rng(12);
    const range = 3 * 2 ** 30;
    let low = 0;
    const n = 30000;
    for (let i = 0; i < n; i++) if (r.int(0, range - 1) < 2 ** 30) low++;
    expect(Math.abs(low / n - 1 / 3)).toBeLessThan(0.015);
  });

  it('int handles ranges wider than 2^32', () => {
    const r = new Rng(13);
    const hi = 2 ** 40;
    const xs = Array.from({ length: 20000 }, () => r.int(0, hi));
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x <= hi)).toBe(true);
    expect(meanVar(xs)[0] / hi).toBeCloseTo(0.5, 1);
  });

  it('permutation and shuffle are valid and unbiased in the first slot', () => {
    const r = new Rng(14);
    const p = r.permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const counts = new Array(5).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[r.shuffle([0, 1, 2, 3, 4])[0]]++;
    expect(chiSquare(counts, n / 5)).toBeLessThan(18.47); // 4 dof, p = 0.001
    expect(r.permutation(0).length).toBe(0);
  });

  it('bernoulli has the right frequency', () => {
    const r = new Rng(15);
    let k = 0;
    for (let i = 0; i < 40000; i++) if (r.bernoulli(0.3)) k++;
    expect(k / 40000).toBeCloseTo(0.3, 2);
    expect(r.bernoulli(0)).toBe(false);
    expect(r.bernoulli(1)).toBe(true);
  });

  it('gamma and beta have the right mean and variance', () => {
    const r = new Rng(16);
    const n = 40000;
    for (const shape of [0.5, 1, 3]) {
      const [m, v] = meanVar(Array.from({ length: n }, () => r.gamma(shape)));
      expect(Math.abs(m - shape) / shape).toBeLessThan(0.03);
      expect(Math.abs(v - shape) / shape).toBeLessThan(0.08);
    }
    for (const [a, b] of [
      [0.8, 0.8],
      [1, 1],
      [2, 5],
      [0.2, 0.3],
    ]) {
      const xs = Array.from({ length: n }, () => r.beta(a, b));
      expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
      const [m, v] = meanVar(xs);
      const wantM = a / (a + b);
      const wantV = (a * b) / ((a + b) ** 2 * (a + b + 1));
      expect(Math.abs(m - wantM)).toBeLessThan(0.01);
      expect(Math.abs(v - wantV) / wantV).toBeLessThan(0.06);
    }
    expect(() => r.gamma(0)).toThrow(RangeError);
  });

  it('fork gives independent, reproducible streams without advancing the parent', () => {
    const parent = new Rng(99);
    const before = parent.getState();
    const a1 = parent.fork(1);
    const a2 = parent.fork(1);
    expect(parent.getState()).toEqual(before);
    const seqA1 = Array.from({ length: 20 }, () => a1.nextU32());
    expect(Array.from({ length: 20 }, () => a2.nextU32())).toEqual(seqA1);
    const others = [parent.fork(2), parent.fork('1'), parent.fork('image-1'), new Rng(100).fork(1)];
    for (const o of others) {
      const seq = Array.from({ length: 20 }, () => o.nextU32());
      expect(seq.filter((x, i) => x === seqA1[i]).length).toBe(0);
    }
    // Forked per-index streams should look uniform together (first draws of 10k children).
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 10000; i++) counts[parent.fork(i).nextU32() >>> 28]++;
    expect(chiSquare(counts, 10000 / 16)).toBeLessThan(37.7); // 15 dof, p = 0.001
  });
});
