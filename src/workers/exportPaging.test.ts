import 'fake-indexeddb/auto';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  concatChunks,
  decodeLabelBundle,
  encodeLabelBundle,
  type LabelBundleHeader,
} from '../core/labelBundle';
import { encodeLabelRecord } from '../core/labelRecord';
import {
  closeStudioDb,
  getDatasetItemsFor,
  openStudioDb,
  putDataset,
  putDatasetItems,
  putLabelRecords,
  putLabelSet,
  type StudioDb,
} from '../store';
import { freshDbName, makeLabelSet, watchStoreReads } from '../store/test-fixtures';
import { classSampleIndices, classStartHint } from './classSamples';
import { runFkdExport } from './fkdExportJob';
import { exportLabelSetBundle } from './labelBundleJob';
import { LABELLED_PAGE } from './labelledPages';
import { keepTop } from './labelStats';

/** Large enough that loading the set or the index whole is many times one page. */
const N = 12_000;
/** Labelled: every image below 3,000 (dense pages), then every 7th (a sparse subset). */
const labelled = Array.from({ length: N }, (_, i) => i).filter((i) => i < 3000 || i % 7 === 0);

let name: string;
let db: StudioDb;

const record = (i: number) =>
  encodeLabelRecord({
    version: 1,
    spec: { codec: 'msTopK', k: 2, precision: 'q8', numClasses: 4 },
    imageWidth: 8,
    imageHeight: 8,
    numCrops: 1,
    boxes: Int32Array.of(0, 0, 4, 4),
    flips: Uint8Array.of(i % 2),
    indices: Uint16Array.of(i % 4, (i + 1) % 4),
    probs: Float32Array.of(700 / 1023, 300 / 1023),
  });
const item = (i: number) => ({
  index: i,
  path: `train/c${i % 4}/img_${i}.JPEG`,
  classIndex: i % 4,
  bytes: 10,
  ...(i % 5 ? { width: 8, height: 8 } : {}),
});

beforeAll(async () => {
  name = freshDbName();
  db = await openStudioDb(name);
  await putDataset(db, {
    id: 'big',
    name: 'big',
    source: 'folder',
    layout: 'imagefolder',
    numClasses: 4,
    classes: [0, 1, 2, 3].map((i) => ({ index: i, name: `c${i}`, folder: `c${i}` })),
    counts: { train: N, val: 0 },
    skipped: [],
    createdAt: 1,
    updatedAt: 1,
  });
  await putDatasetItems(
    db,
    'big',
    'train',
    Array.from({ length: N }, (_, i) => item(i)),
  );
  const set = makeLabelSet('big-labels', 'big');
  await putLabelSet(db, {
    ...set,
    numClasses: 4,
    imagesTotal: N,
    settings: { ...set.settings, numCrops: 1, codec: 'msTopK', k: 2, precision: 'q8' },
  });
  await putLabelRecords(
    db,
    'big-labels',
    labelled.map((i) => ({ imageIndex: i, record: record(i) })),
    { status: 'done' },
  );
}, 120_000);

afterAll(() => closeStudioDb(name));

describe('exports page through a large set', () => {
  it('the label bundle reads one page at a time and is byte for byte the whole-set bundle', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    const reads = watchStoreReads();
    let blob: Blob;
    try {
      blob = await exportLabelSetBundle('big-labels', db);
    } finally {
      reads.stop();
      vi.restoreAllMocks();
    }
    // A page's index entries come as one range when dense: at most twice the page.
    expect(reads.largest()).toBeLessThanOrEqual(2 * LABELLED_PAGE);
    expect(reads.reads()).toBeGreaterThan(labelled.length / LABELLED_PAGE);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const { header } = decodeLabelBundle(bytes);
    const whole: LabelBundleHeader = {
      ...header,
      images: labelled.map((i) => {
        const { width, height } = item(i);
        return { index: i, path: item(i).path, classIndex: i % 4, ...(width ? { width, height } : {}) };
      }),
    };
    expect(header.exportedAt).toBe(1_800_000_000_000);
    const expected = concatChunks(
      encodeLabelBundle(
        whole,
        labelled.map((i) => ({ imageIndex: i, record: record(i) })),
      ),
    );
    expect(bytes).toEqual(expected);
  }, 120_000);

  it('the FKD export reads one page of records and their index entries at a time', async () => {
    const reads = watchStoreReads();
    let r;
    try {
      r = await runFkdExport({ labelSetId: 'big-labels' }, db, new AbortController().signal);
    } finally {
      reads.stop();
    }
    expect(reads.largest()).toBeLessThanOrEqual(2 * 256);
    expect(r.written).toBe(labelled.length);
    const files = Object.keys(unzipSync(new Uint8Array(await r.zip!.arrayBuffer())));
    expect(files.filter((f) => f.endsWith('.tar'))).toHaveLength(labelled.length);
    const last = labelled[labelled.length - 1];
    expect(files).toContain(`train/c${last % 4}/img_${last}.tar`);
  }, 120_000);

  it('index entries of a sparse page are read one by one, of a dense page as one range', async () => {
    const reads = watchStoreReads();
    try {
      const sparse = await getDatasetItemsFor(db, 'big', 'train', [5, 4000, 11_999, N + 3]);
      expect(sparse.map((it) => it?.path)).toEqual([
        item(5).path,
        item(4000).path,
        item(11_999).path,
        undefined,
      ]);
      expect(reads.reads()).toBe(0);
      const dense = await getDatasetItemsFor(db, 'big', 'train', [10, 12, 13]);
      expect(dense.map((it) => it!.index)).toEqual([10, 12, 13]);
      expect(reads.largest()).toBe(4);
    } finally {
      reads.stop();
    }
  });

  it("the Data view's class thumbnails stop paging once they have enough", async () => {
    const reads = watchStoreReads();
    try {
      const dataset = { id: 'big', counts: { train: N, val: 0 } };
      expect(await classSampleIndices(db, dataset, 'train', 3, 5, 512)).toEqual([3, 7, 11, 15, 19]);
      expect(reads.reads()).toBe(1);
      // A class with no image pages through all of the index, one page per read.
      expect(await classSampleIndices(db, dataset, 'train', 9, 5, 512)).toEqual([]);
      expect(reads.largest()).toBe(512);
      expect(reads.reads()).toBe(1 + Math.ceil(N / 512));
    } finally {
      reads.stop();
    }
  });

  it('class thumbnails of an index grouped by class start where the class begins', async () => {
    const grouped = { id: 'big', counts: { train: N, val: 0 } };
    // The test index interleaves classes; the hint is only where paging starts, then it wraps around.
    const extra = {
      classCounts: { 0: { train: 100, val: 0 }, 1: { train: 5000, val: 0 }, 2: { train: 7, val: 0 } },
    };
    expect(classStartHint({ extra }, 'train', 2)).toBe(5100);
    expect(classStartHint({ extra }, 'train', 0)).toBe(0);
    expect(classStartHint({}, 'train', 2)).toBe(0);
    const reads = watchStoreReads();
    try {
      expect(await classSampleIndices(db, grouped, 'train', 2, 3, 512, 5100)).toEqual([5102, 5106, 5110]);
      expect(reads.reads()).toBe(1);
      // Near the end: the rest comes from the split's beginning.
      expect(await classSampleIndices(db, grouped, 'train', 1, 3, 512, N - 3)).toEqual([1, 5, N - 3]);
    } finally {
      reads.stop();
    }
  });
});

describe('label statistics keep a bounded top list', () => {
  it('keepTop holds the n most disagreeing images, as a full sort would', () => {
    const all = Array.from({ length: 500 }, (_, i) => ({
      imageIndex: i,
      disagreement: ((i * 7919) % 101) / 100,
      majority: 0,
      crops: 4,
    }));
    const top: typeof all = [];
    for (const d of all) keepTop(top, 24, d);
    const sorted = [...all].sort((a, b) => b.disagreement - a.disagreement || a.imageIndex - b.imageIndex);
    expect(top).toEqual(sorted.slice(0, 24));
    const none: typeof all = [];
    for (const d of all) keepTop(none, 0, d);
    expect(none).toEqual([]);
  });
});
