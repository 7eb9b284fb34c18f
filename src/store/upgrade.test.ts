import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { getDatasetItems, countDatasetItems, getDataset } from './datasets';
import { closeStudioDb, openStudioDb } from './db';
import { StoreError } from './errors';
import { getLabelRecords, getLabelSet, listDoneImageIndices, putLabelRecords } from './labels';
import { getRun } from './runs';
import {
  DB_VERSION,
  type Dataset,
  type DatasetItem,
  type StudioSchema,
  type V1Dataset,
  type V1LabelSet,
  type V1Run,
} from './schema';
import { freshDbName, recordFor } from './test-fixtures';
import { parseV1LabelKey, upgradeStudioDb, v1TrainConfig } from './upgrade';
import { DEFAULT_TRAIN_CONFIG } from '../core/recipe';
import { trainConfigProblems } from '../core/recipeCheck';

const names: string[] = [];
afterEach(async () => {
  for (const n of names.splice(0)) await closeStudioDb(n);
});

function v1LabelSet(id: string, imagesDone: number): V1LabelSet {
  return {
    id,
    datasetId: 'd1',
    teacherId: 't1',
    name: id,
    settings: {
      numCrops: 4,
      codec: 'msTopK',
      k: 5,
      precision: 'f16',
      temperature: 1,
      scale: [0.08, 1],
      ratio: [0.75, 1.33],
      seed: 1,
    },
    numClasses: 10,
    imagesDone,
    imagesTotal: 10,
    status: 'paused',
    createdAt: 50,
  };
}

/** Builds a version-1 profile with raw idb, exactly as v1 of the app laid it out. */
async function createV1(name: string, dataset: V1Dataset): Promise<void> {
  const db = await openDB(name, 1, {
    upgrade(raw) {
      raw.createObjectStore('datasets', { keyPath: 'id' });
      raw.createObjectStore('labelSets', { keyPath: 'id' });
      raw.createObjectStore('labels');
      raw.createObjectStore('runs', { keyPath: 'id' });
    },
  });
  await db.put('datasets', dataset);
  // v1 bumped imagesDone in a separate transaction: this set claims 5 but only 3 records exist.
  await db.put('labelSets', v1LabelSet('ls1', 5));
  await db.put('labelSets', v1LabelSet('team/ls2', 1));
  await db.put('labels', { record: recordFor(0, 8).buffer }, 'ls1/0');
  await db.put('labels', { record: recordFor(1, 8) }, 'ls1/1');
  await db.put('labels', { record: recordFor(7, 20) }, 'ls1/7');
  await db.put('labels', { record: recordFor(3, 4) }, 'team/ls2/3');
  await db.put('labels', { record: recordFor(9, 4) }, 'garbage');
  const run: V1Run = {
    id: 'r1',
    name: 'run',
    method: 'fkd',
    datasetId: 'd1',
    labelSetId: 'ls1',
    config: { seed: 123, lr: 0.1 },
    status: 'done',
    history: [{ step: 1, epoch: 0, loss: 2, time: 5 }],
    createdAt: 70,
  };
  await db.put('runs', run);
  await db.put('runs', { ...run, id: 'r2', config: {} });
  db.close();
}

const v1Dataset: V1Dataset = {
  id: 'd1',
  name: 'imagenette',
  source: 'folder',
  numClasses: 10,
  classes: [{ index: 0, name: 'tench', wnid: 'n01440764' }],
  counts: { train: 3, val: 1 },
  items: [
    { split: 'train', path: 'a.jpg', classIndex: 0, bytes: 10 },
    { split: 'val', path: 'v.jpg', classIndex: 1, bytes: 11 },
    { split: 'train', path: 'b.jpg', classIndex: 2, bytes: 12 },
    { split: 'train', path: 'c.jpg', classIndex: 3, bytes: 13 },
  ],
  createdAt: 40,
};

describe('v1 -> v2 upgrade', () => {
  it('migrates labels to compound keys, recounts sets, moves dataset items, fills new fields', async () => {
    const name = freshDbName();
    names.push(name);
    await createV1(name, v1Dataset);
    const db = await openStudioDb(name);

    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(
      [
        'checkpoints',
        'datasetItems',
        'datasets',
        'handles',
        'jobs',
        'labelSets',
        'labels',
        'models',
        'runs',
      ].sort(),
    );
    const records = await getLabelRecords(db, 'ls1', 0, 100);
    expect([...records.keys()]).toEqual([0, 1, 7]);
    expect(records.get(0)).toEqual(recordFor(0, 8));
    expect(records.get(0)).toBeInstanceOf(Uint8Array);
    expect(await listDoneImageIndices(db, 'team/ls2')).toEqual([3]);
    expect(await db.count('labels')).toBe(4); // the unparseable 'garbage' row is dropped

    const ls1 = await getLabelSet(db, 'ls1');
    expect(ls1).toMatchObject({ imagesDone: 3, bytes: 8 + 8 + 20, updatedAt: 50, status: 'paused' });
    expect(ls1?.settings).toMatchObject({ inputSize: 224, seed: 1, scale: [0.08, 1] });
    expect((await getLabelSet(db, 'team/ls2'))?.imagesDone).toBe(1);

    const ds = await getDataset(db, 'd1');
    expect(ds).toMatchObject({ layout: 'imagefolder', skipped: [], updatedAt: 40, name: 'imagenette' });
    expect(ds && 'items' in ds).toBe(false);
    expect(await countDatasetItems(db, 'd1', 'train')).toBe(3);
    expect((await getDatasetItems(db, 'd1', 'train', 0, 10)).map((it) => [it.index, it.path])).toEqual([
      [0, 'a.jpg'],
      [1, 'b.jpg'],
      [2, 'c.jpg'],
    ]);
    expect(await getDatasetItems(db, 'd1', 'val', 0, 10)).toEqual([
      { datasetId: 'd1', split: 'val', index: 0, path: 'v.jpg', classIndex: 1, bytes: 11 },
    ]);

    expect(await getRun(db, 'r1')).toMatchObject({ seed: 123, updatedAt: 70, history: [{ step: 1 }] });
    expect((await getRun(db, 'r2'))?.seed).toBe(0);
    // A v1 config becomes a whole TrainConfig: its own fields kept, the rest the current defaults.
    const r1 = await getRun(db, 'r1');
    expect(r1?.config).toMatchObject({
      method: 'fkd',
      datasetId: 'd1',
      labelSetId: 'ls1',
      seed: 123,
      lr: 0.1,
    });
    expect(r1 && trainConfigProblems(r1.config)).toEqual([]);
    expect((await getRun(db, 'r2'))?.config).toMatchObject({ epochs: DEFAULT_TRAIN_CONFIG.epochs, seed: 0 });

    // The migrated set keeps working with the v2 accessors.
    const next = await putLabelRecords(db, 'ls1', [{ imageIndex: 8, record: recordFor(8, 4) }]);
    expect(next).toMatchObject({ imagesDone: 4, bytes: 40 });
  });

  it('a failing migration aborts and leaves the v1 database untouched', async () => {
    const name = freshDbName();
    names.push(name);
    const broken = { ...v1Dataset, items: [{ split: 'test', path: 'x', classIndex: 0, bytes: 1 }] };
    await createV1(name, broken as unknown as V1Dataset);
    const error = await openStudioDb(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);

    const raw = await openDB(name);
    expect(raw.version).toBe(1);
    expect([...raw.objectStoreNames].sort()).toEqual(['datasets', 'labelSets', 'labels', 'runs']);
    expect(await raw.get('labels', 'ls1/7')).toEqual({ record: recordFor(7, 20) });
    expect((await raw.get('labelSets', 'ls1')).imagesDone).toBe(5);
    raw.close();
  });

  it('v3 rebuilds the gone lists of checked datasets from their flagged items', async () => {
    const name = freshDbName();
    names.push(name);
    const v2 = await openDB<StudioSchema>(name, 2, {
      upgrade: (raw, _old, _new, tx) => upgradeStudioDb(raw, 0, tx),
    });
    const base: Dataset = {
      id: 'old',
      name: 'old',
      source: 'folder',
      layout: 'imagefolder',
      numClasses: 2,
      classes: [],
      counts: { train: 12_000, val: 3 },
      skipped: [],
      createdAt: 1,
      updatedAt: 1,
    };
    const check = { at: 1, ms: 1, unitsChecked: 1, unitsUnchanged: 0, filesListed: 1 };
    const lists = { newFolders: [], needsReindex: [], labelRecordsDropped: 0 };
    const none = { count: 0, paths: [] };
    const lastCheck = { ...check, ...lists, added: none, removed: { count: 1, paths: [] }, changed: none };
    // Checked before gone lists; checked later from an empty list (only its newest loss kept); never checked.
    await v2.put('datasets', { ...base, lastCheck });
    await v2.put('datasets', { ...base, id: 'partial', lastCheck, gone: { train: [11_999], val: [] } });
    await v2.put('datasets', { ...base, id: 'unchecked' });
    const goneTrain = [0, 4_999, 5_000, 5_001, 11_999];
    for (const id of ['old', 'partial', 'unchecked']) {
      const tx = v2.transaction('datasetItems', 'readwrite');
      const rows: DatasetItem[] = [
        ...Array.from({ length: 12_000 }, (_, index) => ({
          datasetId: id,
          split: 'train' as const,
          index,
          path: `c/${index}.png`,
          classIndex: 0,
          bytes: 1,
          ...(goneTrain.includes(index) ? { gone: true } : {}),
        })),
        ...[0, 1, 2].map((index) => ({
          datasetId: id,
          split: 'val' as const,
          index,
          path: `v/${index}.png`,
          classIndex: 0,
          bytes: 1,
          ...(index === 1 ? { gone: true } : {}),
        })),
      ];
      await Promise.all([...rows.map((r) => tx.store.put(r)), tx.done]);
    }
    v2.close();

    const db = await openStudioDb(name);
    expect(db.version).toBe(DB_VERSION);
    expect((await getDataset(db, 'old'))?.gone).toEqual({ train: goneTrain, val: [1] });
    expect((await getDataset(db, 'partial'))?.gone).toEqual({ train: goneTrain, val: [1] });
    expect((await getDataset(db, 'unchecked'))?.gone).toBeUndefined();
  }, 60_000);

  it('keeps only the v1 config fields that a TrainConfig has, with its types', () => {
    const cfg = v1TrainConfig({
      method: 'vanilla',
      datasetId: 'd',
      config: { epochs: 3, lr: '0.1', scale: 0.5, batchSize: 32, arch: 'mlp', method: 'fkd' },
    });
    expect(cfg).toMatchObject({ method: 'vanilla', epochs: 3, arch: 'mlp' });
    expect(cfg.lr).toBe(DEFAULT_TRAIN_CONFIG.lr);
    expect(cfg.scale).toEqual(DEFAULT_TRAIN_CONFIG.scale);
    expect('batchSize' in cfg).toBe(false);
  });

  it('parses v1 label keys, including ids that contain slashes', () => {
    expect(parseV1LabelKey('ls1/12')).toEqual({ labelSetId: 'ls1', imageIndex: 12 });
    expect(parseV1LabelKey('a/b/0')).toEqual({ labelSetId: 'a/b', imageIndex: 0 });
    for (const bad of ['nokey', '/3', 'ls/-1', 'ls/1.5', 'ls/', 'ls/1e3', 42])
      expect(parseV1LabelKey(bad)).toBeNull();
  });
});
