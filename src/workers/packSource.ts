/**
 * The copy job's reads from a dataset's own files (workers/packJob.ts): each image once, in index
 * order, one at a time as the writer asks, so memory holds a few images whatever the dataset's size.
 */
import { imageInputBytes } from '../data/imageInput';
import { readShardItems } from '../data/openItem';
import { diskChange } from '../data/reopenCheck';
import { SourceNotFoundError } from '../data/source';
import type { DatasetItem } from '../store';
import type { DatasetReader } from './datasets';
import { FolderUnreachableError } from './readImage';

/** Folder files read ahead of the writer (reads wait on storage, not the CPU). */
const READ_AHEAD = 8;

/** Test builds: how many images each source read gave (e2e checks a resume reads nothing twice). */
export const packReads = { files: 0 };

export type Read = { item: DatasetItem; bytes?: Uint8Array<ArrayBuffer>; reason?: string };

/**
 * A page's images with their bytes in index order, one at a time as the writer asks: folder files read
 * a few ahead, the items of one shard from a single streamed pass over it. An image that cannot be read
 * gets a reason, never stops the copy; a folder that is gone or no longer readable does (the copy
 * pauses, resumable). Give it the runs of `itemRuns`, so a shard spanning index pages is streamed once.
 */
export async function* readPage(
  reader: DatasetReader,
  page: DatasetItem[],
  signal: AbortSignal,
): AsyncGenerator<Read> {
  for (let i = 0; i < page.length;) {
    signal.throwIfAborted();
    const shard = page[i].shard;
    let j = i;
    while (j < page.length && page[j].shard === shard) j++;
    const run = page.slice(i, j);
    yield* shard === undefined ? readFiles(reader, run, signal) : readShard(reader, shard, run);
    i = j;
  }
}

/** A shard's consecutive items held back for the next page at most this many (a bound on memory). */
export const MAX_SHARD_RUN = 16_384;

/**
 * The split's items from `from` to `count` as the copy reads them: folder files a page at a time, a
 * shard's consecutive items kept together across page boundaries (up to MAX_SHARD_RUN), so each
 * shard is streamed once rather than once per page it spans (from its start each time: a shard of
 * 10,000 samples over pages of 1,024 would be read about five times over).
 */
export async function* itemRuns(
  fetch: (lo: number, hi: number) => Promise<DatasetItem[]>,
  from: number,
  count: number,
  pageItems: number,
  signal: AbortSignal,
): AsyncGenerator<DatasetItem[]> {
  let carry: DatasetItem[] = [];
  for (let lo = from; lo < count; lo += pageItems) {
    signal.throwIfAborted();
    const page = await fetch(lo, Math.min(count, lo + pageItems));
    let items = carry.length ? carry.concat(page) : page;
    carry = [];
    const tail = items.at(-1)?.shard;
    if (tail !== undefined && lo + pageItems < count) {
      let k = items.length;
      while (k > 0 && items[k - 1].shard === tail) k--;
      if (items.length - k < MAX_SHARD_RUN) {
        carry = items.slice(k);
        items = items.slice(0, k);
      }
    }
    if (items.length) yield items;
  }
  if (carry.length) yield carry;
}

async function* readFiles(
  reader: DatasetReader,
  items: DatasetItem[],
  signal: AbortSignal,
): AsyncGenerator<Read> {
  const reads: Promise<Read>[] = [];
  let k = 0;
  const next = () => {
    if (k < items.length) reads.push(readFile(reader, items[k++]));
  };
  for (let a = 0; a < READ_AHEAD; a++) next();
  try {
    while (reads.length) {
      signal.throwIfAborted();
      const r = await reads.shift()!;
      next();
      yield r;
    }
  } finally {
    // Reads still in flight when the copy stops: their failures are no one's to report.
    for (const p of reads) p.catch(() => undefined);
  }
}

async function skipOrThrow(reader: DatasetReader, item: DatasetItem, e: unknown): Promise<Read> {
  if (e instanceof SourceNotFoundError) {
    const gone = await reader.rootError();
    if (gone) throw new FolderUnreachableError(gone.name, gone.cause);
    return { item, reason: `file not found (moved or deleted since indexing)` };
  }
  if ((e as DOMException)?.name === 'NotReadableError')
    return { item, reason: 'file could not be read (changed while it was copied?)' };
  throw e;
}

async function readFile(reader: DatasetReader, item: DatasetItem): Promise<Read> {
  if (item.gone) return { item, reason: 'gone from the folder (a re-open check found it removed)' };
  try {
    const input = await reader.read(item);
    packReads.files++;
    const changed = diskChange(item, input, true);
    if (changed) return { item, reason: changed };
    return { item, bytes: await imageInputBytes(input) };
  } catch (e) {
    return skipOrThrow(reader, item, e);
  }
}

/** Why a shard's remaining items cannot be read, or a throw when its whole folder cannot. */
async function shardFailure(reader: DatasetReader, e: unknown): Promise<string> {
  if (e instanceof SourceNotFoundError) {
    const gone = await reader.rootError();
    if (gone) throw new FolderUnreachableError(gone.name, gone.cause);
  } else if (!(e instanceof Error && /changed since indexing/.test(e.message))) throw e;
  return e.message;
}

/** Items of one shard (in shard order, as the index lists them) from one streamed pass, one at a time. */
async function* readShard(reader: DatasetReader, shard: string, items: DatasetItem[]): AsyncGenerator<Read> {
  const missing = (item: DatasetItem, why?: string): Read => ({
    item,
    reason: item.gone
      ? 'gone from the shard (a re-open check found it removed)'
      : (why ?? `not found in shard ${shard}`),
  });
  const samples = readShardItems(
    reader.source,
    shard,
    items.filter((it) => !it.gone),
  );
  let k = 0;
  let failure: string | undefined;
  try {
    for (;;) {
      let res: Awaited<ReturnType<typeof samples.next>>;
      try {
        res = await samples.next();
      } catch (e) {
        failure = await shardFailure(reader, e);
        break;
      }
      if (res.done) break;
      // The very item objects given to it come back: found by identity.
      const at = items.indexOf(res.value.item as DatasetItem, k);
      if (at < 0)
        throw new Error(
          `shard ${shard}: samples out of index order at ${res.value.item.path}: index it again`,
        );
      for (; k < at; k++) yield missing(items[k]);
      packReads.files++;
      yield { item: items[k++], bytes: res.value.bytes };
    }
  } finally {
    await samples.return(undefined);
  }
  for (; k < items.length; k++) yield missing(items[k], failure);
}
