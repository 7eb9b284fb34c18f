/**
 * Checks a label set against its teacher: for a sample of images, decode the stored record, run the
 * teacher again on the stored boxes and flips, encode that fresh softmax with the same codec at full
 * precision, and compare with what storage gives back. The difference must stay within the codec's
 * documented bound (core/softLabel recoveredErrorBound), so a wrong box, flip, class order or
 * quantiser shows up as a failure, not as a slightly worse student.
 */
import { decodeLabelRecord, recordCropBoxes, recordEncodedLabel } from '../core/labelRecord';
import { encodeSoftLabel, recoverSoftLabel, recoveredErrorBound } from '../core/softLabel';
import { decodeImage } from '../data/decode';
import { uploadImage } from '../engine/pixels';
import { teacherFullProbs } from '../engine/teacherProbs';
import {
  getLabelRecord,
  getLabelSet,
  listDoneImageIndicesIn,
  openStudioDb,
  type DatasetItem,
  type LabelSet,
  type StudioDb,
} from '../store';
import { subsetFilter } from './subset';
import { DatasetReader } from './datasets';
import { readImage } from './readImage';
import { openTeacher } from './teachers';

export interface VerifyReport {
  images: number;
  crops: number;
  /** Max |recovered stored target − codec(fresh teacher softmax)| over all classes of all checked crops. */
  maxError: number;
  bound: number;
  /** Crops whose stored top-k classes differ from the fresh teacher's. */
  indexMismatches: number;
  /** Dataset images of the set (its subset, if any) without a record: the first MISSING_LISTED of them. */
  missing: number[];
  /** How many images are missing in all (should be exactly the skipped ones). */
  missingCount: number;
  /** Images left out of the check because a re-open check found their file gone (no record expected). */
  gone: number;
}

/** Missing images listed by index; beyond this only counted, so a report on 1.28M images stays small. */
export const MISSING_LISTED = 1000;

/**
 * The images to check, spread over the labelled ones (a subset's, not the whole split's, so a subset
 * gets its full sample), and those of the set without a record; images gone from the folder are neither.
 */
export async function labelledSample(
  db: StudioDb,
  reader: Pick<DatasetReader, 'itemPages' | 'dataset'>,
  set: Pick<LabelSet, 'id' | 'settings' | 'imagesDone'>,
  sampleImages: number,
): Promise<{ sample: DatasetItem[]; missing: number[]; missingCount: number; gone: number }> {
  const keep = subsetFilter(set.settings.subset, set.settings.seed);
  const missing: number[] = [];
  let missingCount = 0;
  let gone = 0;
  const stride = Math.max(1, Math.floor((set.imagesDone || reader.dataset.counts.train) / sampleImages));
  const sample: DatasetItem[] = [];
  let labelled = 0;
  for await (const page of reader.itemPages('train')) {
    const lo = page[0].index;
    const done = new Set(await listDoneImageIndicesIn(db, set.id, lo, page[page.length - 1].index + 1));
    for (const item of page) {
      if (!keep(item)) continue;
      if (item.gone) {
        gone++;
        continue;
      }
      if (!done.has(item.index)) {
        missingCount++;
        if (missing.length < MISSING_LISTED) missing.push(item.index);
      } else if (labelled++ % stride === 0 && sample.length < sampleImages) sample.push(item);
    }
  }
  return { sample, missing, missingCount, gone };
}

export async function verifyLabelSet(labelSetId: string, sampleImages: number): Promise<VerifyReport> {
  const db = await openStudioDb();
  const set = await getLabelSet(db, labelSetId);
  if (!set) throw new Error(`label set ${labelSetId} not found`);
  // Paged: the index and the records are never read whole (an ImageNet set's records are gigabytes).
  const reader = await DatasetReader.open(set.datasetId, { splits: [] });
  const { sample, missing, missingCount, gone } = await labelledSample(db, reader, set, sampleImages);
  const { teacher } = await openTeacher(set.teacherId);
  let maxError = 0;
  let crops = 0;
  let indexMismatches = 0;
  let images = 0;
  let bound = 0;
  try {
    for (const item of sample) {
      const bytes = await getLabelRecord(db, labelSetId, item.index);
      if (!bytes) continue;
      const rec = decodeLabelRecord(bytes);
      bound = recoveredErrorBound(rec.spec);
      // Full size, on this thread: the teacher's view the stored labels are checked against.
      const decoded = await readImage(reader, item, undefined, decodeImage);
      if ('error' in decoded) continue;
      const image = uploadImage(decoded.pixels, decoded.width, decoded.height);
      const C = rec.spec.numClasses;
      let probs: Float32Array;
      try {
        probs = await teacherFullProbs(teacher, image, recordCropBoxes(rec), set.settings.temperature);
      } finally {
        image.dispose();
      }
      const exactSpec = { ...rec.spec, precision: 'f32' as const };
      for (let c = 0; c < rec.numCrops; c++) {
        const fresh = encodeSoftLabel(probs.subarray(c * C, (c + 1) * C), exactSpec);
        const stored = recordEncodedLabel(rec, c);
        const a = recoverSoftLabel(stored, rec.spec);
        const b = recoverSoftLabel(fresh, exactSpec);
        for (let j = 0; j < C; j++) maxError = Math.max(maxError, Math.abs(a[j] - b[j]));
        const same = [...stored.indices].sort().join() === [...fresh.indices].sort().join();
        if (!same) indexMismatches++;
        crops++;
      }
      images++;
    }
  } finally {
    teacher.dispose();
  }
  return { images, crops, maxError, bound, indexMismatches, missing, missingCount, gone };
}
