import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLabelRecord } from '../core/labelRecord';
import { readFkdLabelFile, writeFkdLabelFile } from '../core/torchfile/fkdFile';
import type { DataSource, SourceEntry } from '../data/source';
import {
  closeStudioDb,
  getLabelRecords,
  getLabelSet,
  openStudioDb,
  putDataset,
  putDatasetItems,
  putLabelRecords,
  putLabelSet,
  type Dataset,
  type StudioDb,
} from '../store';
import { freshDbName, makeLabelSet, watchStoreReads } from '../store/test-fixtures';
import { runFkdImport } from './fkdImportJob';
import { FOLDER_PAGE } from './folderRuns';
import { IMPORT_PAGE, importLabelSetBundle } from './labelBundleImport';
import { exportLabelSetBundle } from './labelBundleJob';

/** Many pages of index: an import that loaded it whole would show one read of N rows. */
const N = 12_000;
const PER_CLASS = 2_999;
const C = 10;
/** Class by class as the indexer writes them; the last four were appended by a re-open, one per class. */
const classOf = (i: number) => (i < 4 * PER_CLASS ? Math.floor(i / PER_CLASS) : i - 4 * PER_CLASS);
const pathOf = (i: number) => `train/c${classOf(i)}/img_${i}.JPEG`;
const GONE = [3_001, 5_000, 11_998];

let name: string;
let db: StudioDb;

function dataset(id: string, gone: number[]): Dataset {
  return {
    id,
    name: id,
    source: 'folder',
    layout: 'imagefolder',
    numClasses: C,
    classes: Array.from({ length: C }, (_, i) => ({ index: i, name: `c${i}`, folder: `c${i}` })),
    counts: { train: N, val: 0 },
    gone: { train: gone, val: [] },
    skipped: [],
    createdAt: 1,
    updatedAt: 1,
  };
}

/** Writes a dataset of N images; `order` maps an index to the image (by its original index) it holds. */
async function putBig(id: string, gone: number[], order: (i: number) => number) {
  await putDataset(db, dataset(id, gone));
  const items = Array.from({ length: N }, (_, index) => {
    const image = order(index);
    return {
      index,
      path: pathOf(image),
      classIndex: classOf(image),
      bytes: 10,
      ...(gone.includes(index) ? { gone: true } : {}),
    };
  });
  await putDatasetItems(db, id, 'train', items);
}

const record = (i: number) =>
  encodeLabelRecord({
    version: 1,
    spec: { codec: 'msTopK', k: 2, precision: 'q8', numClasses: C },
    imageWidth: 8,
    imageHeight: 8,
    numCrops: 1,
    boxes: Int32Array.of(0, 0, 4, 4),
    flips: Uint8Array.of(i % 2),
    indices: Uint16Array.of(i % C, (i + 1) % C),
    probs: Float32Array.of(700 / 1023, 300 / 1023),
  });

beforeAll(async () => {
  name = freshDbName();
  db = await openStudioDb(name);
  await putBig('big', [], (i) => i);
}, 120_000);

afterAll(() => closeStudioDb(name));

describe('imports never load the target index whole', () => {
  it('a label bundle matches by path in pages, counts records of gone images and writes the rest', async () => {
    const labelled = Array.from({ length: N }, (_, i) => i).filter((i) => i % 4 === 1);
    const set = makeLabelSet('big-labels', 'big');
    await putLabelSet(db, {
      ...set,
      numClasses: C,
      settings: { ...set.settings, numCrops: 1, codec: 'msTopK', k: 2, precision: 'q8' },
    });
    await putLabelRecords(
      db,
      'big-labels',
      labelled.map((i) => ({ imageIndex: i, record: record(i) })),
      { status: 'done' },
    );
    const bundle = await exportLabelSetBundle('big-labels', db);
    // The copy holds the same images in reverse order; three of its images are gone from its folder.
    const goneInCopy = [N - 1 - 1, N - 1 - 5, N - 1 - 4_000];
    await putBig('copy', goneInCopy, (i) => N - 1 - i);

    const reads = watchStoreReads();
    let r;
    try {
      r = await importLabelSetBundle(bundle, 'copy', db);
    } finally {
      reads.stop();
    }
    expect(reads.largest()).toBeLessThanOrEqual(IMPORT_PAGE);
    // Images 1 and 5 are labelled (i % 4 === 1), 4,000 is not.
    expect(r).toMatchObject({ imported: labelled.length - 2, gone: 2, unmatched: 0 });
    expect(r.warnings.join('; ')).toContain('2 labelled images are gone from the folder of "copy": left out');
    const out = (await getLabelSet(db, r.labelSetId))!;
    expect(out).toMatchObject({ status: 'done', imagesDone: labelled.length - 2, imagesTotal: N - 3 });
    const recs = await getLabelRecords(db, r.labelSetId, N - 1 - 9, N - 1 - 8);
    expect(recs.get(N - 1 - 9)).toEqual(record(9));
    expect((await getLabelRecords(db, r.labelSetId, N - 2, N - 1)).size).toBe(0);
  }, 120_000);

  it('an FKD tree is matched one class folder at a time; files of gone images are counted, not written', async () => {
    await putBig('fkd', GONE, (i) => i);
    const f = readFkdLabelFile(
      new Uint8Array(
        readFileSync(
          join(__dirname, '..', 'core', 'torchfile', '__fixtures__', 'good', 'marginal_smoothing_k5_f32.tar'),
        ),
      ),
      'x',
      { numClasses: C },
    );
    const file = writeFkdLabelFile(f, 'x');
    // Class 1: ten images, the one a re-open appended, a gone one, and a file without an image.
    const stems = [...Array.from({ length: 10 }, (_, k) => PER_CLASS + 3 + k), 4 * PER_CLASS + 1, 3_001].map(
      (i) => `img_${i}`,
    );
    const files = new Map([...stems, 'img_none'].map((s) => [`train/c1/${s}.tar`, file]));
    const reads = watchStoreReads();
    let r;
    try {
      r = await runFkdImport(
        { datasetId: 'fkd', root: null as never },
        { db, source: memTree(files), imageSize: () => Promise.resolve({ width: 13, height: 7 }) },
        new AbortController().signal,
      );
    } finally {
      reads.stop();
    }
    expect(reads.largest()).toBeLessThanOrEqual(FOLDER_PAGE);
    expect(r).toMatchObject({
      imported: 11,
      filesForGoneImages: 1,
      filesWithoutImage: 1,
      filesWithoutImageSample: ['train/c1/img_none.tar'],
      imagesWithoutFile: N - GONE.length - 11,
      badCount: 0,
    });
    // The first images without a file skip the gone and the matched ones.
    expect(r.imagesWithoutFileSample.slice(0, 3)).toEqual([pathOf(0), pathOf(1), pathOf(2)]);
    const set = (await getLabelSet(db, r.labelSetId))!;
    expect(set).toMatchObject({ imagesDone: 11, imagesTotal: N - GONE.length });
    expect(set.provenance?.filesForGoneImages).toBe(1);
    const recs = await getLabelRecords(db, r.labelSetId, 0, N);
    expect([...recs.keys()].sort((a, b) => a - b)).toEqual([
      ...Array.from({ length: 10 }, (_, k) => PER_CLASS + 3 + k),
      4 * PER_CLASS + 1,
    ]);
  }, 120_000);
});

/** An in-memory label tree of `files` (path → bytes). */
function memTree(files: Map<string, Uint8Array>): DataSource {
  return {
    kind: 'fsa',
    name: 'tree',
    async *list(dir): AsyncIterable<SourceEntry> {
      const prefix = dir.length ? `${dir.join('/')}/` : '';
      const seen = new Set<string>();
      for (const p of files.keys()) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length).split('/');
        if (seen.has(rest[0])) continue;
        seen.add(rest[0]);
        yield rest.length > 1
          ? { name: rest[0], kind: 'directory' }
          : { name: rest[0], kind: 'file', size: 1 };
      }
    },
    open(path) {
      const f = files.get(path.join('/'));
      return f
        ? Promise.resolve(new Blob([f as Uint8Array<ArrayBuffer>]))
        : Promise.reject(new Error('gone'));
    },
  };
}
