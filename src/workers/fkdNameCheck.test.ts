import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLabelRecord } from '../core/labelRecord';
import {
  closeStudioDb,
  openStudioDb,
  putDataset,
  putDatasetItems,
  putLabelRecords,
  putLabelSet,
  type StudioDb,
} from '../store';
import { freshDbName, makeLabelSet } from '../store/test-fixtures';
import { runFkdExport } from './fkdExportJob';
import { checkFkdNames } from './fkdNameCheck';

/** Class folder c0 and c1, then nested folders that share a leaf name, then one image a re-open appended. */
const PATHS = [
  ...Array.from({ length: 700 }, (_, i) => `train/c0/img_${i}.JPEG`),
  ...Array.from({ length: 700 }, (_, i) => `train/c1/img_${i}.JPEG`),
  'train/x/leaf/q.jpg',
  'train/y/leaf/q.png',
  'train/c0/img_5.png',
];
const APPENDED = PATHS.length - 1;

let name: string;
let db: StudioDb;

const record = encodeLabelRecord({
  version: 1,
  spec: { codec: 'msTopK', k: 1, precision: 'q8', numClasses: 2 },
  imageWidth: 8,
  imageHeight: 8,
  numCrops: 1,
  boxes: Int32Array.of(0, 0, 4, 4),
  flips: Uint8Array.of(0),
  indices: Uint16Array.of(0),
  probs: Float32Array.of(1),
});

async function labelSet(id: string, labelled: number[]) {
  const set = makeLabelSet(id, 'names');
  await putLabelSet(db, {
    ...set,
    numClasses: 2,
    settings: { ...set.settings, numCrops: 1, codec: 'msTopK', k: 1, precision: 'q8' },
  });
  await putLabelRecords(
    db,
    id,
    labelled.map((imageIndex) => ({ imageIndex, record })),
    { status: 'done' },
  );
}

beforeAll(async () => {
  name = freshDbName();
  db = await openStudioDb(name);
  await putDataset(db, {
    id: 'names',
    name: 'names',
    source: 'folder',
    layout: 'imagefolder',
    numClasses: 2,
    classes: [0, 1].map((index) => ({ index, name: `c${index}`, folder: `c${index}` })),
    counts: { train: PATHS.length, val: 0 },
    skipped: [],
    createdAt: 1,
    updatedAt: 1,
  });
  await putDatasetItems(
    db,
    'names',
    'train',
    PATHS.map((path, index) => ({ index, path, classIndex: path.includes('c1') ? 1 : 0, bytes: 1 })),
  );
});

afterAll(() => closeStudioDb(name));

describe('FKD export: two images claiming one file', () => {
  it('passes when the colliding images are not both labelled', async () => {
    await labelSet('no-clash', [0, 5, 700, 1400]);
    await expect(checkFkdNames(db, 'no-clash', 'names', PATHS.length)).resolves.toBeUndefined();
  });

  it('finds a clash between a folder and an image a re-open appended far later in the index', async () => {
    await labelSet('appended', [0, 5, 700, APPENDED]);
    await expect(checkFkdNames(db, 'appended', 'names', PATHS.length)).rejects.toThrow(
      'two images map to train/c0/img_5.tar: train/c0/img_5.JPEG and train/c0/img_5.png',
    );
    // The export refuses before it writes anything.
    await expect(runFkdExport({ labelSetId: 'appended' }, db, new AbortController().signal)).rejects.toThrow(
      /two images map to train\/c0\/img_5\.tar.*nothing was written/,
    );
  });

  it('finds a clash between nested folders of the same name', async () => {
    await labelSet('nested', [1400, 1401]);
    await expect(checkFkdNames(db, 'nested', 'names', PATHS.length)).rejects.toThrow(
      'two images map to train/leaf/q.tar: train/x/leaf/q.jpg and train/y/leaf/q.png',
    );
  });
});
