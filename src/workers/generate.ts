/**
 * FKD phase 1 (reference FKD_SLG) as a resumable job: for every training image, numCrops crop boxes
 * from the core sampler (seeded per image, so a resumed job draws the same crops), one upload per
 * image, batched cropAndResize + teacher forward, softmax(logits / T) and top-k on the device, then
 * one compact label record per image, written in transactions that also advance the label set's
 * counters (never a half record, never a count that disagrees with the records).
 */
import { Rng } from '../core/rng';
import { sampleCropBoxes, toPixelBox, fromPixelBox, type CropBox } from '../core/cropBox';
import { encodeSoftLabel, storedK, type CodecSpec } from '../core/softLabel';
import { decodeLabelRecord, encodeLabelRecord, type LabelRecord } from '../core/labelRecord';
import { decodeImage } from '../data/decode';
import { PermissionLostError } from '../data/permissions';
import { teacherSoftTopK } from '../engine/teacherStep';
import { uploadImage } from '../engine/pixels';
import { validateTeacher, type Teacher } from '../models/teacher';
import {
  getLabelRecords,
  getLabelSet,
  listDoneImageIndices,
  openStudioDb,
  patchLabelSet,
  putLabelRecords,
  isQuotaError,
  type LabelSet,
} from '../store';
import type { ProgressFn } from './api';
import { DatasetReader } from './datasets';
import { ProgressReporter, Throttle } from './progress';
import { openTeacher } from './teachers';

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

export interface GenerateResult {
  status: 'done' | 'paused' | 'error';
  imagesDone: number;
  imagesTotal: number;
  skipped: { path: string; reason: string }[];
  error?: string;
}

const FLUSH_IMAGES = 16;

function codecSpecOf(set: LabelSet): CodecSpec {
  return {
    codec: set.settings.codec as CodecSpec['codec'],
    k: set.settings.k,
    precision: set.settings.precision as CodecSpec['precision'],
    numClasses: set.numClasses,
  };
}

/** How many crops go through the teacher at once: big enough to keep the device busy, capped in bytes. */
export function teacherBatchSize(
  inputSize: number,
  channels: number,
  maxBufferBytes = 128 * 2 ** 20,
): number {
  const perCrop = inputSize * inputSize * Math.max(channels, 3) * 4 * 4; // input + a few activations
  return Math.max(1, Math.min(512, Math.floor(maxBufferBytes / perCrop)));
}

export async function runGeneration(
  labelSetId: string,
  signal: AbortSignal,
  onProgress?: ProgressFn,
  onSample?: (s: GenerationSample) => void,
): Promise<GenerateResult> {
  const db = await openStudioDb();
  const set = await getLabelSet(db, labelSetId);
  if (!set) throw new Error(`label set ${labelSetId} not found`);
  const skipped: GenerateResult['skipped'] = [];
  let teacher: Teacher | null = null;
  try {
    const reader = await DatasetReader.open(set.datasetId);
    const items = reader.items.train;
    ({ teacher } = await openTeacher(set.teacherId));
    const check = await validateTeacher(teacher, set.numClasses);
    if (!check.ok) throw new Error(`teacher does not fit this dataset: ${check.errors.join('; ')}`);
    const spec = codecSpecOf(set);
    const k = storedK(spec);
    const done = new Set(await listDoneImageIndices(db, labelSetId));
    const todo = items.filter((it) => !done.has(it.index));
    await patchLabelSet(db, labelSetId, { status: 'running', error: undefined, imagesTotal: items.length });
    const progress = new ProgressReporter(onProgress);
    const sampleThrottle = new Throttle(700);
    const cfg = teacher.config;
    const batchCrops = teacherBatchSize(cfg.inputSize, cfg.channels);
    let imagesDone = done.size;
    let pending: { imageIndex: number; record: Uint8Array }[] = [];

    const flush = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      await putLabelRecords(db, labelSetId, batch);
    };

    for (const item of todo) {
      if (signal.aborted) break;
      const decoded = await decodeImage(await reader.blob(item), { name: item.path });
      if ('error' in decoded) {
        skipped.push({ path: item.path, reason: decoded.error });
        continue;
      }
      const { width: W, height: H } = decoded;
      const boxes = await cropBoxesFor(set, item.index, W, H, db);
      const flips = boxes.map((b) => b.flip);
      const image = uploadImage(decoded.pixels, W, H);
      const indices = new Uint16Array(boxes.length * k);
      const probs = new Float32Array(boxes.length * k);
      const topK: GenerationSample['topK'] = [];
      try {
        for (let start = 0; start < boxes.length; start += batchCrops) {
          const chunk = boxes.slice(start, start + batchCrops);
          const out = await teacherSoftTopK(teacher, image, chunk, set.settings.temperature, k);
          for (let c = 0; c < chunk.length; c++) {
            // The codec sees a dense vector holding only the teacher's top-k: the other classes never
            // influence any codec (MS spreads 1 - sum(top-k), MR renormalises top-k), so nothing is lost.
            const dense = new Float32Array(spec.numClasses);
            for (let j = 0; j < k; j++) dense[out.indices[c * k + j]] = out.values[c * k + j];
            const enc = encodeSoftLabel(dense, spec);
            indices.set(enc.indices, (start + c) * k);
            probs.set(enc.probs, (start + c) * k);
            if (topK.length < 16)
              topK.push(Array.from(enc.indices, (index, j) => ({ index, prob: enc.probs[j] })));
          }
        }
      } finally {
        image.dispose();
      }
      const record: LabelRecord = {
        version: 1,
        spec,
        imageWidth: W,
        imageHeight: H,
        numCrops: boxes.length,
        boxes: Int32Array.from(
          boxes.flatMap((b) => {
            const p = toPixelBox(b, W, H);
            return [p.top, p.left, p.height, p.width];
          }),
        ),
        flips: Uint8Array.from(flips, (f) => (f ? 1 : 0)),
        indices,
        probs,
      };
      pending.push({ imageIndex: item.index, record: encodeLabelRecord(record) });
      imagesDone++;
      if (pending.length >= FLUSH_IMAGES) await flush();
      progress.update({ phase: 'labelling', done: imagesDone, total: items.length });
      if (onSample && sampleThrottle.ready()) {
        onSample({
          imageIndex: item.index,
          path: item.path,
          classIndex: item.classIndex,
          width: W,
          height: H,
          rgba: decoded.pixels,
          boxes: boxes.slice(0, 16),
          topK,
        });
      }
    }
    await flush();
    const status = signal.aborted ? 'paused' : 'done';
    const final = await patchLabelSet(db, labelSetId, {
      status,
      error: skipped.length ? `${skipped.length} images skipped` : undefined,
    });
    progress.update({ phase: status, done: final.imagesDone, total: items.length }, true);
    return { status, imagesDone: final.imagesDone, imagesTotal: items.length, skipped };
  } catch (e) {
    const message = isQuotaError(e)
      ? 'storage quota exhausted: free space (delete label sets or runs) and resume'
      : e instanceof PermissionLostError
        ? e.message
        : e instanceof Error
          ? e.message
          : String(e);
    const status = e instanceof PermissionLostError || isQuotaError(e) ? 'paused' : 'error';
    await patchLabelSet(db, labelSetId, { status, error: message }).catch(() => undefined);
    const latest = await getLabelSet(db, labelSetId);
    return {
      status: 'error',
      imagesDone: latest?.imagesDone ?? 0,
      imagesTotal: latest?.imagesTotal ?? 0,
      skipped,
      error: message,
    };
  } finally {
    teacher?.dispose();
  }
}

/** Fresh seeded boxes, or the boxes of another label set (a second teacher labels the same crops). */
async function cropBoxesFor(
  set: LabelSet,
  imageIndex: number,
  W: number,
  H: number,
  db: Awaited<ReturnType<typeof openStudioDb>>,
): Promise<CropBox[]> {
  const s = set.settings;
  if (s.reuseBoxesFrom) {
    const recs = await getLabelRecords(db, s.reuseBoxesFrom, imageIndex, imageIndex + 1);
    const bytes = recs.get(imageIndex);
    if (!bytes)
      throw new Error(`label set ${s.reuseBoxesFrom} has no record for image ${imageIndex} to reuse`);
    const r = decodeLabelRecord(bytes);
    return Array.from({ length: r.numCrops }, (_, c) =>
      fromPixelBox(
        {
          top: r.boxes[4 * c],
          left: r.boxes[4 * c + 1],
          height: r.boxes[4 * c + 2],
          width: r.boxes[4 * c + 3],
        },
        r.imageWidth,
        r.imageHeight,
        r.flips[c] === 1,
      ),
    );
  }
  // One stream per image: the same seed gives the same crops whatever order images are labelled in.
  const rng = new Rng(s.seed).fork(imageIndex);
  return sampleCropBoxes(rng, W, H, s.numCrops, { scale: s.scale, ratio: s.ratio });
}
