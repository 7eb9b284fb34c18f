/**
 * Seeded string hash for the deterministic train/val split of a bare class tree. Each file's
 * split depends only on (seed, its own path), so adding or removing files never moves others.
 * MurmurHash3 x86_32 over the UTF-8 bytes of the NFC-normalised path (macOS may hand us NFD
 * names; normalising keeps the split the same across operating systems).
 */

const encoder = new TextEncoder();

export function murmur3(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = bytes.length;
  const nBlocks = n >>> 2;
  for (let i = 0; i < nBlocks; i++) {
    const j = i * 4;
    let k = bytes[j] | (bytes[j + 1] << 8) | (bytes[j + 2] << 16) | (bytes[j + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = nBlocks * 4;
  const rem = n & 3;
  if (rem === 3) k ^= bytes[tail + 2] << 16;
  if (rem >= 2) k ^= bytes[tail + 1] << 8;
  if (rem >= 1) {
    k ^= bytes[tail];
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1) for (seed, path). */
export function hashUnit(seed: number, path: string): number {
  return murmur3(encoder.encode(path.normalize('NFC')), seed) / 4294967296;
}

/** True when the file goes to validation. */
export function isValByHash(seed: number, path: string, valFraction: number): boolean {
  return hashUnit(seed, path) < valFraction;
}
