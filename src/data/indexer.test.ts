import { describe, expect, it } from 'vitest';
import { FsaSource } from './fsaSource';
import { DatasetLayoutError } from './indexer';
import { FakeFs } from './testing/fakeFsa';
import { JPEG_BYTES as J, imagenetClasses, runIndex } from './testing/run';

const reasonOf = (skipped: { path: string; reason: string }[], path: string): string | undefined =>
  skipped.find((s) => s.path === path)?.reason;

describe('ImageFolder train/ val/', () => {
  it('counts items per split, maps sorted folders to indices, and numbers items densely', async () => {
    const fs = new FakeFs({
      'train/dog/b.jpg': J,
      'train/dog/a.JPEG': J,
      'train/cat/1.png': J,
      'train/cat/2.png': J,
      'train/cat/3.png': J,
      'val/cat/v1.jpg': J,
      'val/dog/v2.jpg': J,
    });
    const { idx, items } = await runIndex(new FsaSource(fs.handle()));
    expect(idx.layout).toBe('imagefolder');
    expect(idx.counts).toEqual({ train: 5, val: 2 });
    expect(idx.numClasses).toBe(2);
    expect(idx.classes.map((c) => [c.index, c.folder])).toEqual([
      [0, 'cat'],
      [1, 'dog'],
    ]);
    const train = items.filter((i) => i.split === 'train');
    expect(train.map((i) => [i.index, i.path, i.classIndex])).toEqual([
      [0, 'train/cat/1.png', 0],
      [1, 'train/cat/2.png', 0],
      [2, 'train/cat/3.png', 0],
      [3, 'train/dog/a.JPEG', 1],
      [4, 'train/dog/b.jpg', 1],
    ]);
    expect(train[0].bytes).toBe(J.length);
    expect(idx.skipped).toEqual([]);
  });

  it('emits batches of one split and at most batchSize items', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 25; i++) files[`train/c/${i}.jpg`] = J;
    for (let i = 0; i < 7; i++) files[`val/c/${i}.jpg`] = J;
    const { batches } = await runIndex(new FsaSource(new FakeFs(files).handle()), { batchSize: 10 });
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5, 7]);
    for (const b of batches) expect(new Set(b.map((i) => i.split)).size).toBe(1);
  });

  it('maps wnid folders to the ImageNet 1000-class order with names', async () => {
    const fs = new FakeFs({
      'train/n01443537/x.JPEG': J, // goldfish = 1
      'train/n01440764/y.JPEG': J, // tench = 0
      'train/n15075141/z.JPEG': J, // toilet tissue = 999
      'val/n15075141/w.JPEG': J,
    });
    const { idx, items } = await runIndex(new FsaSource(fs.handle()), { imagenetClasses: imagenetClasses() });
    expect(idx.numClasses).toBe(1000);
    expect(idx.classes.map((c) => [c.index, c.wnid, c.name])).toEqual([
      [0, 'n01440764', 'tench'],
      [1, 'n01443537', 'goldfish'],
      [999, 'n15075141', 'toilet tissue'],
    ]);
    expect(items.map((i) => i.classIndex)).toEqual([0, 1, 999, 999]);
  });

  it('drops a stray non-wnid folder among wnid folders instead of renumbering', async () => {
    const fs = new FakeFs({
      'train/n01443537/x.JPEG': J,
      'train/n01440764/y.JPEG': J,
      'train/backup/z.JPEG': J,
    });
    const { idx } = await runIndex(new FsaSource(fs.handle()), { imagenetClasses: imagenetClasses() });
    expect(idx.classes.map((c) => c.index)).toEqual([0, 1]);
    expect(reasonOf(idx.skipped, 'train/backup/')).toMatch(/not one of the classes/);
  });

  it('handles Unicode names (NFC and NFD) and sorts by code point', async () => {
    const fs = new FakeFs({
      'train/café/ü.jpg': J,
      'train/cafe\u0301/x.jpg': J, // NFD spelling: a different folder on Linux
      'train/狗/照片.jpg': J,
      'train/😀/a.jpg': J,
      'train/\uffff/a.jpg': J,
    });
    const src = new FsaSource(fs.handle());
    const { idx, items } = await runIndex(src);
    expect(idx.classes.map((c) => c.folder)).toEqual(['cafe\u0301', 'café', '狗', '\uffff', '😀']);
    expect(items.map((i) => i.path)).toContain('train/狗/照片.jpg');
    const blob = await src.open('train/狗/照片.jpg'.split('/'));
    expect(blob.size).toBe(J.length);
  });
});

describe('bare class tree (seeded split)', () => {
  const tree = (n: number): Record<string, Uint8Array> => {
    const f: Record<string, Uint8Array> = {};
    for (let i = 0; i < n; i++) f[`${i % 2 ? 'ant' : 'bee'}/img_${i}.jpg`] = J;
    return f;
  };
  const valSet = (items: { split: string; path: string }[]): string[] =>
    items
      .filter((i) => i.split === 'val')
      .map((i) => i.path)
      .sort();

  it('is deterministic per seed, differs across seeds, and has about valFraction in val', async () => {
    const a = await runIndex(new FsaSource(new FakeFs(tree(400)).handle()), {
      splitSeed: 7,
      valFraction: 0.25,
    });
    const b = await runIndex(new FsaSource(new FakeFs(tree(400)).handle()), {
      splitSeed: 7,
      valFraction: 0.25,
    });
    const c = await runIndex(new FsaSource(new FakeFs(tree(400)).handle()), {
      splitSeed: 8,
      valFraction: 0.25,
    });
    expect(a.idx.layout).toBe('imagefolder');
    expect(valSet(a.items)).toEqual(valSet(b.items));
    expect(valSet(a.items)).not.toEqual(valSet(c.items));
    expect(a.idx.counts.train + a.idx.counts.val).toBe(400);
    expect(a.idx.counts.val).toBeGreaterThan(70);
    expect(a.idx.counts.val).toBeLessThan(130);
  });

  it('adding files does not move existing files between splits', async () => {
    const before = await runIndex(new FsaSource(new FakeFs(tree(300)).handle()), { splitSeed: 3 });
    const grown = new FakeFs(tree(300));
    for (let i = 0; i < 50; i++) grown.add(`bee/new_${i}.jpg`, J);
    const after = await runIndex(new FsaSource(grown.handle()), { splitSeed: 3 });
    const splitOf = new Map(after.items.map((i) => [i.path, i.split]));
    for (const i of before.items) expect(splitOf.get(i.path)).toBe(i.split);
  });

  it('valFraction 0 and 1 put everything in one split; reports root files', async () => {
    const f = { ...tree(20), 'README.md': 'x' };
    const none = await runIndex(new FsaSource(new FakeFs(f).handle()), { valFraction: 0 });
    const all = await runIndex(new FsaSource(new FakeFs(f).handle()), { valFraction: 1 });
    expect(none.idx.counts).toEqual({ train: 20, val: 0 });
    expect(all.idx.counts).toEqual({ train: 0, val: 20 });
    expect(reasonOf(none.idx.skipped, 'README.md')).toMatch(/outside the class folders/);
    await expect(runIndex(new FsaSource(new FakeFs(f).handle()), { valFraction: 1.5 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('bad input is skipped and reported', () => {
  it('reports each kind with its reason and keeps the good files', async () => {
    const fs = new FakeFs({
      'train/cat/good.jpg': J,
      'train/cat/notes.txt': 'hello',
      'train/cat/.DS_Store': J,
      'train/cat/._good.jpg': J,
      'train/cat/empty.jpg': new Uint8Array(0),
      'train/cat/huge.jpg': { size: 70 * 1024 * 1024 },
      'train/cat/scan.tiff': J,
      'train/cat/noext': J,
      'train/cat/locked.jpg': J,
      'train/cat/sub/nested.jpg': J,
      'train/cat/sub/deeper/n2.jpg': J,
      'train/cat/.git/x.jpg': J,
      'train/dog/only.txt': 'x',
      'train/stray.jpg': J,
      'val/cat/v.jpg': J,
      'val/zebra/z.jpg': J,
    });
    fs.mkdir('train/empty_class');
    fs.failGetFile.set('locked.jpg', 'NotReadableError');
    const { idx, items } = await runIndex(new FsaSource(fs.handle()));
    const r = (p: string): string | undefined => reasonOf(idx.skipped, p);
    expect(r('train/cat/notes.txt')).toBe('not an image (.txt)');
    expect(r('train/cat/.DS_Store')).toBe('hidden or system file');
    expect(r('train/cat/._good.jpg')).toBe('hidden or system file');
    expect(r('train/cat/empty.jpg')).toBe('empty file (0 bytes)');
    expect(r('train/cat/huge.jpg')).toMatch(/70\.0 MB, over the 64\.0 MB limit/);
    expect(r('train/cat/scan.tiff')).toMatch(/cannot be decoded by the browser/);
    expect(r('train/cat/noext')).toBe('not an image (no extension)');
    expect(r('train/cat/locked.jpg')).toMatch(/^unreadable/);
    expect(r('train/cat/sub/')).toMatch(/nested folder.*2 image\(s\) were included/);
    expect(r('train/cat/sub/deeper/')).toMatch(/nested folder.*1 image/);
    expect(r('train/cat/.git/')).toBe('hidden or system folder');
    expect(r('train/dog/')).toBe('empty class folder (no usable images)');
    expect(r('train/empty_class/')).toBe('empty class folder (no usable images)');
    expect(r('train/stray.jpg')).toMatch(/outside the class folders/);
    expect(r('val/zebra/')).toMatch(/not present in train/);
    expect(items.map((i) => i.path)).toEqual([
      'train/cat/good.jpg',
      'train/cat/sub/nested.jpg',
      'train/cat/sub/deeper/n2.jpg',
      'val/cat/v.jpg',
    ]);
    // Empty class folders keep their index: cat 0, dog 1, empty_class 2.
    expect(idx.classes.map((c) => c.folder)).toEqual(['cat', 'dog', 'empty_class']);
    expect(idx.skippedTotal).toBe(idx.skipped.length);
  });

  it('respects maxImageBytes and caps the listed report', async () => {
    const f: Record<string, Uint8Array | string> = { 'train/c/ok.jpg': J };
    for (let i = 0; i < 30; i++) f[`train/c/n${i}.txt`] = 'x';
    const { idx } = await runIndex(new FsaSource(new FakeFs(f).handle()), {
      maxImageBytes: 4,
      maxSkippedReported: 5,
    });
    // 30 .txt + ok.jpg over the limit + the class folder left empty.
    expect(idx.skippedTotal).toBe(32);
    expect(idx.skipped.slice(5)).toEqual([
      { path: '…', reason: '25 more: not an image (.txt)' },
      { path: '…', reason: '1 more: file is 8 bytes, over the 4 bytes limit' },
      { path: '…', reason: '1 more: empty class folder (no usable images)' },
    ]);
    expect(idx.counts.train).toBe(0); // ok.jpg is 8 bytes > 4
  });

  it('throws DatasetLayoutError when nothing is recognisable', async () => {
    await expect(runIndex(new FsaSource(new FakeFs({ 'a.txt': 'x' }).handle()))).rejects.toThrow(
      DatasetLayoutError,
    );
  });

  it('stops on abort', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(
      runIndex(new FsaSource(new FakeFs({ 'train/c/a.jpg': J }).handle()), { signal: ac.signal }),
    ).rejects.toThrow('stop');
  });
});

describe('ImageNet flat val', () => {
  const train = { 'train/n01440764/t.JPEG': J, 'train/n01443537/g.JPEG': J };

  it('reads LOC_val_solution.csv', async () => {
    const fs = new FakeFs({
      ...train,
      'LOC_val_solution.csv':
        'ImageId,PredictionString\nILSVRC2012_val_00000001,n01443537 1 2 3 4 n01443537 5 6 7 8\nILSVRC2012_val_00000002,n01440764 1 2 3 4\nILSVRC2012_val_00000004,n15075141 1 1 2 2\n',
      'val/ILSVRC2012_val_00000001.JPEG': J,
      'val/ILSVRC2012_val_00000002.JPEG': J,
      'val/ILSVRC2012_val_00000003.JPEG': J,
      'val/ILSVRC2012_val_00000004.JPEG': J,
    });
    const { idx, items } = await runIndex(new FsaSource(fs.handle()), { imagenetClasses: imagenetClasses() });
    expect(idx.layout).toBe('flatval');
    const val = items.filter((i) => i.split === 'val');
    expect(val.map((i) => [i.path, i.classIndex])).toEqual([
      ['val/ILSVRC2012_val_00000001.JPEG', 1],
      ['val/ILSVRC2012_val_00000002.JPEG', 0],
      ['val/ILSVRC2012_val_00000004.JPEG', 999],
    ]);
    expect(reasonOf(idx.skipped, 'val/ILSVRC2012_val_00000003.JPEG')).toBe(
      'no entry in the ground-truth file',
    );
  });

  it('reads Caffe val.txt integer labels and val_labels.txt wnids inside val/', async () => {
    const caffe = new FakeFs({
      ...train,
      'val.txt': 'a.JPEG 1\nb.JPEG 0\nc.JPEG 7\n',
      'val/a.JPEG': J,
      'val/b.JPEG': J,
      'val/c.JPEG': J,
    });
    const r1 = await runIndex(new FsaSource(caffe.handle()), { imagenetClasses: imagenetClasses() });
    expect(r1.items.filter((i) => i.split === 'val').map((i) => i.classIndex)).toEqual([1, 0, 7]);
    const custom = new FakeFs({
      'train/x/1.jpg': J,
      'train/y/2.jpg': J,
      'val/val.txt': 'p 1\nq 5\n',
      'val/p.jpg': J,
      'val/q.jpg': J,
    });
    const r2 = await runIndex(new FsaSource(custom.handle()));
    expect(r2.items.filter((i) => i.split === 'val').map((i) => i.classIndex)).toEqual([1]);
    expect(reasonOf(r2.idx.skipped, 'val/q.jpg')).toMatch(/out of range 0\.\.1/);
    const wn = new FakeFs({ ...train, 'val/val_labels.txt': 'v1.JPEG n01443537\n', 'val/v1.JPEG': J });
    const r3 = await runIndex(new FsaSource(wn.handle()), { imagenetClasses: imagenetClasses() });
    expect(r3.items.filter((i) => i.split === 'val').map((i) => i.classIndex)).toEqual([1]);
    expect(r3.idx.skipped).toEqual([]);
  });

  it('explains that the devkit ground truth alone is unsupported', async () => {
    const fs = new FakeFs({
      ...train,
      'ILSVRC2012_validation_ground_truth.txt': '490\n361\n',
      'val/a.JPEG': J,
      'val/b.JPEG': J,
    });
    const { idx } = await runIndex(new FsaSource(fs.handle()), { imagenetClasses: imagenetClasses() });
    expect(idx.counts.val).toBe(0);
    expect(reasonOf(idx.skipped, 'val/')).toMatch(/^2 file\(s\).*ILSVRC2012_IDs.*meta\.mat.*val_labels\.txt/);
  });
});
