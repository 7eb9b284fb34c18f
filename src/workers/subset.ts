import type { LabelSubset } from '../core/labelSettings';
import { fmix32, murmur3Mix } from '../core/murmur3';
import { Rng } from '../core/rng';

/**
 * A quick run's `maxImages` takes a seeded random subset (kept in index order), not the first N: the
 * index is ordered class by class, so the first N would hold only a few classes.
 */
export function seededSubset<T>(all: T[], max: number | undefined, seed: number, label: string): T[] {
  const pick = seededPicks(all.length, max, seed, label);
  return pick ? Array.from(pick, (i) => all[i]) : all;
}

/** The positions (ascending) a seeded subset of `max` of `count` keeps; null when it keeps all. */
function seededPicks(
  count: number,
  max: number | undefined,
  seed: number,
  label: string,
): Uint32Array | null {
  if (!max || max >= count) return null;
  return new Rng(seed).fork(`subset:${label}`).permutation(count).subarray(0, max).sort();
}

/**
 * A label set's subset as a predicate over the training index read in index order (it counts each
 * class's images as they pass, so "first N per class" needs no per-class lists). Undefined: all.
 */
export function subsetFilter(
  subset: LabelSubset | undefined,
  seed: number,
): (item: { index: number; classIndex: number }) => boolean {
  if (!subset) return () => true;
  if (subset.kind === 'perClass') {
    const seen = new Map<number, number>();
    return (item) => {
      const n = seen.get(item.classIndex) ?? 0;
      seen.set(item.classIndex, n + 1);
      return n < subset.n;
    };
  }
  if (subset.kind === 'classes') {
    const keep = new Set(subset.classes);
    return (item) => keep.has(item.classIndex);
  }
  // A seeded hash per image: the same images whatever order they are visited in.
  const cut = subset.fraction * 2 ** 32;
  const key = fmix32(seed ^ 0x5eed5eed);
  return (item) => fmix32(murmur3Mix(key, item.index)) < cut;
}

/** `seededSubset` over item indices: the same picks, kept as a typed array in index order. */
export function seededSubsetIndices(
  all: Uint32Array,
  max: number | undefined,
  seed: number,
  label: string,
): Uint32Array {
  const pick = seededPicks(all.length, max, seed, label);
  return pick ? pick.map((i) => all[i]) : all;
}

/**
 * The indices (ascending) of the items that pass `keep`, read page by page in index order: a held
 * train list costs 4 bytes per picked image, never an object per image of the split. Counts the gone.
 */
export async function keptIndices(
  pages: AsyncIterable<readonly { index: number; classIndex: number; gone?: boolean }[]>,
  keep: (item: { index: number; classIndex: number }) => boolean,
): Promise<{ indices: Uint32Array; gone: number }> {
  let out = new Uint32Array(1024);
  let n = 0;
  let gone = 0;
  for await (const page of pages) {
    for (const it of page) {
      if (it.gone) gone++;
      if (it.gone || !keep(it)) continue;
      if (n === out.length) {
        const grown = new Uint32Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[n++] = it.index;
    }
  }
  return { indices: out.slice(0, n), gone };
}
