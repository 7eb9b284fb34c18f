// IndexedDB schema of FKD Studio (record types + idb DBSchema). Only src/store imports idb.
// Bump DB_VERSION for any change to stores, key paths or indexes, and add a step to upgrade.ts.
import type { DBSchema, StoreNames } from 'idb';
import type { LabelSetSettings } from '../core/labelSettings';
import type { StudentArch, TeacherConfig, TrainConfig, TrainMethod } from '../core/recipe';
import type { IndexedUnit, IndexWalkState } from '../core/indexWalk';

export type { IndexedUnit, IndexWalkState, LabelSetSettings, TeacherConfig, TrainConfig };

/** One indexing run of a dataset (a cancel and a resume make two): what it listed and skipped. */
export interface IndexRunStats {
  /** Files listed by this run (a folder cut by a cancel is listed again by the resume). */
  filesListed: number;
  /** Units (class folders, shards) this run walked. */
  unitsWalked: number;
  /** Units done by an earlier run, skipped unlisted. */
  unitsSkipped: number;
  cancelled: boolean;
  /** Why the run stopped on an error (not set for a cancel, nor for a run a crash or kill ended). */
  error?: string;
}

/** What the last re-open check of a dataset found and applied (lists capped, counts exact). */
export interface DatasetCheck {
  at: number;
  ms: number;
  unitsChecked: number;
  unitsUnchanged: number;
  filesListed: number;
  /** Units compared by names alone, and stored items sampled for size and date (older checks lack them). */
  unitsByName?: number;
  sampled?: number;
  sampleMismatches?: number;
  added: { count: number; paths: string[] };
  removed: { count: number; paths: string[] };
  changed: { count: number; paths: string[] };
  /** Class folders the index lacks, and shards / flat val folders that differ: re-index for those. */
  newFolders: string[];
  needsReindex: string[];
  /** Label records of removed or changed images dropped, over all the dataset's label sets. */
  labelRecordsDropped: number;
}

/** A dataset whose index is being built, or was cancelled: where its walk stands. */
export interface DatasetIndexing extends IndexWalkState {
  splitSeed: number;
  valFraction: number;
  classesDone: number;
  classesTotal: number;
  /** Items per class index and split of the units done. */
  classCounts: Record<string, { train: number; val: number }>;
  runs: IndexRunStats[];
}

export const DB_NAME = 'fkd-studio';
export const DB_VERSION = 3;

export type Split = 'train' | 'val';
export type JobStatus = 'pending' | 'running' | 'paused' | 'done' | 'error';

export interface DatasetClass {
  index: number;
  name: string;
  folder?: string;
  wnid?: string;
}

export interface Dataset {
  id: string;
  name: string;
  source: 'embedded' | 'folder' | 'files' | 'tar';
  layout: 'imagefolder' | 'webdataset' | 'flatval';
  numClasses: number;
  classes: DatasetClass[];
  counts: { train: number; val: number };
  skipped: { path: string; reason: string }[];
  createdAt: number;
  updatedAt: number;
  handleId?: string;
  extra?: Record<string, unknown>;
  /** Present while the index is incomplete (building, or cancelled: resume continues it). */
  indexing?: DatasetIndexing;
  /** The index's class folders / shards with their digests and item ranges (the re-open check). */
  units?: IndexedUnit[];
  lastCheck?: DatasetCheck;
  /** Indices flagged gone by re-open checks, ascending per split: readers leave them out unread. */
  gone?: { train: number[]; val: number[] };
  /** Its images copied into studio storage (workers/packJob.ts, docs/packs.md); absent when never copied. */
  pack?: DatasetPack;
}

/**
 * A dataset's packed copy. `done` and `cursor` are the commit point: everything before them was
 * flushed to the pack files before the record was written, so a resume truncates past them.
 */
export interface DatasetPack {
  state: 'packing' | 'paused' | 'complete';
  /** Index entries written per split (train first, then val). */
  done: { train: number; val: number };
  /** Where the next image's bytes go: pack file and offset. */
  cursor: { pack: number; offset: number };
  /** Image bytes stored, and pack files. */
  bytes: number;
  packs: number;
  /** Images not copied (unreadable, gone or changed since indexing): their entries are empty. */
  skippedTotal: number;
  skipped: { path: string; reason: string }[];
  createdAt: number;
  updatedAt: number;
  /** Why the last run stopped (cancel, quota, a folder that cannot be read). */
  error?: string;
}

/** One image of a dataset index (no pixels). Kept out of `Dataset` because ImageNet has 1.28M. */
export interface DatasetItem {
  datasetId: string;
  split: Split;
  index: number;
  path: string;
  classIndex: number;
  bytes: number;
  width?: number;
  height?: number;
  /** File.lastModified (ms) at indexing, for the re-open check. */
  modified?: number;
  /** The file was gone at a re-open check: its label records were dropped; reading it reports it missing. */
  gone?: boolean;
  /** WebDataset sources: the shard's path, the sample's ordinal in it, and where its image member's
   * headers and data start (see data/types.ts DatasetItem). */
  shard?: string;
  offset?: number;
  headerAt?: number;
  dataAt?: number;
}

export interface LabelSet {
  id: string;
  datasetId: string;
  teacherId: string;
  name: string;
  settings: LabelSetSettings;
  numClasses: number;
  /** Number of records in `labels` for this set; maintained by putLabelRecords in the same tx. */
  imagesDone: number;
  imagesTotal: number;
  /** Sum of the stored record byte lengths; maintained like imagesDone. */
  bytes: number;
  status: JobStatus;
  error?: string;
  createdAt: number;
  updatedAt: number;
  /** Where the labels came from when they were not generated here (an FKD label tree). */
  provenance?: LabelSetProvenance;
  /** The rate of its latest generation run, which the next plan's time estimate starts from. */
  rate?: { cropsPerSec: number; imagesPerSec: number; numCrops: number; images: number; at: number };
}

/** An imported FKD label tree (workers/fkdImportJob.ts): what it held and what the import found. */
export interface LabelSetProvenance {
  kind: 'fkd-files';
  /** The picked folder's name. */
  source: string;
  /** FKD's --soft_label_type of the files. */
  labelType: string;
  precision: 'f32' | 'f16';
  cropsPerImage: number;
  files: number;
  badFiles: number;
  /** First bad files with their reasons (the full count is badFiles). */
  badSample: { path: string; reason: string }[];
  imagesWithoutFile: number;
  filesWithoutImage: number;
  /** Files whose image a re-open check found gone from the folder, skipped (older imports lack it). */
  filesForGoneImages?: number;
  /** Largest distance (px) a box edge moved when FKD's fractions were snapped to this image's pixels. */
  maxSnapPx: number;
  /** What, if anything, was rounded on import. */
  rounding: string;
  /** The picked folder's stored handle (handles store), so a paused import can resume. */
  handleId?: string;
}

export interface LabelRecordRow {
  labelSetId: string;
  imageIndex: number;
  /** Encoded label record (core/labelRecord.ts). */
  record: Uint8Array;
}

export interface RunHistoryEntry {
  step: number;
  epoch: number;
  loss?: number;
  lr?: number;
  trainTop1?: number;
  valTop1?: number;
  valTop5?: number;
  cropsPerSec?: number;
  time: number;
}

/** A student's evaluation on the val split (workers/evaluate.ts), against the hard labels. */
export interface EvalResult {
  images: number;
  top1: number;
  top5: number;
  loss: number;
  perClass: { index: number; correct: number; total: number }[];
  /** numClasses x numClasses counts, row = true class, column = predicted; only for <= 100 classes. */
  confusion?: number[][];
  /** The most frequent (true, predicted) mistakes, most first; absent in evaluations stored before them. */
  confusedPairs?: { actual: number; predicted: number; count: number }[];
  /** Up to 24 item indices per (true, predicted) cell, keyed "t,p". */
  cellItems: Record<string, number[]>;
  skipped: { path: string; reason: string }[];
}

/** The run's latest evaluation, kept so the Evaluate view shows it after a reload without re-running it. */
export interface RunEval extends EvalResult {
  /** The step of the weights evaluated. */
  step: number;
  /** Epochs done then (after a pass); absent for an on-demand evaluation of a checkpoint. */
  epoch?: number;
  time: number;
}

export interface Run {
  id: string;
  name: string;
  method: TrainMethod;
  datasetId: string;
  labelSetId?: string;
  teacherId?: string;
  /**
   * A run from a pretrained student (Fast MEAL V2): that student evaluated on the run's val images
   * before step 0, the "before" its fine-tuning is compared with, and how its weights were matched.
   */
  before?: { top1: number; top5: number; loss: number; images: number; time: number };
  pretrainedMatch?: string[];
  /** The recipe the run trains with (its method, dataset, label set and teacher are repeated above). */
  config: TrainConfig;
  seed: number;
  status: JobStatus;
  history: RunHistoryEntry[];
  lastEval?: RunEval;
  speed?: Record<string, number>;
  createdAt: number;
  updatedAt: number;
  error?: string;
  /** Seconds spent training, summed over every session of the run (its time budget counts these). */
  trainedSeconds?: number;
  /** The limit the run stopped at before its schedule's end, when it did. */
  limitReached?: 'steps' | 'time';
  /** Train images left out because a re-open check found their file gone. */
  imagesGone?: number;
}

export interface TensorBlob {
  name: string;
  shape: number[];
  dtype: string;
  data: ArrayBuffer;
}

export interface Checkpoint {
  runId: string;
  step: number;
  createdAt: number;
  weights: TensorBlob[];
  optimizer: { name: string; shape: number[]; data: ArrayBuffer }[];
  rngState: unknown;
  cursor: unknown;
  epoch: number;
  pass: number;
}

export interface ModelRecord {
  id: string;
  name: string;
  kind: 'teacher' | 'student';
  source: 'embedded' | 'folder' | 'run';
  /** Input size, channels, normalisation, output kind, class mapping. */
  config: TeacherConfig;
  createdAt: number;
  handleId?: string;
  artifacts?: { modelTopology: unknown; weightSpecs: unknown; weightData: ArrayBuffer };
  /** Students: the architecture they were trained as, where known (a run's; a folder's is picked). */
  student?: { arch: StudentArch; width?: number; fromRun?: string };
}

export interface HandleRecord {
  id: string;
  name: string;
  kind: 'directory' | 'file';
  /** Structured-cloneable File System Access handle (a plain object in Node tests). */
  handle: FileSystemHandle;
  createdAt: number;
}

export interface JobRecord {
  id: string;
  kind: 'generate' | 'train' | 'evaluate' | 'index' | 'pack';
  /** The labelSet / run id the job works on. */
  refId: string;
  state: Record<string, unknown>;
  updatedAt: number;
}

export interface StudioSchema extends DBSchema {
  datasets: { key: string; value: Dataset };
  datasetItems: {
    key: [string, Split, number];
    value: DatasetItem;
    indexes: { byDataset: [string, Split] };
  };
  labelSets: { key: string; value: LabelSet; indexes: { byDataset: string } };
  labels: { key: [string, number]; value: LabelRecordRow };
  runs: { key: string; value: Run };
  checkpoints: { key: [string, number]; value: Checkpoint; indexes: { byRun: string } };
  models: { key: string; value: ModelRecord };
  handles: { key: string; value: HandleRecord };
  jobs: { key: string; value: JobRecord };
}

export type StoreName = StoreNames<StudioSchema>;

// ---- Version 1 (shipped before datasetItems/checkpoints/...; kept to migrate old profiles) ----
// v1 stores: datasets, labelSets, runs (keyPath 'id') and labels with out-of-line string keys
// `${labelSetId}/${imageIndex}`. Datasets carried their file list inline, label sets had no
// byte counter and runs no seed.

export interface V1Dataset {
  id: string;
  name: string;
  source: Dataset['source'];
  numClasses: number;
  classes: DatasetClass[];
  counts: { train: number; val: number };
  items?: { split: Split; path: string; classIndex: number; bytes: number }[];
  createdAt: number;
}

export interface V1LabelSet {
  id: string;
  datasetId: string;
  teacherId: string;
  name: string;
  settings: Omit<LabelSetSettings, 'inputSize' | 'reuseBoxesFrom'>;
  numClasses: number;
  imagesDone: number;
  imagesTotal: number;
  status: JobStatus;
  error?: string;
  createdAt: number;
}

/** Value stored under key `${labelSetId}/${imageIndex}` in the v1 `labels` store. */
export interface V1LabelRow {
  record: ArrayBuffer | Uint8Array;
}

export interface V1Run {
  id: string;
  name: string;
  method: Run['method'];
  datasetId: string;
  labelSetId?: string;
  config: Record<string, unknown>;
  status: JobStatus;
  history: RunHistoryEntry[];
  createdAt: number;
}

/** Input size assumed for v1 label sets, which predate the setting (v1 only labelled at 224). */
export const V1_DEFAULT_INPUT_SIZE = 224;
