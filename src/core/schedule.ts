/**
 * The FKD pass schedule and learning rate (docs/fkd.md, Passes, epochs and the learning rate).
 *
 * Why: FKD counts crop-epochs. One *pass* reads every image once and takes `numCrops` stored crops of
 * each, so it is worth `numCrops` epochs and the epoch counter jumps by `numCrops` per pass; the batch
 * stays `cropsPerStep` crops, i.e. ceil(b / numCrops) images. The reference loop
 *   for e in range(start, epochs, numCrops): if e >= epochs - numCrops: single-crop e..epochs-1; stop
 * ends with single-crop epochs ("fine-grained evaluation"), and the AdamW/ViT script adds single-crop
 * warmup epochs in front. We transcribe that loop literally (so 300/4 gives 74 passes + 296..299, and
 * AdamW 5 warmup + 73 passes starting at 5 + 297..299), not an idealised version of it.
 *
 * Learning rate, as a function of (fractional) epoch t:
 *   t < warmupEpochs: warmupStartLr + t * (lr - warmupStartLr) / warmupEpochs   (timm's linear warmup)
 *   cosine:   minLr + 0.5 (lr - minLr)(1 + cos(pi t / epochs)), minLr once t >= epochs
 *   step:     lr * stepGamma^(number of milestones <= t)
 *   constant: lr
 * With the SGD defaults (no warmup, minLr 0) this is train_FKD.py's adjust_learning_rate; with the
 * AdamW defaults (warmup 5 from 1e-5, minLr 1e-5) it is timm's CosineLRScheduler as the ViT script
 * steps it. `cosinePer: 'pass'` evaluates t at the pass's start epoch (the reference staircase);
 * 'step' moves t through the pass step by step (per-iteration decay and warmup, ReLabel-style).
 */

export interface ScheduleConfig {
  epochs: number;
  numCrops: number;
  lr: number;
  kind: 'cosine' | 'step' | 'constant';
  /** Default 'pass' (the reference: LR set once per pass). Also governs warmup granularity. */
  cosinePer?: 'pass' | 'step';
  /** Default 0 for sgd, 1e-5 for adamw. */
  minLr?: number;
  /** Default 0 for sgd, 5 for adamw. */
  warmupEpochs?: number;
  /** Default 0 for sgd, 1e-5 for adamw. */
  warmupStartLr?: number;
  /** Default [round(0.4 epochs), round(0.8 epochs)] (= 120, 240 at 300 epochs). */
  stepMilestones?: number[];
  /** Default 0.1. */
  stepGamma?: number;
  variant: 'sgd' | 'adamw';
  /** Single-crop epochs before the first multi-crop pass (adamw only). Default: warmupEpochs. */
  adamwSingleCropWarmupEpochs?: number;
  numImages: number;
  /** Batch b in crops. */
  cropsPerStep: number;
}

export interface Pass {
  index: number;
  /** First epoch this pass covers. */
  epoch: number;
  /** numCrops for a multi-crop pass, 1 for a single-crop epoch. */
  cropsPerImage: number;
  imagesPerStep: number;
  steps: number;
  /** LR at the pass start. */
  lr: number;
}

interface Resolved {
  epochs: number;
  numCrops: number;
  lr: number;
  kind: ScheduleConfig['kind'];
  cosinePer: 'pass' | 'step';
  minLr: number;
  warmupEpochs: number;
  warmupStartLr: number;
  stepMilestones: number[];
  stepGamma: number;
  variant: ScheduleConfig['variant'];
  singleCropWarmup: number;
  numImages: number;
  cropsPerStep: number;
}

function positiveInt(x: number, name: string): number {
  if (!Number.isInteger(x) || x < 1)
    throw new RangeError(`schedule: ${name} must be a positive integer, got ${x}`);
  return x;
}

function resolve(cfg: ScheduleConfig): Resolved {
  const adamw = cfg.variant === 'adamw';
  const warmupEpochs = cfg.warmupEpochs ?? (adamw ? 5 : 0);
  const singleCropWarmup = adamw ? (cfg.adamwSingleCropWarmupEpochs ?? warmupEpochs) : 0;
  if (!(warmupEpochs >= 0) || !Number.isInteger(singleCropWarmup) || singleCropWarmup < 0) {
    throw new RangeError('schedule: warmup epochs must be >= 0 (single-crop warmup an integer)');
  }
  return {
    epochs: positiveInt(cfg.epochs, 'epochs'),
    numCrops: positiveInt(cfg.numCrops, 'numCrops'),
    lr: cfg.lr,
    kind: cfg.kind,
    cosinePer: cfg.cosinePer ?? 'pass',
    minLr: cfg.minLr ?? (adamw ? 1e-5 : 0),
    warmupEpochs,
    warmupStartLr: cfg.warmupStartLr ?? (adamw ? 1e-5 : 0),
    stepMilestones: cfg.stepMilestones ?? [Math.round(0.4 * cfg.epochs), Math.round(0.8 * cfg.epochs)],
    stepGamma: cfg.stepGamma ?? 0.1,
    variant: cfg.variant,
    singleCropWarmup,
    numImages: positiveInt(cfg.numImages, 'numImages'),
    cropsPerStep: positiveInt(cfg.cropsPerStep, 'cropsPerStep'),
  };
}

function lrAt(r: Resolved, t: number): number {
  if (t < r.warmupEpochs) return r.warmupStartLr + t * ((r.lr - r.warmupStartLr) / r.warmupEpochs);
  switch (r.kind) {
    case 'cosine':
      // timm: past the single cycle (t >= t_initial) the LR stays at lr_min.
      if (t >= r.epochs) return r.minLr;
      return r.minLr + 0.5 * (r.lr - r.minLr) * (1 + Math.cos((Math.PI * t) / r.epochs));
    case 'step': {
      let lr = r.lr;
      for (const m of r.stepMilestones) if (t >= m) lr *= r.stepGamma;
      return lr;
    }
    case 'constant':
      return r.lr;
  }
}

/** LR at a (possibly fractional) epoch t, ignoring pass granularity. */
export function learningRateAtEpoch(cfg: ScheduleConfig, t: number): number {
  return lrAt(resolve(cfg), t);
}

/** Images in a multi-crop step: a step of cropsPerStep crops holds ceil(cropsPerStep / numCrops) images. */
export function imagesPerMultiCropStep(cropsPerStep: number, numCrops: number): number {
  return Math.ceil(cropsPerStep / numCrops);
}

/** The passes in training order (reference loops of train_FKD.py / train_ViT_FKD.py). */
export function listPasses(cfg: ScheduleConfig): Pass[] {
  const r = resolve(cfg);
  // Single-crop epochs keep the multi-crop steps' crop count.
  const imagesMulti = imagesPerMultiCropStep(r.cropsPerStep, r.numCrops);
  const imagesSingle = imagesMulti * r.numCrops;
  const passes: Pass[] = [];
  const add = (epoch: number, cropsPerImage: number, imagesPerStep: number): void => {
    passes.push({
      index: passes.length,
      epoch,
      cropsPerImage,
      imagesPerStep,
      // drop_last is off in the reference loaders: the last step is partial.
      steps: Math.ceil(r.numImages / imagesPerStep),
      lr: lrAt(r, epoch),
    });
  };
  const start = Math.min(r.singleCropWarmup, r.epochs);
  for (let e = 0; e < start; e++) add(e, 1, imagesSingle);
  for (let e = start; e < r.epochs; e += r.numCrops) {
    if (e >= r.epochs - r.numCrops) {
      for (let s = e; s < r.epochs; s++) add(s, 1, imagesSingle);
      break;
    }
    add(e, r.numCrops, imagesMulti);
  }
  return passes;
}

/** LR for step `stepInPass` (0-based) of `pass`: the pass's start LR, or per-step with cosinePer 'step'. */
export function learningRateAt(cfg: ScheduleConfig, pass: Pass, stepInPass: number): number {
  const r = resolve(cfg);
  if (r.cosinePer === 'pass') return lrAt(r, pass.epoch);
  const frac = Math.min(Math.max(stepInPass, 0), pass.steps) / pass.steps;
  return lrAt(r, pass.epoch + pass.cropsPerImage * frac);
}

export function totalSteps(cfg: ScheduleConfig): number {
  return listPasses(cfg).reduce((n, p) => n + p.steps, 0);
}

/** Which pass a global step (0-based) falls in, for resuming; null past the end. */
export function locateStep(passes: Pass[], globalStep: number): { pass: Pass; stepInPass: number } | null {
  let remaining = globalStep;
  for (const pass of passes) {
    if (remaining < pass.steps) return { pass, stepInPass: remaining };
    remaining -= pass.steps;
  }
  return null;
}
