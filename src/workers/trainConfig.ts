/**
 * A training run's configuration (saved with the run) and the pass schedule derived from it. The three
 * methods share everything but where the targets come from, so the speed table compares like with like.
 */
import { listPasses, type Pass, type ScheduleConfig } from '../core/schedule';
import type { StudentArch } from '../models/students';
import { LABEL_SCALE_MIN } from './labelConfig';

export type TrainMethod = 'fkd' | 'vanilla' | 'onlineKd';

export interface TrainConfig {
  method: TrainMethod;
  datasetId: string;
  /** FKD: the stored soft labels. */
  labelSetId?: string;
  /** Online KD: the teacher run on every step's crops. */
  teacherId?: string;
  arch: StudentArch;
  width?: number;
  inputSize: number;
  channels: 1 | 3;
  normalisation: 'imagenet' | 'unit' | 'symmetric';
  epochs: number;
  /** Crops per decoded image in multi-crop passes (FKD); vanilla and online KD use 1. */
  numCrops: number;
  /** Batch size in crops (reference -b). */
  cropsPerStep: number;
  optimizer: 'sgd' | 'adamw';
  lr: number;
  weightDecay?: number;
  /** SGD only. */
  nesterov?: boolean;
  /** Mixup (Beta 0.8) / CutMix (Beta 1) on the crop batch, targets mixed linearly (docs/fkd.md). */
  mix?: 'none' | 'mixup' | 'cutmix' | 'both';
  schedule: 'cosine' | 'step' | 'constant';
  cosinePer: 'pass' | 'step';
  warmupEpochs: number;
  /** Divides the student logits in the soft CE (FKD, online KD). */
  temperature: number;
  /** Teacher temperature for online KD targets (FKD bakes it into the stored labels). */
  teacherTemperature: number;
  /** RandomResizedCrop scale for vanilla and online KD (FKD uses the stored boxes). */
  scale: [number, number];
  seed: number;
  /** Checkpoint every N steps (and at pause / end of pass). */
  checkpointEvery: number;
  /** Evaluate on val after every pass. */
  evalEachPass: boolean;
  /** Use only the first N train images (quick demos and tests); 0 = all. */
  maxImages?: number;
  /** Use only the first N val images for the per-pass evaluation; 0 = all. */
  maxValImages?: number;
}

/**
 * The studio's default student and budget are `npm run bench:quality`'s recipe on the embedded set:
 * the mini ResNet (width 8) for 32 epochs at numCrops 1, AdamW lr 0.008 (FKD's best on the tuning seed;
 * the bench gives each method its own). numCrops 1 because on the embedded 28x28 set there is no decode
 * to amortise, and k crops of each image in a 64-crop batch cost this BatchNorm student accuracy; raise
 * it for folders of large JPEGs, where decoding is what FKD saves (the form says what it costs). The
 * crop scale here is only the fallback: the form takes the FKD label set's, so all three methods see the
 * same crops. 32 epochs, not 16: every method gains from the longer schedule, distillation most. The
 * measurements behind each choice: docs/results.md, bench:quality.
 */
export const DEFAULT_TRAIN_CONFIG: Omit<TrainConfig, 'datasetId' | 'method'> = {
  arch: 'resnetMini',
  inputSize: 28,
  channels: 1,
  normalisation: 'unit',
  epochs: 32,
  numCrops: 1,
  cropsPerStep: 64,
  optimizer: 'adamw',
  lr: 0.008,
  schedule: 'cosine',
  cosinePer: 'step',
  warmupEpochs: 0,
  temperature: 1,
  teacherTemperature: 1,
  scale: [LABEL_SCALE_MIN, 1],
  seed: 1,
  checkpointEvery: 50,
  evalEachPass: true,
};

/**
 * A student's own starting learning rate where one was measured on the embedded set (AdamW, cosine,
 * FKD): the MLP's 0.002 (`npm run bench:quality:mlp`); the mini ResNet's is DEFAULT_TRAIN_CONFIG.lr
 * (0.008, bench:quality's lr grid). Students without a measurement start from DEFAULT_TRAIN_CONFIG.lr;
 * SGD starts at 0.1 (the FKD reference's plain SGD recipe; not measured here).
 */
const ADAMW_LR: Partial<Record<StudentArch, number>> = { mlp: 0.002 };
export const SGD_LR = 0.1;

export function defaultLr(arch: StudentArch, optimizer: TrainConfig['optimizer']): number {
  return optimizer === 'sgd' ? SGD_LR : (ADAMW_LR[arch] ?? DEFAULT_TRAIN_CONFIG.lr);
}

/**
 * The form's lr after the student or optimiser changes: the new pair's default, unless the user had
 * typed an lr of their own (one that is not the old pair's default), which is kept.
 */
export function lrAfterChange(
  lr: number,
  from: Pick<TrainConfig, 'arch' | 'optimizer'>,
  to: Pick<TrainConfig, 'arch' | 'optimizer'>,
): number {
  return lr === defaultLr(from.arch, from.optimizer) ? defaultLr(to.arch, to.optimizer) : lr;
}

export function scheduleConfig(cfg: TrainConfig, numImages: number): ScheduleConfig {
  const numCrops = cfg.method === 'fkd' ? cfg.numCrops : 1;
  return {
    epochs: cfg.epochs,
    numCrops,
    lr: cfg.lr,
    kind: cfg.schedule,
    cosinePer: cfg.cosinePer,
    warmupEpochs: cfg.warmupEpochs,
    variant: cfg.optimizer,
    adamwSingleCropWarmupEpochs: cfg.optimizer === 'adamw' ? 0 : undefined,
    numImages,
    cropsPerStep: cfg.cropsPerStep,
  };
}

export function passesFor(cfg: TrainConfig, numImages: number): Pass[] {
  return listPasses(scheduleConfig(cfg, numImages));
}
