import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_SETTINGS, defaultLabelScale, newLabelSet } from './newLabelSet';

const dataset = { id: 'embedded:fashion-mnist', name: 'Fashion-MNIST 2k', counts: { train: 2000, val: 500 } };
const teacher = { id: 'embedded:fashion-cnn-teacher', name: 'CNN (embedded)', inputSize: 28 };

describe('newLabelSet', () => {
  it('makes a pending set of the whole train split with the chosen settings', () => {
    const set = newLabelSet(dataset, teacher, 10, { ...DEFAULT_LABEL_SETTINGS, scale: [0.35, 1] }, 1234);
    expect(set).toMatchObject({
      id: `labels:${(1234).toString(36)}`,
      datasetId: dataset.id,
      teacherId: teacher.id,
      name: 'Fashion-MNIST 2k · CNN (embedded) · 64 crops · msTopK5',
      numClasses: 10,
      imagesDone: 0,
      imagesTotal: 2000,
      bytes: 0,
      status: 'pending',
      createdAt: 1234,
    });
    expect(set.settings).toEqual({
      numCrops: 64,
      codec: 'msTopK',
      k: 5,
      precision: 'q8',
      temperature: 1,
      scale: [0.35, 1],
      ratio: [3 / 4, 4 / 3],
      seed: 42,
      inputSize: 28,
      reuseBoxesFrom: undefined,
    });
  });

  it('counts only the images that still have a file (a re-open check flagged the others gone)', () => {
    const pruned = { ...dataset, gone: { train: [3, 9, 1999], val: [] } };
    expect(
      newLabelSet(pruned, teacher, 10, { ...DEFAULT_LABEL_SETTINGS, scale: [0.35, 1] }, 1).imagesTotal,
    ).toBe(1997);
  });

  it('stores k = 1 for codecs without a top-k and names them without one', () => {
    const set = newLabelSet(
      dataset,
      teacher,
      10,
      { ...DEFAULT_LABEL_SETTINGS, codec: 'full', scale: [0.08, 1] },
      1,
    );
    expect(set.settings.k).toBe(1);
    expect(set.name.endsWith('· full')).toBe(true);
  });

  it("defaults the scale to FKD's lower bound 0.08 and the teacher's upper bound", () => {
    expect(defaultLabelScale({ trainScale: [0.35, 1] })).toEqual([0.08, 1]);
    expect(defaultLabelScale({ trainScale: [0.08, 0.936] })).toEqual([0.08, 0.936]);
    expect(defaultLabelScale({})).toEqual([0.08, 1]);
    expect(defaultLabelScale(undefined)).toEqual([0.08, 1]);
  });
});
