import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../core/recipe';
import type { Run, RunHistoryEntry } from '../../store';
import { compareRow, differingSettings, trainingSeconds } from './compare';

function run(
  id: string,
  method: Run['method'],
  config: Partial<TrainConfig>,
  history: RunHistoryEntry[] = [],
): Run {
  return {
    id,
    name: id,
    method,
    datasetId: 'd',
    config: { ...DEFAULT_TRAIN_CONFIG, method, datasetId: 'd', ...config },
    seed: 1,
    status: 'done',
    history,
    createdAt: 0,
    updatedAt: 0,
  };
}

const t0 = 1_700_000_000_000;

describe('compareRow', () => {
  it('takes the last and best val top-1, the last top-5, epochs and steps from the history', () => {
    const r = compareRow(
      run('a', 'fkd', {}, [
        { step: 10, epoch: 1, valTop1: 0.5, valTop5: 0.9, time: t0 },
        { step: 15, epoch: 1.5, cropsPerSec: 100, time: t0 + 2000 },
        { step: 20, epoch: 2, valTop1: 0.7, valTop5: 0.95, cropsPerSec: 300, time: t0 + 4000 },
        { step: 30, epoch: 3, valTop1: 0.6, valTop5: 0.97, cropsPerSec: 200, time: t0 + 6000 },
      ]),
    );
    expect(r.lastTop1).toBe(0.6);
    expect(r.bestTop1).toBe(0.7);
    expect(r.lastTop5).toBe(0.97);
    expect(r.epochs).toBe(3);
    expect(r.steps).toBe(30);
    expect(r.cropsPerSec).toBe(200); // median of 100, 300, 200
    expect(r.trainSeconds).toBe(6);
  });

  it('has no figures for a run that has not trained', () => {
    const r = compareRow(run('b', 'vanilla', {}));
    expect(r.lastTop1).toBeUndefined();
    expect(r.bestTop1).toBeUndefined();
    expect(r.cropsPerSec).toBeUndefined();
    expect(r.trainSeconds).toBeUndefined();
  });
});

describe('trainingSeconds', () => {
  it('leaves out pauses (gaps over two minutes between entries)', () => {
    const h: RunHistoryEntry[] = [
      { step: 1, epoch: 0, time: t0 },
      { step: 2, epoch: 0, time: t0 + 30_000 },
      { step: 3, epoch: 0, time: t0 + 3_600_000 }, // an hour later: paused, then resumed
      { step: 4, epoch: 0, time: t0 + 3_610_000 },
    ];
    expect(trainingSeconds(h)).toBe(40);
  });
});

describe('differingSettings', () => {
  it('lists only the settings that differ, with each run’s value', () => {
    const a = run('a', 'fkd', { arch: 'resnetMini', lr: 0.008, seed: 1, scale: [0.08, 1], labelSetId: 'L1' });
    const b = run('b', 'vanilla', {
      arch: 'resnetMini',
      lr: 0.004,
      seed: 1,
      scale: [0.08, 1],
      labelSetId: 'L1',
    });
    expect(differingSettings([a, b])).toEqual([{ key: 'lr', values: ['0.008', '0.004'] }]);
  });

  it('compares label sets among FKD runs and teachers among online-KD runs only', () => {
    const a = run('a', 'fkd', { labelSetId: 'L1', teacherId: 'T1' });
    const b = run('b', 'onlineKd', { labelSetId: 'L2', teacherId: 'T2' });
    const c = run('c', 'fkd', { labelSetId: 'L3', teacherId: 'T3' });
    expect(differingSettings([a, b])).toEqual([]);
    expect(differingSettings([a, b, c])).toEqual([{ key: 'labelSetId', values: ['L1', '(not used)', 'L3'] }]);
  });

  it('compares the warmups, a run saved before the single-crop warmup as 0', () => {
    const old = run('a', 'fkd', { adamwSingleCropWarmupEpochs: undefined });
    const same = run('b', 'fkd', { adamwSingleCropWarmupEpochs: 0 });
    const warm = run('c', 'fkd', { adamwSingleCropWarmupEpochs: 2, warmupEpochs: 1 });
    expect(differingSettings([old, same])).toEqual([]);
    expect(differingSettings([old, warm])).toEqual([
      { key: 'warmupEpochs', values: ['0', '1'] },
      { key: 'adamwSingleCropWarmupEpochs', values: ['0', '2'] },
    ]);
  });

  it('shows arrays and missing values readably', () => {
    const a = run('a', 'vanilla', { scale: [0.08, 1] });
    const b = run('b', 'vanilla', { scale: [0.35, 1], width: 16 });
    expect(differingSettings([a, b])).toEqual([
      { key: 'width', values: ['–', '16'] },
      { key: 'scale', values: ['[0.08, 1]', '[0.35, 1]'] },
    ]);
  });
});

describe('Fast MEAL V2 runs in the comparison', () => {
  it('carry the pretrained student before fine-tuning; its id and label set count against FKD', () => {
    const fm: Run = {
      ...run('fm', 'fastMeal', { labelSetId: 'L1', pretrainedId: 'student:1' }, [
        { step: 5, epoch: 1, valTop1: 0.8, time: t0 },
      ]),
      before: { top1: 0.75, top5: 0.98, loss: 0.7, images: 100, time: t0 },
    };
    expect(compareRow(fm)).toMatchObject({ beforeTop1: 0.75, lastTop1: 0.8 });
    expect(compareRow(run('f', 'fkd', {})).beforeTop1).toBeUndefined();
    const fkd = run('f', 'fkd', { labelSetId: 'L2' });
    expect(differingSettings([fkd, fm])).toEqual([
      { key: 'labelSetId', values: ['L2', 'L1'] },
      // From scratch against a pretrained start: a difference the comparison must not hide.
      { key: 'pretrainedId', values: ['–', 'student:1'] },
    ]);
  });
});
