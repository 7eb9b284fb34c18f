/**
 * Plain-array reference of FKD's training loss (docs/fkd.md, Loss): for each crop,
 *   L = −Σ_c q_c · log softmax(z / T)_c,
 * averaged over crops. T divides only the student logits z (the temperature of the teacher is already
 * baked into the stored q); there is no T² factor and no hard-label term. It is cross-entropy, not KL:
 * the two differ by the target entropy, a constant, so gradients match. The tfjs loss in src/engine is
 * checked against this function.
 */

/**
 * @param logits student logits, crop-major [numCrops × numClasses]
 * @param targets rebuilt soft targets q, same layout (each row normally sums to 1)
 * @returns the mean over crops (float64)
 */
export function softCrossEntropy(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  numCrops: number,
  numClasses: number,
  temperature = 1,
): number {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  if (!Number.isInteger(numCrops) || numCrops < 1 || !Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`bad shape ${numCrops} x ${numClasses}`);
  }
  const n = numCrops * numClasses;
  if (logits.length !== n || targets.length !== n) {
    throw new RangeError(`expected ${n} logits and targets, got ${logits.length} and ${targets.length}`);
  }
  let total = 0;
  for (let r = 0; r < numCrops; r++) {
    const base = r * numClasses;
    // log_softmax(x) = x − max − log Σ exp(x − max): stable for large logits or small T.
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[base + c] / temperature);
    let sumExp = 0;
    for (let c = 0; c < numClasses; c++) sumExp += Math.exp(logits[base + c] / temperature - max);
    const logZ = max + Math.log(sumExp);
    let loss = 0;
    for (let c = 0; c < numClasses; c++) {
      const q = targets[base + c];
      // Skip q = 0 so a −Infinity log-prob on an unused class cannot turn the loss into NaN (0 · −∞).
      if (q !== 0) loss -= q * (logits[base + c] / temperature - logZ);
    }
    total += loss;
  }
  return total / numCrops;
}
