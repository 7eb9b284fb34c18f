import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRAIN_CONFIG,
  SGD_LR,
  defaultLr,
  limitReached,
  describeAdamwPreset,
  fkdAdamwPreset,
  lrAfterChange,
  passesFor,
  runEndStep,
  scheduleConfig,
  usesStoredLabels,
  withFastMealRecipe,
  type TrainConfig,
} from './recipe';
import { recipeProblems } from './recipeCheck';

describe('per-student default learning rate', () => {
  it('gives the measured AdamW rates and SGD 0.1', () => {
    expect(defaultLr('resnetMini', 'adamw')).toBe(DEFAULT_TRAIN_CONFIG.lr);
    expect(defaultLr('mlp', 'adamw')).toBe(0.002);
    expect(defaultLr('vitTiny', 'adamw')).toBe(DEFAULT_TRAIN_CONFIG.lr);
    expect(defaultLr('mlp', 'sgd')).toBe(SGD_LR);
  });

  it('follows the student while the lr is still a default', () => {
    const mini = { arch: 'resnetMini', optimizer: 'adamw' } as const;
    const mlp = { arch: 'mlp', optimizer: 'adamw' } as const;
    expect(lrAfterChange(DEFAULT_TRAIN_CONFIG.lr, mini, mlp)).toBe(0.002);
    expect(lrAfterChange(0.002, mlp, mini)).toBe(DEFAULT_TRAIN_CONFIG.lr);
    expect(lrAfterChange(0.008, mini, { arch: 'resnetMini', optimizer: 'sgd' })).toBe(SGD_LR);
    expect(lrAfterChange(SGD_LR, { arch: 'mlp', optimizer: 'sgd' }, mlp)).toBe(0.002);
  });

  it('keeps an lr the user typed', () => {
    const mini = { arch: 'resnetMini', optimizer: 'adamw' } as const;
    expect(lrAfterChange(0.0123, mini, { arch: 'mlp', optimizer: 'adamw' })).toBe(0.0123);
    expect(lrAfterChange(0.05, { arch: 'mlp', optimizer: 'sgd' }, mini)).toBe(0.05);
  });
});

describe('step and time limits', () => {
  it('ends at the step limit when it comes before the schedule, else at the schedule', () => {
    expect(runEndStep({}, 500)).toBe(500);
    expect(runEndStep({ maxSteps: 0 }, 500)).toBe(500);
    expect(runEndStep({ maxSteps: 120 }, 500)).toBe(120);
    expect(runEndStep({ maxSteps: 900 }, 500)).toBe(500);
  });

  it('says which limit a run reached, counting time over resumes', () => {
    expect(limitReached({ maxSteps: 120 }, 500, 119, 0)).toBeNull();
    expect(limitReached({ maxSteps: 120 }, 500, 120, 0)).toBe('steps');
    expect(limitReached({ maxMinutes: 2 }, 500, 10, 119)).toBeNull();
    expect(limitReached({ maxMinutes: 2 }, 500, 10, 120)).toBe('time');
    // The schedule's own end is not a limit.
    expect(limitReached({ maxSteps: 900, maxMinutes: 1 }, 500, 500, 999)).toBeNull();
    expect(limitReached({}, 500, 300, 1e9)).toBeNull();
  });
});

describe("FKD's AdamW preset", () => {
  it('scales lr 0.002 per 1024 crops to the batch and sets wd 0.05, cosine per pass, 5 single-crop warmup epochs', () => {
    const p = fkdAdamwPreset({ cropsPerStep: 1024, epochs: 300 });
    expect(p).toEqual({
      optimizer: 'adamw',
      lr: 0.002,
      weightDecay: 0.05,
      schedule: 'cosine',
      cosinePer: 'pass',
      warmupEpochs: 5,
      adamwSingleCropWarmupEpochs: 5,
    });
    expect(fkdAdamwPreset({ cropsPerStep: 64, epochs: 32 }).lr).toBe(0.000125);
  });

  it('gives a recipe the checks accept, with the schedule of the ViT script (warmup from 1e-5, cosine to 1e-5)', () => {
    const cfg: TrainConfig = {
      ...DEFAULT_TRAIN_CONFIG,
      method: 'fkd',
      datasetId: 'd',
      numCrops: 4,
      epochs: 300,
      cropsPerStep: 1024,
    };
    const preset = { ...cfg, ...fkdAdamwPreset(cfg) };
    expect(recipeProblems(preset)).toEqual([]);
    const passes = passesFor(preset, 1024 * 10);
    expect(passes.slice(0, 6).map((p) => p.cropsPerImage)).toEqual([1, 1, 1, 1, 1, 4]);
    expect(passes[0].lr).toBeCloseTo(1e-5, 12);
    expect(passes[5]).toMatchObject({ epoch: 5 });
    // timm's cosine counts the warmup epochs: epoch 5 of 300 is already past the peak.
    expect(passes[5].lr).toBeCloseTo(1e-5 + 0.5 * (0.002 - 1e-5) * (1 + Math.cos((Math.PI * 5) / 300)), 12);
    expect(passes[passes.length - 1].lr).toBeLessThan(2e-5);
  });

  it('leaves a short run at least one epoch after its warmups, and says what it set', () => {
    expect(fkdAdamwPreset({ cropsPerStep: 32, epochs: 3 })).toMatchObject({
      warmupEpochs: 2,
      adamwSingleCropWarmupEpochs: 2,
    });
    expect(fkdAdamwPreset({ cropsPerStep: 32, epochs: 1 }).warmupEpochs).toBe(0);
    expect(describeAdamwPreset(fkdAdamwPreset({ cropsPerStep: 64, epochs: 32 }), 64)).toBe(
      'AdamW, LR 0.000125 (0.002 x 64 / 1024 crops), weight decay 0.05 (not on biases or normalisation ' +
        'weights), cosine per pass down to 0.00001, 5 warmup epochs from 0.00001, run single-crop',
    );
  });
});

describe('Fast MEAL V2 recipe', () => {
  it("puts in MEAL V2's fine-tuning settings and keeps the student and budget", () => {
    const cfg = withFastMealRecipe({ ...DEFAULT_TRAIN_CONFIG, datasetId: 'd', epochs: 20, arch: 'mlp' });
    expect(cfg).toMatchObject({ numCrops: 8, optimizer: 'sgd', lr: 0.01, weightDecay: 0, nesterov: false });
    expect(cfg).toMatchObject({ schedule: 'step', stepMilestones: [0.5, 0.9], epochs: 20, arch: 'mlp' });
    expect(usesStoredLabels('fastMeal')).toBe(true);
    expect(usesStoredLabels('onlineKd')).toBe(false);
  });

  it('steps the LR x0.1 at 100 and 180 of 200 epochs, and at the same fractions of a short run', () => {
    const run = { ...withFastMealRecipe(DEFAULT_TRAIN_CONFIG), method: 'fastMeal' as const, datasetId: 'd' };
    const s = scheduleConfig({ ...run, epochs: 200 }, 1000);
    expect(s.stepMilestones).toEqual([100, 180]);
    expect(s.numCrops).toBe(8);
    const lrs = passesFor({ ...run, epochs: 200 }, 1000).map((p) => [p.epoch, p.lr]);
    expect(lrs.find(([e]) => e === 96)![1]).toBeCloseTo(0.01);
    expect(lrs.find(([e]) => e === 104)![1]).toBeCloseTo(0.001);
    expect(lrs.find(([e]) => e === 184)![1]).toBeCloseTo(0.0001);
    expect(scheduleConfig({ ...run, epochs: 20 }, 1000).stepMilestones).toEqual([10, 18]);
  });
});
