import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG } from '../core/recipe';
import { useCpu } from '../engine/testSetup';
import { openStudioDb, putDataset, putDatasetItems, putLabelSet } from '../store';
import { makeLabelSet, watchStoreReads } from '../store/test-fixtures';
import { ITEM_PAGE, registerSessionFiles } from './datasets';
import { TrainSession } from './session';

beforeAll(useCpu);

/** Many pages of index: a session that loaded the split whole would show one read of N rows. */
const N = 12_000;
const CLASSES = 4;
const GONE = [3, 4_000, 11_999];

beforeAll(async () => {
  const db = await openStudioDb();
  const now = Date.now();
  await putDataset(db, {
    id: 'files:subset-big',
    name: 'subset-big',
    source: 'files',
    layout: 'imagefolder',
    numClasses: CLASSES,
    classes: Array.from({ length: CLASSES }, (_, index) => ({ index, name: `c${index}` })),
    counts: { train: N, val: 2 },
    gone: { train: GONE, val: [] },
    skipped: [],
    createdAt: now,
    updatedAt: now,
  });
  // Class by class, as the indexer writes a folder layout.
  const train = Array.from({ length: N }, (_, index) => ({
    index,
    path: `train/c${Math.floor(index / (N / CLASSES))}/${index}.png`,
    classIndex: Math.floor(index / (N / CLASSES)),
    bytes: 9,
    ...(GONE.includes(index) ? { gone: true } : {}),
  }));
  await putDatasetItems(db, 'files:subset-big', 'train', train);
  await putDatasetItems(db, 'files:subset-big', 'val', [
    { index: 0, path: 'val/c0/a.png', classIndex: 0, bytes: 9 },
    { index: 1, path: 'val/c1/b.png', classIndex: 1, bytes: 9 },
  ]);
  const set = makeLabelSet('labels:subset-big', 'files:subset-big');
  await putLabelSet(db, {
    ...set,
    numClasses: CLASSES,
    status: 'done',
    settings: { ...set.settings, subset: { kind: 'perClass', n: 5 } },
  });
  registerSessionFiles('files:subset-big', []);
}, 120_000);

const cfg = (maxImages?: number) => ({
  ...DEFAULT_TRAIN_CONFIG,
  arch: 'mlp' as const,
  datasetId: 'files:subset-big',
  labelSetId: 'labels:subset-big',
  method: 'fkd' as const,
  epochs: 1,
  cropsPerStep: 4,
  maxImages,
});

describe('training on a label subset holds its indices, not the split', () => {
  it('pages through the index (no read over one page) and trains on the first N live per class', async () => {
    const reads = watchStoreReads();
    let s: TrainSession;
    try {
      s = await TrainSession.open(cfg());
    } finally {
      reads.stop();
    }
    expect(reads.largest()).toBeLessThanOrEqual(ITEM_PAGE);
    expect(reads.reads()).toBeGreaterThanOrEqual(N / ITEM_PAGE);
    const perClass = N / CLASSES;
    // Class 0 skips gone image 3; class 1 starts at 3,000 (image 4,000 is past its first five).
    const firstFive = (c: number) => [0, 1, 2, 3, 4].map((i) => c * perClass + i);
    const want = [0, 1, 2, 4, 5, ...firstFive(1), ...firstFive(2), ...firstFive(3)];
    expect([...s.trainIndices]).toEqual(want);
    expect(s.numTrainImages).toBe(20);
    expect(s.goneImages).toBe(3);
    const seen: number[] = [];
    for (let g = 0; g < s.passes[0].steps; g++) seen.push(...s.locate(g).indices);
    expect(seen.sort((a, b) => a - b)).toEqual(want);
    s.dispose();
  });

  it('a quick run caps the subset with the same seeded pick', async () => {
    const a = await TrainSession.open(cfg(7));
    const b = await TrainSession.open(cfg(7));
    expect(a.trainIndices).toHaveLength(7);
    expect([...a.trainIndices]).toEqual([...b.trainIndices]);
    expect([...a.trainIndices]).toEqual([...a.trainIndices].sort((x, y) => x - y));
    a.dispose();
    b.dispose();
  });
});
