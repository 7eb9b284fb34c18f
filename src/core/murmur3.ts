/**
 * MurmurHash3 x86_32 and its parts. The block mix and the finaliser also derive Rng fork seeds, so
 * the seeded split and the seeded crops share one well-tested avalanche.
 */

function scrambleK(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

/** Folds one 32-bit word into the running hash `h` (one MurmurHash3 body round). */
export function murmur3Mix(h: number, k: number): number {
  h ^= scrambleK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finaliser (fmix32): every input bit flips each output bit with probability about 1/2. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 x86_32 of `bytes` (little-endian blocks), as an unsigned 32-bit integer. */
export function murmur3(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = bytes.length;
  const tail = n & ~3;
  for (let j = 0; j < tail; j += 4) {
    h = murmur3Mix(h, bytes[j] | (bytes[j + 1] << 8) | (bytes[j + 2] << 16) | (bytes[j + 3] << 24));
  }
  let k = 0;
  const rem = n & 3;
  if (rem === 3) k ^= bytes[tail + 2] << 16;
  if (rem >= 2) k ^= bytes[tail + 1] << 8;
  if (rem >= 1) h ^= scrambleK(k ^ bytes[tail]);
  return fmix32(h ^ n);
}

const utf8 = new TextEncoder();

/**
 * Two seeded MurmurHash3s of a string's UTF-8 bytes as one exact double (21 + 32 bits): a name kept
 * in 8 bytes where millions of them must be looked up (a 53-bit collision among a million names has
 * odds of about 1 in 10^4, and callers confirm a match by other fields).
 */
export function hash53(text: string): number {
  const bytes = utf8.encode(text);
  return (murmur3(bytes, 0x9e3779b9) & 0x1fffff) * 2 ** 32 + murmur3(bytes, 0x85ebca6b);
}
