/**
 * One image of a soft-label generation job (generate.ts): its crop boxes (fresh and seeded per image,
 * or reused from another label set), its upload, and its crops' teacher top-k encoded through the
 * label codec into the image's label record as the batches return.
 */
import { itemId } from '../data/itemId';
import { Rng } from '../core/rng';
import { sampleCropBoxes, toPixelBox, type CropBox } from '../core/cropBox';
import { encodeSoftLabel, type CodecSpec } from '../core/softLabel';
import { decodeLabelRecord, recordCropBoxes, type LabelRecord } from '../core/labelRecord';
import type { Tensor3D } from '../engine/tensors';
import { uploadImage } from '../engine/pixels';
import { getLabelRecord, type openStudioDb, type DatasetItem, type LabelSet } from '../store';

/** What the live view shows while labels are generated: one image, its crops and their labels. */
export interface GenerationSample {
  imageIndex: number;
  path: string;
  classIndex: number;
  width: number;
  height: number;
  /** RGBA of the decoded image (only sent for small images, else a downscaled copy). */
  rgba: Uint8ClampedArray;
  boxes: CropBox[];
  /** Per crop, its stored top-k (class, prob) pairs. */
  topK: { index: number; prob: number }[][];
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

  constructor(
    readonly item: DatasetItem,
    readonly rgba: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
    readonly boxes: CropBox[],
    private readonly spec: CodecSpec,
    private readonly k: number,
  ) {
    this.image = uploadImage(rgba, width, height);
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

  record(): LabelRecord {
    const { width: W, height: H } = this;
    return {
      version: 1,
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
      rgba: this.rgba,
      boxes: this.boxes.slice(0, 16),
      topK: this.topK.filter(Boolean),
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
