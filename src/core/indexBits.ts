/** One bit per image index of a split: a set of indices that costs N/8 bytes (160 KB at 1.28M). */
export class IndexBits {
  private readonly words: Uint32Array;
  private n = 0;

  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  has(i: number): boolean {
    return i >= 0 && i < this.size && (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  /** Adds `i` (ignored outside [0, size)); true when it was not there yet. */
  add(i: number): boolean {
    if (i < 0 || i >= this.size || this.has(i)) return false;
    this.words[i >>> 5] |= 1 << (i & 31);
    this.n++;
    return true;
  }

  /** How many indices are set. */
  get count(): number {
    return this.n;
  }
}
