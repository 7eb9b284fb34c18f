import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEmbeddedManifest, embeddedSource, type FetchLike } from './embedded';
import { FsaSource } from './fsaSource';
import { FakeFs } from './testing/fakeFsa';
import { JPEG_BYTES as J, imagenetClasses, runIndex } from './testing/run';
import { ustar } from './testing/ustar';

const reasonOf = (skipped: { path: string; reason: string }[], path: string): string | undefined =>
  skipped.find((s) => s.path === path)?.reason;

describe('WebDataset shards', () => {
  it('indexes train/ and val/ shards: key, image ext, class, shard and ordinal', async () => {
    const fs = new FakeFs({
      'train/shard-000000.tar': ustar([
        ['a/s0.cls', '3'],
        ['a/s0.jpg', J],
        ['s1.CLS', ' 1\n'],
        ['s1.PNG', J],
        ['s1.seg.png', J],
      ]),
      'train/shard-000001.tar': ustar([
        ['s2.json', '{"label": 2}'],
        ['s2.webp', J],
        ['s3.txt', '0'],
        ['s3.jpeg', J],
      ]),
      'val/v-000000.tar': ustar([
        ['v0.cls', '2'],
        ['v0.jpg', J],
      ]),
    });
    const { idx, items } = await runIndex(new FsaSource(fs.handle()), { numClasses: 4 });
    expect(idx.layout).toBe('webdataset');
    expect(idx.counts).toEqual({ train: 4, val: 1 });
    expect(idx.numClasses).toBe(4);
    expect(items.map((i) => [i.split, i.index, i.path, i.classIndex, i.shard, i.offset, i.bytes])).toEqual([
      ['train', 0, 'a/s0.jpg', 3, 'train/shard-000000.tar', 0, J.length],
      ['train', 1, 's1.png', 1, 'train/shard-000000.tar', 1, J.length],
      ['train', 2, 's2.webp', 2, 'train/shard-000001.tar', 0, J.length],
      ['train', 3, 's3.jpeg', 0, 'train/shard-000001.tar', 1, J.length],
      ['val', 0, 'v0.jpg', 2, 'val/v-000000.tar', 0, J.length],
    ]);
    expect(idx.skipped).toEqual([]);
  });

  it('reports samples without class, bad/out-of-range ids, duplicates, no image, and truncation', async () => {
    const good = ustar([
      ['k0.cls', '1'],
      ['k0.jpg', J],
      ['k1.jpg', J], // no class
      ['k2.cls', '9'], // out of range
      ['k2.jpg', J],
      ['k3.cls', 'cat'], // not an integer
      ['k3.jpg', J],
      ['k4.cls', '0'], // no image
      ['k4.txt', 'hello'],
      ['k5.cls', '0'],
      ['k5.jpg', new Uint8Array(0)], // empty image
      ['k6.json', '{"label": "n01443537"}'], // wnid label
      ['k6.jpg', J],
      ['k0.cls', '1'], // duplicate key (non-contiguous)
      ['k0.jpg', J],
    ]);
    const cut = ustar(
      [
        ['t0.cls', '1'],
        ['t0.jpg', J],
        ['t1.cls', '0'],
        ['t1.jpg', new Uint8Array(3000)],
      ],
      { end: false },
    ).subarray(0, 512 * 6 + 100); // cut inside t1.jpg
    const fs = new FakeFs({ 'd-train-0.tar': good, 'd-train-1.tar': cut, 'notes.txt': 'x' });
    const { idx, items } = await runIndex(new FsaSource(fs.handle()), {
      numClasses: 1000,
      imagenetClasses: imagenetClasses(),
    });
    const r = (p: string): string | undefined => reasonOf(idx.skipped, p);
    expect(items.map((i) => `${i.shard}:${i.path}:${i.classIndex}`)).toEqual([
      'd-train-0.tar:k0.jpg:1',
      'd-train-0.tar:k2.jpg:9',
      'd-train-0.tar:k6.jpg:1',
      'd-train-1.tar:t0.jpg:1',
    ]);
    expect(r('d-train-0.tar:k1')).toBe('sample has no class (.cls, .json or .txt)');
    expect(r('d-train-0.tar:k3')).toMatch(/\.cls is not an integer/);
    expect(r('d-train-0.tar:k4')).toMatch(/sample has no image \(members: cls, txt\)/);
    expect(r('d-train-0.tar:k5')).toMatch(/empty \.jpg member/);
    expect(r('d-train-0.tar:k0')).toMatch(/duplicate sample key/);
    expect(r('d-train-1.tar')).toMatch(/^truncated tar: kept/);
    expect(r('d-train-1.tar:t1')).toMatch(/truncated/);
    expect(idx.classes.map((c) => [c.index, c.name])).toEqual([
      [1, 'goldfish'],
      [9, 'ostrich'],
    ]);
  });

  it('keeps every sample of shards with per-shard numbering; a key repeated inside a shard is reported', async () => {
    // Three shards numbered from sample000000 each, as WebDataset writers with per-shard counters do.
    const shard = (n: number, base: number): Uint8Array => {
      const members: [string, string | Uint8Array][] = [];
      for (let i = 0; i < n; i++) {
        const key = `sample${String(i).padStart(6, '0')}`;
        members.push([`${key}.cls`, String((base + i) % 4)], [`${key}.jpg`, J]);
      }
      return ustar(members);
    };
    const withDup = ustar([
      ['sample000000.cls', '1'],
      ['sample000000.jpg', J],
      ['sample000001.cls', '2'],
      ['sample000001.jpg', J],
      ['sample000000.cls', '3'], // the same key again inside this shard
      ['sample000000.jpg', J],
    ]);
    const fs = new FakeFs({
      'train/part-000.tar': shard(4, 0),
      'train/part-001.tar': shard(4, 1),
      'train/part-002.tar': shard(4, 2),
      'train/part-003.tar': withDup,
      'val/part-000.tar': shard(2, 0),
    });
    const { idx, items } = await runIndex(new FsaSource(fs.handle()), { numClasses: 4 });
    expect(idx.counts).toEqual({ train: 14, val: 2 });
    const ids = items.filter((i) => i.split === 'train').map((i) => `${i.shard}:${i.path}`);
    expect(new Set(ids).size).toBe(14);
    expect(ids.slice(0, 5)).toEqual([
      'train/part-000.tar:sample000000.jpg',
      'train/part-000.tar:sample000001.jpg',
      'train/part-000.tar:sample000002.jpg',
      'train/part-000.tar:sample000003.jpg',
      'train/part-001.tar:sample000000.jpg',
    ]);
    expect(items.filter((i) => i.shard === 'train/part-002.tar').map((i) => i.classIndex)).toEqual([
      2, 3, 0, 1,
    ]);
    // Inside one shard the first occurrence is kept (class 1), the repeat reported.
    expect(items.filter((i) => i.shard === 'train/part-003.tar').map((i) => i.classIndex)).toEqual([1, 2]);
    expect(idx.skipped).toEqual([
      {
        path: 'train/part-003.tar:sample000000',
        reason: 'duplicate sample key within the shard (first occurrence kept)',
      },
    ]);
  });

  it('splits shards not named train/val by key alone, so per-shard numbering is kept in both splits', async () => {
    const shard = (cls: number): Uint8Array => {
      const members: [string, string | Uint8Array][] = [];
      for (let i = 0; i < 50; i++) members.push([`s${i}.cls`, String(cls)], [`s${i}.jpg`, J]);
      return ustar(members);
    };
    const fs = new FakeFs({ 'a-000.tar': shard(0), 'a-001.tar': shard(1) });
    const { idx, items } = await runIndex(new FsaSource(fs.handle()), { valFraction: 0.3, splitSeed: 5 });
    expect(idx.counts.train + idx.counts.val).toBe(100);
    expect(idx.skipped).toEqual([]);
    const valKeys = (shardPath: string) =>
      items.filter((i) => i.split === 'val' && i.shard === shardPath).map((i) => i.path);
    expect(valKeys('a-000.tar').length).toBeGreaterThan(0);
    expect(valKeys('a-001.tar')).toEqual(valKeys('a-000.tar'));
  });

  it('range-checks ids against numClasses and splits unnamed top-level shards by key hash', async () => {
    const samples: [string, string | Uint8Array][] = [];
    for (let i = 0; i < 200; i++) samples.push([`s${i}.cls`, String(i % 5)], [`s${i}.jpg`, J]);
    const fs = new FakeFs({ 'data-000.tar': ustar(samples) });
    const a = await runIndex(new FsaSource(fs.handle()), { numClasses: 4, valFraction: 0.3, splitSeed: 5 });
    expect(a.idx.counts.train + a.idx.counts.val).toBe(160);
    expect(a.idx.counts.val).toBeGreaterThan(25);
    expect(a.idx.counts.val).toBeLessThan(75);
    expect(reasonOf(a.idx.skipped, 'data-000.tar:s4')).toBe('class id 4 in .cls is out of range 0..3');
    const b = await runIndex(new FsaSource(fs.handle()), { valFraction: 0.3, splitSeed: 5 });
    expect(b.idx.numClasses).toBe(5); // inferred: max id + 1
    expect(b.idx.classes.map((c) => c.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('indexes the embedded WebDataset set', async () => {
    const publicFetch: FetchLike = async (url) => {
      try {
        return new Response(
          await readFile(join(process.cwd(), 'public', decodeURIComponent(new URL(url).pathname))),
        );
      } catch {
        return new Response('missing', { status: 404 });
      }
    };
    const m = await loadEmbeddedManifest('http://h/', publicFetch);
    const d = m.datasets.find((x) => x.id === 'fashion-mnist-wds');
    if (!d || d.layout !== 'webdataset') return;
    const { idx, items } = await runIndex(embeddedSource(m, d.id, 'http://h/', publicFetch));
    expect(idx.counts).toEqual({
      train: d.shards.train.reduce((n, s) => n + s.samples, 0),
      val: d.shards.val.reduce((n, s) => n + s.samples, 0),
    });
    expect(idx.skipped).toEqual([]);
    expect(idx.classes.map((c) => c.name)).toEqual(d.classes.map((c) => c.name));
    const first = d.shards.train[0];
    expect(items.filter((i) => i.shard === first.path).map((i) => i.path.replace(/\.png$/, ''))).toEqual(
      first.keys,
    );
  });
});
