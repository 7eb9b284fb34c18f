import { describe, expect, it } from 'vitest';
import type { IndexedUnit } from '../core/indexWalk';
import { FsaSource } from './fsaSource';
import { indexDataset } from './indexer';
import { checkUnits, type UnitDiff } from './reopenCheck';
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

async function check(fs: FakeFs, units: IndexedUnit[], items: DatasetItem[]) {
  const read: string[] = [];
  const diffs = new Map<string, UnitDiff>();
  const summary = await checkUnits(new FsaSource(fs.handle()), {
    units,
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
  it('reads no stored item when nothing changed', async () => {
    const fs = tree();
    const { items, units } = await indexed(fs);
    expect(units.map((u) => u.path)).toEqual(['train/a', 'train/b', 'train/c', 'train/d']);
    const { summary, read, diffs } = await check(fs, units, items);
    expect(summary).toMatchObject({ unitsChecked: 4, unitsUnchanged: 4, filesListed: 201, newFolders: [] });
    expect(read).toEqual([]);
    expect(diffs.size).toBe(0);
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
