/**
 * The re-open check of an indexed folder. Each unit (class folder) is listed again by names alone
 * (no file is asked for its size or date) and the listing's names digest is compared with the one
 * stored at index time: equal names mean nothing was added or removed, and its stored items are not
 * read. Only a unit whose names differ is listed in full (sizes and dates) and diffed file by file
 * against its items (one folder in memory at a time), giving exact added/removed/changed lists.
 * A file rewritten in place keeps its name: a small random sample of stored items is asked for its
 * size and date (a mismatch sends its unit through the full diff), and every job compares them when
 * it reads a file (readImage), so the rest are caught lazily. Class folders that appeared are
 * reported, not indexed: they may change the class numbering, so they need a re-index. A changed
 * shard or flat val folder is reported the same way (its samples or labels live inside files the
 * check does not read).
 */
import { UnitDigest, type IndexedUnit } from '../core/indexWalk';
import { Rng } from '../core/rng';
import { DEVKIT_GROUND_TRUTH, GROUND_TRUTH_FILES } from './groundTruth';
import { DEFAULT_MAX_IMAGE_BYTES, fileProblem, isJunkName } from './report';
import { SourceNotFoundError, joinPath, listAll, splitPath, type DataSource } from './source';
import type { DatasetItem, Split } from './types';
import { byName } from './walkFolders';

/** Stored items whose file is asked for its size and date at a re-open (spread over unchanged units). */
export const REOPEN_SAMPLE = 128;

export interface ListedFile {
  path: string;
  bytes: number;
  modified?: number;
}

export interface UnitDiff {
  /** Usable images in the folder that the index does not have. */
  added: ListedFile[];
  /** Indexed images whose file is gone or no longer usable. */
  removed: DatasetItem[];
  /** Indexed images whose size or lastModified differs (or that came back after being gone). */
  changed: { item: DatasetItem; now: ListedFile }[];
}

export interface UnitListing {
  digest: string;
  /** Digest of the paths alone (what a names-only listing can compare). */
  names: string;
  files: number;
  /** The unit's usable images now, by path. */
  usable: Map<string, ListedFile>;
}

export interface ReopenOptions {
  units: readonly IndexedUnit[];
  /** The stored items of one unit (its ranges). Called only for a unit whose digest differs. */
  readItems: (unit: IndexedUnit) => Promise<DatasetItem[]>;
  /** Applies one changed unit's diff (awaited before the next unit is listed). */
  onChanged: (unit: IndexedUnit, diff: UnitDiff, now: UnitListing) => Promise<void> | void;
  /** Paths reported as skipped at index time (`folder/`): not "new" folders. */
  knownSkipped?: ReadonlySet<string>;
  maxImageBytes?: number;
  /** Stored items at some indices of one split: the sample's. Without it no sample is taken. */
  readItemsAt?: (split: Split, indices: readonly number[]) => Promise<DatasetItem[]>;
  /** Units a job found a changed file in (by path): compared in full even when their names match. */
  suspects?: ReadonlySet<string>;
  /** How many stored items to ask for size and date (default REOPEN_SAMPLE). */
  sample?: number;
  /** Seed of the sample's choice. */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (p: { unitsDone: number; unitsTotal: number; filesListed: number }) => void;
}

export interface ReopenSummary {
  unitsChecked: number;
  unitsUnchanged: number;
  filesListed: number;
  /** Units whose names alone were compared (listed without asking any file for its size or date). */
  unitsByName: number;
  /** Stored items whose file was asked for its size and date, and how many of those differed. */
  sampled: number;
  sampleMismatches: number;
  /** Class folders not in the index (re-index to include them). */
  newFolders: string[];
  /** Shards or flat val folders that differ (re-index to re-read them). */
  needsReindex: string[];
}

export async function checkUnits(source: DataSource, opts: ReopenOptions): Promise<ReopenSummary> {
  const maxBytes = opts.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const summary: ReopenSummary = {
    unitsChecked: 0,
    unitsUnchanged: 0,
    filesListed: 0,
    unitsByName: 0,
    sampled: 0,
    sampleMismatches: 0,
    newFolders: [],
    needsReindex: [],
  };
  const unchanged: IndexedUnit[] = [];
  /** Lists a unit in full and applies its diff (or reports it for a re-index). */
  const compare = async (unit: IndexedUnit, now?: UnitListing) => {
    now ??= await listUnit(source, splitPath(unit.path), unit.kind === 'flatval', maxBytes);
    if (unit.kind === 'flatval') summary.needsReindex.push(`${unit.path}/`);
    else await opts.onChanged(unit, diffUnit(await opts.readItems(unit), now.usable), now);
  };
  for (const unit of opts.units) {
    opts.signal?.throwIfAborted();
    summary.unitsChecked++;
    if (unit.kind === 'shard') {
      const digest = new UnitDigest();
      try {
        const blob = await source.open(splitPath(unit.path));
        digest.add(unit.path, blob.size, (blob as Partial<File>).lastModified);
      } catch (e) {
        if (!(e instanceof SourceNotFoundError)) throw e;
      }
      summary.filesListed += digest.files;
      if (digest.value() === unit.digest) summary.unitsUnchanged++;
      else summary.needsReindex.push(unit.path);
    } else if (unit.names !== undefined) {
      const dir = splitPath(unit.path);
      const named = await listUnit(source, dir, unit.kind === 'flatval', maxBytes, true);
      summary.filesListed += named.files;
      summary.unitsByName++;
      if (named.names === unit.names && !opts.suspects?.has(unit.path)) {
        summary.unitsUnchanged++;
        unchanged.push(unit);
      } else await compare(unit);
    } else {
      // Indexed before names digests: one full listing, which also stores its names for next time.
      const now = await listUnit(source, splitPath(unit.path), unit.kind === 'flatval', maxBytes);
      summary.filesListed += now.files;
      if (now.digest === unit.digest) {
        unit.names = now.names;
        summary.unitsUnchanged++;
      } else await compare(unit, now);
    }
    opts.onProgress?.({
      unitsDone: summary.unitsChecked,
      unitsTotal: opts.units.length,
      filesListed: summary.filesListed,
    });
  }
  if (opts.readItemsAt) {
    const suspects = await sampleUnits(source, unchanged, opts.readItemsAt, opts, summary);
    for (const unit of suspects) {
      opts.signal?.throwIfAborted();
      summary.unitsUnchanged--;
      await compare(unit);
    }
  }
  summary.newFolders = await newFolders(source, opts.units, opts.knownSkipped ?? new Set());
  return summary;
}

/**
 * Asks a random sample of the unchanged units' stored items for their file's size and date; returns
 * the units where one differs (a file rewritten under the same name), for the full diff.
 */
async function sampleUnits(
  source: DataSource,
  units: readonly IndexedUnit[],
  readItemsAt: NonNullable<ReopenOptions['readItemsAt']>,
  opts: ReopenOptions,
  summary: ReopenSummary,
): Promise<IndexedUnit[]> {
  const ranges = units.flatMap((unit) => unit.ranges.map((r) => ({ unit, ...r })));
  const total = ranges.reduce((n, r) => n + r.end - r.start, 0);
  const want = Math.min(total, opts.sample ?? REOPEN_SAMPLE);
  if (want === 0) return [];
  const rng = new Rng(opts.seed ?? 0, 7);
  const picked: Record<Split, Map<number, IndexedUnit>> = { train: new Map(), val: new Map() };
  for (let n = 0, tries = 0; n < want && tries < want * 8; tries++) {
    let at = rng.int(0, total - 1);
    let k = 0;
    const size = (x: (typeof ranges)[number]) => x.end - x.start;
    while (at >= size(ranges[k])) at -= size(ranges[k++]);
    const r = ranges[k];
    const index = r.start + at;
    if (picked[r.split].has(index)) continue;
    picked[r.split].set(index, r.unit);
    n++;
  }
  const suspects = new Set<IndexedUnit>();
  for (const split of ['train', 'val'] as const) {
    const byIndex = picked[split];
    if (byIndex.size === 0) continue;
    for (const item of await readItemsAt(split, [...byIndex.keys()])) {
      opts.signal?.throwIfAborted();
      if (item.gone) continue;
      summary.sampled++;
      if (await sameOnDisk(source, item)) continue;
      summary.sampleMismatches++;
      suspects.add(byIndex.get(item.index)!);
    }
  }
  return [...suspects];
}

/** True when the item's file is there with the size and date the index has. */
async function sameOnDisk(source: DataSource, item: DatasetItem): Promise<boolean> {
  try {
    const f = await source.open(splitPath(item.path));
    return diskChange(item, f) === null;
  } catch (e) {
    if (e instanceof SourceNotFoundError) return false;
    throw e;
  }
}

/**
 * Why a file is not the one indexed (size or lastModified differ; by `sizeOnly` the size alone), or
 * null. Only files of sources that tell dates (local folders) are compared: a shard sample is a part of
 * its shard, image bytes (the studio copy, tar members) carry no date, and the embedded sets cannot
 * change.
 */
export const CHANGED_ON_DISK = 'changed on disk since indexing';

export function diskChange(item: DatasetItem, blob: Blob | Uint8Array, sizeOnly = false): string | null {
  if (ArrayBuffer.isView(blob)) return null;
  const modified = (blob as Partial<File>).lastModified;
  if (item.shard !== undefined || item.modified === undefined || modified === undefined) return null;
  if (blob.size === item.bytes && (sizeOnly || modified === item.modified)) return null;
  const what = blob.size !== item.bytes ? `${item.bytes} → ${blob.size} bytes` : 'its date differs';
  return `${CHANGED_ON_DISK} (${what}): use Check for changes on the dataset to take it in`;
}

/**
 * Lists one unit as the indexer walked it (nested folders included), digesting every file; by
 * `namesOnly` only names are listed (no size or date: `digest` and `usable` then mean nothing).
 */
export async function listUnit(
  source: DataSource,
  dir: readonly string[],
  flatVal: boolean,
  maxBytes: number,
  namesOnly = false,
): Promise<UnitListing> {
  const digest = new UnitDigest();
  const usable = new Map<string, ListedFile>();
  const gtNames = new Set<string>([...GROUND_TRUTH_FILES, DEVKIT_GROUND_TRUTH]);
  const visit = async (d: readonly string[]): Promise<void> => {
    let entries;
    try {
      entries = await listAll(source, d, namesOnly);
    } catch (e) {
      // A class folder deleted whole: every one of its images is removed.
      if (e instanceof SourceNotFoundError && d === dir) return;
      throw e;
    }
    entries.sort(byName);
    const subdirs: string[] = [];
    for (const e of entries) {
      if (e.kind === 'directory') {
        if (!isJunkName(e.name) && !flatVal) subdirs.push(e.name);
        continue;
      }
      if (flatVal && gtNames.has(e.name)) continue;
      const path = joinPath([...d, e.name]);
      digest.add(path, e.size, e.modified);
      if (namesOnly) continue;
      if ((e.error ?? fileProblem(e.name, e.size, maxBytes)) === null)
        usable.set(path, { path, bytes: e.size!, modified: e.modified });
    }
    for (const name of subdirs) await visit([...d, name]);
  };
  await visit(dir);
  return { digest: digest.value(), names: digest.namesValue(), files: digest.files, usable };
}

/** Exact differences between a unit's stored items and what its folder holds now. */
export function diffUnit(items: readonly DatasetItem[], usable: ReadonlyMap<string, ListedFile>): UnitDiff {
  const left = new Map(usable);
  const diff: UnitDiff = { added: [], removed: [], changed: [] };
  for (const item of items) {
    const now = left.get(item.path);
    left.delete(item.path);
    if (!now) {
      if (!item.gone) diff.removed.push(item);
    } else if (item.gone || now.bytes !== item.bytes || now.modified !== item.modified) {
      diff.changed.push({ item, now });
    }
  }
  diff.added = [...left.values()];
  return diff;
}

/** Class folders next to the indexed ones that the index has no unit for. */
async function newFolders(
  source: DataSource,
  units: readonly IndexedUnit[],
  knownSkipped: ReadonlySet<string>,
): Promise<string[]> {
  const folderUnits = units.filter((u) => u.kind === 'folder');
  const have = new Set(folderUnits.map((u) => u.path));
  const parents = new Set(folderUnits.map((u) => joinPath(splitPath(u.path).slice(0, -1))));
  const out: string[] = [];
  for (const parent of parents) {
    const segs = splitPath(parent);
    for (const e of await listAll(source, segs, true)) {
      if (e.kind !== 'directory' || isJunkName(e.name)) continue;
      const path = joinPath([...segs, e.name]);
      if (!have.has(path) && !knownSkipped.has(`${path}/`)) out.push(path);
    }
  }
  return out.sort();
}
