/**
 * The recipes as pure data: what a training run is configured with (saved with the run), which
 * students exist, and how a teacher's input and output are described. The Train form, the workers,
 * the store and the benches all read these one definitions and defaults. Soft-label settings live
 * beside them in labelSettings.ts; the checks of both are in recipeCheck.ts.
 */
import { LABEL_SCALE_MIN } from './labelSettings';
import { listPasses, type Pass, type ScheduleConfig } from './schedule';

export const STUDENT_ARCHS = [
  'mlp',
  'tinyCnn',
  'resnetMini',
  'mobilenetMini',
  'resnet18',
  'resnet50',
  'mobilenetV2',
  'vitTiny',
  'efficientnetV2B0',
  'fbnetC100',
  'sretLT',
] as const;
export type StudentArch = (typeof STUDENT_ARCHS)[number];

export const TRAIN_METHODS = ['fkd', 'vanilla', 'onlineKd', 'fastMeal'] as const;
export type TrainMethod = (typeof TRAIN_METHODS)[number];

/** FKD and Fast MEAL V2 train on a stored label set through the same step; the others do not. */
export function usesStoredLabels(method: TrainMethod): boolean {
  return method === 'fkd' || method === 'fastMeal';
}

export const NORMALISATIONS = ['imagenet', 'unit', 'symmetric'] as const;
/** imagenet: mean/std; unit: [0,1]; symmetric: [-1,1]. */
export type Normalisation = (typeof NORMALISATIONS)[number];

export const OPTIMIZERS = ['sgd', 'adamw'] as const;
export const MIX_MODES = ['none', 'mixup', 'cutmix', 'both'] as const;
export const SCHEDULES = ['cosine', 'step', 'constant'] as const;

export interface TrainConfig {
  method: TrainMethod;
  datasetId: string;
  /** FKD and Fast MEAL V2: the stored soft labels. */
  labelSetId?: string;
  /** Online KD: the teacher run on every step's crops. */
  teacherId?: string;
  arch: StudentArch;
  width?: number;
  inputSize: number;
  channels: 1 | 3;
  normalisation: Normalisation;
  epochs: number;
  /** Crops per decoded image in multi-crop passes (FKD); vanilla and online KD use 1. */
  numCrops: number;
  /** Batch size in crops (the reference's -b). */
  cropsPerStep: number;
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  weightDecay?: number;
  /** SGD only. */
  nesterov?: boolean;
  /** Mixup (Beta 0.8) / CutMix (Beta 1) on the crop batch, targets mixed linearly as FKD does. */
  mix?: (typeof MIX_MODES)[number];
  schedule: (typeof SCHEDULES)[number];
  cosinePer: 'pass' | 'step';
  /**
   * The step schedule's milestones as fractions of the run's epochs (x0.1 at each); absent: FKD's
   * 0.4 and 0.8 (120 and 240 of 300). Fractions, so the recipe survives a change of epochs.
   */
  stepMilestones?: number[];
  /**
   * A student from the model library whose weights start the run (Fast MEAL V2 fine-tunes a pretrained
   * student), matched into `arch` by layer name and shape; a classifier head of another class count is
   * replaced by the seeded fresh one.
   */
  pretrainedId?: string;
  /** Linear LR warmup from the start (SGD from 0, AdamW from 1e-5), in epochs. */
  warmupEpochs: number;
  /**
   * AdamW only: whole single-crop epochs before the first multi-crop pass, as FKD's ViT script runs
   * them (stored labels need a student that has stopped guessing). Absent in runs saved before: 0.
   */
  adamwSingleCropWarmupEpochs?: number;
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
  /** Stop the run after this many steps (the schedule stays that of the full epochs); 0 or absent: none. */
  maxSteps?: number;
  /** Stop the run after this many minutes of training, counted across resumes; 0 or absent: none. */
  maxMinutes?: number;
}

/** The step a run stops at: the schedule's end, or its step limit when that comes first. */
export function runEndStep(cfg: Pick<TrainConfig, 'maxSteps'>, totalSteps: number): number {
  return cfg.maxSteps && cfg.maxSteps > 0 ? Math.min(totalSteps, cfg.maxSteps) : totalSteps;
}

/** Why a run stops where it does before its schedule's end: its step limit, or its time budget. */
export type RunLimit = 'steps' | 'time';

/**
 * Whether a run must stop after `step` steps with `seconds` trained in all (this session and those before
 * it), and for which limit; null to go on.
 */
export function limitReached(
  cfg: Pick<TrainConfig, 'maxSteps' | 'maxMinutes'>,
  totalSteps: number,
  step: number,
  seconds: number,
): RunLimit | null {
  const end = runEndStep(cfg, totalSteps);
  if (end < totalSteps && step >= end) return 'steps';
  if (cfg.maxMinutes && cfg.maxMinutes > 0 && step < totalSteps && seconds >= cfg.maxMinutes * 60)
    return 'time';
  return null;
}

/**
 * The studio's default student and budget: `npm run bench:quality`'s recipe on the embedded set
 * (docs/results.md has its figures). numCrops 1 because on 28x28 images there is no decode to amortise
 * and k crops of one image in a batch cost a BatchNorm student accuracy; the crop scale is only a
 * fallback, since the form takes the FKD label set's so all three methods see the same crops.
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
  adamwSingleCropWarmupEpochs: 0,
  temperature: 1,
  teacherTemperature: 1,
  scale: [LABEL_SCALE_MIN, 1],
  seed: 1,
  checkpointEvery: 50,
  evalEachPass: true,
};

/**
 * A student's own starting AdamW learning rate where one was tuned on the embedded set (the MLP's,
 * `npm run bench:quality:mlp`); others start from the default's. SGD starts at FKD's plain SGD 0.1.
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

/**
 * FKD's AdamW recipe, the one its README trains EfficientNetV2-B0, FBNet-c100 and the transformers with
 * (FKD_ViT/train_ViT_FKD.py; docs/fkd.md, Optimisers): lr 0.002 per 1024 crops, scaled linearly to the
 * batch; weight decay 0.05, 1-D parameters exempt (engine/optimizers.ts); cosine set once per pass down to
 * 1e-5; 5 linear warmup epochs from 1e-5, run single-crop before the multi-crop passes. The last numCrops
 * epochs are single-crop in every recipe (core/schedule.ts). The budget (epochs, numCrops, batch) stays
 * the user's, so warmups are cut to leave at least one epoch after them on runs of 5 epochs or fewer.
 */
export const FKD_ADAMW = { lrPer1024: 0.002, weightDecay: 0.05, warmupEpochs: 5, minLr: 1e-5 } as const;

export type AdamwPreset = Pick<
  TrainConfig,
  | 'optimizer'
  | 'lr'
  | 'weightDecay'
  | 'schedule'
  | 'cosinePer'
  | 'warmupEpochs'
  | 'adamwSingleCropWarmupEpochs'
>;

export function fkdAdamwPreset(cfg: Pick<TrainConfig, 'cropsPerStep' | 'epochs'>): AdamwPreset {
  const warmup = Math.max(0, Math.min(FKD_ADAMW.warmupEpochs, Math.floor(cfg.epochs) - 1));
  return {
    optimizer: 'adamw',
    lr: (FKD_ADAMW.lrPer1024 * cfg.cropsPerStep) / 1024,
    weightDecay: FKD_ADAMW.weightDecay,
    schedule: 'cosine',
    cosinePer: 'pass',
    warmupEpochs: warmup,
    adamwSingleCropWarmupEpochs: warmup,
  };
}

/** What the preset set, in one line for the form. */
export function describeAdamwPreset(p: AdamwPreset, cropsPerStep: number): string {
  const lr = Number(p.lr.toPrecision(3));
  return (
    `AdamW, LR ${lr} (${FKD_ADAMW.lrPer1024} x ${cropsPerStep} / 1024 crops), weight decay ${p.weightDecay} ` +
    `(not on biases or normalisation weights), cosine per pass down to ${FKD_ADAMW.minLr}, ` +
    `${p.warmupEpochs} warmup epochs from ${FKD_ADAMW.minLr}, run single-crop`
  );
}

export function scheduleConfig(cfg: TrainConfig, numImages: number): ScheduleConfig {
  const numCrops = usesStoredLabels(cfg.method) ? cfg.numCrops : 1;
  return {
    stepMilestones: cfg.stepMilestones?.map((f) => Math.round(f * cfg.epochs)),
    epochs: cfg.epochs,
    numCrops,
    lr: cfg.lr,
    kind: cfg.schedule,
    cosinePer: cfg.cosinePer,
    warmupEpochs: cfg.warmupEpochs,
    variant: cfg.optimizer,
    adamwSingleCropWarmupEpochs:
      cfg.optimizer === 'adamw' ? (cfg.adamwSingleCropWarmupEpochs ?? 0) : undefined,
    numImages,
    cropsPerStep: cfg.cropsPerStep,
  };
}

/**
 * Fast MEAL V2's fine-tuning recipe (MEAL V2's FKD_train.py defaults): 8 stored crops per image per
 * pass, SGD lr 0.01 with momentum 0.9 and no weight decay, the LR x0.1 at 100 and 180 of 200 epochs
 * (or cosine), on an ensemble's marginal-smoothing top-5 labels, from a pretrained student.
 */
export const FAST_MEAL_RECIPE = {
  numCrops: 8,
  optimizer: 'sgd',
  lr: 0.01,
  weightDecay: 0,
  nesterov: false,
  schedule: 'step',
  cosinePer: 'pass',
  stepMilestones: [0.5, 0.9],
  warmupEpochs: 0,
} as const satisfies Partial<TrainConfig>;

/** The form's config with Fast MEAL V2's recipe put in (the student, data and budget stay). */
export function withFastMealRecipe<T extends Omit<TrainConfig, 'method' | 'datasetId'>>(cfg: T): T {
  return { ...cfg, ...FAST_MEAL_RECIPE, stepMilestones: [...FAST_MEAL_RECIPE.stepMilestones] };
}

export function passesFor(cfg: TrainConfig, numImages: number): Pass[] {
  return listPasses(scheduleConfig(cfg, numImages));
}

/** A teacher's input and output, as stored in the model library and checked at import. */
export interface TeacherConfig {
  id: string;
  name: string;
  inputSize: number;
  channels: 1 | 3;
  channelOrder: 'rgb' | 'bgr';
  normalisation: Normalisation;
  output: 'logits' | 'probabilities';
  numClasses: number;
  classMapping: 'imagenet1000' | 'dataset';
}
