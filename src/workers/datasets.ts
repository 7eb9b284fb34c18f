/**
 * Worker-side access to a dataset: its DataSource (embedded fetch, persisted folder handle, or the
 * File[] of this session), its stored index, and image bytes by item. Every dataset, the embedded ones
 * included, is indexed into the store once, so generation, training and evaluation share one path.
 */
import { parseClassList, type ClassInfo } from '../core/classes';
import { readWebDataset } from '../core/tar';
import type { ImageInput } from '../data/imageInput';
import { hasSpan, readShardMember } from '../data/openItem';
import { ShardCursors } from '../data/shardCursor';
import { EmbeddedSource, loadEmbeddedManifest } from '../data/embedded';
import { FsaSource, type DirHandleLike } from '../data/fsaSource';
import { filesSourceFromInput } from '../data/filesSource';
import { ensurePermission, PermissionLostError } from '../data/permissions';
import { withSourceFault } from './sourceFault';
import { packReadable, packReaderFor, type PackReader } from './packFiles';
import { splitPath, type DataSource } from '../data/source';
import type { IndexSourceSpec } from './api';
import {
  getDataset,
  getDatasetItems,
  getHandle,
  openStudioDb,
  type Dataset,
  type DatasetItem,
  type Split,
} from '../store';

/** File[] from <input webkitdirectory> or a drop live only as long as this worker (cannot be persisted). */
const sessionFiles = new Map<string, File[]>();

export function registerSessionFiles(datasetId: string, files: File[]): void {
  sessionFiles.set(datasetId, files);
}

let baseUrl = '';
export function setBaseUrl(url: string): void {
  baseUrl = url;
}
export function siteUrl(path: string): string {
  return new URL(path, baseUrl || self.location.href).href;
}

let imagenetClasses: Promise<ClassInfo[]> | null = null;
export function loadImagenetClasses(): Promise<ClassInfo[]> {
  imagenetClasses ??= fetch(siteUrl('imagenet-classes.json'))
    .then((r) => {
      if (!r.ok) throw new Error(`imagenet-classes.json missing (HTTP ${r.status})`);
      return r.json();
    })
    .then(parseClassList);
  return imagenetClasses;
}

export const EMBEDDED_PREFIX = 'embedded:';

/** Where a dataset's files come from: what the Data view picked, or what a stored dataset records. */
export type SourceSpec = IndexSourceSpec;

/** The source a stored dataset was indexed from (a file list only while this worker keeps it). */
export function sourceSpecOf(dataset: Dataset): SourceSpec {
  if (dataset.source === 'embedded')
    return { kind: 'embedded', manifestId: dataset.id.slice(EMBEDDED_PREFIX.length) };
  if (dataset.source === 'files') {
    const files = sessionFiles.get(dataset.id);
    if (!files) {
      throw new Error(
        `"${dataset.name}" was opened from a file list, which the browser cannot keep across reloads: select the folder again`,
      );
    }
    return { kind: 'files', files, name: dataset.name };
  }
  if (!dataset.handleId) throw new Error(`dataset "${dataset.name}" has no stored folder handle`);
  return { kind: 'handle', handleId: dataset.handleId };
}

/**
 * Opens a source for indexing or reading. A folder handle must still be readable: workers cannot ask
 * for permission, so a lost one throws PermissionLostError and the job pauses for a click.
 */
export async function openSource(spec: SourceSpec): Promise<DataSource> {
  if (spec.kind === 'embedded') {
    const manifest = await loadEmbeddedManifest(siteUrl(''));
    const ds = manifest.datasets.find((d) => d.id === spec.manifestId);
    if (!ds) throw new Error(`embedded dataset "${spec.manifestId}" is not in the manifest`);
    return new EmbeddedSource(ds, siteUrl(''));
  }
  if (spec.kind === 'files') return filesSourceFromInput(spec.files);
  const rec = await getHandle(await openStudioDb(), spec.handleId);
  if (!rec) throw new Error('the folder handle is gone from storage: open the folder again');
  let handle = rec.handle as unknown as DirHandleLike;
  // e2e's stand-in for a revoked permission or deleted files; a product build has no such door.
  if (__FKD_TEST_HOOKS__) handle = withSourceFault(handle);
  const state = await ensurePermission(handle as never, 'read', false);
  if (state !== 'granted') throw new PermissionLostError(rec.name);
  return new FsaSource(handle, rec.name);
}

/** Shard Files a reader keeps open for slice reads (oldest dropped first). */
const SHARD_FILES_KEPT = 4096;

/** Index items per store read when paging through a split. */
export const ITEM_PAGE = 2048;

/**
 * A dataset opened for reading images: items of one split in memory (paths and classes only). A
 * dataset with a complete studio copy (docs/packs.md) reads every image from it and never opens its
 * source, so it needs no folder permission.
 */
export class DatasetReader {
  private shardCache = new Map<string, Promise<Map<string, Uint8Array>>>();
  private shardFiles = new Map<string, Promise<Blob>>();
  private cursors = new ShardCursors((shard) => this.source.open(splitPath(shard)));

  private constructor(
    readonly dataset: Dataset,
    private readonly src: DataSource | null,
    readonly items: Record<Split, DatasetItem[]>,
    private readonly pack: PackReader | null = null,
  ) {}

  /** The dataset's own files (not opened for a packed dataset: it reads the studio copy). */
  get source(): DataSource {
    if (!this.src) throw new Error(`"${this.dataset.name}" is read from its studio copy, not its folder`);
    return this.src;
  }

  /** True when images come from the studio copy. */
  get packed(): boolean {
    return this.pack !== null;
  }

  /**
   * `splits` (default both) are the splits whose items are held; the others stay empty and the caller
   * pages through the stored index (`itemPages`) or reads items by index: what a job over an
   * ImageNet-size set does to keep its memory flat.
   */
  static async open(datasetId: string, opts: { splits?: Split[] } = {}): Promise<DatasetReader> {
    const db = await openStudioDb();
    const dataset = await getDataset(db, datasetId);
    if (!dataset) throw new Error(`dataset ${datasetId} is not indexed yet`);
    if (dataset.indexing)
      throw new Error(`"${dataset.name}" is only partly indexed: resume its indexing in the Data view`);
    const pack = packReadable(dataset) ? await packReaderFor(dataset) : null;
    const source = pack ? null : await openSource(sourceSpecOf(dataset));
    const held = opts.splits ?? ['train', 'val'];
    // Paths and class ids only (~100 B each); fine up to a few hundred thousand images.
    const [train, val] = await Promise.all(
      (['train', 'val'] as const).map((split) =>
        held.includes(split) ? getDatasetItems(db, datasetId, split, 0, dataset.counts[split]) : [],
      ),
    );
    return new DatasetReader(dataset, source, { train, val }, pack);
  }

  /** The stored index of one split in index order, `size` items per read: never the whole split at once. */
  async *itemPages(split: Split, size = ITEM_PAGE): AsyncGenerator<DatasetItem[], void, undefined> {
    const db = await openStudioDb();
    const total = this.dataset.counts[split];
    for (let lo = 0; lo < total; lo += size) {
      const page = await getDatasetItems(db, this.dataset.id, split, lo, Math.min(total, lo + size));
      if (page.length) yield page;
    }
  }

  /** Why the dataset's top folder cannot be listed (gone, unreadable), or undefined when it can. */
  async rootError(): Promise<{ name: string; cause: unknown } | undefined> {
    if (this.pack) return undefined;
    try {
      for await (const entry of this.source.list([])) if (entry) break;
      return undefined;
    } catch (cause) {
      return { name: this.dataset.name, cause };
    }
  }

  /**
   * The image file: its bytes from the studio copy when there is one (one read at a known offset),
   * else the folder's File; a tar member's bytes come from a forward stream over its shard when the
   * reads walk it in order (data/shardCursor.ts), else from one slice of it, or (indexes made before
   * members' places were recorded) from a small cache of whole shards. Bytes are handed over as they
   * are, not wrapped in a Blob (a browser-process blob-registry entry per image: data/imageInput.ts),
   * and are the caller's: nothing else holds their buffer, so the decode pool may transfer it. A
   * folder's File is passed on as it is: reading it here would not spare the File.
   */
  async read(item: DatasetItem): Promise<ImageInput> {
    if (this.pack) return this.pack.read(item.split, item.index, item.path);
    if (!item.shard) return this.source.open(splitPath(item.path));
    if (hasSpan(item)) {
      // In index order a shard is streamed once; anything else (or a cursor that failed) is a slice.
      const streamed = this.cursors.take(item);
      return streamed ? streamed.catch(() => this.shardMember(item)) : this.shardMember(item);
    }
    const members = await this.shard(item.shard);
    // By sample ordinal (what the index recorded), so a key repeated in the shard cannot hand back
    // another sample's bytes; indexes without ordinals fall back to the first sample of that key.
    const bytes = members.get(item.offset !== undefined ? `${item.offset}:${item.path}` : item.path);
    if (!bytes) throw new Error(`${item.path} not found in shard ${item.shard}`);
    // A copy: the cached shard keeps its own for the next read.
    return bytes.slice() as Uint8Array<ArrayBuffer>;
  }

  /**
   * One slice of the shard. The shard's File is kept (a handful of bytes each, a few hundred shards in
   * an ImageNet set); a File taken before the shard was rewritten fails to read, so it is taken again
   * once and the member's headers decide.
   */
  private async shardMember(
    item: DatasetItem & { headerAt: number; dataAt: number },
  ): Promise<Uint8Array<ArrayBuffer>> {
    const path = item.shard!;
    for (let attempt = 0; ; attempt++) {
      let file = this.shardFiles.get(path);
      if (!file) {
        file = this.source.open(splitPath(path));
        this.shardFiles.set(path, file);
        file.catch(() => this.shardFiles.delete(path));
        if (this.shardFiles.size > SHARD_FILES_KEPT)
          this.shardFiles.delete(this.shardFiles.keys().next().value!);
      }
      try {
        return await readShardMember(await file, item);
      } catch (e) {
        const name = (e as { name?: unknown } | null)?.name;
        if (attempt > 0 || (name !== 'NotReadableError' && name !== 'NotFoundError')) throw e;
        this.shardFiles.delete(path);
      }
    }
  }

  private shard(path: string): Promise<Map<string, Uint8Array>> {
    let p = this.shardCache.get(path);
    if (!p) {
      p = (async () => {
        const blob = await this.source.open(splitPath(path));
        const out = new Map<string, Uint8Array>();
        try {
          let ordinal = 0;
          for await (const s of readWebDataset(blob.stream())) {
            for (const [ext, data] of s.files) {
              const name = `${s.key}.${ext}`;
              out.set(`${ordinal}:${name}`, data);
              if (!out.has(name)) out.set(name, data);
            }
            ordinal++;
          }
        } catch {
          // A truncated shard still yields its whole samples; the indexer already reported it.
        }
        return out;
      })();
      this.shardCache.set(path, p);
      // Keep at most a few shards decompressed in memory.
      if (this.shardCache.size > 4) this.shardCache.delete(this.shardCache.keys().next().value!);
    }
    return p;
  }
}
