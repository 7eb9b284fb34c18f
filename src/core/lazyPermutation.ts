/**
 * A seeded permutation of 0..n-1 computed one position at a time, never stored: a pass over 1.28M
 * images needs no 5 MB order array per pass and a resumed run finds any step's images directly. A
 * four-round Feistel network on the smallest even-bit square domain holding n is a bijection of that
 * domain; walking the cycle until the value falls below n restricts it to 0..n-1 (at most four
 * tries on average, since the domain is under 4n).
 */
import { fmix32, murmur3Mix } from './murmur3';
import type { Rng } from './rng';

const ROUNDS = 4;

export class LazyPermutation {
  private readonly half: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;

  constructor(
    readonly n: number,
    rng: Rng,
  ) {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 32)
      throw new RangeError(`permutation size must be an integer in 0..2^32 (got ${n})`);
    const bits = Math.max(2, Math.ceil(Math.log2(Math.max(2, n))));
    this.half = Math.ceil(bits / 2);
    this.mask = 2 ** this.half - 1;
    this.keys = Uint32Array.from({ length: ROUNDS }, () => rng.nextU32());
  }

  private encrypt(x: number): number {
    const h = this.half;
    let left = Math.floor(x / 2 ** h);
    let right = x & this.mask;
    for (const key of this.keys) {
      const f = fmix32(murmur3Mix(key, right)) & this.mask;
      [left, right] = [right, (left ^ f) & this.mask];
    }
    return left * 2 ** h + right;
  }

  /** The value at position i (0 <= i < n). */
  at(i: number): number {
    if (!(i >= 0 && i < this.n)) throw new RangeError(`position ${i} outside 0..${this.n - 1}`);
    let y = this.encrypt(i);
    while (y >= this.n) y = this.encrypt(y);
    return y;
  }

  /** Positions [from, to) as values, e.g. one step's images. */
  slice(from: number, to: number): number[] {
    const out: number[] = [];
    for (let i = Math.max(0, from); i < Math.min(to, this.n); i++) out.push(this.at(i));
    return out;
  }
}
