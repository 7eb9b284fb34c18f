/**
 * Seeded string hash for the deterministic train/val split of a bare class tree. Each file's
 * split depends only on (seed, its own path), so adding or removing files never moves others.
 * MurmurHash3 x86_32 over the UTF-8 bytes of the NFC-normalised path (macOS may hand us NFD
 * names; normalising keeps the split the same across operating systems).
 */
import { murmur3 } from '../core/murmur3';

const encoder = new TextEncoder();

/** Uniform in [0, 1) for (seed, path). */
export function hashUnit(seed: number, path: string): number {
  return murmur3(encoder.encode(path.normalize('NFC')), seed) / 4294967296;
}

/** True when the file goes to validation. */
export function isValByHash(seed: number, path: string, valFraction: number): boolean {
  return hashUnit(seed, path) < valFraction;
}
