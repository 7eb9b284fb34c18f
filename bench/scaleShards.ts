/**
 * bench:scale --shards: the same synthetic ImageNet set as bench/scaleTree.ts's folder tree, written as
 * WebDataset tar shards in the page's OPFS in the layout the studio's folder flow indexes as WebDataset
 * (src/data/indexer.ts): `train/shard-000000.tar`, ... and `val/shard-000000.tar`, ... (a folder named
 * train or val holding .tar files fixes every sample's split). Each sample is `sample0000123.jpg` (a
 * real JPEG from the folder tree's pool, so generation and training decode real images) and
 * `sample0000123.cls` (its class id as ASCII, read like webdataset's default decoder).
 *
 * Same images, same classes: train sample g is class g mod C and the (g div C)-th image of that class,
 * so every class holds as many images as its folder in the tree, and each gets the same pool JPEG the
 * tree gives it; the val shards hold one image per class. Classes interleave within a shard, as in
 * shuffled ImageNet shards, rather than each shard holding a run of one class.
 *
 * A dedicated worker builds each shard (a few MB) in memory and writes it with one sync access handle;
 * the writer's frame (fresh start, locked-file retry, marker) and the restarts are the folder tree's
 * (writeOnce), one unit per shard.
 */
import type { Page } from 'playwright-core';
import { writeOnce, type Tree, type TreeSpec } from './scaleTree';

export interface ShardSpec extends TreeSpec {
  /** Samples per shard (the last shard of each split holds the rest). */
  perShard: number;
}

/** Its own name, so a kept profile's folder trees and shard sets never stand for each other. */
export const shardSetName = (s: ShardSpec) =>
  `bench-scale-shards-${s.images}-${s.classes}c-${s.side}px-${s.perShard}per`;

/** Shards in each split for `s`. */
export function shardCounts(s: ShardSpec): { train: number; val: number } {
  return { train: Math.ceil(s.images / s.perShard), val: Math.ceil(s.classes / s.perShard) };
}

// The layout's part of the writer (bench/scaleTree.ts runs it: fresh start, locked-file retry, marker).
// Units are shards: train 0..T-1, then val T..T+V-1. The tar writer is src/data/testing/ustar.ts's,
// inlined because the worker is a script, not a module of the build.
const WRITER = `
const enc = new TextEncoder();
const octal = (v, len) => enc.encode(v.toString(8).padStart(len - 1, '0') + '\\0');
const header = (h, name, size) => {
  h.fill(0);
  h.set(enc.encode(name), 0);
  h.set(octal(0o644, 8), 100);
  h.set(octal(0, 8), 108);
  h.set(octal(0, 8), 116);
  h.set(octal(size, 12), 124);
  h.set(octal(0, 12), 136);
  h.fill(0x20, 148, 156);
  h[156] = 0x30;
  h.set(enc.encode('ustar\\0'), 257);
  h.set(enc.encode('00'), 263);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.set(enc.encode(sum.toString(8).padStart(6, '0') + '\\0 '), 148);
};
const padded = (n) => n + ((512 - (n % 512)) % 512);
const shardBytes = (members) => {
  let size = 1024;
  for (const [, data] of members) size += 512 + padded(data.length);
  const out = new Uint8Array(size);
  let o = 0;
  for (const [name, data] of members) {
    header(out.subarray(o, o + 512), name, data.length);
    out.set(data, o + 512);
    o += 512 + padded(data.length);
  }
  return out;
};
const writeUnits = async (top, { images, classes, pool, from, perShard }) => {
  const bytesOf = pool.map((b) => new Uint8Array(b));
  const trainShards = Math.ceil(images / perShard);
  const valShards = Math.ceil(classes / perShard);
  for (let u = from; u < trainShards + valShards; u++) {
    const val = u >= trainShards;
    const s = val ? u - trainShards : u;
    const total = val ? classes : images;
    const members = [];
    let bytes = 0;
    for (let g = s * perShard; g < Math.min(total, (s + 1) * perShard); g++) {
      const c = val ? g : g % classes;
      const i = val ? 0 : Math.floor(g / classes);
      const key = 'sample' + String(g).padStart(7, '0');
      const data = bytesOf[(c * 131 + i) % bytesOf.length];
      bytes += data.byteLength;
      members.push([key + '.jpg', data], [key + '.cls', enc.encode(String(c))]);
    }
    const dir = await top.getDirectoryHandle(val ? 'val' : 'train', { create: true });
    await putFile(dir, 'shard-' + String(s).padStart(6, '0') + '.tar', shardBytes(members));
    postMessage({ unit: u, bytes });
  }
};`;

/** The shard set for `spec`, written unless a whole one from an earlier run is there. */
export function ensureShards(page: Page, spec: ShardSpec): Promise<Tree> {
  if (!(spec.perShard >= 1)) throw new Error(`--per-shard must be at least 1 (got ${spec.perShard})`);
  return writeOnce(page, spec, shardSetName(spec), WRITER, { perShard: spec.perShard });
}
