import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openStudioDb, putLabelSet } from '../store';
import { freshDbName, makeLabelSet } from '../store/test-fixtures';
import { trainDecodeFit } from './trainFit';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './trainConfig';

const cfg = (over: Partial<TrainConfig> & Pick<TrainConfig, 'method'>): TrainConfig => ({
  ...DEFAULT_TRAIN_CONFIG,
  datasetId: 'd',
  inputSize: 32,
  scale: [0.35, 1],
  ...over,
});

describe('trainDecodeFit', () => {
  it('vanilla and online KD: the run scale; online KD sizes for the larger of student and teacher', async () => {
    expect(await trainDecodeFit(cfg({ method: 'vanilla' }))).toEqual({
      kind: 'randomResizedCrop',
      outSize: 32,
      scaleMin: 0.35,
      ratio: [3 / 4, 4 / 3],
    });
    expect(await trainDecodeFit(cfg({ method: 'onlineKd' }), 64)).toMatchObject({ outSize: 64 });
    expect(await trainDecodeFit(cfg({ method: 'onlineKd' }), 16)).toMatchObject({ outSize: 32 });
  });

  it('FKD: the scale range the stored boxes were drawn with, following reused boxes to their source', async () => {
    const db = await openStudioDb(freshDbName());
    const drew = makeLabelSet('drew', 'd');
    drew.settings = { ...drew.settings, scale: [0.08, 1], ratio: [0.5, 2] };
    const reuses = makeLabelSet('reuses', 'd');
    reuses.settings = { ...reuses.settings, scale: [0.6, 1], reuseBoxesFrom: 'drew' };
    const own = makeLabelSet('own', 'd');
    own.settings = { ...own.settings, scale: [0.25, 1] };
    for (const s of [drew, reuses, own]) await putLabelSet(db, s);
    const fkd = (labelSetId: string) => trainDecodeFit(cfg({ method: 'fkd', labelSetId }), undefined, db);
    expect(await fkd('own')).toMatchObject({ scaleMin: 0.25 });
    expect(await fkd('reuses')).toMatchObject({ scaleMin: 0.08, ratio: [0.5, 2] });
    // A cycle (not something the studio makes) ends instead of looping.
    const a = makeLabelSet('a', 'd');
    a.settings = { ...a.settings, scale: [0.3, 1], reuseBoxesFrom: 'b' };
    const b = makeLabelSet('b', 'd');
    b.settings = { ...b.settings, scale: [0.2, 1], reuseBoxesFrom: 'a' };
    await putLabelSet(db, a);
    await putLabelSet(db, b);
    expect((await fkd('a')).kind).toBe('randomResizedCrop');
  });
});
