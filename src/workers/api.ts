/**
 * The whole contract between the UI (main thread) and the two workers: every message, progress,
 * sample and result type the UI sees, and the job ids both sides name jobs by. The UI imports worker
 * code from this file only (ESLint enforces it, eslint.config.js); the worker APIs themselves are
 * `import type` of teacher.worker / trainer.worker. Nothing here may pull tfjs into the main bundle:
 * values are plain functions, everything else is types.
 */
import type { CropBox } from '../core/cropBox';
import type { CropMix } from '../core/labelMix';
import type { BackendName } from '../engine/backend';
import type { MemoryInfo } from '../engine/tensors';
import type { StudentArch, TeacherConfig, TrainMethod } from '../core/recipe';
import type { EvalResult, Run } from '../store';

// Shapes the engine, models and store own (they produce them); re-exported so the UI needs this file.
export type { AdapterReport as AdapterInfo, BackendName, BackendReport } from '../engine/backend';
export type { GradParityReport } from '../engine/gradParity';
export type { MemoryInfo } from '../engine/tensors';
export type { LayerSummary, ModelSummary } from '../models/students';
export type { StoredArtifacts } from '../models/teacherArtifacts';
export type { EvalResult } from '../store';

export interface WorkerInit {
  /** User's choice from the URL (?backend=) or Settings; undefined = pick automatically. */
  forcedBackend?: BackendName;
  /** Absolute URL of the site root, so workers can fetch the embedded dataset and models. */
  baseUrl: string;
  /** How many threads may compute at once across the studio's workers (data/cpuSlots.ts); 0 = no limit. */
  cpuSlots?: number;
}

// ---- Jobs ----

/** The id a worker runs a job under: what cancel(id) takes and running() lists. */
export const jobId = {
  index: (datasetId: string) => `index:${datasetId}`,
  /** "Copy into studio storage" (workers/packJob.ts). */
  pack: (datasetId: string) => `pack:${datasetId}`,
  generate: (labelSetId: string) => `generate:${labelSetId}`,
  train: (runId: string) => `train:${runId}`,
  evaluate: (runId: string) => `evaluate:${runId}`,
  speed: (datasetId: string) => `speed:${datasetId}`,
  gradParity: () => 'diagnostics:gradParity',
};

/** The Web Lock a running job holds, so another tab (or a reload) can tell it is still running. */
export function jobLockName(id: string): string {
  return `fkd-job:${id}`;
}

/** Throttled progress of a long job (at most a few per second). */
export interface JobProgress {
  phase: string;
  done: number;
  total: number;
  /** Items per second over the recent window. */
  rate?: number;
  etaSeconds?: number;
  message?: string;
}

export type ProgressFn = (p: JobProgress) => void;

// ---- Indexing (teacher worker) ----

export type IndexSourceSpec =
  | { kind: 'embedded'; manifestId: string }
  | { kind: 'handle'; handleId: string }
  | { kind: 'files'; files: File[]; name: string };

export interface IndexJobSpec {
  datasetId: string;
  name?: string;
  source: IndexSourceSpec;
  splitSeed?: number;
  valFraction?: number;
}

/** What a studio copy of a dataset would take: image bytes as indexed, and images (core/pack.ts planPack). */
export interface PackCost {
  imageBytes: number;
  images: number;
}

/** A teacher the user picked as files, with how its input and output are to be read. */
export interface TeacherImport {
  name: string;
  files: File[];
  config: Omit<TeacherConfig, 'id' | 'name'>;
}

/** A pretrained student picked as files (model.json + shards), the architecture it is to load into. */
export interface StudentImport {
  name: string;
  files: File[];
  arch?: StudentArch;
  width?: number;
}

/**
 * How a library student's weights fit the student the Train form describes, before any work: the
 * match in words (core/weightMatch describeMatch), why it cannot start a run (or null), and the class
 * counts when the head is replaced.
 */
export interface PretrainedCheck {
  lines: string[];
  blocker: string | null;
  loaded: number;
  missing: number;
  extra: number;
  shapeDiffers: number;
  headReplaced?: { sourceClasses: number; targetClasses: number };
}

/** A pretrained student evaluated on the run's val images before its first step (Fast MEAL V2's "before"). */
export type BeforeEval = NonNullable<Run['before']>;

// ---- Soft-label generation (teacher worker) ----

/** What the live view shows while labels are generated: one image, its crops and their labels. */
export interface GenerationSample {
  imageIndex: number;
  path: string;
  classIndex: number;
  width: number;
  height: number;
  /** The decoded image as a BMP file (core/bmp.ts), which the page shows without touching its pixels. */
  bmp: Blob;
  boxes: CropBox[];
  /** Per crop, its stored top-k (class, prob) pairs. */
  topK: { index: number; prob: number }[][];
  /** Label-time mixing: the partner image and each shown crop's mix (the teacher labelled the mix). */
  mix?: SampleMix;
}

/** What a live view needs to draw mixed crops: the partner image, its crop per shown crop, the mixes. */
export interface SampleMix {
  partnerPath: string;
  /** The partner as a BMP file (core/bmp.ts). */
  partnerBmp: Blob;
  partnerWidth: number;
  partnerHeight: number;
  partnerBoxes: CropBox[];
  crops: CropMix[];
  /** Side of the crop the CutMix boxes are drawn on. */
  size: number;
}

export interface GenerateResult {
  status: 'done' | 'paused' | 'error';
  imagesDone: number;
  imagesTotal: number;
  skipped: { path: string; reason: string }[];
  /** Images left out because a re-open check found their file gone. */
  gone?: number;
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

/** A label set's confidence and entropy histograms and its most disputed images (the label explorer). */
/** The Soft labels plan's probe (workers/planProbe.ts): sampled image sizes and the teacher's crop rate. */
export interface PlanProbeResult {
  sizes: { width: number; height: number }[];
  crops: number;
  seconds: number;
  cropsPerSec: number;
}

export interface LabelStats {
  images: number;
  crops: number;
  /** 20 bins over [0, 1]. */
  confidence: number[];
  /** 20 bins over [0, log C]. */
  entropy: number[];
  maxEntropy: number;
  /** Highest disagreement first. */
  disagreement: { imageIndex: number; disagreement: number; majority: number; crops: number }[];
  meanConfidence: number;
}

// ---- Training (trainer worker) ----

export interface TrainMetrics {
  step: number;
  /** The step the run stops at (its step limit, or the schedule's end). */
  endStep?: number;
  /** Seconds left in this pass and in the run, at the measured step rate. */
  passEtaSec?: number;
  runEtaSec?: number;
  /** Training top-1 against hard labels, averaged over the recent steps. */
  trainTop1: number;
  totalSteps: number;
  epoch: number;
  pass: number;
  loss: number;
  lr: number;
  cropsPerSec: number;
  imagesPerSec: number;
  backend: string;
  memory: MemoryInfo;
  skipped: number;
}

/** One image of the batch being trained, as the Pipeline view draws it. */
export interface LiveImage {
  path: string;
  classIndex: number;
  /** The decoded size, and the image's own (decoding stops at what the crops need). */
  width: number;
  height: number;
  sourceWidth: number;
  sourceHeight: number;
  /** The decoded image as a BMP file (core/bmp.ts). */
  bmp: Blob;
  boxes: CropBox[];
  /** Per crop: the target's top-k (soft label, one-hot or the teacher's) and the student's. */
  targetTopK: { index: number; prob: number }[][];
  studentTopK: { index: number; prob: number }[][];
  /** The crops' label-time mixes, when the label set mixed them (the target is the mixed crop's label). */
  mix?: SampleMix;
}

/** The first few images of the batch being trained (all of it is too much to draw and to read back). */
export interface LiveSample {
  step: number;
  epoch: number;
  /** The whole batch: images decoded and crops trained this step. */
  batchImages: number;
  batchCrops: number;
  images: LiveImage[];
}

/** Presenter mode: one batch trained on a click, with the student's top-k before and after it. */
export interface PresenterStep {
  /** The step's live sample: images, boxes, targets, and the student's top-k after the step. */
  after: LiveSample;
  /** The student's top-k on the same crops (same order) before the step. */
  before: { index: number; prob: number }[][];
  loss: number;
  totalSteps: number;
}

/** The evaluation after a pass, with where in the run it was taken. */
export type PassEval = EvalResult & { step: number; epoch: number };

/** A training job's progress, metrics and live sample, whichever are new, in one message. */
export interface TrainLiveUpdate {
  progress?: JobProgress;
  metrics?: TrainMetrics;
  sample?: LiveSample;
}

/** What a training job reports while it runs (comlink-proxied callbacks from the UI). */
export interface TrainCallbacks {
  onProgress?: ProgressFn;
  onMetrics?: (m: TrainMetrics) => void;
  onSample?: (s: LiveSample) => void;
  /**
   * When given, progress, metrics and samples come through this instead of the three above, batched:
   * each cross-thread call is a task on the page's main thread, and the page's time under load went
   * to many such small tasks back to back (docs/results.md, bench:ui). Through Comlink.proxy of the
   * whole callbacks object every name reads as present, so the worker cannot tell this one is
   * missing: a caller that proxies the object must pass onLive to hear progress, metrics or samples.
   */
  onLive?: (u: TrainLiveUpdate) => void;
  onEval?: (e: PassEval) => void;
  /** A run from a pretrained student: its evaluation before step 0. */
  onBefore?: (b: BeforeEval) => void;
}

export interface TrainResult {
  status: 'done' | 'paused' | 'error';
  step: number;
  totalSteps: number;
  lastEval?: EvalResult;
  error?: string;
}

export interface SpeedRow {
  method: TrainMethod;
  steps: number;
  crops: number;
  seconds: number;
  cropsPerSec: number;
  /** Seconds for numImages crops (one epoch's worth). */
  secondsPerEpoch: number;
  /** Of the timed seconds: waiting for the step's images and labels, submitting the step, waiting for its loss. */
  phases?: StepPhases;
  error?: string;
}

/** Where the training loop's wall time goes, in seconds: a stopwatch the caller may read and reset. */
export interface StepPhases {
  /** Waiting for the step's images and labels (the prefetch ran dry). */
  waitInput: number;
  /** Submitting the step (on backends that run kernels at dispatch, its compute). */
  submit: number;
  /** Waiting for the previous step's loss. */
  waitLoss: number;
}

/** The speed table: each method's measured throughput on the same student, batch and backend. */
export interface SpeedTable {
  backend: string;
  numImages: number;
  rows: SpeedRow[];
}

// ---- FKD label files (teacher worker) ----

export type * from './fkdInteropApi';
