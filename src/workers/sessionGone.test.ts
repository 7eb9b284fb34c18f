import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG } from '../core/recipe';
import { useCpu } from '../engine/testSetup';
import { openStudioDb, putDataset, putDatasetItems } from '../store';
import { registerSessionFiles } from './datasets';
import { TrainSession } from './session';

beforeAll(useCpu);

const GONE = [2, 5, 6];

async function dataset(id: string) {
  const db = await openStudioDb();
  const now = Date.now();
  await putDataset(db, {
    id,
    name: 'pruned',
    source: 'files',
    layout: 'imagefolder',
    numClasses: 2,
    classes: [0, 1].map((index) => ({ index, name: `c${index}` })),
    counts: { train: 12, val: 3 },
    gone: { train: GONE, val: [1] },
    skipped: [],
    createdAt: now,
    updatedAt: now,
  });
  for (const [split, n, gone] of [
    ['train', 12, GONE],
    ['val', 3, [1]],
  ] as const)
    await putDatasetItems(
      db,
      id,
      split,
      Array.from({ length: n }, (_, index) => ({
        index,
        path: `${split}/${index}.png`,
        classIndex: index % 2,
        bytes: 9,
        ...((gone as readonly number[]).includes(index) ? { gone: true } : {}),
      })),
    );
  registerSessionFiles(id, []);
}

const cfg = (datasetId: string, maxImages?: number) => ({
  ...DEFAULT_TRAIN_CONFIG,
  arch: 'mlp' as const,
  datasetId,
  method: 'vanilla' as const,
  epochs: 1,
  cropsPerStep: 3,
  maxImages,
});

describe('training leaves out images gone from the folder', () => {
  it('a pass over the whole split permutes the live images only, each once', async () => {
    await dataset('files:gone-lazy');
    const s = await TrainSession.open(cfg('files:gone-lazy'));
    expect(s.numTrainImages).toBe(9);
    expect(s.goneImages).toBe(3);
    const seen: number[] = [];
    for (let g = 0; g < s.passes[0].steps; g++) seen.push(...s.locate(g).indices);
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 3, 4, 7, 8, 9, 10, 11]);
    expect(s.valItems.map((it) => it.index)).toEqual([0, 2]);
  });

  it('a held list (a quick run) leaves them out too', async () => {
    await dataset('files:gone-held');
    const s = await TrainSession.open(cfg('files:gone-held', 11));
    expect(s.goneImages).toBe(3);
    expect([...s.trainIndices].filter((i) => GONE.includes(i))).toEqual([]);
    const seen: number[] = [];
    for (let g = 0; g < s.passes[0].steps; g++) seen.push(...s.locate(g).indices);
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 3, 4, 7, 8, 9, 10, 11]);
    expect(s.numTrainImages).toBe(9);
  });
});
