/**
 * "Copy into studio storage": a dataset's images appended into a few large OPFS files with a
 * fixed-width index per split (core/pack.ts, docs/packs.md), so later jobs read each image with one
 * `read(buf, { at })` on held handles instead of opening its file.
 *
 * The job pages through the stored index (never a whole split), reads each image once from its
 * source (folder files one by one, WebDataset shards streamed once each through readShardItems) and
 * commits in chunks: bytes and index entries written, both files flushed, then the dataset's pack
 * record (done, cursor) saved. A cancel, reload or killed browser resumes from the last commit: the
 * index and the pack file are truncated to it, so an unflushed tail is written again, never kept.
 */
import {
  encodePackEntry,
  PACK_ENTRY_BYTES,
  PACK_FILE_MAX,
  packFileName,
  packIndexName,
  placeInPack,
  type PackEntry,
} from '../core/pack';
import {
  getDataset,
  getDatasetItems,
  isQuotaError,
  openStudioDb,
  putDatasetPack,
  StoreError,
  type DatasetPack,
  type Split,
} from '../store';
import type { ProgressFn } from './api';
import { DatasetReader } from './datasets';
import { packStorage, releasePackReader, removePackDir, type SyncHandle } from './packFiles';
import { ProgressReporter } from './progress';
import { itemRuns, readPage, type Read } from './packSource';
import { requireTestBuild } from './testBuild';
import { holdWait } from './holdWait';

export { packReads } from './packSource';

/** Items per index read. */
const PAGE = 1024;
/** A commit at least every this many images or bytes: what a crash may have to copy again. */
const COMMIT_ITEMS = 256;
const COMMIT_BYTES = 32 * 2 ** 20;
/** Skip reasons kept in the record; the count stays exact. */
const LISTED = 200;

export interface PackDeps {
  maxPackBytes?: number;
  /** Items per index read (tests use small pages to cross shards over page boundaries). */
  pageItems?: number;
}

/** Test builds: the next copy waits after this many images until it is cancelled (a sure "midway"). */
let holdAfter: number | null = null;

export function holdPackAfter(images: number | null): void {
  requireTestBuild('holdPackAfter');
  holdAfter = images;
}

const QUOTA_MESSAGE =
  'storage quota exhausted while copying into studio storage: free space (remove label sets, runs or other copies) and resume the copy; what was copied is kept';

function fresh(createdAt: number): DatasetPack {
  return {
    state: 'packing',
    done: { train: 0, val: 0 },
    cursor: { pack: 0, offset: 0 },
    bytes: 0,
    packs: 0,
    skippedTotal: 0,
    skipped: [],
    createdAt,
    updatedAt: Date.now(),
  };
}

export async function runPack(
  datasetId: string,
  signal: AbortSignal,
  onProgress?: ProgressFn,
  deps: PackDeps = {},
): Promise<DatasetPack> {
  const db = await openStudioDb();
  const dataset = await getDataset(db, datasetId);
  if (!dataset) throw new Error(`dataset ${datasetId} is gone`);
  if (dataset.source === 'embedded') throw new Error('embedded datasets need no studio copy');
  if (dataset.indexing)
    throw new Error(`"${dataset.name}" is only partly indexed: resume its indexing first`);
  // This worker's reader of an older copy holds its files.
  await releasePackReader(datasetId);
  const total = dataset.counts.train + dataset.counts.val;
  const old = dataset.pack;
  if (
    old?.state === 'complete' &&
    old.done.train === dataset.counts.train &&
    old.done.val === dataset.counts.val
  )
    return old;
  const now = Date.now();
  const pack: DatasetPack = old ? { ...structuredClone(old), state: 'packing', updatedAt: now } : fresh(now);
  delete pack.error;
  const max = deps.maxPackBytes ?? PACK_FILE_MAX;
  const dir = await packStorage.dir(datasetId, true);
  if (!dir) throw new Error('studio storage (the origin private file system) is not available here');
  // Files of a copy removed or restarted (no record) must not be appended to.
  if (!old) for (const name of await dir.names()) await dir.remove(name);
  const reader = await DatasetReader.open(datasetId, { splits: [] });

  const index: Partial<Record<Split, SyncHandle>> = {};
  let file: { n: number; h: SyncHandle } | null = null;
  const closeAll = () => {
    for (const h of Object.values(index)) h.close();
    file?.h.close();
    file = null;
  };
  // Back to the last commit: entries and bytes past it were never recorded as done.
  const rollBack = () => {
    for (const split of ['train', 'val'] as const)
      index[split]?.truncate(pack.done[split] * PACK_ENTRY_BYTES);
    if (file && file.n === pack.cursor.pack) file.h.truncate(pack.cursor.offset);
    else if (file) file.h.truncate(0);
    for (const h of Object.values(index)) h.flush();
    file?.h.flush();
  };
  const progress = new ProgressReporter(onProgress);
  const report = (extra = '') =>
    progress.update({
      phase: 'packing',
      done: pack.done.train + pack.done.val,
      total: Math.max(1, total),
      message: `${(pack.done.train + pack.done.val).toLocaleString()} of ${total.toLocaleString()} images copied${
        pack.skippedTotal ? `, ${pack.skippedTotal} skipped` : ''
      }${extra}`,
    });
  let sinceStart = 0;
  try {
    index.train = await dir.open(packIndexName('train'), 'write');
    index.val = await dir.open(packIndexName('val'), 'write');
    for (const name of await dir.names()) {
      const m = /^pack-(\d+)\.bin$/.exec(name);
      if (m && Number(m[1]) > pack.cursor.pack) await dir.remove(name);
    }
    file = { n: pack.cursor.pack, h: await dir.open(packFileName(pack.cursor.pack), 'write') };
    // Files shorter than the record says (cleared site data, a copy made elsewhere): start over.
    const short =
      index.train.getSize() < pack.done.train * PACK_ENTRY_BYTES ||
      index.val.getSize() < pack.done.val * PACK_ENTRY_BYTES ||
      file.h.getSize() < pack.cursor.offset;
    if (short) {
      Object.assign(pack, fresh(pack.createdAt));
      for (const name of await dir.names())
        if (/^pack-\d+\.bin$/.test(name) && name !== packFileName(0)) await dir.remove(name);
      if (file.n !== 0) {
        file.h.close();
        file = { n: 0, h: await dir.open(packFileName(0), 'write') };
      }
    }
    rollBack();
    pack.packs = pack.cursor.pack + 1;
    await putDatasetPack(db, datasetId, pack);
    report();

    let cursor = { ...pack.cursor };
    for (const split of ['train', 'val'] as const) {
      const count = dataset.counts[split];
      const entries = new DataView(new ArrayBuffer(COMMIT_ITEMS * PACK_ENTRY_BYTES));
      let pending = 0;
      let pendingBytes = 0;
      let pendingSkips: { path: string; reason: string }[] = [];
      const commit = async () => {
        if (pending === 0) return;
        const at = pack.done[split] * PACK_ENTRY_BYTES;
        const n = index[split]!.write(new Uint8Array(entries.buffer, 0, pending * PACK_ENTRY_BYTES), { at });
        if (n !== pending * PACK_ENTRY_BYTES)
          throw new DOMException('short index write', 'QuotaExceededError');
        index[split]!.flush();
        file!.h.flush();
        pack.done[split] += pending;
        pack.cursor = { ...cursor };
        pack.packs = cursor.pack + 1;
        pack.bytes += pendingBytes;
        pack.skippedTotal += pendingSkips.length;
        pack.skipped = [...pack.skipped, ...pendingSkips].slice(0, LISTED);
        pack.updatedAt = Date.now();
        pending = 0;
        pendingBytes = 0;
        pendingSkips = [];
        if (!(await putDatasetPack(db, datasetId, pack))) throw new Error('the dataset was deleted');
        report();
      };
      const put = async (r: Read) => {
        let entry: PackEntry = { pack: 0, length: 0, offset: 0 };
        if (r.bytes && r.bytes.length > 0) {
          const placed = placeInPack(cursor, r.bytes.length, max);
          if (placed.entry.pack !== file!.n) {
            // The finished file is flushed with the commit that ends on it.
            await commit();
            file!.h.close();
            file = { n: placed.entry.pack, h: await dir.open(packFileName(placed.entry.pack), 'write') };
            file.h.truncate(0);
          }
          const n = file!.h.write(r.bytes, { at: placed.entry.offset });
          if (n !== r.bytes.length) throw new DOMException('short pack write', 'QuotaExceededError');
          entry = placed.entry;
          cursor = placed.next;
          pendingBytes += r.bytes.length;
        } else if (r.reason) {
          pendingSkips.push({ path: r.item.path, reason: r.reason });
        }
        encodePackEntry(entries, pending * PACK_ENTRY_BYTES, entry);
        pending++;
        sinceStart++;
        if (pending === COMMIT_ITEMS || pendingBytes >= COMMIT_BYTES) await commit();
        if (holdAfter !== null && sinceStart >= holdAfter) {
          holdAfter = null;
          await commit();
          await holdWait(signal).done;
        }
        signal.throwIfAborted();
      };
      const fetch = async (lo: number, hi: number) => {
        const page = await getDatasetItems(db, datasetId, split, lo, hi);
        if (page.length !== hi - lo || page[0]?.index !== lo)
          throw new Error(`the index of "${dataset.name}" has a hole at ${split} ${lo}: index it again`);
        return page;
      };
      const runs = itemRuns(fetch, pack.done[split], count, deps.pageItems ?? PAGE, signal);
      for await (const run of runs) for await (const r of readPage(reader, run, signal)) await put(r);
      await commit();
    }
    pack.state = 'complete';
    pack.updatedAt = Date.now();
    closeAll();
    await putDatasetPack(db, datasetId, pack);
    report();
    return pack;
  } catch (e) {
    const quota = isQuotaError(e);
    try {
      rollBack();
    } catch {
      // Nothing more to undo: the record still says what was committed.
    }
    closeAll();
    pack.state = 'paused';
    pack.error = signal.aborted
      ? 'cancelled: resume the copy to go on'
      : quota
        ? QUOTA_MESSAGE
        : e instanceof Error
          ? e.message
          : String(e);
    await putDatasetPack(db, datasetId, pack).catch(() => undefined);
    if (quota) throw new StoreError('quota', QUOTA_MESSAGE, { cause: e });
    if (signal.aborted) throw new Error('copy cancelled: resume it in the Data view', { cause: e });
    throw e;
  }
}

/** "Remove copy": this worker's handles closed, the files deleted, the record dropped. */
export async function removePack(
  datasetId: string,
  removeDir: (id: string) => Promise<void> = removePackDir,
): Promise<void> {
  await releasePackReader(datasetId);
  await removeDir(datasetId);
  await putDatasetPack(await openStudioDb(), datasetId, undefined);
}

/** What a copy would cost: image bytes from the stored index (paged), and images. */
export async function packCost(datasetId: string): Promise<{ imageBytes: number; images: number }> {
  const db = await openStudioDb();
  const d = await getDataset(db, datasetId);
  if (!d) throw new Error(`dataset ${datasetId} is gone`);
  let imageBytes = 0;
  for (const split of ['train', 'val'] as const) {
    for (let lo = 0; lo < d.counts[split]; lo += PAGE * 4) {
      const page = await getDatasetItems(db, datasetId, split, lo, Math.min(d.counts[split], lo + PAGE * 4));
      for (const it of page) if (!it.gone) imageBytes += it.bytes;
    }
  }
  return { imageBytes, images: d.counts.train + d.counts.val };
}
