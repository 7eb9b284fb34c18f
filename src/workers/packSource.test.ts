import { describe, expect, it } from 'vitest';
import type { DatasetItem } from '../store';
import { itemRuns, MAX_SHARD_RUN } from './packSource';

/** Index items 0..n-1, item i in the shard `shardOf(i)` (undefined: a folder file). */
function items(n: number, shardOf: (i: number) => string | undefined): DatasetItem[] {
  return Array.from({ length: n }, (_, index) => ({
    datasetId: 'd',
    split: 'train' as const,
    index,
    path: `${index}.jpg`,
    classIndex: 0,
    bytes: 1,
    shard: shardOf(index),
  }));
}

async function runsOf(all: DatasetItem[], from: number, page: number): Promise<number[][]> {
  const fetches: [number, number][] = [];
  const out: number[][] = [];
  const fetch = (lo: number, hi: number) => {
    fetches.push([lo, hi]);
    return Promise.resolve(all.slice(lo, hi));
  };
  for await (const run of itemRuns(fetch, from, all.length, page, new AbortController().signal))
    out.push(run.map((it) => it.index));
  // Every item fetched once, in pages of at most `page`.
  expect(fetches.flatMap(([lo, hi]) => Array.from({ length: hi - lo }, (_, k) => lo + k))).toEqual(
    Array.from({ length: all.length - from }, (_, k) => from + k),
  );
  expect(Math.max(...fetches.map(([lo, hi]) => hi - lo))).toBeLessThanOrEqual(page);
  return out;
}

describe('itemRuns: what the copy reads at once', () => {
  it('keeps a shard spanning pages in one run, so it is streamed once', async () => {
    // Shards of 5 over pages of 3: s0 = 0-4, s1 = 5-9, s2 = 10-11.
    const all = items(12, (i) => `s${Math.floor(i / 5)}`);
    const runs = await runsOf(all, 0, 3);
    expect(runs.flat()).toEqual(all.map((it) => it.index));
    // No shard's items are split over two runs.
    const shardsPerRun = runs.map((r) => new Set(r.map((i) => Math.floor(i / 5))));
    for (let s = 0; s < 3; s++) expect(shardsPerRun.filter((set) => set.has(s))).toHaveLength(1);
  });

  it('resumes mid-shard and passes folder files a page at a time', async () => {
    const sharded = await runsOf(
      items(12, (i) => `s${Math.floor(i / 5)}`),
      7,
      3,
    );
    expect(sharded.flat()).toEqual([7, 8, 9, 10, 11]);
    const folder = await runsOf(
      items(7, () => undefined),
      0,
      3,
    );
    expect(folder).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('holds back no more than MAX_SHARD_RUN items of one shard', async () => {
    const n = MAX_SHARD_RUN + 2_000;
    const runs = await runsOf(
      items(n, () => 'huge'),
      0,
      1024,
    );
    expect(runs.flat()).toHaveLength(n);
    expect(Math.max(...runs.map((r) => r.length))).toBeLessThanOrEqual(MAX_SHARD_RUN + 1024);
  });
});
