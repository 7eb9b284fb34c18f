import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  countDatasetItems,
  deleteDataset,
  getDataset,
  getDatasetItems,
  getDatasetItemsAt,
  listDatasets,
  putDataset,
  putDatasetItems,
  type DatasetItemInput,
} from './datasets';
import { LazyPermutation } from '../core/lazyPermutation';
import { Rng } from '../core/rng';
import { closeStudioDb, openStudioDb, type StudioDb } from './db';
import { getLabelRecords, getLabelSet, putLabelRecords, putLabelSet } from './labels';
import { sweepOrphans } from './maintenance';
import { freshDbName, makeDataset, makeLabelSet, recordFor } from './test-fixtures';

let name: string;
let db: StudioDb;

beforeEach(async () => {
  name = freshDbName();
  db = await openStudioDb(name);
});

afterEach(() => closeStudioDb(name));

const items = (n: number, offset = 0): DatasetItemInput[] =>
  Array.from({ length: n }, (_, i) => ({
    index: offset + i,
    path: `class${(offset + i) % 10}/img${offset + i}.jpg`,
    classIndex: (offset + i) % 10,
    bytes: 1000 + offset + i,
    ...(i % 2 === 0 ? { width: 500, height: 375 } : { shard: 'train-000.tar', offset: i * 512 }),
  }));

describe('datasets', () => {
  it('round-trips and lists oldest first', async () => {
    await putDataset(db, makeDataset('b', 20));
    await putDataset(db, makeDataset('a', 10));
    expect(await getDataset(db, 'b')).toEqual(makeDataset('b', 20));
    expect(await getDataset(db, 'zzz')).toBeUndefined();
    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['a', 'b']);
  });

  it('writes 20,000 items in chunks and reads exact ranges', async () => {
    const progress: number[] = [];
    const all = items(20_000);
    await putDatasetItems(db, 'd1', 'train', all, { onProgress: (n) => progress.push(n) });
    await putDatasetItems(db, 'd1', 'val', items(300));
    await putDatasetItems(db, 'd2', 'train', items(50));
    expect(progress).toEqual([5000, 10000, 15000, 20000]);
    expect(await countDatasetItems(db, 'd1', 'train')).toBe(20_000);
    expect(await countDatasetItems(db, 'd1', 'val')).toBe(300);
    expect(await countDatasetItems(db, 'd1')).toBe(20_300);
    expect(await countDatasetItems(db, 'd3')).toBe(0);

    // A range across a chunk boundary comes back complete and in index order.
    const mid = await getDatasetItems(db, 'd1', 'train', 4990, 5010);
    expect(mid.map((it) => it.index)).toEqual(Array.from({ length: 20 }, (_, i) => 4990 + i));
    expect(mid[0]).toEqual({ ...all[4990], datasetId: 'd1', split: 'train' });
    expect(mid[19]).toEqual({ ...all[5009], datasetId: 'd1', split: 'train' });
    const tail = await getDatasetItems(db, 'd1', 'train', 19_998, 25_000);
    expect(tail.map((it) => it.index)).toEqual([19_998, 19_999]);
    expect((await getDatasetItems(db, 'd1', 'val', 0, 1000)).length).toBe(300);
    expect(await getDatasetItems(db, 'd1', 'train', 10, 10)).toEqual([]);
  });

  it('rewriting items is idempotent (same keys)', async () => {
    await putDatasetItems(db, 'd1', 'train', items(30), { chunkSize: 7 });
    await putDatasetItems(db, 'd1', 'train', items(30), { chunkSize: 7 });
    expect(await countDatasetItems(db, 'd1', 'train')).toBe(30);
  });
});

describe('deleteDataset', () => {
  it('cascades to items, label sets and their records, leaving other datasets intact', async () => {
    for (const id of ['d1', 'd2']) {
      await putDataset(db, makeDataset(id));
      await putDatasetItems(db, id, 'train', items(6000));
      await putDatasetItems(db, id, 'val', items(10));
      await putLabelSet(db, makeLabelSet(`${id}-ls`, id));
      await putLabelRecords(db, `${id}-ls`, [{ imageIndex: 0, record: recordFor(0) }]);
    }
    await putLabelSet(db, makeLabelSet('d1-ls2', 'd1'));
    await putLabelRecords(db, 'd1-ls2', [{ imageIndex: 5, record: recordFor(5) }]);

    await deleteDataset(db, 'd1');
    expect(await getDataset(db, 'd1')).toBeUndefined();
    expect(await countDatasetItems(db, 'd1')).toBe(0);
    expect(await getLabelSet(db, 'd1-ls')).toBeUndefined();
    expect(await getLabelSet(db, 'd1-ls2')).toBeUndefined();
    expect((await getLabelRecords(db, 'd1-ls', 0, 10)).size).toBe(0);
    expect((await getLabelRecords(db, 'd1-ls2', 0, 10)).size).toBe(0);

    expect(await getDataset(db, 'd2')).toBeDefined();
    expect(await countDatasetItems(db, 'd2')).toBe(6010);
    expect((await getLabelRecords(db, 'd2-ls', 0, 10)).size).toBe(1);
  });

  it('sweepOrphans removes rows left by an interrupted delete', async () => {
    await putDataset(db, makeDataset('keep'));
    await putDatasetItems(db, 'keep', 'train', items(5));
    await putLabelSet(db, makeLabelSet('ls-keep', 'keep'));
    await putLabelRecords(db, 'ls-keep', [{ imageIndex: 1, record: recordFor(1) }]);
    // Simulate a reload right after the metadata rows were deleted.
    await putDatasetItems(db, 'gone', 'train', items(12));
    await putDatasetItems(db, 'gone', 'val', items(3));
    await db.put('labels', { labelSetId: 'ls-gone', imageIndex: 3, record: recordFor(3) });
    await db.put('labels', { labelSetId: 'ls-gone', imageIndex: 4, record: recordFor(4) });

    expect(await sweepOrphans(db)).toEqual({ datasetItems: 15, labels: 2, checkpoints: 0 });
    expect(await countDatasetItems(db, 'gone')).toBe(0);
    expect(await countDatasetItems(db, 'keep')).toBe(5);
    expect((await getLabelRecords(db, 'ls-keep', 0, 5)).size).toBe(1);
    expect(await sweepOrphans(db)).toEqual({ datasetItems: 0, labels: 0, checkpoints: 0 });
  });
});

describe('getDatasetItemsAt', () => {
  it('a pass of seeded steps reads every stored item once, in step-sized reads, none held whole', async () => {
    await putDatasetItems(db, 'd1', 'train', items(5000));
    const perm = new LazyPermutation(5000, new Rng(5).fork('order:0'));
    const seen = new Uint8Array(5000);
    for (let from = 0; from < 5000; from += 64) {
      const indices = perm.slice(from, from + 64);
      const step = await getDatasetItemsAt(db, 'd1', 'train', indices);
      expect(step.map((it) => it.index)).toEqual(indices);
      for (const it of step) seen[it.index]++;
    }
    expect(seen.every((c) => c === 1)).toBe(true);
    await expect(getDatasetItemsAt(db, 'd1', 'train', [4999, 5000])).rejects.toThrow(/gone from the index/);
  });
});
