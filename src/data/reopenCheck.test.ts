import { describe, expect, it } from 'vitest';
import type { IndexedUnit } from '../core/indexWalk';
import { FsaSource } from './fsaSource';
import { indexDataset } from './indexer';
import { checkUnits, diskChange, type UnitDiff } from './reopenCheck';
import { FakeFs } from './testing/fakeFsa';
import { JPEG_BYTES } from './testing/run';
import type { DatasetItem } from './types';

async function indexed(fs: FakeFs) {
  const items: DatasetItem[] = [];
  const units: IndexedUnit[] = [];
  const idx = await indexDataset(new FsaSource(fs.handle()), {
    splitSeed: 0,
    valFraction: 0,
    onItems: (b) => void items.push(...b),
    onUnitDone: (u) => void units.push(u),
  });
  return { idx, items, units };
}

function tree(): FakeFs {
  const fs = new FakeFs();
  for (const c of ['a', 'b', 'c', 'd'])
    for (let i = 0; i < 50; i++) fs.add(`train/${c}/${String(i).padStart(3, '0')}.jpg`, JPEG_BYTES);
  fs.add('train/b/notes.txt', 'not an image');
  fs.add('train/skipme.txt', 'x');
  return fs;
}

async function check(fs: FakeFs, units: IndexedUnit[], items: DatasetItem[], sample?: number) {
  const read: string[] = [];
  const diffs = new Map<string, UnitDiff>();
  const summary = await checkUnits(new FsaSource(fs.handle()), {
    units,
    sample,
    seed: 3,
    readItemsAt:
      sample === undefined
        ? undefined
        : async (split, indices) =>
            indices.map((i) => items.find((it) => it.split === split && it.index === i)!),
    readItems: async (u) => {
      read.push(u.path);
      return items.filter((it) =>
        u.ranges.some((r) => r.split === it.split && it.index >= r.start && it.index < r.end),
      );
    },
    onChanged: (u, d) => void diffs.set(u.path, d),
  });
  return { summary, read, diffs };
}

describe('re-open check', () => {
  it('reads no stored item and asks no file for its size when nothing changed', async () => {
    const fs = tree();
    const { items, units } = await indexed(fs);
    expect(units.map((u) => u.path)).toEqual(['train/a', 'train/b', 'train/c', 'train/d']);
    fs.stats.getFileCalls = 0;
    const { summary, read, diffs } = await check(fs, units, items);
    expect(summary).toMatchObject({
      unitsChecked: 4,
      unitsUnchanged: 4,
      unitsByName: 4,
      filesListed: 201,
      newFolders: [],
    });
    expect(fs.stats.getFileCalls).toBe(0);
    expect(read).toEqual([]);
    expect(diffs.size).toBe(0);
  });

  it('asks only the sampled files for their size and date', async () => {
    const fs = tree();
    const { items, units } = await indexed(fs);
    fs.stats.getFileCalls = 0;
    const { summary, diffs } = await check(fs, units, items, 16);
    expect(summary).toMatchObject({ unitsUnchanged: 4, sampled: 16, sampleMismatches: 0 });
    expect(fs.stats.getFileCalls).toBe(16);
    expect(diffs.size).toBe(0);
  });

  it('a file rewritten under its name: missed by the names, found by a sample that draws it', async () => {
    const fs = tree();
    const { items, units } = await indexed(fs);
    fs.add('train/c/010.jpg', { size: 999, modified: 5 });
    expect((await check(fs, units, items)).summary.unitsUnchanged).toBe(4);
    const { summary, read, diffs } = await check(fs, units, items, items.length);
    expect(summary).toMatchObject({ unitsUnchanged: 3, sampled: 200, sampleMismatches: 1 });
    expect(read).toEqual(['train/c']);
    expect(diffs.get('train/c')!.changed.map((x) => x.item.path)).toEqual(['train/c/010.jpg']);
  });

  it('compares in full a folder a job found a changed file in, though its names match', async () => {
    const fs = tree();
    const { items, units } = await indexed(fs);
    fs.add('train/b/020.jpg', { size: 5, modified: 9 });
    const read: string[] = [];
    const diffs = new Map<string, UnitDiff>();
    const summary = await checkUnits(new FsaSource(fs.handle()), {
      units,
      suspects: new Set(['train/b']),
      readItems: async (u) => (read.push(u.path), items.filter((it) => it.path.startsWith(`${u.path}/`))),
      onChanged: (u, d) => void diffs.set(u.path, d),
    });
    expect(read).toEqual(['train/b']);
    expect(summary.unitsUnchanged).toBe(3);
    expect(diffs.get('train/b')!.changed.map((x) => x.item.path)).toEqual(['train/b/020.jpg']);
  });

  it('lists a unit indexed before names digests in full once, and stores its names', async () => {
    const fs = tree();
    const { items, units } = await indexed(fs);
    const legacy = units.map(({ names: _n, ...u }) => u as IndexedUnit);
    fs.stats.getFileCalls = 0;
    const { summary } = await check(fs, legacy, items);
    expect(summary).toMatchObject({ unitsUnchanged: 4, unitsByName: 0 });
    expect(fs.stats.getFileCalls).toBe(201);
    expect(legacy.map((u) => u.names)).toEqual(units.map((u) => u.names));
  });

  it('tells a file read for a job that is not the one indexed', () => {
    const it0 = { split: 'train', index: 0, path: 'a/x.jpg', classIndex: 0, bytes: 3, modified: 10 } as const;
    const file = (size: number, lastModified: number) =>
      new File([new Uint8Array(size)], 'x', { lastModified });
    expect(diskChange(it0, file(3, 10))).toBeNull();
    expect(diskChange(it0, file(4, 10))).toContain('changed on disk since indexing (3 → 4 bytes)');
    expect(diskChange(it0, file(3, 11))).toContain('its date differs');
    expect(diskChange({ ...it0, modified: undefined }, file(4, 11))).toBeNull();
    expect(diskChange({ ...it0, shard: 's.tar' }, new Blob([new Uint8Array(9)]))).toBeNull();
  });

  it('reports exactly the files added, removed and changed, per class folder', async () => {
    const fs = tree();
    const { items, units } = await indexed(fs);
    fs.add('train/a/new1.jpg', JPEG_BYTES);
    fs.add('train/a/sub/new2.png', JPEG_BYTES);
    fs.remove('train/b/007.jpg');
    fs.remove('train/b/049.jpg');
    fs.add('train/c/010.jpg', { size: 999, modified: 5 }); // rewritten in place
    fs.add('train/c/011.jpg', { size: JPEG_BYTES.length, modified: 6 }); // touched: same size
    fs.add('train/c/readme.md', 'x'); // a non-image changes the digest but no item
    fs.remove('train/d');
    fs.add('train/e/0.jpg', JPEG_BYTES);
    const { summary, read, diffs } = await check(fs, units, items);
    expect(read).toEqual(['train/a', 'train/b', 'train/c', 'train/d']);
    expect(summary).toMatchObject({ unitsChecked: 4, unitsUnchanged: 0, newFolders: ['train/e'] });
    expect(diffs.get('train/a')!.added.map((f) => f.path)).toEqual([
      'train/a/new1.jpg',
      'train/a/sub/new2.png',
    ]);
    expect(diffs.get('train/a')!.removed).toEqual([]);
    expect(diffs.get('train/b')!.removed.map((i) => i.path)).toEqual(['train/b/007.jpg', 'train/b/049.jpg']);
    expect(diffs.get('train/b')!.added).toEqual([]);
    const c = diffs.get('train/c')!;
    expect(c.changed.map((x) => [x.item.path, x.now.bytes, x.now.modified])).toEqual([
      ['train/c/010.jpg', 999, 5],
      ['train/c/011.jpg', JPEG_BYTES.length, 6],
    ]);
    expect(c.added).toEqual([]);
    expect(c.removed).toEqual([]);
    expect(diffs.get('train/d')!.removed).toHaveLength(50);
  });

  it('does not report an item already flagged gone again, and reports it changed when it comes back', async () => {
    const fs = tree();
    const { items, units } = await indexed(fs);
    const gone = items.map((it) =>
      it.path === 'train/a/000.jpg' || it.path === 'train/a/001.jpg' ? { ...it, gone: true } : it,
    );
    fs.remove('train/a/000.jpg');
    fs.add('train/a/extra.jpg', JPEG_BYTES); // force a listing difference
    const { diffs } = await check(fs, units, gone);
    const a = diffs.get('train/a')!;
    expect(a.removed).toEqual([]);
    expect(a.changed.map((x) => x.item.path)).toEqual(['train/a/001.jpg']);
    expect(a.added.map((f) => f.path)).toEqual(['train/a/extra.jpg']);
  });
});
