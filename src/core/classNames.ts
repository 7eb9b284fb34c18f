/**
 * Names for every output of a model, not only the dataset's classes: an ImageNet-1k teacher labelling a
 * subset (3 of the 1000 classes) puts probability on all 1000, and its top-k must read "tabby cat", not
 * "class 281". Dataset names win; the ImageNet list fills the rest when the dataset uses its
 * 1000-class order; anything else is "class i".
 */
export interface NamedClass {
  index: number;
  name: string;
}

export function classNameLookup(
  datasetClasses: readonly NamedClass[],
  numClasses: number,
  imagenet?: readonly NamedClass[],
): (i: number) => string {
  const byIndex = new Map<number, string>();
  if (imagenet && imagenet.length === numClasses) for (const c of imagenet) byIndex.set(c.index, c.name);
  for (const c of datasetClasses) byIndex.set(c.index, c.name);
  return (i) => byIndex.get(i) ?? `class ${i}`;
}

export interface ConfusedPair {
  /** True class. */
  actual: number;
  predicted: number;
  count: number;
}

/**
 * The most frequent mistakes, from counts keyed "true,predicted" (correct predictions ignored):
 * for more than 100 classes, where a confusion matrix would be unreadable, these pairs stand in for it.
 * Ties: the lower true class, then the lower predicted class, first.
 */
export function mostConfusedPairs(counts: Readonly<Record<string, number>>, n: number): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  for (const [key, count] of Object.entries(counts)) {
    const m = /^(\d+),(\d+)$/.exec(key);
    if (!m || !(count > 0)) continue;
    const actual = Number(m[1]);
    const predicted = Number(m[2]);
    if (actual !== predicted) pairs.push({ actual, predicted, count });
  }
  pairs.sort((a, b) => b.count - a.count || a.actual - b.actual || a.predicted - b.predicted);
  return pairs.slice(0, Math.max(0, n));
}

/** The same pairs from a full confusion matrix (row = true, column = predicted). */
export function pairCountsOfMatrix(confusion: readonly (readonly number[])[]): Record<string, number> {
  const out: Record<string, number> = {};
  confusion.forEach((row, t) =>
    row.forEach((v, p) => {
      if (v > 0 && t !== p) out[`${t},${p}`] = v;
    }),
  );
  return out;
}
