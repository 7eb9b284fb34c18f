/**
 * Mixing at label time (FKD-Mix, as SRe2L's relabel): each stored crop may be mixed with a partner
 * crop BEFORE the teacher sees it, and the teacher's label is stored for the mixed image. What makes a
 * mix replayable is stored with the crop (label record version 2): the partner's training image index
 * and stored crop index, the kind, lambda and the CutMix box. Training loads both stored crops and
 * calls the same weight function (cropMixWeights) and device op (engine/mix.ts mixCropPairs).
 *
 * Why per-crop partners rather than SRe2L's batch permutation: label records are per image and a
 * training step draws its own crops of its own images, so a partner named by (image, crop) can be
 * loaded in any batch order, while a permutation only replays if the batches are replayed whole.
 */
import { cutmixBox, type MixBox } from './mixing';
import type { Rng } from './rng';

export const LABEL_MIX_MODES = ['none', 'mixup', 'cutmix', 'both'] as const;
export type LabelMixMode = (typeof LABEL_MIX_MODES)[number];

/** Record ids of a crop's mix kind (2 bits in a version-2 record row). */
export const CROP_MIX_KINDS = ['none', 'mixup', 'cutmix'] as const;
export type CropMixKind = (typeof CROP_MIX_KINDS)[number];

/** Beta parameters as the reference's defaults (Mixup 0.8, CutMix 1.0). */
export const LABEL_MIXUP_ALPHA = 0.8;
export const LABEL_CUTMIX_ALPHA = 1;

/** One stored crop's label-time mix. */
export interface CropMix {
  kind: CropMixKind;
  /** Dataset index of the partner image (a training image of the same label set). */
  partnerImage: number;
  /** Which of the partner's stored crops. */
  partnerCrop: number;
  /** Weight of the crop's own pixels; float32-exact, so the stored value is the one that was used. */
  lambda: number;
  /** CutMix: the region taken from the partner, on the mixSize x mixSize crop (zeros otherwise). */
  box: MixBox;
}

export const NO_MIX_BOX: MixBox = { y1: 0, x1: 0, y2: 0, x2: 0 };

/** Largest partner crop index a record row holds (16 bits). */
export const MAX_PARTNER_CROP = 0xffff;

/**
 * The partner image of a training image: another training image drawn from a stream of the set's seed
 * keyed by the image, so a resumed or re-run generation picks the same one whatever the order.
 */
export function partnerImageOf(rng: Rng, self: number, numTrain: number): number {
  if (!Number.isInteger(numTrain) || numTrain < 1) throw new RangeError('partnerImageOf: no training images');
  if (numTrain === 1) return 0;
  const j = rng.int(0, numTrain - 2); // training images are indexed 0..n-1; any but itself
  return j >= self ? j + 1 : j;
}

/**
 * numCrops mixes against one partner image holding `partnerCrops` stored crops. Draw order per crop:
 * partner crop, Mixup-or-CutMix (`both` only, even odds as the reference's switch), Beta lambda, then
 * the CutMix centre (row, column); lambda is the CutMix area-corrected one.
 */
export function sampleCropMixes(
  rng: Rng,
  mode: LabelMixMode,
  numCrops: number,
  partnerImage: number,
  partnerCrops: number,
  mixSize: number,
): CropMix[] {
  if (!Number.isInteger(partnerCrops) || partnerCrops < 1 || partnerCrops - 1 > MAX_PARTNER_CROP)
    throw new RangeError(`sampleCropMixes: partner crop count ${partnerCrops} not in 1..65536`);
  return Array.from({ length: numCrops }, (): CropMix => {
    if (mode === 'none') return { kind: 'none', partnerImage: 0, partnerCrop: 0, lambda: 1, box: NO_MIX_BOX };
    const partnerCrop = rng.int(0, partnerCrops - 1);
    const kind = mode === 'both' ? (rng.bernoulli(0.5) ? 'mixup' : 'cutmix') : mode;
    if (kind === 'mixup') {
      const lambda = Math.fround(rng.beta(LABEL_MIXUP_ALPHA, LABEL_MIXUP_ALPHA));
      return { kind, partnerImage, partnerCrop, lambda, box: NO_MIX_BOX };
    }
    const lambda0 = rng.beta(LABEL_CUTMIX_ALPHA, LABEL_CUTMIX_ALPHA);
    const row = rng.int(0, mixSize - 1);
    const col = rng.int(0, mixSize - 1);
    const cut = cutmixBox(lambda0, row, col, mixSize);
    return { kind, partnerImage, partnerCrop, lambda: Math.fround(cut.lambda), box: cut.box };
  });
}

/** A CutMix box on a mixSize crop, scaled to an outSize crop (edges rounded; identity when equal). */
export function scaleMixBox(b: MixBox, mixSize: number, outSize: number): MixBox {
  if (mixSize === outSize) return b;
  const s = (v: number) => Math.round((v * outSize) / mixSize);
  return { y1: s(b.y1), x1: s(b.x1), y2: s(b.y2), x2: s(b.x2) };
}

/**
 * Per-pixel weight of each crop's own pixels, [mixes.length, outSize, outSize] row-major: lambda
 * everywhere for Mixup, 0 inside the box and 1 outside for CutMix, 1 for an unmixed crop. The mixed
 * crop is w * own + (1 - w) * partner (engine/mix.ts mixCropPairs), for the generator and the trainer.
 */
export function cropMixWeights(
  mixes: readonly (CropMix | undefined)[],
  mixSize: number,
  outSize: number,
): Float32Array {
  const plane = outSize * outSize;
  const w = new Float32Array(mixes.length * plane).fill(1);
  mixes.forEach((m, i) => {
    if (!m || m.kind === 'none') return;
    const at = i * plane;
    if (m.kind === 'mixup') {
      w.fill(m.lambda, at, at + plane);
      return;
    }
    const b = scaleMixBox(m.box, mixSize, outSize);
    for (let r = b.y1; r < b.y2; r++) w.fill(0, at + r * outSize + b.x1, at + r * outSize + b.x2);
  });
  return w;
}

/** One line for the live views and the explorer: "cutmix λ 0.62 with image 17 crop 3 (box 4,2–20,18)". */
export function describeCropMix(m: CropMix): string {
  if (m.kind === 'none') return 'not mixed';
  const base = `${m.kind} λ ${m.lambda.toFixed(2)} with image ${m.partnerImage} crop ${m.partnerCrop}`;
  const b = m.box;
  return m.kind === 'cutmix' ? `${base} (box ${b.y1},${b.x1}–${b.y2},${b.x2})` : base;
}
