/**
 * Reading an indexed item's image bytes back, for decode. Folder items are one open(). WebDataset
 * items indexed with their member's place in the shard (`headerAt`/`dataAt`) are one slice of the
 * shard (`readShardMember`), so random reads over a whole set of shards cost one read each; items
 * of older indexes can only be streamed to: `readShardItems` serves many items of one shard in a
 * single pass, and `openItem` on such an item streams up to its sample.
 *
 * A tar member's bytes are read into memory anyway, so they are handed back as they are (each in a
 * buffer of its own, the caller's), not wrapped in a Blob: every Blob costs an entry in the browser
 * process's blob registry until it is garbage-collected (data/imageInput.ts).
 */
import {
  readTar,
  readWebDataset,
  splitWdsName,
  TarFormatError,
  type TarEntry,
  type WdsSample,
} from '../core/tar';
import type { ImageInput } from './imageInput';
import { SourceNotFoundError, splitPath, type DataSource } from './source';
import type { DatasetItem } from './types';

/** The item's image: a folder file's File, a tar member's bytes. */
export async function openItem(source: DataSource, item: DatasetItem): Promise<ImageInput> {
  if (item.shard === undefined) return source.open(splitPath(item.path));
  if (hasSpan(item)) return readShardMember(await source.open(splitPath(item.shard)), item);
  for await (const hit of readShardItems(source, item.shard, [item])) return hit.bytes;
  throw new SourceNotFoundError(`${item.shard}:${item.path}`);
}

/** True when the index recorded where the item's tar member lies in its shard. */
export function hasSpan(item: DatasetItem): item is DatasetItem & { headerAt: number; dataAt: number } {
  return item.shard !== undefined && item.headerAt !== undefined && item.dataAt !== undefined;
}

/**
 * The image of a shard item, read as one slice of the shard from its member's first header to the
 * end of its data. The headers are parsed again and must name the same member with the same size, so
 * a shard rewritten since indexing is detected rather than silently mislabelled.
 */
export async function readShardMember(
  shard: Blob,
  item: DatasetItem & { headerAt: number; dataAt: number },
): Promise<Uint8Array<ArrayBuffer>> {
  const end = item.dataAt + item.bytes;
  const changed = (why: string) =>
    new Error(`shard ${item.shard} changed since indexing: ${why}; check the dataset for changes`);
  if (end > shard.size) throw changed(`it is ${shard.size} bytes, ${item.path} ended at byte ${end}`);
  let entry: TarEntry | undefined;
  // One arrayBuffer() read (one round trip to the file), parsed from memory: cheaper than a stream.
  const bytes = new Uint8Array(await shard.slice(item.headerAt, end).arrayBuffer());
  const one = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
  try {
    for await (const e of readTar(one)) {
      entry = e;
      break;
    }
  } catch (e) {
    if (!(e instanceof TarFormatError)) throw e;
    throw changed(`no whole tar member at byte ${item.headerAt} where ${item.path} was`);
  }
  const want = splitWdsName(item.path);
  const got = entry && splitWdsName(entry.path);
  if (
    !entry ||
    entry.type !== 'file' ||
    entry.size !== item.bytes ||
    !want ||
    !got ||
    got.key !== want.key ||
    got.ext !== want.ext
  )
    throw changed(
      `byte ${item.headerAt} holds ${entry ? `"${entry.path}" (${entry.size} bytes)` : 'nothing'}, not ${item.path}`,
    );
  // The member's data sits in a buffer of its own (core/tar.ts copies it out of the slice read).
  return entry.data as Uint8Array<ArrayBuffer>;
}

/**
 * Yields `{ item, bytes }` for the given items of one shard, in shard order, reading it once and
 * stopping after the last wanted sample. Items are matched by ordinal and checked by key, so a
 * shard rewritten since indexing is detected rather than silently mislabelled.
 */
export async function* readShardItems(
  source: DataSource,
  shard: string,
  items: readonly DatasetItem[],
): AsyncGenerator<{ item: DatasetItem; bytes: Uint8Array<ArrayBuffer> }> {
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
      if (item) yield { item, bytes: sampleImage(sample, item, ordinal) };
      if (ordinal++ >= last) return;
    }
  } finally {
    await samples.return(undefined);
  }
  throw new SourceNotFoundError(`${shard}: ended after ${ordinal} samples, before sample ${last}`);
}

/**
 * The item's image out of the streamed sample at its ordinal, which must carry the item's key and
 * image extension: a shard rewritten since indexing is reported rather than read as another image.
 * The bytes are the member's own buffer (core/tar.ts reads each member's data into a fresh one).
 */
export function sampleImage(sample: WdsSample, item: DatasetItem, ordinal: number): Uint8Array<ArrayBuffer> {
  const dot = item.path.lastIndexOf('.');
  const data = sample.files.get(item.path.slice(dot + 1));
  if (sample.key !== item.path.slice(0, dot) || data === undefined)
    throw new Error(
      `shard ${item.shard} changed since indexing: sample ${ordinal} is "${sample.key}", expected "${item.path}"`,
    );
  return data as Uint8Array<ArrayBuffer>;
}
