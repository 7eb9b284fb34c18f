import { describe, expect, it } from 'vitest';
import { CURSOR_OPEN_WITHIN, ShardCursors } from './shardCursor';
import { ustar } from './testing/ustar';
import type { DatasetItem } from './types';

const SAMPLES = 20;
const body = (s: string, k: number) => `${s}:${k}:`.repeat(k + 1);

function shardOf(s: string, n = SAMPLES, key = (k: number) => `k${k}`): Uint8Array {
  const members: [string, string][] = [];
  for (let k = 0; k < n; k++) members.push([`${key(k)}.cls`, '0'], [`${key(k)}.jpg`, body(s, k)]);
  return ustar(members);
}

const item = (shard: string, k: number): DatasetItem => ({
  split: 'train',
  index: 0,
  path: `k${k}.jpg`,
  classIndex: 0,
  bytes: body(shard, k).length,
  shard,
  offset: k,
});

function setup(shards: Record<string, Uint8Array>) {
  const opened: string[] = [];
  const cursors = new ShardCursors(async (shard) => {
    opened.push(shard);
    return new Blob([shards[shard] as Uint8Array<ArrayBuffer>]);
  });
  return { cursors, opened };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('ShardCursors', () => {
  it('streams each shard once for an in-order walk with reads in flight, skipping what the walk skips', async () => {
    const { cursors, opened } = setup({ a: shardOf('a'), b: shardOf('b'), c: shardOf('c') });
    const walk = ['a', 'b', 'c'].flatMap((s) =>
      Array.from({ length: SAMPLES }, (_, k) => item(s, k)).filter((it) => it.offset! % 7 !== 3),
    );
    let slices = 0;
    const got: string[] = [];
    // Eight requests in flight at a time, as a decode-ahead issues them.
    for (let i = 0; i < walk.length; i += 8) {
      const batch = walk.slice(i, i + 8).map((it) => cursors.take(it));
      for (const [j, p] of batch.entries()) {
        if (p === null) {
          slices++;
          got.push(body(walk[i + j].shard!, walk[i + j].offset!));
        } else got.push(text(await p));
      }
    }
    expect(got).toEqual(walk.map((it) => body(it.shard!, it.offset!)));
    expect(opened).toEqual(['a', 'b', 'c']);
    expect(slices).toBe(3); // the first image of each shard
  });

  it('leaves random reads to slices', () => {
    const { cursors, opened } = setup({ a: shardOf('a'), b: shardOf('b') });
    const order = [5, 17, 2, 11, 0, 19, 8, 14, 3].flatMap((k, i) => [item(i % 2 ? 'a' : 'b', k)]);
    expect(order.map((it) => cursors.take(it))).toEqual(order.map(() => null));
    expect(opened).toEqual([]);
  });

  it('opens no cursor far into a shard (a walk resumed mid-shard reads slices until the next one)', () => {
    const { cursors } = setup({ a: shardOf('a', CURSOR_OPEN_WITHIN + 10) });
    expect(cursors.take(item('a', CURSOR_OPEN_WITHIN + 1))).toBeNull();
    expect(cursors.take(item('a', CURSOR_OPEN_WITHIN + 2))).toBeNull();
  });

  it('reports a shard rewritten since indexing, and one that ends early', async () => {
    const { cursors } = setup({
      a: shardOf('a', SAMPLES, (k) => (k === 2 ? 'other' : `k${k}`)),
      b: shardOf('b', 2),
    });
    expect(cursors.take(item('a', 0))).toBeNull();
    // The member's bytes, in a buffer of their own (the decode pool may move it), not a Blob.
    const bytes = await cursors.take(item('a', 1))!;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([bytes.byteOffset, bytes.buffer.byteLength]).toEqual([0, bytes.byteLength]);
    expect(text(bytes)).toBe(body('a', 1));
    await expect(cursors.take(item('a', 2))).rejects.toThrow(/changed since indexing: sample 2 is "other"/);
    expect(cursors.take(item('b', 0))).toBeNull();
    await expect(cursors.take(item('b', 1))!.then(text)).resolves.toBe(body('b', 1));
    await expect(cursors.take(item('b', 3))).rejects.toThrow(/ended before sample 3/);
  });
});
