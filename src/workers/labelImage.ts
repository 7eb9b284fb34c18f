/**
 * One image of a soft-label generation job (generate.ts): its crop boxes (fresh and seeded per image,
 * or reused from another label set), its upload, and its crops' teacher top-k encoded through the
 * label codec into the image's label record as the batches return.
 */
import { bmpImageFile } from '../core/bmp';
import { itemId } from '../data/itemId';
import { Rng } from '../core/rng';
import { sampleCropBoxes, toPixelBox, type CropBox } from '../core/cropBox';
import { encodeSoftLabel, type CodecSpec } from '../core/softLabel';
import { decodeLabelRecord, recordCropBoxes, type LabelRecord } from '../core/labelRecord';
import type { Tensor3D } from '../engine/tensors';
import { uploadImage } from '../engine/pixels';
import {
  getDatasetItemsAt,
  getLabelRecord,
  type openStudioDb,
  type DatasetItem,
  type LabelSet,
} from '../store';
import type { GenerationSample } from './api';
import { sampleMixFile } from './labelMixLoad';
import type { PartMix } from '../engine/teacherStep';
import { partnerImageOf, sampleCropMixes, type CropMix } from '../core/labelMix';

/** The decoded partner of a label-time-mixed image, its boxes and the mixes drawn for its crops. */
export interface OpenMix {
  partnerItem: DatasetItem;
  partnerRgba: Uint8ClampedArray;
  partnerWidth: number;
  partnerHeight: number;
  crops: CropMix[];
  partnerBoxes: CropBox[];
  size: number;
}

export function codecSpecOf(set: LabelSet): CodecSpec {
  return {
    codec: set.settings.codec as CodecSpec['codec'],
    k: set.settings.k,
    precision: set.settings.precision as CodecSpec['precision'],
    numClasses: set.numClasses,
  };
}

/** One image being labelled: its upload, boxes and the encoded labels filled in as batches return. */
export class OpenImage {
  readonly image: Tensor3D;
  readonly indices: Uint16Array;
  readonly probs: Float32Array;
  readonly topK: GenerationSample['topK'] = [];
  labelled = 0;
  readonly mix?: PartMix;

  constructor(
    readonly item: DatasetItem,
    readonly rgba: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
    readonly boxes: CropBox[],
    private readonly spec: CodecSpec,
    private readonly k: number,
    private readonly openMix?: OpenMix,
  ) {
    this.image = uploadImage(rgba, width, height);
    if (openMix) {
      const { partnerRgba, partnerWidth, partnerHeight, crops, partnerBoxes, size } = openMix;
      this.mix = {
        partner: uploadImage(partnerRgba, partnerWidth, partnerHeight),
        crops,
        partnerBoxes,
        size,
      };
    }
    this.indices = new Uint16Array(boxes.length * k);
    this.probs = new Float32Array(boxes.length * k);
  }

  /** Crop c's teacher top-k (classes, probabilities) through the codec. */
  store(c: number, indices: Int32Array, values: Float32Array): void {
    const k = this.k;
    // The codec sees a dense vector holding only the teacher's top-k: the other classes never
    // influence any codec (MS spreads 1 - sum(top-k), MR renormalises top-k), so nothing is lost.
    const dense = new Float32Array(this.spec.numClasses);
    for (let j = 0; j < k; j++) dense[indices[j]] = values[j];
    const enc = encodeSoftLabel(dense, this.spec);
    this.indices.set(enc.indices, c * k);
    this.probs.set(enc.probs, c * k);
    if (c < 16) this.topK[c] = Array.from(enc.indices, (index, j) => ({ index, prob: enc.probs[j] }));
  }

  /** Frees the uploads (the image's and its partner's). */
  dispose(): void {
    this.image.dispose();
    this.mix?.partner.dispose();
  }

  record(): LabelRecord {
    const { width: W, height: H } = this;
    return {
      version: this.mix ? 2 : 1,
      mix: this.mix && { size: this.mix.size, crops: this.mix.crops },
      spec: this.spec,
      imageWidth: W,
      imageHeight: H,
      numCrops: this.boxes.length,
      boxes: Int32Array.from(
        this.boxes.flatMap((b) => {
          const p = toPixelBox(b, W, H);
          return [p.top, p.left, p.height, p.width];
        }),
      ),
      flips: Uint8Array.from(this.boxes, (b) => (b.flip ? 1 : 0)),
      indices: this.indices,
      probs: this.probs,
    };
  }

  sample(): GenerationSample {
    return {
      imageIndex: this.item.index,
      path: itemId(this.item),
      classIndex: this.item.classIndex,
      width: this.width,
      height: this.height,
      bmp: bmpImageFile(this.rgba, this.width, this.height).bmp,
      boxes: this.boxes.slice(0, 16),
      topK: this.topK.filter(Boolean),
      mix:
        this.openMix &&
        sampleMixFile({
          partnerPath: itemId(this.openMix.partnerItem),
          partnerRgba: this.openMix.partnerRgba,
          partnerWidth: this.openMix.partnerWidth,
          partnerHeight: this.openMix.partnerHeight,
          partnerBoxes: this.openMix.partnerBoxes.slice(0, 16),
          crops: this.openMix.crops.slice(0, 16),
          size: this.openMix.size,
        }),
    };
  }
}

/** Fresh seeded boxes, or the boxes of another label set (a second teacher labels the same crops). */
export async function cropBoxesFor(
  set: LabelSet,
  imageIndex: number,
  W: number,
  H: number,
  db: Awaited<ReturnType<typeof openStudioDb>>,
): Promise<CropBox[]> {
  const s = set.settings;
  if (s.reuseBoxesFrom) {
    const bytes = await getLabelRecord(db, s.reuseBoxesFrom, imageIndex);
    if (!bytes)
      throw new Error(`label set ${s.reuseBoxesFrom} has no record for image ${imageIndex} to reuse`);
    return recordCropBoxes(decodeLabelRecord(bytes));
  }
  // One stream per image: the same seed gives the same crops whatever order images are labelled in.
  const rng = new Rng(s.seed).fork(imageIndex);
  return sampleCropBoxes(rng, W, H, s.numCrops, { scale: s.scale, ratio: s.ratio });
}

/** The seeded partner image of a training image (core/labelMix.ts), when the set mixes at label time. */
export function partnerItemFor(
  set: LabelSet,
  numTrain: number,
  db: Awaited<ReturnType<typeof openStudioDb>>,
): ((it: DatasetItem) => Promise<DatasetItem | undefined>) | undefined {
  if (!set.settings.labelMix || set.settings.labelMix === 'none') return undefined;
  return async (it) => {
    const p = partnerImageOf(new Rng(set.settings.seed).fork(`labelmix:${it.index}`), it.index, numTrain);
    return (await getDatasetItemsAt(db, set.datasetId, 'train', [p]))[0];
  };
}

/**
 * The mixes of one image's crops against its decoded partner: the partner's stored boxes (the same
 * boxes its own record holds) and a seeded draw per crop; unmixed crops when the partner has no pixels.
 */
export async function openMixFor(
  set: LabelSet,
  item: DatasetItem,
  partner: {
    item: DatasetItem;
    decoded: { pixels: Uint8ClampedArray; width: number; height: number } | { error: string };
  },
  size: number,
  db: Awaited<ReturnType<typeof openStudioDb>>,
): Promise<OpenMix> {
  const n = set.settings.numCrops;
  const d = partner.decoded;
  const ok = !('error' in d);
  const partnerBoxes = ok ? await cropBoxesFor(set, partner.item.index, d.width, d.height, db) : [];
  const mode = ok ? (set.settings.labelMix ?? 'none') : 'none';
  const rng = new Rng(set.settings.seed).fork(`labelmix:${item.index}`).fork('crops');
  const crops = sampleCropMixes(rng, mode, n, partner.item.index, Math.max(1, partnerBoxes.length), size);
  return {
    partnerItem: partner.item,
    partnerRgba: ok ? d.pixels : new Uint8ClampedArray(4),
    partnerWidth: ok ? d.width : 1,
    partnerHeight: ok ? d.height : 1,
    crops,
    partnerBoxes: crops.map(
      (m) => partnerBoxes[m.partnerCrop] ?? { top: 0, left: 0, height: 1, width: 1, flip: false },
    ),
    size,
  };
}
