import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { indexDataset } from '../data/indexer';
import { filesSourceFromInput } from '../data/filesSource';
import { ustar } from '../data/testing/ustar';
import { openStudioDb, putDataset, putDatasetItems, type DatasetItem as StoredItem } from '../store';
import { DatasetReader, registerSessionFiles } from './datasets';

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
    const db = await openStudioDb();
    await putDataset(db, {
      id: 'files:wds',
      name: 'wds',
      source: 'files',
      layout: idx.layout,
      numClasses: idx.numClasses,
      classes: idx.classes,
      counts: idx.counts,
      skipped: idx.skipped,
      createdAt: 1,
      updatedAt: 1,
    });
    await putDatasetItems(db, 'files:wds', 'train', items);
    registerSessionFiles('files:wds', files);
    const reader = await DatasetReader.open('files:wds');
    const text = async (it: StoredItem) =>
      new TextDecoder().decode(await (await reader.blob(it)).arrayBuffer());
    expect(await text(reader.items.train[0])).toBe('first dup: kept');
    expect(await text(reader.items.train[1])).toBe('late #2: kept');
  });
});
