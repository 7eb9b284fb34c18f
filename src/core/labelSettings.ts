/**
 * A soft-label set's settings (stored with the set and in its exported bundle) and the studio's
 * defaults: what the Soft labels form starts from, what the Train form's one-click "Generate soft
 * labels now" uses and what `npm run bench:quality` generates, so the defaults are the recipe whose
 * accuracy the README reports.
 */
import { CODECS, PRECISIONS, type Codec, type Precision } from './softLabel';
import type { LabelMixMode } from './labelMix';

export interface LabelSetSettings {
  /** Crops stored per image. */
  numCrops: number;
  codec: Codec;
  /** Probabilities kept per crop by the top-k codecs (1 for the others). */
  k: number;
  precision: Precision;
  /** The teacher's softmax temperature, baked into the stored labels. */
  temperature: number;
  /** RandomResizedCrop scale and aspect-ratio ranges of the stored boxes. */
  scale: [number, number];
  ratio: [number, number];
  seed: number;
  /** Side of the square crop the teacher saw. */
  inputSize: number;
  /** Another label set whose crop boxes these labels reuse (another teacher on the same crops). */
  reuseBoxesFrom?: string;
  /**
   * Mix at label time (core/labelMix.ts): each crop is mixed with a partner crop before the teacher
   * labels it; absent means none. Training replays the mix and trains on the stored label as is.
   */
  labelMix?: LabelMixMode;
  /** Only these training images get labels (a set too large for the quota or the time); absent: all. */
  subset?: LabelSubset;
}

/**
 * Which training images a label set covers when not all: the first N of each class (in index order),
 * the images of some classes, or a seeded fraction. Each is decided image by image in index order, so
 * generation streams through the index without holding a list of the chosen ones.
 */
export type LabelSubset =
  | { kind: 'perClass'; n: number }
  | { kind: 'classes'; classes: number[] }
  | { kind: 'fraction'; fraction: number };

export const SUBSET_KINDS = ['perClass', 'classes', 'fraction'] as const;

/**
 * Crop scale: FKD's sampler lower bound (0.08) and the teacher's upper bound (FKD's README: the crop
 * fraction the teacher was trained with). Not the teacher's own lower bound: small crops are where a
 * hard label is wrong and a per-crop soft label is not.
 */
export const LABEL_SCALE_MIN = 0.08;

/** torchvision's RandomResizedCrop aspect-ratio range, FKD's too. */
export const LABEL_RATIO: [number, number] = [3 / 4, 4 / 3];

export const DEFAULT_LABEL_SETTINGS = {
  /** Two per epoch of the default run, which draws one per image per pass (the paper stores 500). */
  numCrops: 64,
  codec: 'msTopK',
  k: 5,
  precision: 'q8',
  temperature: 1,
  seed: 42,
} as const satisfies Partial<LabelSetSettings>;

export function defaultLabelScale(teacher?: { trainScale?: [number, number] }): [number, number] {
  return [LABEL_SCALE_MIN, teacher?.trainScale?.[1] ?? 1];
}

export function isCodec(v: unknown): v is Codec {
  return CODECS.some((c) => c === v);
}

export function isPrecision(v: unknown): v is Precision {
  return PRECISIONS.some((p) => p === v);
}
