/**
 * Images a re-open check found gone from their folder keep their index (label records of the others
 * stay valid), so a split's index has holes. The dataset keeps the holes as one ascending list per
 * split; readers count and map around them without reading the index.
 */

/** Images of a split that still have a file. */
export function liveCount(total: number, gone: readonly number[] | undefined): number {
  return total - (gone?.length ?? 0);
}

/** How many of the ascending `gone` are <= x. */
function rankAtMost(gone: readonly number[], x: number): number {
  let lo = 0;
  let hi = gone.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (gone[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the `pos`-th image that is not gone (0-based), so a pass permutes only live images. */
export function liveIndex(pos: number, gone: readonly number[] | undefined): number {
  if (!gone?.length) return pos;
  // Each hole at or before the candidate pushes it one further; stop when no new hole is passed.
  let k = 0;
  for (;;) {
    const next = rankAtMost(gone, pos + k);
    if (next === k) return pos + k;
    k = next;
  }
}

/** `gone` with the indices `lost` added and `back` removed, ascending (a new list: the old may be shared). */
export function withGone(
  gone: readonly number[] | undefined,
  lost: readonly number[],
  back: readonly number[] = [],
): number[] {
  if (lost.length === 0 && back.length === 0) return gone ? gone.slice() : [];
  const set = new Set(gone);
  for (const i of lost) set.add(i);
  for (const i of back) set.delete(i);
  return [...set].sort((a, b) => a - b);
}
