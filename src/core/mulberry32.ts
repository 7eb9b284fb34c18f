/**
 * mulberry32: a tiny seeded 32-bit generator. The studio's sampling uses core/rng (PCG32); this one
 * stays because the embedded datasets, the e2e fixture bytes and the gradient-parity inputs are
 * pinned to its output, so changing it would change committed data.
 */

/** A stream of uniform unsigned 32-bit integers. */
export function mulberry32U32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A stream of uniform doubles in [0, 1) (32 random bits each). */
export function mulberry32(seed: number): () => number {
  const next = mulberry32U32(seed);
  return () => next() / 4294967296;
}
