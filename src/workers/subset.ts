import { Rng } from '../core/rng';

/**
 * A quick run's `maxImages` takes a seeded random subset (kept in index order), not the first N: the
 * index is ordered class by class, so the first N would hold only a few classes.
 */
export function seededSubset<T>(all: T[], max: number | undefined, seed: number, label: string): T[] {
  if (!max || max >= all.length) return all;
  const pick = new Rng(seed).fork(`subset:${label}`).permutation(all.length).subarray(0, max);
  return Array.from(pick)
    .sort((a, b) => a - b)
    .map((i) => all[i]);
}
