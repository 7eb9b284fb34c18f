/**
 * Teacher worker: dataset indexing, teacher import/validation and soft-label generation. Owns its own
 * tfjs backend (chosen for inference). Thin: it wires data + engine + store into jobs.
 */
import { backendMemory, forgetProbeWinners } from './backendMemory';
import * as Comlink from 'comlink';
import { selectBackend } from '../engine/backend';
import {
  jobId,
  type BackendReport,
  type GenerateResult,
  type PlanProbeResult,
  type GenerationSample,
  type IndexJobSpec,
  type LabelStats,
  type PackCost,
  type ProgressFn,
  type TeacherImport,
  type WorkerInit,
} from './api';
import { teacherOnlyThroughput, type TeacherThroughput } from './benchTeacher';
import { decodeCropThroughput, type DecodeCropThroughput } from './benchData';
import { setBaseUrl } from './datasets';
import { imageInputBlob } from '../data/imageInput';
import { cpuSlotCount, setCpuSlots } from '../data/cpuSlots';
import { requireTestBuild } from './testBuild';
import { injectSourceFault, type SourceFault } from './sourceFault';
import { runGeneration } from './generate';
import { generationHeldAt, holdGenerationAfter } from './generationHold';
import { planProbe } from './planProbe';
import { holdIndexAfter, resumeIndex, runIndex } from './indexJob';
import { holdPackAfter, packCost, packReads, removePack, runPack } from './packJob';
import { releasePackReader, sweepPackDirs } from './packFiles';
import { readPass, type ReadPass, type ReadPassOptions } from './benchReads';
import { runCheck } from './checkJob';
import { exportFkdTree, importFkdTree } from './fkdJobs';
import type { FkdExportResult, FkdExportSpec, FkdImportResult, FkdImportSpec } from './fkdInteropApi';
import { exportLabelSetBundle } from './labelBundleJob';
import { importLabelSetBundle, type ImportLabelSetResult } from './labelBundleImport';
import { cancelJob, runJob, runningJobs } from './jobs';
import { importTeacherFiles } from './teacherImport';
import { verifyLabelSet, type VerifyReport } from './verifyLabels';
import { fidelitySample } from './fidelitySample';
import type { FidelitySample } from '../core/fidelity';
import { labelSetStats } from './labelStats';
import { classSampleIndices, classStartHint } from './classSamples';
import { DatasetReader } from './datasets';
import { getDatasetItems, openStudioDb, type Dataset, type DatasetCheck, type DatasetPack } from '../store';

let report: BackendReport | null = null;
/**
 * The backend selection init() started. Calls that run tfjs wait for it: messages arrive in order, so
 * a job the page starts right after init (a generation resumed on reload) would otherwise run while
 * the backend is still being chosen ("Backend 'wasm' has not yet been initialized").
 */
let ready: Promise<unknown> = Promise.resolve();

/** The last opened dataset stays open: explorers ask for many images of the same set. */
let fileReaderCache: { id: string; reader: Promise<DatasetReader> } | null = null;
/** A reader for image files only (no items held). */
function fileReader(id: string): Promise<DatasetReader> {
  if (fileReaderCache?.id !== id) fileReaderCache = { id, reader: DatasetReader.open(id, { splits: [] }) };
  return fileReaderCache.reader;
}

const api = {
  async init(init: WorkerInit): Promise<BackendReport> {
    setBaseUrl(init.baseUrl);
    setCpuSlots(init.cpuSlots ?? 0);
    const selection = selectBackend({
      memory: backendMemory,
      forced: init.forcedBackend,
      job: 'inference',
    });
    ready = selection.catch(() => undefined);
    report = await selection;
    return report;
  },
  backend(): BackendReport | null {
    return report;
  },
  /** Settings → Compute backend: the next worker start times the candidates again. */
  forgetProbeWinners(): Promise<void> {
    return forgetProbeWinners();
  },
  /** The CPU budget changed in Settings: applies from the next unit of work on. */
  setCpuSlots(slots: number): void {
    setCpuSlots(slots);
  },
  /** This worker's CPU budget: slots, 0 when off. */
  cpuSlots(): number {
    return cpuSlotCount();
  },
  indexDataset(spec: IndexJobSpec, onProgress?: ProgressFn): Promise<Dataset> {
    return runJob(jobId.index(spec.datasetId), (signal) => runIndex(spec, signal, onProgress));
  },
  /** Test builds: the next index walk waits after `units` class folders until cancelled. */
  holdIndexAfter(units: number | null): void {
    holdIndexAfter(units);
  },
  /** The re-open check: lists the folder again (no file contents), applies and stores what changed. */
  checkDataset(datasetId: string, onProgress?: ProgressFn): Promise<DatasetCheck> {
    return runJob(jobId.index(datasetId), (signal) => runCheck(datasetId, signal, onProgress));
  },
  /** Continues a cancelled or interrupted index after its last completed class folder / shard. */
  resumeIndex(datasetId: string, onProgress?: ProgressFn): Promise<Dataset> {
    return runJob(jobId.index(datasetId), (signal) => resumeIndex(datasetId, signal, onProgress));
  },
  /**
   * "Copy into studio storage": the dataset's images into pack files (docs/packs.md); resumes a
   * cancelled or interrupted copy from its last commit. The trainer's reader must be released first.
   */
  async packDataset(datasetId: string, onProgress?: ProgressFn): Promise<DatasetPack> {
    if (fileReaderCache?.id === datasetId) fileReaderCache = null;
    return runJob(jobId.pack(datasetId), (signal) => runPack(datasetId, signal, onProgress));
  },
  /** Bytes and images a copy would take, from the stored index (paged). */
  packCost(datasetId: string): Promise<PackCost> {
    return packCost(datasetId);
  },
  /** "Remove copy" (and a forgotten dataset): this worker's handles closed, the files deleted. */
  async removePack(datasetId: string): Promise<void> {
    if (fileReaderCache?.id === datasetId) fileReaderCache = null;
    // A copy still running holds the files: stop it first (it stops at its next image).
    if (cancelJob(jobId.pack(datasetId))) {
      for (let t = 0; t < 200 && runningJobs().includes(jobId.pack(datasetId)); t++)
        await new Promise((r) => setTimeout(r, 50));
    }
    await removePack(datasetId);
  },
  /** Start-up: the studio copies of datasets no longer in the store are deleted; returns how many. */
  async sweepPacks(): Promise<number> {
    const db = await openStudioDb();
    return sweepPackDirs((await db.getAllKeys('datasets')) as string[]);
  },
  /** Closes this worker's handles on the dataset's copy (before another worker rewrites or removes it). */
  async releasePack(datasetId: string): Promise<void> {
    if (fileReaderCache?.id === datasetId) fileReaderCache = null;
    await releasePackReader(datasetId);
  },
  /** Test builds: the next copy waits after `images` until cancelled; images read from sources so far. */
  holdPackAfter(images: number | null): void {
    holdPackAfter(images);
  },
  /** bench:pack: one pass over a split's images through DatasetReader.read (copy or folder). */
  readPass(datasetId: string, split: 'train' | 'val', opts?: ReadPassOptions): Promise<ReadPass> {
    requireTestBuild('readPass');
    return readPass(datasetId, split, opts);
  },
  packReadCount(reset = false): number {
    requireTestBuild('packReadCount');
    const n = packReads.files;
    if (reset) packReads.files = 0;
    return n;
  },
  generate(
    labelSetId: string,
    onProgress?: ProgressFn,
    onSample?: (s: GenerationSample) => void,
  ): Promise<GenerateResult> {
    return runJob(jobId.generate(labelSetId), async (signal) => {
      await ready;
      return runGeneration(labelSetId, signal, onProgress, onSample);
    });
  },
  /** The plan's probe: a few images' sizes and the teacher's crop rate on them (nothing stored). */
  async planProbe(
    datasetId: string,
    teacherId: string,
    numCrops: number,
    images = 12,
  ): Promise<PlanProbeResult> {
    await ready;
    return planProbe(datasetId, teacherId, numCrops, images);
  },
  /** The label set as one .fkdlabels bundle (docs/label-bundle.md). */
  exportLabelSet(labelSetId: string): Promise<Blob> {
    return exportLabelSetBundle(labelSetId);
  },
  /** A bundle written as a new label set of `datasetId`, its images matched by path. */
  importLabelSet(file: File, datasetId: string): Promise<ImportLabelSetResult> {
    return importLabelSetBundle(file, datasetId);
  },
  /** An FKD label tree (torch.save files) as a new label set, or into a paused one (docs/fkd-files.md). */
  importFkdLabels(spec: FkdImportSpec, onProgress?: ProgressFn): Promise<FkdImportResult> {
    return runJob(`fkd-import:${spec.resumeLabelSetId ?? spec.datasetId}`, (signal) =>
      importFkdTree(spec, signal, onProgress),
    );
  },
  /** The label set as FKD's tree, into a folder or one .zip. */
  exportFkdLabels(spec: FkdExportSpec, onProgress?: ProgressFn): Promise<FkdExportResult> {
    return runJob(`fkd-export:${spec.labelSetId}`, (signal) => exportFkdTree(spec, signal, onProgress));
  },
  async importTeacher(spec: TeacherImport): Promise<{ id: string; warnings: string[] }> {
    await ready;
    return importTeacherFiles(spec);
  },
  /** bench:slg: teacher forward + softmax + top-k readback on a random batch already on the device. */
  async teacherOnlyThroughput(
    teacherId: string,
    inputSize: number,
    crops: number,
    repeats: number,
  ): Promise<TeacherThroughput> {
    requireTestBuild('teacherOnlyThroughput');
    await ready;
    return teacherOnlyThroughput(teacherId, inputSize, crops, repeats);
  },
  /** Test builds: the next generation job waits after reading `images` images; null releases it. */
  holdGenerationAfter(images: number | null): void {
    holdGenerationAfter(images);
  },
  /** Test builds: how many images a held generation job read (null: none is waiting). */
  generationHeldAt(): number | null {
    return generationHeldAt();
  },
  /** Re-runs the teacher on stored crops of a sample of images and compares with what storage gives back. */
  async verifyLabels(labelSetId: string, sampleImages = 8): Promise<VerifyReport> {
    await ready;
    return verifyLabelSet(labelSetId, sampleImages);
  },
  /** A sample of the set's stored crops relabelled with the full softmax (storage-vs-fidelity explorer). */
  async fidelitySample(labelSetId: string, sampleImages = 8, maxCrops = 256): Promise<FidelitySample> {
    await ready;
    return fidelitySample(labelSetId, sampleImages, maxCrops);
  },
  labelStats(labelSetId: string, topN?: number, maxImages?: number): Promise<LabelStats> {
    return labelSetStats(labelSetId, topN, maxImages);
  },
  /**
   * One image's file, for views of a user's folder (the main thread cannot read its handle's files); a
   * Blob (made here for bytes) because the page shows it through an object URL.
   */
  async imageBlob(datasetId: string, split: 'train' | 'val', index: number): Promise<Blob> {
    // One point read of the index: showing an image never loads the dataset's whole file list.
    const reader = await fileReader(datasetId);
    const [item] = await getDatasetItems(await openStudioDb(), datasetId, split, index, index + 1);
    if (!item) throw new Error(`no ${split} image ${index}`);
    return imageInputBlob(await reader.read(item));
  },
  /** Up to n item indices of one class (in index order), for the Data view's lazy thumbnail grid. */
  async classSamples(
    datasetId: string,
    split: 'train' | 'val',
    classIndex: number,
    n: number,
  ): Promise<number[]> {
    const { dataset } = await fileReader(datasetId);
    const start = classStartHint(dataset, split, classIndex);
    return classSampleIndices(await openStudioDb(), dataset, split, classIndex, n, undefined, start);
  },
  /** bench:data: decode + upload + crop throughput on the given JPEGs, cropsPerImage crops per decode. */
  async decodeCropThroughput(
    blobs: Blob[],
    cropsPerImage: number,
    outSize: number,
    seconds: number,
    fitted = false,
  ): Promise<DecodeCropThroughput> {
    requireTestBuild('decodeCropThroughput');
    await ready;
    return decodeCropThroughput(blobs, cropsPerImage, outSize, seconds, fitted);
  },
  /** e2e: folder sources answer as revoked or with files gone (sourceFault.ts); null clears it. */
  injectSourceFault(fault: SourceFault | null): void {
    requireTestBuild('injectSourceFault');
    injectSourceFault(fault);
  },
  cancel(jobId: string): boolean {
    return cancelJob(jobId);
  },
  running(): string[] {
    return runningJobs();
  },
};

export type TeacherWorkerApi = typeof api;
Comlink.expose(api);
