import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleFileName, decodeLabelBundle } from '../core/labelBundle';
import { decodeLabelRecord, encodeLabelRecord } from '../core/labelRecord';
import {
  closeStudioDb,
  getLabelRecords,
  getLabelSet,
  listLabelSets,
  openStudioDb,
  putDataset,
  putDatasetItems,
  putLabelRecords,
  putLabelSet,
  type Dataset,
  type StudioDb,
} from '../store';
import { freshDbName, makeLabelSet } from '../store/test-fixtures';
import { importLabelSetBundle } from './labelBundleImport';
import { exportLabelSetBundle } from './labelBundleJob';

let name: string;
let db: StudioDb;

function dataset(id: string, n: number, numClasses = 2): Dataset {
  return {
    id,
    name: `dataset ${id}`,
    source: 'folder',
    layout: 'imagefolder',
    numClasses,
    classes: Array.from({ length: numClasses }, (_, i) => ({ index: i, name: `c${i}` })),
    counts: { train: n, val: 0 },
    skipped: [],
    createdAt: 1,
    updatedAt: 1,
  };
}

function record(i: number): Uint8Array {
  return encodeLabelRecord({
    version: 1,
    spec: { codec: 'msTopK', k: 2, precision: 'q8', numClasses: 2 },
    imageWidth: 8 + (i % 3),
    imageHeight: 8,
    numCrops: 2,
    boxes: Int32Array.of(0, 0, 4, 4, 1, 1, 5, 5),
    flips: Uint8Array.of(i % 2, 1),
    indices: Uint16Array.of(i % 2, 1 - (i % 2), 0, 1),
    probs: Float32Array.of(700 / 1023, 323 / 1023, 600 / 1023, 423 / 1023),
  });
}

const items = (n: number, prefix = '') =>
  Array.from({ length: n }, (_, i) => ({
    index: i,
    path: `${prefix}train/c${i % 2}/${i}.png`,
    classIndex: i % 2,
    bytes: 10,
  }));

beforeEach(async () => {
  name = freshDbName();
  db = await openStudioDb(name);
  await putDataset(db, dataset('d1', 40));
  await putDatasetItems(db, 'd1', 'train', items(40));
  const set = makeLabelSet('ls1', 'd1');
  await putLabelSet(db, {
    ...set,
    numClasses: 2,
    imagesTotal: 40,
    settings: { ...set.settings, codec: 'msTopK', k: 2, precision: 'q8' },
  });
  // Image 5 was skipped by the generator: no record.
  const recs = Array.from({ length: 40 }, (_, i) => ({ imageIndex: i, record: record(i) })).filter(
    (r) => r.imageIndex !== 5,
  );
  await putLabelRecords(db, 'ls1', recs, { status: 'done' });
});

afterEach(async () => {
  await closeStudioDb(name);
});

describe('label set export/import', () => {
  it('exports a bundle that imports back with byte-identical records', async () => {
    const blob = await exportLabelSetBundle('ls1', db);
    const bundle = decodeLabelBundle(new Uint8Array(await blob.arrayBuffer()));
    expect(bundle.records).toHaveLength(39);
    expect(bundle.header.images[5]).toEqual({ index: 6, path: 'train/c0/6.png', classIndex: 0 });
    expect(bundle.header.labelSet.settings).not.toHaveProperty('reuseBoxesFrom');

    const r = await importLabelSetBundle(blob, 'd1', db);
    expect(r).toMatchObject({ imported: 39, unmatched: 0 });
    const [src, dst] = [await getLabelSet(db, 'ls1'), await getLabelSet(db, r.labelSetId)];
    expect(dst).toMatchObject({
      imagesDone: 39,
      imagesTotal: 40,
      bytes: src!.bytes,
      status: 'done',
      datasetId: 'd1',
    });
    expect(dst!.name).toBe(`${src!.name} (imported)`);
    const [a, b] = [await getLabelRecords(db, 'ls1', 0, 40), await getLabelRecords(db, r.labelSetId, 0, 40)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [i, bytes] of a) expect(b.get(i)).toEqual(bytes);
  });

  it('matches another copy of the dataset by path, whatever its order', async () => {
    await putDataset(db, dataset('d2', 45));
    // Same files in reverse order, plus five new ones; image 7's file is missing in the copy.
    const copy = items(45)
      .reverse()
      .map((it, index) => ({ ...it, index }))
      .filter((it) => it.path !== 'train/c1/7.png');
    await putDatasetItems(db, 'd2', 'train', copy);
    const r = await importLabelSetBundle(await exportLabelSetBundle('ls1', db), 'd2', db);
    expect(r).toMatchObject({ imported: 38, unmatched: 1 });
    expect(r.warnings.join()).toMatch(/1 labelled images were not found/);
    const byPath = new Map(copy.map((it) => [it.path, it.index]));
    const got = await getLabelRecords(db, r.labelSetId, 0, 45);
    expect(got.size).toBe(38);
    expect(got.get(byPath.get('train/c0/10.png')!)).toEqual(record(10));
  });

  it('carries label-time mixes and points their partners at the copy’s indices (or drops the orphans)', async () => {
    const mixed = (i: number, partner: number) =>
      encodeLabelRecord({
        ...decodeLabelRecord(record(i)),
        mix: {
          size: 16,
          crops: [
            {
              kind: 'cutmix',
              partnerImage: partner,
              partnerCrop: 1,
              lambda: 0.75,
              box: { y1: 0, x1: 0, y2: 8, x2: 8 },
            },
            { kind: 'none', partnerImage: 0, partnerCrop: 0, lambda: 1, box: { y1: 0, x1: 0, y2: 0, x2: 0 } },
          ],
        },
      });
    const set = (await getLabelSet(db, 'ls1'))!;
    await putLabelSet(db, { ...set, settings: { ...set.settings, labelMix: 'cutmix' } });
    // Image 10 mixes with 12, image 11 with 7 (missing from the copy below).
    await putLabelRecords(db, 'ls1', [
      { imageIndex: 10, record: mixed(10, 12) },
      { imageIndex: 11, record: mixed(11, 7) },
    ]);
    await putDataset(db, dataset('d2', 40));
    const copy = items(40)
      .reverse()
      .map((it, index) => ({ ...it, index }))
      .filter((it) => it.path !== 'train/c1/7.png');
    await putDatasetItems(db, 'd2', 'train', copy);
    const r = await importLabelSetBundle(await exportLabelSetBundle('ls1', db), 'd2', db);
    expect(r.warnings.join()).toMatch(/1 labelled images were left out: their label-time mix partner/);
    expect((await getLabelSet(db, r.labelSetId))!.settings.labelMix).toBe('cutmix');
    const byPath = new Map(copy.map((it) => [it.path, it.index]));
    const got = await getLabelRecords(db, r.labelSetId, 0, 40);
    expect(got.has(byPath.get('train/c1/11.png')!)).toBe(false);
    const back = decodeLabelRecord(got.get(byPath.get('train/c0/10.png')!)!);
    expect(back.mix!.crops[0]).toMatchObject({ kind: 'cutmix', partnerImage: byPath.get('train/c0/12.png') });
    expect(back.mix!.crops[1].kind).toBe('none');
  });

  it('names WebDataset samples by shard and key, and still reads bundles that name them by key alone', async () => {
    // Two shards with per-shard numbering: s0..s9 in each.
    const shardItems = (shards: string[], keys: (s: number) => number[]) =>
      shards
        .flatMap((shard, s) => keys(s).map((k) => ({ shard, k })))
        .map(({ shard, k }, index) => ({
          index,
          path: `s${k}.png`,
          classIndex: k % 2,
          bytes: 10,
          shard,
          offset: k,
        }));
    const labelled = async (
      datasetId: string,
      setId: string,
      its: { index: number; path: string; classIndex: number; bytes: number }[],
    ) => {
      await putDataset(db, { ...dataset(datasetId, its.length), layout: 'webdataset' });
      await putDatasetItems(db, datasetId, 'train', its);
      const set = makeLabelSet(setId, datasetId);
      await putLabelSet(db, {
        ...set,
        numClasses: 2,
        imagesTotal: its.length,
        settings: { ...set.settings, codec: 'msTopK', k: 2, precision: 'q8' },
      });
      const recs = its.map((it) => ({ imageIndex: it.index, record: record(it.index) }));
      await putLabelRecords(db, setId, recs, { status: 'done' });
    };
    const ten = () => Array.from({ length: 10 }, (_, k) => k);
    const w1 = shardItems(['a.tar', 'b.tar'], ten);
    await labelled('w1', 'lw1', w1);
    const blob = await exportLabelSetBundle('lw1', db);
    const paths = decodeLabelBundle(new Uint8Array(await blob.arrayBuffer())).header.images.map(
      (im) => im.path,
    );
    expect(new Set(paths).size).toBe(20);
    expect(paths.slice(9, 11)).toEqual(['a.tar:s9.png', 'b.tar:s0.png']);

    // Another copy with the shards the other way round: every record lands on its own (shard, key).
    const w2 = shardItems(['b.tar', 'a.tar'], ten);
    await putDataset(db, { ...dataset('w2', 20), layout: 'webdataset' });
    await putDatasetItems(db, 'w2', 'train', w2);
    const r = await importLabelSetBundle(blob, 'w2', db);
    expect(r).toMatchObject({ imported: 20, unmatched: 0 });
    const got = await getLabelRecords(db, r.labelSetId, 0, 20);
    const at = (its: typeof w1, shard: string, k: number) =>
      its.find((it) => it.shard === shard && it.path === `s${k}.png`)!.index;
    for (const k of [0, 3, 9]) {
      expect(got.get(at(w2, 'a.tar', k))).toEqual(record(at(w1, 'a.tar', k)));
      expect(got.get(at(w2, 'b.tar', k))).toEqual(record(at(w1, 'b.tar', k)));
    }

    // A bundle naming samples by key alone (no shard): matched where the key is unique here.
    const bare = shardItems(['a.tar'], () => [0, 1, 2, 3, 4, 5, 6, 7]).map(
      ({ shard: _s, offset: _o, ...it }) => it,
    );
    await labelled('f1', 'lf1', bare);
    const w3 = shardItems(['a.tar', 'b.tar'], (s) => (s === 0 ? [0, 2, 4] : [4, 6]));
    await putDataset(db, { ...dataset('w3', w3.length), layout: 'webdataset' });
    await putDatasetItems(db, 'w3', 'train', w3);
    const old = await importLabelSetBundle(await exportLabelSetBundle('lf1', db), 'w3', db);
    // s0, s2 (a.tar) and s6 (b.tar) match; s4 is in both shards, so it is not guessed.
    expect(old).toMatchObject({ imported: 3, unmatched: 5 });
    const oldGot = await getLabelRecords(db, old.labelSetId, 0, w3.length);
    expect([...oldGot.keys()].sort()).toEqual(
      [at(w3, 'a.tar', 0), at(w3, 'a.tar', 2), at(w3, 'b.tar', 6)].sort(),
    );
  });

  it('refuses a dataset with another class count, and an unrelated dataset', async () => {
    const blob = await exportLabelSetBundle('ls1', db);
    await putDataset(db, dataset('d3', 4, 3));
    await expect(importLabelSetBundle(blob, 'd3', db)).rejects.toThrow(
      /has 2 classes but dataset "dataset d3" has 3/,
    );
    await putDataset(db, dataset('d4', 4));
    await putDatasetItems(db, 'd4', 'train', items(4, 'other/'));
    await expect(importLabelSetBundle(blob, 'd4', db)).rejects.toThrow(/none of the 39 labelled images/);
    expect((await listLabelSets(db)).map((s) => s.id)).toEqual(['ls1']);
  });

  it('refuses a corrupted file without creating a set', async () => {
    const bytes = new Uint8Array(await (await exportLabelSetBundle('ls1', db)).arrayBuffer());
    bytes[bytes.length - 100] ^= 0x10;
    await expect(importLabelSetBundle(new Blob([bytes]), 'd1', db)).rejects.toThrow(/checksum mismatch/);
    expect(await listLabelSets(db)).toHaveLength(1);
  });

  it('reads the file as a stream in small chunks, never whole', async () => {
    const bytes = new Uint8Array(await (await exportLabelSetBundle('ls1', db)).arrayBuffer());
    const reads: number[] = [];
    const r = await importLabelSetBundle(
      streamOnly(bytes.length, () => bytes, 100, reads),
      'd1',
      db,
    );
    expect(r).toMatchObject({ imported: 39, unmatched: 0 });
    expect(Math.max(...reads)).toBe(100);
    expect(reads.reduce((a, b) => a + b, 0)).toBe(2 * bytes.length); // two passes
  });

  it('refuses a truncated file without creating a set', async () => {
    const bytes = new Uint8Array(await (await exportLabelSetBundle('ls1', db)).arrayBuffer());
    for (const n of [10, 500, bytes.length - 5]) {
      await expect(importLabelSetBundle(new Blob([bytes.slice(0, n)]), 'd1', db)).rejects.toThrow(
        /label bundle truncated/,
      );
    }
    expect(await listLabelSets(db)).toHaveLength(1);
  });

  it('rolls back what it wrote when the file changes under the second pass', async () => {
    const bytes = new Uint8Array(await (await exportLabelSetBundle('ls1', db)).arrayBuffer());
    const changed = bytes.slice();
    changed[changed.length - 100] ^= 0x10;
    let pass = 0;
    let during: Promise<unknown[]> | undefined;
    const file = streamOnly(
      bytes.length,
      () => {
        if (++pass === 1) return bytes;
        during = listLabelSets(db); // the new set exists while the second pass writes
        return changed;
      },
      64,
      [],
    );
    await expect(importLabelSetBundle(file, 'd1', db)).rejects.toThrow(/checksum mismatch/);
    expect(pass).toBe(2);
    expect((await listLabelSets(db)).map((s) => s.id)).toEqual(['ls1']);
    expect(await during).toHaveLength(2);
  });

  it('names the file after the set', () => {
    expect(bundleFileName({ name: 'Fashion · teacher · 6 crops · msTopK5' })).toBe(
      'Fashion_teacher_6_crops_msTopK5.fkdlabels',
    );
  });
});

/** A Blob that can only be streamed, in chunks of `chunk` bytes (each noted in `reads`). */
function streamOnly(size: number, bytes: () => Uint8Array, chunk: number, reads: number[]): Blob {
  return {
    size,
    stream() {
      const b = bytes();
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (at >= b.length) return c.close();
          const piece = b.slice(at, at + chunk);
          at += piece.length;
          reads.push(piece.length);
          c.enqueue(piece);
        },
      });
    },
  } as unknown as Blob;
}
