/**
 * Assembling one training step: which images, which crops, which targets. FKD reads each image's label
 * record and picks numCrops stored crops without replacement (fresh draw per pass, docs/fkd.md, Loader);
 * vanilla and online KD draw one fresh RandomResizedCrop + flip per image. Every random choice is a
 * fork of the run seed keyed by (pass, image), so a resumed run replays exactly the same batches.
 */
import { itemId } from '../data/itemId';
import { sampleCropBoxes, type CropBox } from '../core/cropBox';
import { decodeLabelRecord, recordCropBox, recordEncodedLabel, type LabelRecord } from '../core/labelRecord';
import { Rng } from '../core/rng';
import { usesStoredLabels } from '../core/recipe';
import { recoverSoftLabel } from '../core/softLabel';
import type { DecodeFit } from '../data/decodeFit';
import { readImage } from './readImage';
import type { CropRows } from '../engine/crops';
import { uploadPadded, type PaddedImage } from '../engine/pixels';
import { getLabelRecordsAt, openStudioDb, type DatasetItem } from '../store';
import type { DatasetReader } from './datasets';
import { decodeProblemsFrom, noteDecodeProblems } from './decodeReport';
import type { TrainConfig } from './trainConfig';
import { loadMix, type LoadedMix } from './labelMixLoad';

export interface LoadedImage {
  item: DatasetItem;
  /** The decoded size (decodeFit: often smaller than the source). */
  width: number;
  height: number;
  sourceWidth: number;
  sourceHeight: number;
  rgba: Uint8ClampedArray;
  /** On the device, edge-padded for the crop kernel (engine/pixels.ts). */
  pixels: PaddedImage;
  boxes: CropBox[];
  /** FKD only: dense recovered soft targets of the chosen crops, [boxes.length * C]. */
  softTargets?: Float32Array;
  /** FKD on a label-time-mixed set: the chosen crops' stored mixes and the partner (labelMixLoad.ts). */
  mix?: LoadedMix;
}

export interface StepInput {
  images: LoadedImage[];
  skipped: { path: string; reason: string }[];
  decodeMs: number;
}

/** Decodes the step's images and picks their crops; tensors are the caller's to dispose. */
export async function loadStep(
  cfg: TrainConfig,
  reader: DatasetReader,
  items: DatasetItem[],
  passIndex: number,
  cropsPerImage: number,
  numClasses: number,
  fit?: DecodeFit,
): Promise<StepInput> {
  const t0 = performance.now();
  // FKD: the step's label records in one read transaction, while the images decode.
  const records = usesStoredLabels(cfg.method)
    ? openStudioDb().then((db) =>
        getLabelRecordsAt(
          db,
          cfg.labelSetId!,
          items.map((it) => it.index),
        ),
      )
    : null;
  records?.catch(() => undefined); // awaited per image below
  const decodeSkips: StepInput['skipped'] = [];
  const warned: { path: string; warnings: string[] }[] = [];
  const results = await Promise.all(
    items.map(async (item, i) => {
      const [decoded, recordBytes] = await Promise.all([
        readImage(reader, item, fit),
        records ? records.then((r) => r[i]) : Promise.resolve(undefined),
      ]);
      if ('error' in decoded) {
        decodeSkips.push({ path: itemId(item), reason: decoded.error });
        return { skip: { path: itemId(item), reason: decoded.error } };
      }
      if (decoded.warnings.length) warned.push({ path: itemId(item), warnings: decoded.warnings });
      const rng = new Rng(cfg.seed).fork(`${cfg.method}:${passIndex}:${item.index}`);
      let boxes: CropBox[];
      let softTargets: Float32Array | undefined;
      let mix: LoadedMix | undefined;
      if (usesStoredLabels(cfg.method)) {
        if (!recordBytes)
          return { skip: { path: itemId(item), reason: 'no soft label record for this image' } };
        const record = decodeLabelRecord(recordBytes);
        if (record.spec.numClasses !== numClasses) {
          throw new Error(`label set has ${record.spec.numClasses} classes, the student ${numClasses}`);
        }
        const picked = pickCrops(rng, record.numCrops, cropsPerImage);
        boxes = picked.map((c) => recordCropBox(record, c));
        softTargets = recoverTargets(record, picked);
        const m = await loadMix(record, picked, cfg.labelSetId!, reader, fit);
        if (m && 'error' in m) return { skip: { path: itemId(item), reason: `label-time mix: ${m.error}` } };
        mix = m;
      } else {
        // On the image's own size: the same seed draws the same boxes whatever size it was decoded at.
        boxes = sampleCropBoxes(rng, decoded.sourceWidth, decoded.sourceHeight, cropsPerImage, {
          scale: cfg.scale,
        });
      }
      return {
        image: {
          item,
          width: decoded.width,
          height: decoded.height,
          sourceWidth: decoded.sourceWidth,
          sourceHeight: decoded.sourceHeight,
          rgba: decoded.pixels,
          pixels: uploadPadded(decoded.pixels, decoded.width, decoded.height),
          boxes,
          softTargets,
          mix,
        } satisfies LoadedImage,
      };
    }),
  );
  const images: LoadedImage[] = [];
  const skipped: StepInput['skipped'] = [];
  for (const r of results) {
    if ('image' in r && r.image) images.push(r.image);
    else if ('skip' in r && r.skip) skipped.push(r.skip);
  }
  // Buffered: written to the dataset's report every few hundred problems, not per step.
  noteDecodeProblems(reader.dataset.id, decodeProblemsFrom(decodeSkips, warned));
  return { images, skipped, decodeMs: performance.now() - t0 };
}

/** numCrops distinct stored crops, uniformly at random (a fresh permutation per pass, as FKD does). */
export function pickCrops(rng: Rng, stored: number, wanted: number): number[] {
  if (wanted > stored) {
    // Fewer stored crops than asked for: reuse with replacement rather than fail the run.
    return Array.from({ length: wanted }, () => rng.int(0, stored - 1));
  }
  return Array.from(rng.permutation(stored).subarray(0, wanted));
}

export function recoverTargets(r: LabelRecord, crops: number[]): Float32Array {
  const C = r.spec.numClasses;
  const out = new Float32Array(crops.length * C);
  crops.forEach((c, j) =>
    recoverSoftLabel(recordEncodedLabel(r, c), r.spec, out.subarray(j * C, (j + 1) * C)),
  );
  return out;
}

/** The FKD targets of a step, each image's recovered soft labels at its crops' rows. */
export function batchTargets(images: LoadedImage[], rows: CropRows, numClasses: number): Float32Array {
  const out = new Float32Array(rows.size * numClasses);
  rows.forEach((row, i, slot) => {
    const soft = images[i].softTargets!;
    out.set(soft.subarray(slot * numClasses, (slot + 1) * numClasses), row * numClasses);
  });
  return out;
}

/** Each crop's hard label (its image's class), by row. */
export function batchLabels(images: LoadedImage[], rows: CropRows): Int32Array {
  const out = new Int32Array(rows.size);
  rows.forEach((row, i) => (out[row] = images[i].item.classIndex));
  return out;
}
