import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG } from '../../core/recipe';
import { newRuns, startBlocker, waitsForLabels, type StartState } from './startRuns';

const ready: StartState = {
  hasDataset: true,
  methods: ['fkd', 'vanilla'],
  labelSetId: 'L1',
  teacherId: 'T1',
  anyRunning: false,
};

describe('startBlocker', () => {
  it('lets a complete form start', () => {
    expect(startBlocker(ready)).toBeNull();
    expect(waitsForLabels(ready)).toBe(false);
  });

  it('says why it cannot start, first reason first', () => {
    expect(startBlocker({ ...ready, hasDataset: false })).toBe('pick a dataset');
    expect(startBlocker({ ...ready, methods: [] })).toBe('tick at least one method');
    expect(startBlocker({ ...ready, labelSetId: undefined })).toContain(
      'FKD needs a finished soft-label set',
    );
    expect(startBlocker({ ...ready, methods: ['onlineKd'], teacherId: undefined })).toContain(
      'online KD needs',
    );
    expect(startBlocker({ ...ready, anyRunning: true })).toContain('one at a time');
  });

  it('queues FKD behind a set being generated instead of refusing; a finished set needs no wait', () => {
    const generating = { ...ready, labelSetId: undefined, generatingId: 'L2' };
    expect(startBlocker(generating)).toBeNull();
    expect(waitsForLabels(generating)).toBe(true);
    expect(waitsForLabels({ ...generating, methods: ['vanilla'] })).toBe(false);
    expect(waitsForLabels({ ...ready, generatingId: 'L2' })).toBe(false);
  });
});

describe('newRuns', () => {
  it('stores one pending run per method with the same config and seed; the label set only on FKD', () => {
    const cfg = { ...DEFAULT_TRAIN_CONFIG, datasetId: 'D', teacherId: 'T1', seed: 7 };
    const runs = newRuns(['fkd', 'vanilla', 'onlineKd'], cfg, { id: 'D', name: 'Set' }, 'L1', 1000);
    expect(runs.map((r) => r.method)).toEqual(['fkd', 'vanilla', 'onlineKd']);
    expect(new Set(runs.map((r) => r.id)).size).toBe(3);
    expect(runs.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    expect(runs.map((r) => r.labelSetId)).toEqual(['L1', undefined, undefined]);
    expect(runs.map((r) => r.teacherId)).toEqual([undefined, undefined, 'T1']);
    expect(runs.map((r) => r.seed)).toEqual([7, 7, 7]);
    expect(runs[0].name).toBe(`FKD · ${cfg.arch} · Set`);
    for (const r of runs) {
      expect(r.config.method).toBe(r.method);
      expect(r.config.labelSetId).toBe('L1');
      expect(r.config.epochs).toBe(cfg.epochs);
    }
  });
});

describe('Fast MEAL V2 at Start', () => {
  const fm: StartState = {
    ...ready,
    methods: ['fastMeal'],
    pretrainedId: 'student:1',
    pretrainedBlocker: null,
  };

  it('needs its label set and a pretrained student whose weights fit', () => {
    expect(startBlocker(fm)).toBeNull();
    expect(startBlocker({ ...fm, labelSetId: undefined })).toContain(
      'Fast MEAL V2 needs a finished soft-label set',
    );
    expect(startBlocker({ ...fm, pretrainedId: undefined })).toContain('needs a pretrained student');
    expect(startBlocker({ ...fm, pretrainedBlocker: 'no weight of this model fits' })).toBe(
      'no weight of this model fits',
    );
    expect(waitsForLabels({ ...fm, labelSetId: undefined, generatingId: 'L2' })).toBe(true);
  });

  it('gives the label set to FKD and Fast MEAL V2, the pretrained student only to Fast MEAL V2', () => {
    const cfg = { ...DEFAULT_TRAIN_CONFIG, datasetId: 'D', pretrainedId: 'student:1' };
    const runs = newRuns(['fkd', 'fastMeal'], cfg, { id: 'D', name: 'Set' }, 'L1', 1000);
    expect(runs.map((r) => r.labelSetId)).toEqual(['L1', 'L1']);
    expect(runs.map((r) => r.config.pretrainedId)).toEqual([undefined, 'student:1']);
    expect(runs[1].name).toBe(`Fast MEAL V2 · ${cfg.arch} · Set`);
  });
});
