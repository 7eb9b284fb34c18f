/**
 * The plan before a soft-label generation: how many images, how many bytes the records will take (from
 * the record format itself, over a sample of the dataset's image sizes, since the box fields are as
 * wide as the image), how long at a measured teacher rate, and whether the origin's quota holds it,
 * with subsets that would fit when the whole does not.
 */
import type { LabelSubset } from './labelSettings';
import { recordByteLength } from './labelRecord';
import type { CodecSpec } from './softLabel';

export interface PlanRate {
  /** Teacher crops labelled per second, end to end (read, decode, teacher, store). */
  cropsPerSec: number;
  /** Where the rate comes from, in words ("label set X", "a probe of 12 images"). */
  source: string;
}

export interface PlanStorage {
  usage: number;
  quota: number;
  persisted: boolean;
}

export interface PlanInput {
  trainImages: number;
  spec: CodecSpec;
  numCrops: number;
  subset?: LabelSubset;
  /** Sizes of some of the dataset's images (a seeded sample); the record's box fields depend on them. */
  sizes: readonly { width: number; height: number }[];
  rate?: PlanRate;
  storage?: PlanStorage | null;
  /** Length of the label set's id, part of every stored row's key. */
  idLength?: number;
}

export interface LabelPlan {
  images: number;
  /** How `images` is known: exactly, at most (first N per class), or about (class share, fraction). */
  imagesBasis: 'exact' | 'atMost' | 'about';
  /** Mean encoded record bytes per image. */
  recordBytes: number;
  /** Sum of the records: what the set's byte counter will read when done. */
  bytes: number;
  /** Records plus each row's key and framing: what the quota is checked against. */
  storeBytes: number;
  seconds?: number;
  rateSource?: string;
  /** Quota left to this origin; undefined where the browser does not say. */
  free?: number;
  fits: 'yes' | 'no' | 'unknown';
  /** Not persisted and large or slow to regenerate: worth asking the browser not to evict it. */
  askPersist: boolean;
  /** Images whose labels fit in the free quota (when the whole does not). */
  fitImages?: number;
  /** Subsets that would fit, largest first. */
  suggestions: LabelSubset[];
}

/** Share of the free quota a plan may fill: the studio's runs, checkpoints and other sets need room too. */
export const QUOTA_SHARE = 0.9;
/** Per stored row beyond its record and key: structured-clone framing of the row object (an allowance). */
export const ROW_FRAMING_BYTES = 48;
/** A set this large or this slow to regenerate should not be evicted silently. */
export const PERSIST_BYTES = 64 * 2 ** 20;
export const PERSIST_SECONDS = 600;

/** Images the subset covers out of `total` over `numClasses` classes, and how exactly that is known. */
export function subsetSize(
  total: number,
  numClasses: number,
  subset?: LabelSubset,
): { images: number; basis: LabelPlan['imagesBasis'] } {
  if (!subset) return { images: total, basis: 'exact' };
  if (subset.kind === 'perClass') {
    const cap = subset.n * numClasses;
    return cap >= total ? { images: total, basis: 'exact' } : { images: cap, basis: 'atMost' };
  }
  if (subset.kind === 'classes') {
    const share = new Set(subset.classes).size / Math.max(1, numClasses);
    return { images: Math.round(total * Math.min(1, share)), basis: 'about' };
  }
  return { images: Math.round(total * Math.min(1, subset.fraction)), basis: 'about' };
}

/** Mean encoded record size over the sampled image sizes (a 500x375 image when no sample is given). */
export function meanRecordBytes(
  spec: CodecSpec,
  numCrops: number,
  sizes: readonly { width: number; height: number }[],
): number {
  const sample = sizes.length ? sizes : [{ width: 500, height: 375 }];
  let sum = 0;
  for (const s of sample) sum += recordByteLength(spec, numCrops, s.width, s.height);
  return sum / sample.length;
}

export function planLabels(input: PlanInput): LabelPlan {
  const { spec, numCrops } = input;
  const { images, basis } = subsetSize(input.trainImages, spec.numClasses, input.subset);
  const recordBytes = meanRecordBytes(spec, numCrops, input.sizes);
  const keyBytes = 2 * (input.idLength ?? 40) + 8;
  const bytes = Math.round(images * recordBytes);
  const perImageStored = recordBytes + keyBytes + ROW_FRAMING_BYTES;
  const storeBytes = Math.round(images * perImageStored);
  const seconds =
    input.rate && input.rate.cropsPerSec > 0 ? (images * numCrops) / input.rate.cropsPerSec : undefined;
  const st = input.storage;
  const free = st && st.quota > 0 ? Math.max(0, st.quota - st.usage) : undefined;
  const room = free === undefined ? undefined : free * QUOTA_SHARE;
  const fits = room === undefined ? 'unknown' : storeBytes <= room ? 'yes' : 'no';
  const big = storeBytes >= PERSIST_BYTES || (seconds ?? 0) >= PERSIST_SECONDS;
  const askPersist = !!st && !st.persisted && big;
  const plan: LabelPlan = {
    images,
    imagesBasis: basis,
    recordBytes,
    bytes,
    storeBytes,
    seconds,
    rateSource: input.rate?.source,
    free,
    fits,
    askPersist,
    suggestions: [],
  };
  if (fits === 'no' && room !== undefined) {
    const fitImages = Math.floor(room / perImageStored);
    plan.fitImages = fitImages;
    const perClass = Math.floor(fitImages / Math.max(1, spec.numClasses));
    if (perClass >= 1) plan.suggestions.push({ kind: 'perClass', n: perClass });
    const fraction = Math.floor((100 * fitImages) / Math.max(1, input.trainImages)) / 100;
    if (fraction > 0) plan.suggestions.push({ kind: 'fraction', fraction });
  }
  return plan;
}

/** A subset in words, for the plan and the library. */
export function describeSubset(s: LabelSubset | undefined): string {
  if (!s) return 'all training images';
  if (s.kind === 'perClass') return `the first ${s.n} images of each class`;
  if (s.kind === 'classes') return `the images of ${s.classes.length} chosen classes`;
  return `a seeded ${+(100 * s.fraction).toFixed(2)}% of the images`;
}
