/**
 * Seeded PRNG: PCG32 (O'Neill's pcg32, XSH-RR output on a 64-bit LCG state, selectable stream).
 *
 * Why: every random choice in FKD Studio (crop boxes and flips at label generation, which stored crops a
 * training pass picks, image order, Mixup/CutMix) must be reproducible from a seed and resumable from a
 * checkpoint, in a worker, without BigInt on the hot path. The 64-bit state is kept as two uint32 halves
 * and advanced with exact 16-bit-limb products, so outputs are bit-identical to the C reference
 * (pcg32_random_r); `getState()` is plain JSON, and `fork(label)` derives an independent stream (e.g. one
 * per image index) without consuming draws of the parent, so per-image randomness does not depend on the
 * order in which images happen to be processed.
 */

import { fmix32, murmur3Mix } from './murmur3';

/** JSON-serialisable generator state: 64-bit LCG state and increment as 16 hex digits each. */
export interface RngState {
  algo: 'pcg32';
  state: string;
  inc: string;
}

// 6364136223846793005 = the PCG 64-bit LCG multiplier, split into uint32 halves.
const MUL_HI = 0x5851f42d;
const MUL_LO = 0x4c957f2d;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** High 32 bits of the exact 64-bit product of two uint32 values (16-bit limbs stay exact in doubles). */
function mulHi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

function hex64(hi: number, lo: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

function parseHex64(s: string): [number, number] {
  if (!/^[0-9a-f]{16}$/i.test(s))
    throw new Error(`Rng state: expected 16 hex digits, got ${JSON.stringify(s)}`);
  return [parseInt(s.slice(0, 8), 16) >>> 0, parseInt(s.slice(8), 16) >>> 0];
}

/** Split a safe integer into 64-bit two's-complement halves (negative seeds are allowed). */
function splitSafeInt(x: number, what: string): [number, number] {
  if (!Number.isSafeInteger(x)) throw new RangeError(`Rng ${what} must be a safe integer, got ${x}`);
  const hi = Math.floor(x / TWO_POW_32);
  return [hi >>> 0, (x - hi * TWO_POW_32) >>> 0];
}

function labelWords(label: number | string): number[] {
  if (typeof label === 'string') {
    const words = [0x53545247]; // type tag so fork(1) and fork('1') differ
    for (let i = 0; i < label.length; i++) words.push(label.charCodeAt(i));
    words.push(label.length);
    return words;
  }
  const f = new Float64Array([label]);
  const u = new Uint32Array(f.buffer);
  return [0x4e554d42, u[0], u[1]];
}

export class Rng {
  private sHi = 0;
  private sLo = 0;
  private iHi = 0;
  private iLo = 1;

  /**
   * Same seeding as pcg32_srandom_r(initstate = seed, initseq = stream); e.g. seed 42, stream 54 is the
   * pcg32-demo generator. Seeds and streams are safe integers (64-bit two's complement for negatives).
   */
  constructor(seed: number, stream = 0) {
    const [seedHi, seedLo] = splitSafeInt(seed, 'seed');
    const [streamHi, streamLo] = splitSafeInt(stream, 'stream');
    this.seed64(seedHi, seedLo, streamHi, streamLo);
  }

  private seed64(seedHi: number, seedLo: number, streamHi: number, streamLo: number): void {
    // inc = (initseq << 1) | 1 (mod 2^64): the increment must be odd for a full-period LCG.
    this.iHi = ((streamHi << 1) | (streamLo >>> 31)) >>> 0;
    this.iLo = ((streamLo << 1) | 1) >>> 0;
    this.sHi = 0;
    this.sLo = 0;
    this.step();
    const lo = this.sLo + seedLo;
    this.sLo = lo >>> 0;
    this.sHi = (this.sHi + seedHi + (lo >= TWO_POW_32 ? 1 : 0)) >>> 0;
    this.step();
  }

  /** state = state * MUL + inc (mod 2^64). */
  private step(): void {
    const aHi = this.sHi;
    const aLo = this.sLo;
    const lo = Math.imul(aLo, MUL_LO) >>> 0;
    const hi = (mulHi32(aLo, MUL_LO) + Math.imul(aLo, MUL_HI) + Math.imul(aHi, MUL_LO)) >>> 0;
    const sumLo = lo + this.iLo;
    this.sLo = sumLo >>> 0;
    this.sHi = (hi + this.iHi + (sumLo >= TWO_POW_32 ? 1 : 0)) >>> 0;
  }

  /** Next uniformly distributed uint32 (pcg32_random_r). */
  nextU32(): number {
    const oHi = this.sHi;
    const oLo = this.sLo;
    this.step();
    // xorshifted = uint32(((old >> 18) ^ old) >> 27); rot = old >> 59
    const xHi = oHi ^ (oHi >>> 18);
    const xLo = oLo ^ ((oLo >>> 18) | (oHi << 14));
    const xorshifted = ((xHi << 5) | (xLo >>> 27)) >>> 0;
    const rot = oHi >>> 27;
    return ((xorshifted >>> rot) | (xorshifted << (-rot & 31))) >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (two outputs). */
  uniform(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** Uniform double in [lo, hi). */
  uniformRange(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [lo, hi], both inclusive, without modulo bias (rejection sampling). */
  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new RangeError(`Rng.int: need integers lo <= hi, got [${lo}, ${hi}]`);
    }
    const range = hi - lo + 1;
    if (range <= TWO_POW_32) {
      if (range === TWO_POW_32) return lo + this.nextU32();
      // pcg32_boundedrand_r: reject the first (2^32 mod range) values so every residue is equally likely.
      const threshold = (TWO_POW_32 - range) % range;
      for (;;) {
        const r = this.nextU32();
        if (r >= threshold) return lo + (r % range);
      }
    }
    if (range > TWO_POW_53) throw new RangeError('Rng.int: range wider than 2^53');
    const limit = Math.floor(TWO_POW_53 / range) * range;
    for (;;) {
      const x = (this.nextU32() >>> 11) * TWO_POW_32 + this.nextU32();
      if (x < limit) return lo + (x % range);
    }
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** True with probability p (p <= 0 never, p >= 1 always). */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Standard normal (Box-Muller; the second value is dropped so the state stays a pure LCG state). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Gamma(shape, 1) by Marsaglia-Tsang; shape < 1 via the boost Gamma(a) = Gamma(a+1) * U^(1/a). */
  gamma(shape: number): number {
    if (!(shape > 0) || !Number.isFinite(shape))
      throw new RangeError(`Rng.gamma: shape must be > 0, got ${shape}`);
    if (shape < 1) {
      const g = this.gamma(shape + 1);
      return g * Math.pow(1 - this.uniform(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      let v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      const u = this.uniform();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) = X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    const s = x + y;
    // Only reachable when both shapes are tiny and both gammas underflow to 0.
    if (s === 0) return this.bernoulli(a / (a + b)) ? 1 : 0;
    return x / s;
  }

  getState(): RngState {
    return { algo: 'pcg32', state: hex64(this.sHi, this.sLo), inc: hex64(this.iHi, this.iLo) };
  }

  static fromState(s: RngState): Rng {
    if (s.algo !== 'pcg32') throw new Error(`Rng state: unknown algorithm ${JSON.stringify(s.algo)}`);
    const [sHi, sLo] = parseHex64(s.state);
    const [iHi, iLo] = parseHex64(s.inc);
    if ((iLo & 1) === 0) throw new Error('Rng state: increment must be odd');
    const r = new Rng(0);
    r.sHi = sHi;
    r.sLo = sLo;
    r.iHi = iHi;
    r.iLo = iLo;
    return r;
  }

  /**
   * An independent generator derived from this one's current state and `label` (e.g. an image index).
   * Does not advance this generator; different labels get different seeds and different PCG streams.
   */
  fork(label: number | string): Rng {
    const words = [this.sHi, this.sLo, this.iHi, this.iLo, ...labelWords(label)];
    const out: number[] = [];
    for (const salt of [0x9e3779b9, 0x7f4a7c15, 0x85ebca77, 0xc2b2ae3d]) {
      let h = salt | 0;
      for (const w of words) h = murmur3Mix(h, w);
      out.push(fmix32(h ^ words.length));
    }
    const child = new Rng(0);
    child.seed64(out[0], out[1], out[2] >>> 1, out[3]);
    return child;
  }
}
