/**
 * FKD phase 1 (reference FKD_SLG) as a resumable job: for every training image, numCrops crop boxes
 * from the core sampler (seeded per image, so a resumed job draws the same crops), one upload per
 * image, batched cropAndResize + teacher forward, softmax(logits / T) and top-k on the device, then
 * one compact label record per image, written in transactions that also advance the label set's
 * counters (never a half record, never a count that disagrees with the records).
 */
import type { CropBox } from '../core/cropBox';
import { storedK } from '../core/softLabel';
import { encodeLabelRecord } from '../core/labelRecord';
import type { decodeImage } from '../data/decode';
import { decodeOffThread } from '../data/decodePool';
import { PermissionLostError } from '../data/permissions';
import { SourceNotFoundError } from '../data/source';
import { teacherSoftTopKBatch } from '../engine/teacherStep';
import { validateTeacher, type Teacher } from '../models/teacher';
import {
  getLabelSet,
  listDoneImageIndices,
  openStudioDb,
  patchLabelSet,
  putLabelRecords,
  isQuotaError,
} from '../store';
import type { ProgressFn } from './api';
import { DatasetReader } from './datasets';
import { ProgressReporter, Throttle } from './progress';
import { openTeacher } from './teachers';
import { decodeProblemsFrom, recordDecodeProblems } from './decodeReport';
import { codecSpecOf, cropBoxesFor, OpenImage, type Segment } from './labelImage';

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
  /** Where the job's wall time went (ms): what bench:slg prints to show the pipeline's overhead. */
  timings?: GenerationTimings;
}

/**
 * Wall time of the job's loop by phase. On backends that run kernels at dispatch (wasm, cpu) `device`
 * is the teacher's compute; on WebGPU/WebGL it is only the queueing and `readback` holds the wait.
 */
export interface GenerationTimings {
  /** Waiting for the next image's read + decode (the decode-ahead queue ran dry). */
  read: number;
  /** Upload + crop boxes for each image. */
  prepare: number;
  /** cropAndResize + teacher forward + softmax/top-k dispatched. */
  device: number;
  /** Waiting for the previous batch's top-k readback. */
  readback: number;
  /** Codec encode of each crop's label, record encode, IndexedDB writes waited on. */
  store: number;
  total: number;
}

const FLUSH_IMAGES = 64;

/**
 * Images read and decoded ahead of the one being queued: two teacher batches' worth, so the reads for
 * the next batch run while the device works on this one (a fixed 8 starved 512-crop batches of
 * 32-crop images: 39 % of the job was spent waiting on reads). Bounded: the queue holds RGBA.
 */
export function decodeAhead(batchCrops: number, numCrops: number): number {
  return Math.max(8, Math.min(64, Math.ceil((2 * batchCrops) / Math.max(1, numCrops))));
}
/** Write a transaction at least every this many images or bytes. */
const FLUSH_BYTES = 4 * 2 ** 20;

/** How many crops go through the teacher at once: big enough to keep the device busy, capped in bytes. */
export function teacherBatchSize(
  inputSize: number,
  channels: number,
  maxBufferBytes = 128 * 2 ** 20,
): number {
  const perCrop = inputSize * inputSize * Math.max(channels, 3) * 4 * 4; // input + a few activations
  return Math.max(1, Math.min(512, Math.floor(maxBufferBytes / perCrop)));
}

/** What the job reads images and teachers with; tests swap these for Node-side fakes. */
export interface GenerationDeps {
  decode: (blob: Blob, opts: { name: string }) => ReturnType<typeof decodeImage>;
  openTeacher: (teacherId: string) => Promise<{ teacher: Teacher }>;
}

const browserDeps: GenerationDeps = { decode: (b, o) => decodeOffThread(b, o), openTeacher };

/** The dataset's folder itself is gone or unreadable: the job pauses rather than skip every image. */
export class FolderUnreachableError extends Error {
  constructor(name: string, cause?: unknown) {
    super(
      `the folder "${name}" cannot be read any more (moved, deleted or access revoked): put it back or grant access again, then resume`,
      { cause },
    );
    this.name = 'FolderUnreachableError';
  }
}

/**
 * A file that vanished since indexing is skipped like a corrupt one, unless its whole folder went with
 * it (then it pauses, as a lost permission does).
 */
async function missingFileAsSkip(e: unknown, reader: DatasetReader): Promise<{ error: string }> {
  if (!(e instanceof SourceNotFoundError)) throw e;
  try {
    for await (const entry of reader.source.list([])) if (entry) break;
  } catch (rootError) {
    throw new FolderUnreachableError(reader.dataset.name, rootError);
  }
  return { error: `file not found (moved or deleted since indexing): ${e.path}` };
}

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
    const reader = await DatasetReader.open(set.datasetId);
    const items = reader.items.train;
    ({ teacher } = await deps.openTeacher(set.teacherId));
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
    const t = teacher;
    const tm: GenerationTimings = { read: 0, prepare: 0, device: 0, readback: 0, store: 0, total: 0 };
    const tStart = performance.now();
    let imagesDone = done.size;
    let pending: { imageIndex: number; record: Uint8Array }[] = [];
    let pendingBytes = 0;
    let writing: Promise<unknown> = Promise.resolve();

    // One IndexedDB transaction in flight while labelling goes on; each is whole records + counters.
    const flush = async () => {
      await writing;
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      pendingBytes = 0;
      writing = putLabelRecords(db, labelSetId, batch);
      writing.catch(() => undefined); // surfaced by the next await of `writing`
    };

    // Images whose crops are (partly) queued on the device, in order; finished front-to-back.
    const open: OpenImage[] = [];
    const finishReady = async () => {
      const t0 = performance.now();
      while (open.length > 0 && open[0].labelled === open[0].boxes.length) {
        const im = open.shift()!;
        im.image.dispose();
        pending.push({ imageIndex: im.item.index, record: encodeLabelRecord(im.record()) });
        pendingBytes += pending[pending.length - 1].record.byteLength;
        imagesDone++;
        if (pending.length >= FLUSH_IMAGES || pendingBytes >= FLUSH_BYTES) await flush();
        progress.update({ phase: 'labelling', done: imagesDone, total: items.length });
        if (onSample && sampleThrottle.ready()) onSample(im.sample());
      }
      tm.store += performance.now() - t0;
    };

    // A teacher batch gathers crops of several images; the next batch is queued on the device before
    // the previous one's small top-k readback is awaited.
    let segments: Segment[] = [];
    let segmentCrops = 0;
    let inflight: Promise<void> | null = null;
    const launch = async () => {
      if (segments.length === 0) return;
      const batch = segments;
      segments = [];
      segmentCrops = 0;
      const t0 = performance.now();
      const out = teacherSoftTopKBatch(
        t,
        batch.map((sg) => ({ image: sg.im.image, boxes: sg.im.boxes.slice(sg.start, sg.end) })),
        set.settings.temperature,
        k,
      );
      tm.device += performance.now() - t0;
      const previous = inflight;
      inflight = out.then((o) => {
        const t1 = performance.now();
        let row = 0;
        for (const sg of batch) {
          for (let c = sg.start; c < sg.end; c++, row++) {
            sg.im.store(
              c,
              o.indices.subarray(row * k, (row + 1) * k),
              o.values.subarray(row * k, (row + 1) * k),
            );
          }
          sg.im.labelled += sg.end - sg.start;
        }
        tm.store += performance.now() - t1;
      });
      inflight.catch(() => undefined); // awaited below
      if (previous) {
        await waitReadback(previous);
        await finishReady();
      }
    };
    // Readback wait, less the label encoding that runs in its continuation (counted as store).
    const waitReadback = async (p: Promise<void>) => {
      const s0 = tm.store;
      const w0 = performance.now();
      await p;
      tm.readback += performance.now() - w0 - (tm.store - s0);
    };
    const drain = async () => {
      await launch();
      if (inflight) await waitReadback(inflight);
      inflight = null;
      await finishReady();
    };

    // Decode ahead (bounded) so decoding overlaps the teacher's forwards.
    const decodes: Promise<Awaited<ReturnType<typeof decodeImage>>>[] = [];
    const ahead = decodeAhead(batchCrops, set.settings.numCrops);
    let nextDecode = 0;
    const refill = () => {
      while (nextDecode < todo.length && decodes.length < ahead) {
        const item = todo[nextDecode++];
        const p = reader
          .blob(item)
          .then((b) => deps.decode(b, { name: item.path }))
          .catch((e: unknown) => missingFileAsSkip(e, reader));
        p.catch(() => undefined); // awaited in order below
        decodes.push(p);
      }
    };
    try {
      for (let n = 0; n < todo.length; n++) {
        if (signal.aborted) break;
        refill();
        const item = todo[n];
        const r0 = performance.now();
        const decoded = await decodes.shift()!;
        tm.read += performance.now() - r0;
        if ('error' in decoded) {
          skipped.push({ path: item.path, reason: decoded.error });
          continue;
        }
        if (decoded.warnings.length) warned.push({ path: item.path, warnings: decoded.warnings });
        const { width: W, height: H } = decoded;
        const p0 = performance.now();
        const boxes = await cropBoxesFor(set, item.index, W, H, db);
        const im = new OpenImage(item, decoded.pixels, W, H, boxes, spec, k);
        open.push(im);
        tm.prepare += performance.now() - p0;
        for (let start = 0; start < boxes.length;) {
          const end = Math.min(boxes.length, start + (batchCrops - segmentCrops));
          segments.push({ im, start, end });
          segmentCrops += end - start;
          start = end;
          if (segmentCrops >= batchCrops) await launch();
        }
      }
      // Images already queued are finished even when paused: a resume starts at the next one.
      await drain();
    } finally {
      for (const im of open) im.image.dispose();
      await writing.catch(() => undefined);
    }
    const f0 = performance.now();
    await flush();
    await writing;
    tm.store += performance.now() - f0;
    tm.total = performance.now() - tStart;
    const status = signal.aborted ? 'paused' : 'done';
    const final = await patchLabelSet(db, labelSetId, {
      status,
      error: skipped.length ? `${skipped.length} images skipped` : undefined,
    });
    progress.update({ phase: status, done: final.imagesDone, total: items.length }, true);
    return { status, imagesDone: final.imagesDone, imagesTotal: items.length, skipped, timings: tm };
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
