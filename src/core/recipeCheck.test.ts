import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LABEL_SETTINGS,
  LABEL_RATIO,
  isCodec,
  isPrecision,
  type LabelSetSettings,
} from './labelSettings';
import {
  DEFAULT_TRAIN_CONFIG,
  passesFor,
  scheduleConfig,
  withFastMealRecipe,
  type TrainConfig,
} from './recipe';
import {
  assertRecipe,
  assertTrainConfig,
  fastMealDepartures,
  labelSettingsProblems,
  trainConfigProblems,
} from './recipeCheck';

const cfg = (over: Partial<TrainConfig> = {}): TrainConfig => ({
  ...DEFAULT_TRAIN_CONFIG,
  method: 'vanilla',
  datasetId: 'embedded:fashion',
  ...over,
});

/** A value as a hand-edited draft or stored record may hold it: typed only by where it is read. */
const fromStorage = <T>(v: unknown): T => JSON.parse(JSON.stringify(v));

const labels = (over: Partial<LabelSetSettings> = {}): LabelSetSettings => ({
  ...DEFAULT_LABEL_SETTINGS,
  scale: [0.08, 1],
  ratio: LABEL_RATIO,
  inputSize: 28,
  ...over,
});

describe('trainConfigProblems', () => {
  it('accepts the studio defaults for every method given its inputs', () => {
    expect(trainConfigProblems(cfg())).toEqual([]);
    expect(trainConfigProblems(cfg({ method: 'fkd', labelSetId: 'labels:1' }))).toEqual([]);
    expect(trainConfigProblems(cfg({ method: 'onlineKd', teacherId: 'embedded:t' }))).toEqual([]);
    expect(
      trainConfigProblems(cfg({ optimizer: 'sgd', nesterov: true, mix: 'both', warmupEpochs: 2 })),
    ).toEqual([]);
  });

  it("names each method's missing input and the missing dataset", () => {
    expect(trainConfigProblems(cfg({ method: 'fkd' }))).toEqual(['FKD needs a soft-label set']);
    expect(trainConfigProblems(cfg({ method: 'onlineKd' }))).toEqual(['online KD needs a teacher']);
    expect(trainConfigProblems(cfg({ datasetId: '' }))).toEqual(['pick a dataset']);
  });

  it('lists every bad field at once, each by name with the value it got', () => {
    const problems = trainConfigProblems(
      cfg({ epochs: 0, lr: -1, cropsPerStep: 2.5, scale: [0.5, 0.2], temperature: 0, width: 0 }),
    );
    expect(problems).toHaveLength(6);
    expect(problems).toContain('epochs must be a whole number >= 1 (got 0)');
    expect(problems).toContain('learning rate must be a number > 0 (got -1)');
    expect(problems).toContain('batch (crops) must be a whole number >= 1 (got 2.5)');
    expect(problems.join('\n')).toMatch(/crop scale .* the first not above the second/);
    expect(problems.join('\n')).toMatch(/student temperature/);
    expect(problems.join('\n')).toMatch(/^width/m);
  });

  it('SReT-LT: an odd width is refused before its builder would be', () => {
    expect(trainConfigProblems(cfg({ arch: 'sretLT', width: 9 }))).toEqual([
      'SReT-LT width must be even: its 2 first-stage heads split it (got 9)',
    ]);
    expect(trainConfigProblems(cfg({ arch: 'sretLT', width: 16 }))).toEqual([]);
    expect(trainConfigProblems(cfg({ arch: 'sretLT' }))).toEqual([]);
  });

  it('refuses values outside the unions (a hand-edited draft or record)', () => {
    const bad = fromStorage<TrainConfig>({ ...cfg(), arch: 'lenet', optimizer: 'adam', mix: 'mosaic' });
    expect(trainConfigProblems(bad)).toEqual([
      expect.stringMatching(/^student must be one of mlp, tinyCnn, .* \(got "lenet"\)$/),
      expect.stringMatching(/^optimiser must be one of sgd, adamw/),
      expect.stringMatching(/^mixing must be one of none, mixup, cutmix, both/),
    ]);
  });

  it('bounds both warmups by the run length; the single-crop one is whole epochs and AdamW only', () => {
    expect(trainConfigProblems(cfg({ epochs: 4, warmupEpochs: 4 }))).toEqual([
      'warmup epochs must be >= 0 and fewer than the 4 epochs (got 4)',
    ]);
    expect(trainConfigProblems(cfg({ epochs: 4, warmupEpochs: 1.5 }))).toEqual([]);
    expect(trainConfigProblems(cfg({ epochs: 4, adamwSingleCropWarmupEpochs: 1.5 }))).toHaveLength(1);
    expect(trainConfigProblems(cfg({ epochs: 4, adamwSingleCropWarmupEpochs: 4 }))).toHaveLength(1);
    expect(trainConfigProblems(cfg({ epochs: 4, adamwSingleCropWarmupEpochs: 3 }))).toEqual([]);
    // SGD has no single-crop warmup: the field is ignored, not an error.
    expect(trainConfigProblems(cfg({ optimizer: 'sgd', adamwSingleCropWarmupEpochs: 9 }))).toEqual([]);
  });

  it('assert* throw one error that lists the problems', () => {
    expect(() => assertTrainConfig(cfg({ method: 'fkd', epochs: 0 }))).toThrow(
      'this training config cannot run: FKD needs a soft-label set; epochs must be a whole number >= 1 (got 0)',
    );
    expect(() => assertRecipe(cfg({ method: 'fkd' }))).not.toThrow();
    expect(() => assertRecipe(cfg({ seed: -1 }))).toThrow(/seed must be a whole number >= 0/);
  });
});

describe('the schedule a recipe asks for', () => {
  it('runs AdamW single-crop warmup epochs before the multi-crop passes (FKD only multi-crops)', () => {
    const fkd = cfg({
      method: 'fkd',
      labelSetId: 'l',
      epochs: 8,
      numCrops: 2,
      adamwSingleCropWarmupEpochs: 2,
    });
    expect(passesFor(fkd, 64).map((p) => [p.epoch, p.cropsPerImage])).toEqual([
      [0, 1],
      [1, 1],
      [2, 2],
      [4, 2],
      [6, 1],
      [7, 1],
    ]);
    expect(passesFor({ ...fkd, adamwSingleCropWarmupEpochs: undefined }, 64)[0]).toMatchObject({
      epoch: 0,
      cropsPerImage: 2,
    });
    expect(scheduleConfig({ ...fkd, optimizer: 'sgd' }, 64).adamwSingleCropWarmupEpochs).toBeUndefined();
  });

  it('passes the LR warmup to the schedule: the first pass starts below the peak', () => {
    const warm = passesFor(cfg({ epochs: 4, warmupEpochs: 2, cosinePer: 'pass' }), 64);
    const cold = passesFor(cfg({ epochs: 4, warmupEpochs: 0, cosinePer: 'pass' }), 64);
    expect(warm[0].lr).toBeLessThan(cold[0].lr / 10);
    expect(warm[2].lr).toBeCloseTo(cold[2].lr, 6);
  });
});

describe('labelSettingsProblems', () => {
  it('accepts the studio defaults and names each bad field', () => {
    expect(labelSettingsProblems(labels(), 10)).toEqual([]);
    expect(labelSettingsProblems(labels({ k: 11 }), 10)).toEqual(['k (11) cannot exceed the 10 classes']);
    expect(labelSettingsProblems(labels({ codec: 'hard', k: 11 }), 10)).toEqual([]);
    expect(labelSettingsProblems(labels({ numCrops: 0, temperature: -1, scale: [0, 1] }))).toHaveLength(3);
    const bad = fromStorage<LabelSetSettings>({ ...labels(), codec: 'topk', precision: 'fp16' });
    expect(labelSettingsProblems(bad)).toEqual([
      expect.stringMatching(/^codec must be one of hard, smoothing, msTopK, mrTopK, full \(got "topk"\)$/),
      expect.stringMatching(/^precision must be one of f32, f16, q16, q8/),
    ]);
  });

  it('types codec and precision strings from a form or a file', () => {
    expect(isCodec('msTopK')).toBe(true);
    expect(isCodec('topk')).toBe(false);
    expect(isPrecision('q8')).toBe(true);
    expect(isPrecision(8)).toBe(false);
  });
});

describe('limits and subsets', () => {
  it('refuses a negative or fractional step limit and a negative time budget', () => {
    expect(trainConfigProblems(cfg({ maxSteps: 200, maxMinutes: 1.5 }))).toEqual([]);
    expect(trainConfigProblems(cfg({ maxSteps: -1 }))).toEqual([
      'step limit must be a whole number >= 0 (got -1)',
    ]);
    expect(trainConfigProblems(cfg({ maxSteps: 2.5 }))[0]).toMatch(/step limit/);
    expect(trainConfigProblems(cfg({ maxMinutes: -3 }))[0]).toMatch(/time budget/);
  });

  it('names what is wrong with a label subset', () => {
    expect(labelSettingsProblems(labels({ subset: { kind: 'perClass', n: 10 } }), 10)).toEqual([]);
    expect(labelSettingsProblems(labels({ subset: { kind: 'perClass', n: 0 } }), 10)[0]).toMatch(
      /images per class/,
    );
    expect(labelSettingsProblems(labels({ subset: { kind: 'fraction', fraction: 1.5 } }), 10)[0]).toMatch(
      /fraction/,
    );
    expect(labelSettingsProblems(labels({ subset: { kind: 'classes', classes: [3, 12] } }), 10)[0]).toMatch(
      /0\.\.9 \(got 12\)/,
    );
    expect(labelSettingsProblems(labels({ subset: { kind: 'classes', classes: [] } }), 10)[0]).toMatch(
      /at least one class/,
    );
  });
});

describe('Fast MEAL V2 config', () => {
  it('needs a label set and a pretrained student, and checks the milestones', () => {
    const fm = cfg({ ...withFastMealRecipe(DEFAULT_TRAIN_CONFIG), method: 'fastMeal' });
    expect(trainConfigProblems(fm)).toEqual([
      "Fast MEAL V2 needs a soft-label set (an ensemble's, as MEAL V2)",
      'Fast MEAL V2 fine-tunes a pretrained student: pick one',
    ]);
    expect(trainConfigProblems({ ...fm, labelSetId: 'l', pretrainedId: 'student:1' })).toEqual([]);
    expect(
      trainConfigProblems({ ...fm, labelSetId: 'l', pretrainedId: 's', stepMilestones: [0.9, 0.5] }),
    ).toEqual(['step milestones must be rising fractions of the epochs in (0, 1) (got 0.9,0.5)']);
  });

  it("lists where a config departs from MEAL V2's recipe, nothing for the recipe itself", () => {
    expect(fastMealDepartures(withFastMealRecipe(DEFAULT_TRAIN_CONFIG))).toEqual([]);
    expect(fastMealDepartures({ ...withFastMealRecipe(DEFAULT_TRAIN_CONFIG), schedule: 'cosine' })).toEqual(
      [],
    );
    expect(fastMealDepartures(DEFAULT_TRAIN_CONFIG)).toEqual([
      'numCrops 1 (MEAL V2: 8)',
      'optimiser adamw (MEAL V2: SGD, momentum 0.9)',
      'learning rate 0.008 (MEAL V2: 0.01)',
    ]);
    expect(
      fastMealDepartures({ ...withFastMealRecipe(DEFAULT_TRAIN_CONFIG), weightDecay: undefined }),
    ).toEqual(['weight decay 0.0001 (MEAL V2: none)']);
  });
});
