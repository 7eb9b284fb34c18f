/**
 * Storage against fidelity: what each soft-label codec × precision costs in bytes per crop and in
 * recovered-target error, measured on real teacher softmaxes (the full distribution p of sampled
 * crops). For every spec the crop is encoded, stored-and-recovered into q (Recover_soft_label), and
 * compared with p: max |q − p| over classes and crops, and the mean over crops of KL(p ‖ q).
 * Bytes per crop are those of the packed label record (labelRecord.recordByteLength, header included)
 * for the sampled images' sizes and crop counts.
 */
import { recordByteLength } from './labelRecord';
import {
  CODECS,
  PRECISIONS,
  encodeSoftLabel,
  recoverSoftLabel,
  type Codec,
  type CodecSpec,
  type Precision,
} from './softLabel';

/** hard and MR top-k recover zeros; KL(p ‖ 0) is infinite, so q is floored here (below any stored value). */
export const KL_FLOOR = 1e-7;

export interface FidelityImage {
  width: number;
  height: number;
  /** Crops of this image in the sample (its rows of `probs`). */
  crops: number;
  /** Crops its label record stores (the record's size grows with them). */
  recordCrops: number;
}

export interface FidelitySample {
  numClasses: number;
  images: FidelityImage[];
  /** Full teacher softmax per sampled crop, crop-major [crops × numClasses]. */
  probs: Float32Array;
}

export interface FidelityPoint {
  codec: Codec;
  k: number;
  precision: Precision;
  bytesPerCrop: number;
  maxAbsError: number;
  meanKl: number;
}

/** Short name of a spec, e.g. "MS top-5 q8". */
export function specLabel(p: Pick<FidelityPoint, 'codec' | 'k' | 'precision'>): string {
  const name: Record<Codec, string> = {
    hard: 'hard',
    smoothing: 'smoothing',
    msTopK: `MS top-${p.k}`,
    mrTopK: `MR top-${p.k}`,
    full: 'full',
  };
  return `${name[p.codec]} ${p.precision}`;
}

/** Every codec × precision the studio stores, top-k codecs at `k` (capped at C). */
export function fidelitySpecs(numClasses: number, k: number): CodecSpec[] {
  const topK = Math.max(1, Math.min(Math.round(k), numClasses));
  return CODECS.flatMap((codec) =>
    PRECISIONS.map((precision) => ({
      codec,
      precision,
      numClasses,
      k: codec === 'msTopK' || codec === 'mrTopK' ? topK : 1,
    })),
  );
}

/** KL(p ‖ q) in nats, q floored at KL_FLOOR. */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0) kl += p[i] * Math.log(p[i] / Math.max(q[i], KL_FLOOR));
  }
  return Math.max(0, kl);
}

function checkSample(s: FidelitySample): number {
  const c = s.numClasses;
  if (!Number.isInteger(c) || c < 2) throw new Error(`numClasses ${c} must be an integer >= 2`);
  if (s.probs.length % c !== 0)
    throw new Error(`probs length ${s.probs.length} is not a multiple of numClasses ${c}`);
  const crops = s.probs.length / c;
  const listed = s.images.reduce((a, im) => a + im.crops, 0);
  if (crops === 0) throw new Error('the sample has no crops');
  if (listed !== crops) throw new Error(`images list ${listed} crops but probs hold ${crops}`);
  return crops;
}

/** One spec measured on the sample. */
export function fidelityPoint(s: FidelitySample, spec: CodecSpec): FidelityPoint {
  const crops = checkSample(s);
  const c = s.numClasses;
  const q = new Float32Array(c);
  let maxAbsError = 0;
  let klSum = 0;
  for (let n = 0; n < crops; n++) {
    const p = s.probs.subarray(n * c, (n + 1) * c);
    recoverSoftLabel(encodeSoftLabel(p, spec), spec, q);
    for (let i = 0; i < c; i++) maxAbsError = Math.max(maxAbsError, Math.abs(q[i] - p[i]));
    klSum += klDivergence(p, q);
  }
  let bytes = 0;
  let recordCrops = 0;
  for (const im of s.images) {
    if (im.recordCrops < 1) continue;
    bytes += recordByteLength(spec, im.recordCrops, im.width, im.height);
    recordCrops += im.recordCrops;
  }
  return {
    codec: spec.codec,
    k: spec.k,
    precision: spec.precision,
    bytesPerCrop: recordCrops ? bytes / recordCrops : 0,
    maxAbsError,
    meanKl: klSum / crops,
  };
}

/** The whole table: every codec × precision (top-k at `k`), in CODECS × PRECISIONS order. */
export function fidelityTable(s: FidelitySample, k: number): FidelityPoint[] {
  return fidelitySpecs(s.numClasses, k).map((spec) => fidelityPoint(s, spec));
}
