/**
 * Reading an indexed item's image bytes back, for decode. Folder items are one open(); WebDataset
 * items live inside a shard that can only be streamed (no byte offsets: see DatasetItem.offset),
 * so `readShardItems` serves many items of one shard in a single pass; `openItem` on a shard item
 * streams up to that sample (fine for a thumbnail, too slow for training loops).
 */
import { readWebDataset } from '../core/tar';
import { SourceNotFoundError, splitPath, type DataSource } from './source';
import type { DatasetItem } from './types';

export async function openItem(source: DataSource, item: DatasetItem): Promise<Blob> {
  if (item.shard === undefined) return source.open(splitPath(item.path));
  for await (const hit of readShardItems(source, item.shard, [item])) return hit.blob;
  throw new SourceNotFoundError(`${item.shard}:${item.path}`);
}

/**
 * Yields `{ item, blob }` for the given items of one shard, in shard order, reading it once and
 * stopping after the last wanted sample. Items are matched by ordinal and checked by key, so a
 * shard rewritten since indexing is detected rather than silently mislabelled.
 */
export async function* readShardItems(
  source: DataSource,
  shard: string,
  items: readonly DatasetItem[],
): AsyncGenerator<{ item: DatasetItem; blob: Blob }> {
  const byOrdinal = new Map<number, DatasetItem>();
  for (const it of items) {
    if (it.shard !== shard || it.offset === undefined)
      throw new Error(`item ${it.path} is not in shard ${shard}`);
    byOrdinal.set(it.offset, it);
  }
  if (byOrdinal.size === 0) return;
  const last = Math.max(...byOrdinal.keys());
  const file = await source.open(splitPath(shard));
  let ordinal = 0;
  const samples = readWebDataset(file.stream());
  try {
    for await (const sample of samples) {
      const item = byOrdinal.get(ordinal);
      if (item) {
        const dot = item.path.lastIndexOf('.');
        const data = sample.files.get(item.path.slice(dot + 1));
        if (sample.key !== item.path.slice(0, dot) || data === undefined) {
          throw new Error(
            `shard ${shard} changed since indexing: sample ${ordinal} is "${sample.key}", expected "${item.path}"`,
          );
        }
        yield { item, blob: new Blob([data as Uint8Array<ArrayBuffer>]) };
      }
      if (ordinal++ >= last) return;
    }
  } finally {
    await samples.return(undefined);
  }
  throw new SourceNotFoundError(`${shard}: ended after ${ordinal} samples, before sample ${last}`);
}
