import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { indexDataset } from '../data/indexer';
import { filesSourceFromInput } from '../data/filesSource';
import { ustar } from '../data/testing/ustar';
import {
  openStudioDb,
  putDataset,
  putDatasetItems,
  type Dataset,
  type DatasetItem as StoredItem,
} from '../store';
import { DatasetReader, openSource, registerSessionFiles, sourceSpecOf } from './datasets';

/** Stores an index made from picked files, as the Data view's file-input flow does, and registers the files. */
async function storeFilesDataset(
  id: string,
  idx: Awaited<ReturnType<typeof indexDataset>>,
  items: StoredItem[],
  files: File[],
): Promise<void> {
  const db = await openStudioDb();
  await putDataset(db, {
    id,
    name: id.slice('files:'.length),
    source: 'files',
    layout: idx.layout,
    numClasses: idx.numClasses,
    classes: idx.classes,
    counts: idx.counts,
    skipped: idx.skipped,
    createdAt: 1,
    updatedAt: 1,
  });
  await putDatasetItems(db, id, 'train', items);
  registerSessionFiles(id, files);
}

/**
 * A tar member's image as DatasetReader.read hands it over: bytes in a buffer of their own (the decode
 * pool may transfer it), not a Blob.
 */
async function memberBytes(reader: DatasetReader, it: StoredItem): Promise<Uint8Array> {
  const got = await reader.read(it);
  expect(got).toBeInstanceOf(Uint8Array);
  const bytes = got as Uint8Array;
  expect([bytes.byteOffset, bytes.buffer.byteLength]).toEqual([0, bytes.byteLength]);
  return bytes;
}

describe('DatasetReader over WebDataset shards', () => {
  it('serves the sample the index kept when a key repeats in a shard', async () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    const tar = ustar([
      ['dup.cls', '1'],
      ['dup.jpg', bytes('first dup: kept')],
      ['late.jpg', bytes('late #1: no class, skipped')],
      ['dup.cls', '1'],
      ['dup.jpg', bytes('second dup: duplicate')],
      ['late.cls', '0'],
      ['late.jpg', bytes('late #2: kept')],
    ]);
    const file = new File([tar as Uint8Array<ArrayBuffer>], 'shards-train-000000.tar');
    // As <input webkitdirectory> gives it (Node's File has no webkitRelativePath).
    Object.defineProperty(file, 'webkitRelativePath', { value: `picked/${file.name}` });
    const files = [file];
    const items: StoredItem[] = [];
    const idx = await indexDataset(filesSourceFromInput(files), {
      splitSeed: 0,
      valFraction: 0,
      onItems: (b) => void items.push(...(b as StoredItem[])),
    });
    expect(items.map((i) => [i.path, i.offset])).toEqual([
      ['dup.jpg', 0],
      ['late.jpg', 3],
    ]);
    await storeFilesDataset('files:wds', idx, items, files);
    const reader = await DatasetReader.open('files:wds');
    const text = async (it: StoredItem) => new TextDecoder().decode(await memberBytes(reader, it));
    expect(await text(reader.items.train[0])).toBe('first dup: kept');
    expect(await text(reader.items.train[1])).toBe('late #2: kept');
  });
});

describe('random reads over many shards', () => {
  it('read each image at random as one slice of its shard, stream each shard once in index order; older indexes still work', async () => {
    let streams = 0;
    let slices = 0;
    class CountingFile extends File {
      override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
        streams++;
        return super.stream();
      }
      override slice(start?: number, end?: number, type?: string): Blob {
        slices++;
        return super.slice(start, end, type);
      }
    }
    const files = Array.from({ length: 6 }, (_, s) => {
      const members: [string, string][] = [];
      // Per-shard numbering (every shard starts at sample0) and images of different sizes.
      for (let k = 0; k < 5; k++)
        members.push([`sample${k}.cls`, String(k % 3)], [`sample${k}.jpg`, `s${s}k${k}`.repeat(k + 1)]);
      const file = new CountingFile([ustar(members) as Uint8Array<ArrayBuffer>], `train-${s}.tar`);
      Object.defineProperty(file, 'webkitRelativePath', { value: `picked/train-${s}.tar` });
      return file;
    });
    const items: StoredItem[] = [];
    const idx = await indexDataset(filesSourceFromInput(files), {
      splitSeed: 0,
      valFraction: 0,
      onItems: (b) => void items.push(...(b as StoredItem[])),
    });
    expect(items).toHaveLength(30);
    expect(items.every((i) => i.headerAt !== undefined && i.dataAt === i.headerAt + 512)).toBe(true);
    await storeFilesDataset('files:many', idx, items, files);
    const reader = await DatasetReader.open('files:many');
    streams = 0;
    slices = 0;
    const text = async (it: StoredItem) => new TextDecoder().decode(await memberBytes(reader, it));
    // A seeded shuffle: every read lands in another shard than the one before.
    const order = [...reader.items.train.keys()].sort((a, b) => ((a * 7919) % 31) - ((b * 7919) % 31));
    for (const i of order) {
      const it = reader.items.train[i];
      const [s, k] = [Number(/train-(\d+)/.exec(it.shard!)![1]), Number(/sample(\d+)/.exec(it.path)![1])];
      expect(await text(it)).toBe(`s${s}k${k}`.repeat(k + 1));
    }
    expect(streams).toBe(0);
    expect(slices).toBe(30);
    // In index order (how generation walks a set) each shard is streamed once, its first image a slice.
    streams = 0;
    slices = 0;
    for (const it of reader.items.train) expect(await text(it)).toMatch(/^s\d+k\d+/);
    expect(streams).toBe(6);
    expect(slices).toBe(6);
    // An index made before members' places were recorded reads through the shard cache.
    const legacy = { ...reader.items.train[7], headerAt: undefined, dataAt: undefined };
    streams = 0;
    expect(await text(legacy)).toMatch(/^s1k2/);
    expect(streams).toBe(1);
    // The cache keeps its own bytes: what a read hands out is a copy (its buffer may be moved).
    ((await reader.read(legacy)) as Uint8Array).fill(0);
    expect(await text(legacy)).toMatch(/^s1k2/);
  });
});

describe('one way to open a source', () => {
  const stored = (over: Partial<Dataset>): Dataset => ({
    id: 'x',
    name: 'pets',
    source: 'folder',
    layout: 'imagefolder',
    numClasses: 1,
    classes: [],
    counts: { train: 0, val: 0 },
    skipped: [],
    createdAt: 1,
    updatedAt: 1,
    ...over,
  });

  it('a stored dataset names the spec it was indexed from', () => {
    expect(sourceSpecOf(stored({ id: 'embedded:fashion', source: 'embedded' }))).toEqual({
      kind: 'embedded',
      manifestId: 'fashion',
    });
    expect(sourceSpecOf(stored({ handleId: 'h1' }))).toEqual({ kind: 'handle', handleId: 'h1' });
    expect(() => sourceSpecOf(stored({}))).toThrow(/no stored folder handle/);
    // A file list lives only as long as the worker that was given it.
    expect(() => sourceSpecOf(stored({ id: 'files:gone', source: 'files' }))).toThrow(
      /select the folder again/,
    );
    const files = [new File(['a'], 'a.png')];
    registerSessionFiles('files:kept', files);
    expect(sourceSpecOf(stored({ id: 'files:kept', source: 'files' }))).toEqual({
      kind: 'files',
      files,
      name: 'pets',
    });
  });

  it('a handle that is gone from storage is a clear error', async () => {
    await expect(openSource({ kind: 'handle', handleId: 'never-stored' })).rejects.toThrow(
      /folder handle is gone from storage/,
    );
  });
});
