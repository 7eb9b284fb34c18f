import { describe, expect, it } from 'vitest';
import { mulberry32, mulberry32U32 } from './mulberry32';

describe('mulberry32', () => {
  it('reproduces the reference sequence', () => {
    // First outputs of the reference C mulberry32 (Tommy Ettinger) for seed 0 and seed 42.
    const a = mulberry32U32(0);
    expect([a(), a(), a()]).toEqual([1144304738, 1416247, 958946056]);
    const b = mulberry32U32(42);
    expect(b()).toBe(2581720956);
  });

  it('maps to [0, 1) with the same draws, and differs by seed', () => {
    const u = mulberry32(7);
    const w = mulberry32U32(7);
    for (let i = 0; i < 1000; i++) {
      const x = u();
      expect(x).toBe(w() / 2 ** 32);
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(mulberry32(1)()).not.toBe(mulberry32(2)());
  });
});
