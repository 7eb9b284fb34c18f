/**
 * Checks of a recipe before any work starts: every problem as one plain sentence naming the field,
 * so the form can show them all at once and a worker can refuse a bad config with a clear message
 * instead of failing deep inside the schedule or the model builder.
 */
import { SUBSET_KINDS, type LabelSetSettings, type LabelSubset } from './labelSettings';
import { LABEL_MIX_MODES } from './labelMix';
import {
  FAST_MEAL_RECIPE,
  MIX_MODES,
  NORMALISATIONS,
  OPTIMIZERS,
  SCHEDULES,
  STUDENT_ARCHS,
  TRAIN_METHODS,
  type TrainConfig,
} from './recipe';
import { CODECS, PRECISIONS } from './softLabel';

const isInt = (v: unknown, min: number): v is number => Number.isInteger(v) && (v as number) >= min;
const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const oneOf = (list: readonly unknown[], v: unknown) => list.includes(v);
const show = (v: unknown) => (typeof v === 'string' ? `"${v}"` : String(v));

class Problems {
  readonly list: string[] = [];
  need(ok: boolean, message: string): void {
    if (!ok) this.list.push(message);
  }
  int(name: string, v: unknown, min: number): void {
    this.need(isInt(v, min), `${name} must be a whole number >= ${min} (got ${show(v)})`);
  }
  optionalInt(name: string, v: unknown, min: number): void {
    if (v !== undefined) this.int(name, v, min);
  }
  positive(name: string, v: unknown): void {
    this.need(isPositive(v), `${name} must be a number > 0 (got ${show(v)})`);
  }
  choice(name: string, v: unknown, list: readonly unknown[]): void {
    this.need(oneOf(list, v), `${name} must be one of ${list.join(', ')} (got ${show(v)})`);
  }
  /** A [lo, hi] range inside (0, max] with lo <= hi. */
  range(name: string, v: unknown, max: number): void {
    const ok =
      Array.isArray(v) &&
      v.length === 2 &&
      v.every((x) => isPositive(x) && x <= max) &&
      (v[0] as number) <= (v[1] as number);
    this.need(ok, `${name} must be two numbers in (0, ${max}], the first not above the second`);
  }
}

/** What is wrong with a training config, in words; empty when it can run. */
export function trainConfigProblems(cfg: TrainConfig): string[] {
  const p = new Problems();
  p.choice('method', cfg.method, TRAIN_METHODS);
  p.need(typeof cfg.datasetId === 'string' && cfg.datasetId !== '', 'pick a dataset');
  if (cfg.method === 'fkd') p.need(!!cfg.labelSetId, 'FKD needs a soft-label set');
  if (cfg.method === 'onlineKd') p.need(!!cfg.teacherId, 'online KD needs a teacher');
  if (cfg.method === 'fastMeal') {
    p.need(!!cfg.labelSetId, "Fast MEAL V2 needs a soft-label set (an ensemble's, as MEAL V2)");
    p.need(!!cfg.pretrainedId, 'Fast MEAL V2 fine-tunes a pretrained student: pick one');
  }
  return [...p.list, ...recipeProblems(cfg)];
}

/** The student, budget and optimisation fields alone: what the Train form checks for every method. */
export function recipeProblems(cfg: Omit<TrainConfig, 'method' | 'datasetId'>): string[] {
  const p = new Problems();
  p.choice('student', cfg.arch, STUDENT_ARCHS);
  p.optionalInt('width', cfg.width, 1);
  if (cfg.arch === 'sretLT' && isInt(cfg.width, 1))
    p.need(
      cfg.width % 2 === 0,
      `SReT-LT width must be even: its 2 first-stage heads split it (got ${cfg.width})`,
    );
  p.int('input size', cfg.inputSize, 1);
  p.choice('channels', cfg.channels, [1, 3]);
  p.choice('normalisation', cfg.normalisation, NORMALISATIONS);
  p.int('epochs', cfg.epochs, 1);
  p.int('numCrops', cfg.numCrops, 1);
  p.int('batch (crops)', cfg.cropsPerStep, 1);
  p.choice('optimiser', cfg.optimizer, OPTIMIZERS);
  p.positive('learning rate', cfg.lr);
  if (cfg.weightDecay !== undefined)
    p.need(cfg.weightDecay >= 0 && Number.isFinite(cfg.weightDecay), 'weight decay must be >= 0');
  if (cfg.mix !== undefined) p.choice('mixing', cfg.mix, MIX_MODES);
  p.choice('schedule', cfg.schedule, SCHEDULES);
  if (cfg.stepMilestones !== undefined) {
    const m = cfg.stepMilestones;
    p.need(
      Array.isArray(m) && m.every((f, i) => isPositive(f) && f < 1 && (i === 0 || f > m[i - 1])),
      `step milestones must be rising fractions of the epochs in (0, 1) (got ${show(m)})`,
    );
  }
  p.choice('cosine per', cfg.cosinePer, ['pass', 'step']);
  // Both warmups are bounded by the run length, so only checked once that is valid.
  if (isInt(cfg.epochs, 1)) {
    const warmup = cfg.warmupEpochs;
    p.need(
      typeof warmup === 'number' && warmup >= 0 && warmup < cfg.epochs,
      `warmup epochs must be >= 0 and fewer than the ${cfg.epochs} epochs (got ${show(warmup)})`,
    );
    const single = cfg.adamwSingleCropWarmupEpochs;
    if (cfg.optimizer === 'adamw' && single !== undefined) {
      p.need(
        isInt(single, 0) && single < cfg.epochs,
        `single-crop warmup must be a whole number of epochs >= 0 and fewer than the ${cfg.epochs} epochs (got ${show(single)})`,
      );
    }
  }
  p.positive('student temperature', cfg.temperature);
  p.positive('teacher temperature', cfg.teacherTemperature);
  p.range('crop scale', cfg.scale, 1);
  p.int('seed', cfg.seed, 0);
  p.int('checkpoint every', cfg.checkpointEvery, 1);
  p.need(typeof cfg.evalEachPass === 'boolean', 'evalEachPass must be true or false');
  p.optionalInt('max train images', cfg.maxImages, 0);
  p.optionalInt('max val images', cfg.maxValImages, 0);
  p.optionalInt('step limit', cfg.maxSteps, 0);
  if (cfg.maxMinutes !== undefined)
    p.need(
      typeof cfg.maxMinutes === 'number' && Number.isFinite(cfg.maxMinutes) && cfg.maxMinutes >= 0,
      `time budget must be a number of minutes >= 0 (got ${show(cfg.maxMinutes)})`,
    );
  return p.list;
}

/**
 * Where a Fast MEAL V2 run departs from MEAL V2's recipe (FAST_MEAL_RECIPE), in words: shown beside the
 * form, not refused, since a small set or another student can need other settings.
 */
export function fastMealDepartures(cfg: Omit<TrainConfig, 'method' | 'datasetId'>): string[] {
  const r = FAST_MEAL_RECIPE;
  const out: string[] = [];
  if (cfg.numCrops !== r.numCrops) out.push(`numCrops ${cfg.numCrops} (MEAL V2: ${r.numCrops})`);
  if (cfg.optimizer !== r.optimizer) out.push(`optimiser ${cfg.optimizer} (MEAL V2: SGD, momentum 0.9)`);
  if (cfg.lr !== r.lr) out.push(`learning rate ${cfg.lr} (MEAL V2: ${r.lr})`);
  if (cfg.optimizer === 'sgd' && (cfg.weightDecay ?? 1e-4) !== 0)
    out.push(`weight decay ${cfg.weightDecay ?? 1e-4} (MEAL V2: none)`);
  if (cfg.optimizer === 'sgd' && cfg.nesterov) out.push('Nesterov momentum (MEAL V2: plain)');
  if (cfg.schedule === 'constant') out.push('a constant LR (MEAL V2: step or cosine)');
  if (cfg.warmupEpochs > 0) out.push(`${cfg.warmupEpochs} warmup epochs (MEAL V2: none)`);
  return out;
}

/** Throws one Error listing every problem, for a worker handed a config it cannot run. */
export function assertTrainConfig(cfg: TrainConfig): void {
  refuse(trainConfigProblems(cfg));
}

/** As assertTrainConfig, for jobs that take the recipe without a method's inputs (the speed table). */
export function assertRecipe(cfg: Omit<TrainConfig, 'method' | 'datasetId'>): void {
  refuse(recipeProblems(cfg));
}

function refuse(problems: string[]): void {
  if (problems.length) throw new Error(`this training config cannot run: ${problems.join('; ')}`);
}

/** What is wrong with soft-label settings, in words; `numClasses` (when known) bounds k. */
export function labelSettingsProblems(s: LabelSetSettings, numClasses?: number): string[] {
  const p = new Problems();
  p.int('crops per image', s.numCrops, 1);
  p.choice('codec', s.codec, CODECS);
  p.int('k', s.k, 1);
  if (numClasses !== undefined && s.codec.endsWith('TopK'))
    p.need(s.k <= numClasses, `k (${s.k}) cannot exceed the ${numClasses} classes`);
  p.choice('precision', s.precision, PRECISIONS);
  p.positive('temperature', s.temperature);
  p.range('crop scale', s.scale, 1);
  p.range('aspect ratio', s.ratio, 100);
  p.int('seed', s.seed, 0);
  p.int('input size', s.inputSize, 1);
  p.choice('mix at label time', s.labelMix ?? 'none', LABEL_MIX_MODES);
  p.need(
    !s.subset || !s.labelMix || s.labelMix === 'none',
    'mixing at label time labels the whole training set: choose no subset',
  );
  if (s.subset) p.list.push(...subsetProblems(s.subset, numClasses));
  return p.list;
}

/** What is wrong with a label subset, in words. */
export function subsetProblems(s: LabelSubset, numClasses?: number): string[] {
  const p = new Problems();
  p.choice('subset', s.kind, SUBSET_KINDS);
  if (s.kind === 'perClass') p.int('images per class', s.n, 1);
  if (s.kind === 'fraction')
    p.need(
      isPositive(s.fraction) && s.fraction <= 1,
      `subset fraction must be in (0, 1] (got ${show(s.fraction)})`,
    );
  if (s.kind === 'classes') {
    const ok = Array.isArray(s.classes) && s.classes.length > 0;
    p.need(ok, 'the class list of a subset must name at least one class');
    if (ok) {
      const bad = s.classes.filter((c) => !isInt(c, 0) || (numClasses !== undefined && c >= numClasses));
      p.need(
        bad.length === 0,
        `subset classes must be class numbers 0..${(numClasses ?? 1) - 1} (got ${bad.slice(0, 5).join(', ')})`,
      );
    }
  }
  return p.list;
}
