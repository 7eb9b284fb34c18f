import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  evalCropBox,
  fromPixelBox,
  randomResizedCropParams,
  roundHalfEven,
  sampleCropBoxes,
  toPixelBox,
  torchUniformF32,
  type PixelBox,
  type UniformSource,
} from './cropBox';
import { Rng } from './rng';

type Draw =
  | { op: 'uniform'; word: number; value: number; aspect?: number }
  | { op: 'randint'; lo: number; hi: number; value: number };

interface RrcCase {
  W: number;
  H: number;
  scale: [number, number];
  ratio: [number, number];
  seed: number;
  draws: Draw[];
  box: PixelBox;
  fallback: boolean;
}

interface EvalCase {
  W: number;
  H: number;
  size: number;
  resizeRatio: number;
  resizedW: number;
  resizedH: number;
  top: number;
  left: number;
}

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as T;
}

const rrc = fixture<{ cases: RrcCase[] }>('crop_rrc.json').cases;
const evalCases = fixture<{ cases: EvalCase[] }>('crop_eval.json').cases;

/** torch's underlying uniform for a float32 draw: the low 24 bits of the mt19937 word. */
const wordToU = (word: number): number => (word & 0xffffff) / 2 ** 24;

/** Feeds back exactly the draws torch made; fails on any mismatch in kind, bounds or count. */
class Replay implements UniformSource {
  private k = 0;
  constructor(private readonly draws: Draw[]) {}
  uniform(): number {
    const d = this.draws[this.k++];
    if (d?.op !== 'uniform') throw new Error(`draw ${this.k - 1}: expected uniform, torch did ${d?.op}`);
    return wordToU(d.word);
  }
  int(lo: number, hi: number): number {
    const d = this.draws[this.k++];
    if (d?.op !== 'randint') throw new Error(`draw ${this.k - 1}: expected randint, torch did ${d?.op}`);
    // torch.randint(lo, hi_exclusive) <-> int(lo, hi_inclusive)
    if (d.lo !== lo || d.hi !== hi + 1)
      throw new Error(`randint bounds [${lo}, ${hi}] vs torch [${d.lo}, ${d.hi})`);
    return d.value;
  }
  get consumed(): number {
    return this.k;
  }
}

function f32Ulp(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] += 1;
  return Math.abs(f[0] - x);
}

describe('roundHalfEven', () => {
  it('rounds like Python 3 round()', () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [3.5, 4],
      [-0.5, 0],
      [-1.5, -2],
      [-2.5, -2],
      [2.4999999999999996, 2],
      [2.5000000000000004, 3],
      [7, 7],
      [116.5, 116],
    ];
    for (const [x, want] of cases) expect(roundHalfEven(x) === want, `round(${x})`).toBe(true);
  });
});

describe('randomResizedCropParams vs torchvision', () => {
  it('fixture covers normal, fallback and degenerate images', () => {
    expect(rrc.length).toBeGreaterThan(200);
    expect(rrc.some((c) => c.fallback)).toBe(true);
    expect(rrc.some((c) => c.W === 1 && c.H === 1)).toBe(true);
  });

  it('our float32 emulation reproduces every torch uniform_ value bit-exactly', () => {
    let n = 0;
    for (const c of rrc) {
      const logR = c.ratio.map((r) => Math.fround(Math.log(Math.fround(r))));
      let parity = 0;
      for (const d of c.draws) {
        if (d.op !== 'uniform') continue;
        const [lo, hi] = parity++ % 2 === 0 ? c.scale : logR;
        expect(torchUniformF32(wordToU(d.word), lo, hi)).toBe(d.value);
        if (d.aspect !== undefined) {
          // torch.exp (SLEEF) may differ from the correctly rounded float32 by one ulp.
          expect(Math.abs(Math.fround(Math.exp(d.value)) - d.aspect)).toBeLessThanOrEqual(f32Ulp(d.aspect));
        }
        n++;
      }
    }
    expect(n).toBeGreaterThan(500);
  });

  it('replaying torch draws gives identical boxes and consumes exactly the same draws', () => {
    for (const c of rrc) {
      const src = new Replay(c.draws);
      const box = randomResizedCropParams(src, c.W, c.H, c.scale, c.ratio);
      expect(box, `${c.W}x${c.H} scale ${c.scale} ratio ${c.ratio} seed ${c.seed}`).toEqual(c.box);
      expect(src.consumed).toBe(c.draws.length);
    }
  });

  it('falls back to the ratio-clamped centre crop after 10 failures', () => {
    // Every draw asks for the largest, most extreme box: never fits a 2000x100 strip.
    const src: UniformSource = { uniform: () => 0.999999, int: () => 0 };
    expect(randomResizedCropParams(src, 2000, 100)).toEqual({ top: 0, left: 933, height: 100, width: 133 });
    expect(randomResizedCropParams(src, 100, 2000)).toEqual({ top: 933, left: 0, height: 133, width: 100 });
  });

  it('rejects bad sizes', () => {
    const rng = new Rng(1);
    expect(() => randomResizedCropParams(rng, 0, 10)).toThrow(RangeError);
    expect(() => randomResizedCropParams(rng, 10.5, 10)).toThrow(RangeError);
  });
});

describe('sampleCropBoxes', () => {
  it('is seeded, stays inside the image, stores exact pixel fractions and flips about half', () => {
    const W = 500;
    const H = 375;
    const a = sampleCropBoxes(new Rng(7), W, H, 500, { scale: [0.08, 0.936] });
    const b = sampleCropBoxes(new Rng(7), W, H, 500, { scale: [0.08, 0.936] });
    expect(a).toEqual(b);
    expect(sampleCropBoxes(new Rng(8), W, H, 5)).not.toEqual(a.slice(0, 5));
    let flips = 0;
    for (const box of a) {
      const p = toPixelBox(box, W, H);
      expect(p.top).toBeCloseTo(box.top * H, 9);
      expect(p.width).toBeCloseTo(box.width * W, 9);
      expect(p.top >= 0 && p.left >= 0 && p.top + p.height <= H && p.left + p.width <= W).toBe(true);
      const areaFrac = (p.width * p.height) / (W * H);
      expect(areaFrac).toBeGreaterThan(0.07);
      expect(areaFrac).toBeLessThan(0.95);
      if (box.flip) flips++;
    }
    expect(flips).toBeGreaterThan(200);
    expect(flips).toBeLessThan(300);
    expect(sampleCropBoxes(new Rng(7), W, H, 50, { flipProb: 0 }).some((x) => x.flip)).toBe(false);
  });
});

describe('toPixelBox', () => {
  it('round-trips integer pixel boxes, also through float32 storage', () => {
    const rng = new Rng(3);
    for (let k = 0; k < 5000; k++) {
      const W = rng.int(1, 4000);
      const H = rng.int(1, 4000);
      const height = rng.int(1, H);
      const width = rng.int(1, W);
      const p = { top: rng.int(0, H - height), left: rng.int(0, W - width), height, width };
      const box = fromPixelBox(p, W, H, rng.bernoulli(0.5));
      expect(toPixelBox(box, W, H)).toEqual(p);
      const f32 = { ...box, top: Math.fround(box.top), left: Math.fround(box.left) };
      const g32 = { ...f32, height: Math.fround(box.height), width: Math.fround(box.width) };
      expect(toPixelBox(g32, W, H)).toEqual(p);
    }
  });

  it('rounds each edge with round-half-even, as PIL Image.crop does', () => {
    // left = 2.5 -> 2, right = 2.5 + 5 = 7.5 -> 8: width 6, not 5
    expect(
      toPixelBox({ top: 0.5 / 10, left: 2.5 / 10, height: 3 / 10, width: 5 / 10, flip: false }, 10, 10),
    ).toEqual({
      top: 0,
      left: 2,
      height: 4,
      width: 6,
    });
  });
});

describe('evalCropBox vs torchvision Resize + CenterCrop', () => {
  it('matches the measured geometry', () => {
    expect(evalCases.length).toBeGreaterThan(30);
    for (const c of evalCases) {
      const box = evalCropBox(c.W, c.H, c.size, c.resizeRatio);
      const p = toPixelBox(box, c.resizedW, c.resizedH);
      expect(p, JSON.stringify(c)).toEqual({ top: c.top, left: c.left, height: c.size, width: c.size });
      expect(box.top).toBe(c.top / c.resizedH);
      expect(box.width).toBe(c.size / c.resizedW);
      expect(box.flip).toBe(false);
    }
  });

  it('uses the 256/224 default and rejects ratios that would pad', () => {
    const box = evalCropBox(500, 375, 224);
    expect(box.height).toBe(224 / 256);
    expect(box.width).toBe(224 / 341);
    expect(box.left).toBe(58 / 341); // (341 - 224) / 2 = 58.5 -> 58
    expect(() => evalCropBox(500, 375, 224, 0.9)).toThrow(RangeError);
  });
});
