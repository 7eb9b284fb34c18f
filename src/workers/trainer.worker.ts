/**
 * Trainer worker: FKD, vanilla and online-KD training, evaluation, the speed table and student export.
 * Owns its tfjs backend, chosen for training (and re-chosen per run when the kind of student changes:
 * WASM is fastest on machines without a GPU but cannot train depthwise convs).
 */
import { backendMemory } from './backendMemory';
import * as Comlink from 'comlink';
import { releasePackReader } from './packFiles';
import { readPass, type ReadPass, type ReadPassOptions } from './benchReads';
import { assertRecipe, assertTrainConfig } from '../core/recipeCheck';
import { selectBackend } from '../engine/backend';
import { gradientParity, type GradParityReport } from '../engine/gradParity';
import { createTrainer } from '../engine/trainStep';
import { loadStudentFromArtifacts } from '../models/studentArtifacts';
import { buildStudent, describeModel, type ModelSummary } from '../models/students';
import type { StoredArtifacts } from '../models/teacherArtifacts';
import {
  jobId,
  type BackendName,
  type BackendReport,
  type PresenterStep,
  type PretrainedCheck,
  type StudentImport,
  type ProgressFn,
  type SpeedTable,
  type TrainCallbacks,
  type TrainResult,
  type WorkerInit,
} from './api';
import { studentOnlyThroughput, type StudentThroughput } from './benchStudent';
import { decodeOnlyThroughput, type DecodeThroughput } from './benchDecode';
import { DatasetReader, setBaseUrl } from './datasets';
import { cpuSlotCount, setCpuSlots } from '../data/cpuSlots';
import { requireTestBuild } from './testBuild';
import { evaluateItems, type EvalResult } from './evaluate';
import { cancelJob, runJob, runningJobs } from './jobs';
import { seededSubset } from './session';
import { measureSpeed } from './speed';
import { evaluateRun, injectStepFault, runTraining } from './train';
import { holdTrainingAt, trainingHeldAt } from './trainingHold';
import type { TrainConfig, TrainMethod } from '../core/recipe';
import { getRun, openStudioDb } from '../store';
import { presenterReset, presenterStep } from './presenter';
import { checkPretrained, importStudentFiles, runStudentArtifacts, saveRunStudent } from './pretrained';

let init: WorkerInit | null = null;
let report: BackendReport | null = null;
/** Whether the current backend was chosen for a student with conv layers (what the probe times). */
let reportConvs: boolean | null = null;

/**
 * Backend selections run one after another: a call that arrives while init() is still selecting (a
 * page that calls the API as soon as it loads) must not race it and have its choice overwritten.
 */
let selecting: Promise<unknown> = Promise.resolve();
function serially<T>(f: () => Promise<T>): Promise<T> {
  const next = selecting.then(f, f);
  selecting = next.catch(() => undefined);
  return next;
}

/** Re-run backend selection when the kind of student changes (no convs / convs). */
function backendFor(cfg: Pick<TrainConfig, 'arch'>): Promise<BackendReport> {
  return serially(async () => {
    const convs = cfg.arch !== 'mlp';
    if (!report || convs !== reportConvs) {
      report = await selectBackend({
        memory: backendMemory,
        forced: init?.forcedBackend as BackendName | undefined,
        job: 'train',
        modelHasConvs: convs,
        // Depthwise convs of dilation 1 (MobileNets, SReT's pooling) train on wasm: wasmDepthwiseGrad.ts.
        modelHasDepthwise: false,
      });
      reportConvs = convs;
    }
    return report;
  });
}

const api = {
  /** Presenter mode: one batch of `cfg` per call, with the student's top-k before and after it. */
  async presenterStep(cfg: TrainConfig): Promise<PresenterStep> {
    await backendFor(cfg);
    return presenterStep(cfg);
  },
  presenterReset(): void {
    presenterReset();
  },
  async init(i: WorkerInit): Promise<BackendReport> {
    init = i;
    setBaseUrl(i.baseUrl);
    setCpuSlots(i.cpuSlots ?? 0);
    // Any student may follow: choose for the most demanding kind (convs).
    return serially(async () => {
      report = await selectBackend({
        memory: backendMemory,
        forced: i.forcedBackend,
        job: 'train',
        modelHasConvs: true,
        modelHasDepthwise: false,
      });
      reportConvs = true;
      return report;
    });
  },
  backend(): BackendReport | null {
    return report;
  },
  /** The CPU budget changed in Settings: applies from the next unit of work on. */
  setCpuSlots(slots: number): void {
    setCpuSlots(slots);
  },
  /** This worker's CPU budget: slots, 0 when off. */
  cpuSlots(): number {
    return cpuSlotCount();
  },
  async train(runId: string, cb: TrainCallbacks): Promise<TrainResult & { backend: BackendReport }> {
    const run = await getRun(await openStudioDb(), runId);
    if (!run) throw new Error(`run ${runId} not found`);
    assertTrainConfig(run.config);
    const backend = await backendFor(run.config);
    const result = await runJob(jobId.train(runId), (signal) => runTraining(runId, signal, cb));
    return { ...result, backend };
  },
  async evaluate(runId: string, onProgress?: ProgressFn, maxImages?: number): Promise<EvalResult> {
    // Right after a reload the backend may still be being chosen: wait for it (it was not awaited here,
    // and an Evaluate click in the first seconds failed with "Backend 'wasm' has not yet been initialized").
    const run = await getRun(await openStudioDb(), runId);
    if (!run) throw new Error(`run ${runId} not found`);
    await backendFor(run.config);
    return runJob(jobId.evaluate(runId), (signal) => evaluateRun(runId, signal, onProgress, maxImages));
  },
  async speed(
    cfg: TrainConfig,
    methods: TrainMethod[],
    opts: { warmupSteps: number; timedSteps: number },
    onProgress?: ProgressFn,
  ): Promise<SpeedTable> {
    assertRecipe(cfg);
    await backendFor(cfg);
    return runJob(jobId.speed(cfg.datasetId), (signal) =>
      measureSpeed(cfg, methods, opts, signal, onProgress),
    );
  },
  /** bench:train: trainer.step alone on a random batch already on the device (no decode, no store). */
  async studentOnlyThroughput(cfg: TrainConfig, steps: number): Promise<StudentThroughput> {
    requireTestBuild('studentOnlyThroughput');
    await backendFor(cfg);
    const reader = await DatasetReader.open(cfg.datasetId, { splits: [] });
    return studentOnlyThroughput(cfg, reader.dataset.numClasses, steps);
  },
  /** bench:train: the loader's read + decode alone, as many in flight as training keeps. */
  async decodeOnlyThroughput(cfg: TrainConfig, images: number): Promise<DecodeThroughput> {
    requireTestBuild('decodeOnlyThroughput');
    return decodeOnlyThroughput(cfg, await DatasetReader.open(cfg.datasetId), images);
  },
  /** The student of a run as tfjs Layers artifacts (model.json topology + one weights buffer). */
  async exportStudent(runId: string): Promise<StoredArtifacts> {
    const run = await getRun(await openStudioDb(), runId);
    if (!run) throw new Error(`run ${runId} not found`);
    await backendFor(run.config);
    return runStudentArtifacts(runId);
  },
  /** A run's student into the model library, where Fast MEAL V2 can start from it; returns its id. */
  async saveStudentToLibrary(runId: string): Promise<string> {
    const run = await getRun(await openStudioDb(), runId);
    if (!run) throw new Error(`run ${runId} not found`);
    await backendFor(run.config);
    return saveRunStudent(runId);
  },
  /** A pretrained student's folder (tfjs Layers model.json + shards) into the model library. */
  async importStudent(spec: StudentImport): Promise<string> {
    return importStudentFiles(spec);
  },
  /** How a library student's weights fit the described student (the Train form lists it before Start). */
  async checkPretrained(
    modelId: string,
    cfg: Pick<TrainConfig, 'arch' | 'inputSize' | 'channels' | 'width'> & { numClasses: number },
  ): Promise<PretrainedCheck> {
    await selecting; // building layers needs the backend that init() is choosing
    return checkPretrained(modelId, cfg);
  },
  /** Loads exported student files and evaluates them on a dataset's val split (export round-trip check). */
  async evaluateArtifacts(
    artifacts: StoredArtifacts,
    cfg: Pick<TrainConfig, 'datasetId' | 'inputSize' | 'channels' | 'normalisation' | 'arch'> & {
      maxImages?: number;
    },
  ): Promise<EvalResult> {
    await backendFor(cfg);
    const model = await loadStudentFromArtifacts(artifacts);
    const trainer = createTrainer(model, { optimizer: 'sgd', lr: 0 });
    try {
      // Evaluation reads the val split only: the train index stays in the store.
      const reader = await DatasetReader.open(cfg.datasetId, { splits: ['val'] });
      const numClasses = model.outputs[0].shape[1] as number;
      const items = seededSubset(
        reader.items.val.filter((it) => !it.gone),
        cfg.maxImages,
        1,
        'val',
      );
      return await evaluateItems(trainer, reader, items, { ...cfg, numClasses });
    } finally {
      trainer.dispose();
      model.dispose();
    }
  },
  /**
   * Diagnostics: loss + gradients of every student layer type on backends[0] vs each other backend
   * (engine/gradParity.ts). Switches this worker's tfjs backend and restores it, so it is refused while
   * another job runs, and shows up in running() as 'diagnostics:gradParity' while it does.
   */
  async gradientParity(backends: string[]): Promise<GradParityReport> {
    const busy = runningJobs();
    if (busy.length > 0)
      throw new Error(`gradient parity needs an idle trainer (running: ${busy.join(', ')})`);
    return runJob(jobId.gradParity(), () => gradientParity(backends));
  },
  /** Layers, parameters and FLOPs of a student as configured (the Train form shows it). */
  async describeStudent(
    cfg: Pick<TrainConfig, 'arch' | 'inputSize' | 'channels' | 'width'> & { numClasses: number },
  ): Promise<ModelSummary> {
    await selecting; // building layers needs the backend that init() is choosing
    const model = buildStudent(cfg.arch, {
      inputSize: cfg.inputSize,
      channels: cfg.channels,
      numClasses: cfg.numClasses,
      seed: 0,
      width: cfg.width,
    });
    try {
      return describeModel(model);
    } finally {
      model.dispose();
    }
  },
  /** Test builds: runs wait on reaching this step (null: no hold); see trainingHold.ts. */
  holdTrainingAt(step: number | null): void {
    holdTrainingAt(step);
  },
  /** Test builds: the step a held run waits at (null: none is waiting). */
  trainingHeldAt(): number | null {
    return trainingHeldAt();
  },
  /** Test hook: make the next training step fail with `message` (see train.ts). */
  injectStepFault(message: string): void {
    requireTestBuild('injectStepFault');
    injectStepFault(message);
  },
  /** Test builds: one pass over a split's images through DatasetReader.read (copy or folder). */
  readPass(datasetId: string, split: 'train' | 'val', opts?: ReadPassOptions): Promise<ReadPass> {
    requireTestBuild('readPass');
    return readPass(datasetId, split, opts);
  },
  /** Closes this worker's handles on the dataset's studio copy (before the teacher rewrites or removes it). */
  releasePack(datasetId: string): Promise<void> {
    return releasePackReader(datasetId);
  },
  cancel(jobId: string): boolean {
    return cancelJob(jobId);
  },
  running(): string[] {
    return runningJobs();
  },
};

export type TrainerWorkerApi = typeof api;
Comlink.expose(api);
