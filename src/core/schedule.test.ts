import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  learningRateAt,
  learningRateAtEpoch,
  listPasses,
  locateStep,
  totalSteps,
  type Pass,
  type ScheduleConfig,
} from './schedule';

interface Case {
  config: ScheduleConfig;
  passes: Pass[];
}

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as T;
}

function expectPasses(got: Pass[], want: Pass[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((p, k) => {
    const w = want[k];
    expect({ ...p, lr: 0 }, `pass ${k}`).toEqual({ ...w, lr: 0 });
    expect(Math.abs(p.lr - w.lr), `lr of pass ${k}`).toBeLessThanOrEqual(1e-12);
  });
}

const sgd300 = fixture<Case>('schedule_sgd300.json');
const adamw300 = fixture<Case>('schedule_adamw300.json');
const small = fixture<{ cases: Case[] }>('schedule_small.json').cases;

describe('listPasses vs the reference loops', () => {
  it('SGD 300 epochs / 4 crops: 74 multi-crop passes (0..292) then single-crop 296..299', () => {
    const passes = listPasses(sgd300.config);
    expectPasses(passes, sgd300.passes);
    const multi = passes.filter((p) => p.cropsPerImage === 4);
    expect(multi.length).toBe(74);
    expect(multi[73].epoch).toBe(292);
    expect(passes.slice(74).map((p) => p.epoch)).toEqual([296, 297, 298, 299]);
    expect(multi[0].imagesPerStep).toBe(256);
    expect(multi[0].steps).toBe(5005);
    expect(passes[74].imagesPerStep).toBe(1024);
    expect(passes[74].steps).toBe(1252);
    expect(totalSteps(sgd300.config)).toBe(74 * 5005 + 4 * 1252);
  });

  it('AdamW 300 / 4: 5 single-crop warmup epochs, 73 passes 5..293, single-crop 297..299, timm cosine', () => {
    const passes = listPasses(adamw300.config);
    expectPasses(passes, adamw300.passes);
    expect(passes.slice(0, 5).every((p) => p.cropsPerImage === 1)).toBe(true);
    const multi = passes.filter((p) => p.cropsPerImage === 4);
    expect(multi.length).toBe(73);
    expect([multi[0].epoch, multi[72].epoch]).toEqual([5, 293]);
    expect(passes.slice(-3).map((p) => p.epoch)).toEqual([297, 298, 299]);
    expect(passes[0].lr).toBe(1e-5);
  });

  it('AdamW defaults (minLr, warmup from 1e-5 over 5 epochs) reproduce the explicit config', () => {
    const {
      minLr: _a,
      warmupEpochs: _b,
      warmupStartLr: _c,
      adamwSingleCropWarmupEpochs: _d,
      ...rest
    } = adamw300.config;
    expectPasses(listPasses(rest), adamw300.passes);
  });

  it('small and non-divisible configs (cosine, step, constant, adamw) match', () => {
    expect(small.length).toBeGreaterThanOrEqual(5);
    for (const c of small) expectPasses(listPasses(c.config), c.passes);
  });

  it('covers every epoch exactly once', () => {
    for (const c of [sgd300, adamw300, ...small]) {
      const covered: number[] = [];
      for (const p of listPasses(c.config))
        for (let e = 0; e < p.cropsPerImage; e++) covered.push(p.epoch + e);
      expect(covered).toEqual(Array.from({ length: c.config.epochs }, (_, i) => i));
    }
  });

  it('rejects nonsense', () => {
    expect(() => listPasses({ ...sgd300.config, numCrops: 0 })).toThrow(RangeError);
    expect(() => listPasses({ ...sgd300.config, epochs: 2.5 })).toThrow(RangeError);
  });
});

describe('learningRateAt', () => {
  it("is constant within a pass with cosinePer 'pass' (the reference staircase)", () => {
    const passes = listPasses(sgd300.config);
    for (const p of [passes[0], passes[10], passes[76]]) {
      expect(learningRateAt(sgd300.config, p, 0)).toBe(p.lr);
      expect(learningRateAt(sgd300.config, p, p.steps - 1)).toBe(p.lr);
    }
  });

  it("decays per step with cosinePer 'step', continuous across pass boundaries", () => {
    const cfg: ScheduleConfig = { ...sgd300.config, cosinePer: 'step' };
    const passes = listPasses(cfg);
    const p = passes[10];
    const mid = learningRateAt(cfg, p, Math.floor(p.steps / 2));
    expect(mid).toBeLessThan(p.lr);
    expect(mid).toBeGreaterThan(passes[11].lr);
    // The end of one pass is the start of the next.
    expect(learningRateAt(cfg, p, p.steps)).toBeCloseTo(passes[11].lr, 14);
    let prev = Infinity;
    for (const q of passes) {
      for (const s of [0, q.steps >> 1, q.steps - 1]) {
        const lr = learningRateAt(cfg, q, s);
        expect(lr).toBeLessThanOrEqual(prev);
        prev = lr;
      }
    }
  });

  it('linear warmup per step reaches the base lr at the end of warmup', () => {
    const cfg: ScheduleConfig = {
      epochs: 20,
      numCrops: 4,
      lr: 0.2,
      kind: 'cosine',
      cosinePer: 'step',
      warmupEpochs: 4,
      warmupStartLr: 0,
      variant: 'sgd',
      numImages: 1000,
      cropsPerStep: 100,
    };
    const passes = listPasses(cfg);
    expect(passes[0].lr).toBe(0);
    expect(learningRateAt(cfg, passes[0], passes[0].steps / 2)).toBeCloseTo(0.1, 12);
    expect(learningRateAtEpoch(cfg, 4)).toBeCloseTo(0.2 * 0.5 * (1 + Math.cos((Math.PI * 4) / 20)), 14);
    expect(learningRateAtEpoch(cfg, 25)).toBe(0);
  });

  it('step schedule drops by gamma at the default milestones 120 / 240', () => {
    const cfg: ScheduleConfig = { ...sgd300.config, kind: 'step' };
    expect(learningRateAtEpoch(cfg, 119)).toBe(0.1);
    expect(learningRateAtEpoch(cfg, 120)).toBeCloseTo(0.01, 15);
    expect(learningRateAtEpoch(cfg, 240)).toBeCloseTo(0.001, 15);
  });
});

describe('locateStep', () => {
  it('maps global steps to (pass, step) and back', () => {
    const passes = listPasses(small[0].config);
    const total = passes.reduce((n, p) => n + p.steps, 0);
    expect(locateStep(passes, 0)).toEqual({ pass: passes[0], stepInPass: 0 });
    expect(locateStep(passes, passes[0].steps)).toEqual({ pass: passes[1], stepInPass: 0 });
    expect(locateStep(passes, total - 1)?.pass).toBe(passes[passes.length - 1]);
    expect(locateStep(passes, total)).toBeNull();
  });
});
