/**
 * Mixup / CutMix parameters and target mixing for FKD (docs/fkd.md, Mixup and CutMix).
 *
 * Why: with `--mixup_cutmix`, FKD mixes the crop batch *after* rebuilding the soft targets, and the
 * target is a linear mix of the two stored soft labels (no teacher sees the mixed image). We sample the
 * parameters here (pure, seeded, testable) and leave the pixel work to the engine. The draw order follows
 * the reference: apply? (prob) -> permutation -> mixup-or-cutmix (switchProb) -> Beta lambda -> CutMix
 * centre (row, then column). The CutMix box is timm/FKD rand_bbox with int() truncation (the reference's
 * np.int crashes on NumPy >= 1.24), and lambda is recomputed from the clipped box area.
 */

import type { Rng } from './rng';

/** Half-open pixel box on the size x size crop: rows [y1, y2), columns [x1, x2). */
export interface MixBox {
  y1: number;
  x1: number;
  y2: number;
  x2: number;
}

export interface MixParams {
  kind: 'mixup' | 'cutmix' | 'none';
  /** Weight of the crop's own target (after the CutMix area correction). */
  lambda: number;
  /** Crop i is mixed with crop perm[i] of the same batch. */
  perm: Uint32Array;
  /** CutMix only: the region pasted from crop perm[i]. */
  box?: MixBox;
}

export interface MixOptions {
  /** Probability of mixing a batch at all (reference mixup_cutmix_prob, default 1). */
  prob?: number;
  /** Probability of Mixup rather than CutMix (reference mixup_switch_prob, default 0.5). */
  switchProb?: number;
  /** Mixup Beta(alpha, alpha), default 0.8. */
  mixupAlpha?: number;
  /** CutMix Beta(alpha, alpha), default 1. */
  cutmixAlpha?: number;
}

/**
 * rand_bbox for a centre drawn by the caller: side ratio sqrt(1 - lambda), half-sides floor(cut / 2),
 * clipped to [0, size]. Returns the box and the area-corrected lambda = 1 - area / size^2.
 */
export function cutmixBox(
  lambda: number,
  centreRow: number,
  centreCol: number,
  size: number,
): { box: MixBox; lambda: number } {
  const cutRatio = Math.sqrt(1 - lambda);
  const cut = Math.trunc(size * cutRatio); // int(W * cut_rat); square crops, so one side for both
  const half = Math.floor(cut / 2);
  const clip = (v: number): number => Math.min(Math.max(v, 0), size);
  const box = {
    y1: clip(centreRow - half),
    x1: clip(centreCol - half),
    y2: clip(centreRow + half),
    x2: clip(centreCol + half),
  };
  const area = (box.y2 - box.y1) * (box.x2 - box.x1);
  return { box, lambda: 1 - area / (size * size) };
}

function identity(n: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return p;
}

/** Mixing parameters for one batch of `batchSize` crops of `size` x `size` pixels. */
export function sampleMix(rng: Rng, batchSize: number, size: number, opts: MixOptions = {}): MixParams {
  if (!Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(size) || size < 1) {
    throw new RangeError(
      `sampleMix: batchSize and size must be positive integers, got ${batchSize}, ${size}`,
    );
  }
  const prob = opts.prob ?? 1;
  if (!rng.bernoulli(prob)) return { kind: 'none', lambda: 1, perm: identity(batchSize) };
  const perm = rng.permutation(batchSize);
  if (rng.bernoulli(opts.switchProb ?? 0.5)) {
    const a = opts.mixupAlpha ?? 0.8;
    return { kind: 'mixup', lambda: rng.beta(a, a), perm };
  }
  const a = opts.cutmixAlpha ?? 1;
  const lambda0 = rng.beta(a, a);
  const row = rng.int(0, size - 1);
  const col = rng.int(0, size - 1);
  const { box, lambda } = cutmixBox(lambda0, row, col, size);
  return { kind: 'cutmix', lambda, perm, box };
}

/**
 * q'[i] = lambda q[i] + (1 - lambda) q[perm[i]] over a row-major [batch, numClasses] target matrix.
 * Rows that sum to 1 still sum to 1.
 */
export function mixTargets(targets: Float32Array, numClasses: number, mix: MixParams): Float32Array {
  const n = mix.perm.length;
  if (targets.length !== n * numClasses) {
    throw new RangeError(`mixTargets: ${targets.length} values is not ${n} rows x ${numClasses} classes`);
  }
  const out = new Float32Array(targets.length);
  const l = mix.lambda;
  const m = 1 - l;
  for (let i = 0; i < n; i++) {
    const a = i * numClasses;
    const b = mix.perm[i] * numClasses;
    if (mix.perm[i] >= n) throw new RangeError(`mixTargets: perm[${i}] = ${mix.perm[i]} out of range`);
    for (let c = 0; c < numClasses; c++) out[a + c] = l * targets[a + c] + m * targets[b + c];
  }
  return out;
}
