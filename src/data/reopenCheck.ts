/**
 * The re-open check of an indexed folder: list each unit (class folder) once more, names, sizes and
 * lastModified only, never file contents. A unit whose digest matches the one stored at index time
 * is unchanged and its stored items are not even read; only a unit that differs is diffed file by
 * file against its items (one folder in memory at a time), giving exact added/removed/changed lists.
 * Class folders that appeared are reported, not indexed: they may change the class numbering, so
 * they need a re-index. A changed shard or flat val folder is reported the same way (its samples
 * or labels live inside files the check does not read).
 */
import { UnitDigest, type IndexedUnit } from '../core/indexWalk';
import { DEVKIT_GROUND_TRUTH, GROUND_TRUTH_FILES } from './groundTruth';
import { DEFAULT_MAX_IMAGE_BYTES, fileProblem, isJunkName } from './report';
import { SourceNotFoundError, joinPath, listAll, splitPath, type DataSource } from './source';
import type { DatasetItem } from './types';
import { byName } from './walkFolders';

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
  signal?: AbortSignal;
  onProgress?: (p: { unitsDone: number; unitsTotal: number; filesListed: number }) => void;
}

export interface ReopenSummary {
  unitsChecked: number;
  unitsUnchanged: number;
  filesListed: number;
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
    newFolders: [],
    needsReindex: [],
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
    } else {
      const now = await listUnit(source, splitPath(unit.path), unit.kind === 'flatval', maxBytes);
      summary.filesListed += now.files;
      if (now.digest === unit.digest) summary.unitsUnchanged++;
      else if (unit.kind === 'flatval') summary.needsReindex.push(`${unit.path}/`);
      else await opts.onChanged(unit, diffUnit(await opts.readItems(unit), now.usable), now);
    }
    opts.onProgress?.({
      unitsDone: summary.unitsChecked,
      unitsTotal: opts.units.length,
      filesListed: summary.filesListed,
    });
  }
  summary.newFolders = await newFolders(source, opts.units, opts.knownSkipped ?? new Set());
  return summary;
}

/** Lists one unit as the indexer walked it (nested folders included), digesting every file. */
export async function listUnit(
  source: DataSource,
  dir: readonly string[],
  flatVal: boolean,
  maxBytes: number,
): Promise<UnitListing> {
  const digest = new UnitDigest();
  const usable = new Map<string, ListedFile>();
  const gtNames = new Set<string>([...GROUND_TRUTH_FILES, DEVKIT_GROUND_TRUTH]);
  const visit = async (d: readonly string[]): Promise<void> => {
    let entries;
    try {
      entries = await listAll(source, d);
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
      if ((e.error ?? fileProblem(e.name, e.size, maxBytes)) === null)
        usable.set(path, { path, bytes: e.size!, modified: e.modified });
    }
    for (const name of subdirs) await visit([...d, name]);
  };
  await visit(dir);
  return { digest: digest.value(), files: digest.files, usable };
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
    for (const e of await listAll(source, segs)) {
      if (e.kind !== 'directory' || isJunkName(e.name)) continue;
      const path = joinPath([...segs, e.name]);
      if (!have.has(path) && !knownSkipped.has(`${path}/`)) out.push(path);
    }
  }
  return out.sort();
}
