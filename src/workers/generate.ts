/**
 * FKD phase 1 (FKD's soft-label generation) as a resumable job: every training image not yet labelled
 * goes through decode-ahead (decodeAhead.ts), gets numCrops crop boxes from the core sampler (seeded per
 * image, so a resumed job draws the same crops) and one upload, the teacher batcher
 * (teacherBatcher.ts) runs cropAndResize + teacher forward + softmax(logits / T) + top-k on the device
 * over several images' crops at once, and the label writer (labelWriter.ts) stores one compact record
 * per image in transactions that also advance the label set's counters (never a half record, never a
 * count that disagrees with the records).
 */
import { itemId } from '../data/itemId';
import { encodeLabelRecord } from '../core/labelRecord';
import { storedK } from '../core/softLabel';
import { decodeOffThread } from '../data/decodePool';
import { PermissionLostError } from '../data/permissions';
import { teacherSoftTopKBatch } from '../engine/teacherStep';
import { validateTeacher, type Teacher } from '../models/teacher';
import {
  getLabelSet,
  isQuotaError,
  liveImages,
  openStudioDb,
  patchLabelSet,
  putLabelRecords,
} from '../store';
import { heldItems } from './generationHold';
import type { GenerateResult, GenerationSample, GenerationTimings, ProgressFn } from './api';
import { DatasetReader } from './datasets';
import { decodeAhead, decodeAheadDepth } from './decodeAhead';
import { decodeProblemsFrom, recordDecodeProblems } from './decodeReport';
import { codecSpecOf, cropBoxesFor, OpenImage, openMixFor, partnerItemFor } from './labelImage';
import { LabelTodo, measuredRate, RATE_MIN_IMAGES } from './labelTodo';
import { LabelWriter } from './labelWriter';
import { ProgressReporter, Throttle } from './progress';
import { FolderUnreachableError, type DecodeFn } from './readImage';
import { TeacherBatcher } from './teacherBatcher';
import { openTeacher } from './teachers';

/** How many crops go through the teacher at once: big enough to keep the device busy, capped in bytes. */
export function teacherBatchSize(
  inputSize: number,
  channels: number,
  maxBufferBytes = 128 * 2 ** 20,
): number {
  const perCrop = inputSize * inputSize * Math.max(channels, 3) * 4 * 4; // input + a few activations
  return Math.max(1, Math.min(512, Math.floor(maxBufferBytes / perCrop)));
}

/** What the job decodes images and opens teachers with; tests swap these for Node-side fakes. */
export interface GenerationDeps {
  decode: DecodeFn;
  openTeacher: (teacherId: string) => Promise<{ teacher: Teacher }>;
}

const browserDeps: GenerationDeps = { decode: decodeOffThread, openTeacher };

export async function runGeneration(
  labelSetId: string,
  signal: AbortSignal,
  onProgress?: ProgressFn,
  onSample?: (s: GenerationSample) => void,
  deps: GenerationDeps = browserDeps,
): Promise<GenerateResult> {
  const db = await openStudioDb();
  const set = await getLabelSet(db, labelSetId);
  if (!set) throw new Error(`label set ${labelSetId} not found`);
  const skipped: GenerateResult['skipped'] = [];
  const warned: { path: string; warnings: string[] }[] = [];
  let teacher: Teacher | null = null;
  try {
    // The index is paged, never held whole: memory stays flat from the first image to the last.
    const reader = await DatasetReader.open(set.datasetId, { splits: [] });
    const total = reader.dataset.counts.train;
    ({ teacher } = await deps.openTeacher(set.teacherId));
    const check = await validateTeacher(teacher, set.numClasses);
    if (!check.ok) throw new Error(`teacher does not fit this dataset: ${check.errors.join('; ')}`);
    const spec = codecSpecOf(set);
    const k = storedK(spec);
    const todo = new LabelTodo(db, reader, set);
    let imagesTotal = todo.expected(liveImages(reader.dataset, 'train'));
    await patchLabelSet(db, labelSetId, { status: 'running', error: undefined, imagesTotal });
    // Twice a second: each report is a task on the page's main thread, and the page shows job state at
    // most four times a second anyway (ui/jobStore.ts); the sample goes less often still.
    const progress = new ProgressReporter(onProgress, 500);
    const sampleThrottle = new Throttle(700);
    const t = teacher;
    const batchCrops = teacherBatchSize(t.config.inputSize, t.config.channels);
    const tm: GenerationTimings = { read: 0, prepare: 0, device: 0, readback: 0, store: 0, total: 0 };
    const tStart = performance.now();
    let imagesDone = set.imagesDone;
    let labelledNow = 0;

    const writer = new LabelWriter((batch) => putLabelRecords(db, labelSetId, batch));
    const batcher = new TeacherBatcher<OpenImage>(
      (parts) => teacherSoftTopKBatch(t, parts, set.settings.temperature, k),
      batchCrops,
      async (im) => {
        im.dispose();
        await writer.add(im.item.index, encodeLabelRecord(im.record()));
        imagesDone++;
        labelledNow++;
        progress.update({ phase: 'labelling', done: imagesDone, total: imagesTotal });
        if (onSample && sampleThrottle.ready()) onSample(im.sample());
      },
      tm,
    );
    const ahead = decodeAhead(
      reader,
      heldItems(todo.items(), signal),
      decodeAheadDepth(batchCrops, set.settings.numCrops),
      deps.decode,
      partnerItemFor(set, total, db),
    );
    try {
      let r0 = performance.now();
      for await (const { item, decoded, partner } of ahead) {
        tm.read += performance.now() - r0;
        if (signal.aborted) break;
        if ('error' in decoded) {
          skipped.push({ path: itemId(item), reason: decoded.error });
        } else {
          if (decoded.warnings.length) warned.push({ path: itemId(item), warnings: decoded.warnings });
          const { width: W, height: H } = decoded;
          const p0 = performance.now();
          const boxes = await cropBoxesFor(set, item.index, W, H, db);
          // Label-time mixing: CutMix boxes live on the teacher's input crop.
          const mix = partner && (await openMixFor(set, item, partner, set.settings.inputSize, db));
          const im = new OpenImage(item, decoded.pixels, W, H, boxes, spec, k, mix);
          tm.prepare += performance.now() - p0;
          await batcher.add(im);
        }
        r0 = performance.now();
      }
      // Images already queued are finished even when paused: a resume starts at the next one.
      await batcher.drain();
    } finally {
      for (const im of batcher.unfinished()) im.dispose();
      await writer.settle();
    }
    const f0 = performance.now();
    await writer.close();
    tm.store += performance.now() - f0;
    tm.total = performance.now() - tStart;
    const status = signal.aborted ? 'paused' : 'done';
    if (todo.finished) imagesTotal = todo.kept;
    const final = await patchLabelSet(db, labelSetId, {
      status,
      imagesTotal,
      error: skipNote(skipped.length, todo.gone),
      // The plan's next estimate starts from this rate (a few images say too little to keep).
      ...(labelledNow >= RATE_MIN_IMAGES
        ? { rate: measuredRate(labelledNow, set.settings.numCrops, tm.total / 1000) }
        : {}),
    });
    progress.update({ phase: status, done: final.imagesDone, total: imagesTotal }, true);
    return { status, imagesDone: final.imagesDone, imagesTotal, skipped, gone: todo.gone, timings: tm };
  } catch (e) {
    const message = isQuotaError(e)
      ? 'storage quota exhausted: free space (delete label sets or runs) and resume'
      : e instanceof PermissionLostError || e instanceof FolderUnreachableError
        ? e.message
        : e instanceof Error
          ? e.message
          : String(e);
    const resumable = e instanceof PermissionLostError || e instanceof FolderUnreachableError;
    const status = resumable || isQuotaError(e) ? 'paused' : 'error';
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
    // Decode-time skips and warnings join the dataset's report (one write per job).
    await recordDecodeProblems(set.datasetId, decodeProblemsFrom(skipped, warned)).catch(() => undefined);
  }
}

/** The set's note on images it has no record for: unreadable ones, and those gone from the folder. */
export function skipNote(skipped: number, gone: number): string | undefined {
  const parts = [
    ...(skipped ? [`${skipped} images skipped`] : []),
    ...(gone ? [`${gone} images gone from the folder left out`] : []),
  ];
  return parts.length ? parts.join('; ') : undefined;
}
