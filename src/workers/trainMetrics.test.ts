import { describe, expect, it } from 'vitest';
import type { Pass } from '../core/schedule';
import { epochAfter, TrainMeter } from './trainMetrics';

const pass = { index: 1, epoch: 4, cropsPerImage: 4, steps: 10 } as Pass;
const out = (crops: number, top1: number, skipped = 0) => ({
  crops,
  images: crops / 4,
  skipped: new Array<unknown>(skipped),
  trainTop1: Promise.resolve(top1),
});
const device = { backend: 'cpu', memory: { numTensors: 0, numBytes: 0 } };

describe('TrainMeter', () => {
  it('rates crops and images over the window after its first step, and drops old steps', async () => {
    const m = new TrainMeter();
    expect(m.rates()).toEqual({ cropsPerSec: 0, imagesPerSec: 0 });
    m.step(out(40, 0.5), 0);
    expect(m.rates().cropsPerSec).toBe(0); // one step: no span yet
    m.step(out(40, 0.5), 1000);
    m.step(out(80, 0.5), 2000);
    expect(m.rates()).toEqual({ cropsPerSec: 60, imagesPerSec: 15 });
    // Steps older than the window leave it (two always stay).
    m.step(out(40, 0.5), 8000);
    expect(m.rates().cropsPerSec).toBeCloseTo(40 / 6, 10);
    m.step(out(40, 0.5), 30_000);
    expect(m.rates().cropsPerSec).toBeCloseTo(40 / 22, 10);
  });

  it('averages training top-1 over the recent steps, counts skips, and builds metrics and history', async () => {
    const m = new TrainMeter();
    for (let i = 0; i < 25; i++) m.step(out(4, i < 5 ? 0 : 1, 1), i * 100);
    await Promise.resolve();
    await Promise.resolve();
    expect(m.trainTop1).toBe(1); // the first five (0) fell out of the last 20
    expect(m.skipped).toBe(25);
    const metrics = m.metrics({ step: 7, totalSteps: 30, pass, stepInPass: 4, loss: 1.5, lr: 0.1 }, device);
    expect(metrics).toMatchObject({ step: 7, totalSteps: 30, pass: 1, epoch: 6, loss: 1.5, skipped: 25 });
    expect(metrics.cropsPerSec).toBeCloseTo(40, 10);
    expect(m.history({ step: 7, pass, loss: 1.5, lr: 0.1 }, 123)).toEqual({
      step: 7,
      epoch: 4,
      loss: 1.5,
      trainTop1: 1,
      lr: 0.1,
      cropsPerSec: metrics.cropsPerSec,
      time: 123,
    });
  });

  it('epochAfter counts a multi-crop step as cropsPerImage epochs spread over the pass', () => {
    expect(epochAfter(pass, 9)).toBe(8);
    expect(epochAfter(pass, 0)).toBeCloseTo(4.4, 10);
  });
});

describe('TrainMeter ETAs', () => {
  it('divides the steps left in the pass and the run by the measured step rate, capped by the time budget', () => {
    const m = new TrainMeter();
    expect(m.etas({ step: 1, pass, stepInPass: 0 }, { endStep: 100 })).toEqual({});
    for (let i = 0; i < 5; i++) m.step(out(40, 0.5), i * 500); // 2 steps/s
    expect(m.stepsPerSec()).toBe(2);
    const e = m.etas({ step: 20, pass, stepInPass: 3 }, { endStep: 100 });
    expect(e.passEtaSec).toBe(3); // 6 steps left in the 10-step pass
    expect(e.runEtaSec).toBe(40);
    expect(m.etas({ step: 20, pass, stepInPass: 3 }, { endStep: 100, secondsLeft: 12 }).runEtaSec).toBe(12);
    const shown = m.metrics({ step: 20, totalSteps: 500, pass, stepInPass: 3, loss: 1, lr: 0.1 }, device, {
      endStep: 100,
    });
    expect(shown.endStep).toBe(100);
    expect(shown.runEtaSec).toBe(40);
  });
});
