/**
 * ImageNet class index helpers: wnid <-> index <-> name, and class-folder mapping.
 *
 * Why: FKD's released labels and any ImageNet teacher speak in the standard 1000-class order (index 0 =
 * n01440764 tench; the order is the sorted wnids). A user folder whose class folders are all wnids must
 * map to those indices, not to 0..n-1 of the subset, or a 1000-way teacher's labels land on the wrong
 * classes. Any other folder layout gets torchvision ImageFolder's rule: sorted folder names -> 0..n-1.
 */
import { compareCodePoints } from './codePoints';

export interface ClassInfo {
  index: number;
  wnid: string;
  name: string;
}

export interface FolderClass {
  folder: string;
  index: number;
  name: string;
}

const WNID = /^n\d{8}$/;

/** True for a WordNet noun id as ImageNet uses them, e.g. "n01440764". */
export function isWnid(s: string): boolean {
  return WNID.test(s);
}

/** Lookup tables; throws on duplicate wnids or indices so a broken class list fails loudly. */
export function buildClassIndex(entries: ClassInfo[]): {
  byWnid: Map<string, ClassInfo>;
  byIndex: ClassInfo[];
} {
  const byWnid = new Map<string, ClassInfo>();
  const byIndex: ClassInfo[] = [];
  for (const e of entries) {
    if (!Number.isInteger(e.index) || e.index < 0)
      throw new Error(`class list: bad index ${e.index} (${e.wnid})`);
    if (byWnid.has(e.wnid)) throw new Error(`class list: duplicate wnid ${e.wnid}`);
    if (byIndex[e.index] !== undefined) throw new Error(`class list: duplicate index ${e.index}`);
    byWnid.set(e.wnid, e);
    byIndex[e.index] = e;
  }
  for (let i = 0; i < byIndex.length; i++) {
    if (byIndex[i] === undefined) throw new Error(`class list: index ${i} missing`);
  }
  return { byWnid, byIndex };
}

/** Validates parsed JSON (e.g. imagenet-classes.json: {index, wnid, name, names}[]) into ClassInfo[]. */
export function parseClassList(json: unknown): ClassInfo[] {
  if (!Array.isArray(json)) throw new Error('class list: expected an array');
  return json.map((e: unknown, k) => {
    const o = e as Partial<Record<keyof ClassInfo, unknown>> | null;
    if (!o || typeof o.index !== 'number' || typeof o.wnid !== 'string' || typeof o.name !== 'string') {
      throw new Error(`class list: entry ${k} lacks index/wnid/name`);
    }
    return { index: o.index, wnid: o.wnid, name: o.name };
  });
}

/**
 * Class folders -> class indices. If `imagenet` is given and every folder is a wnid in it, the result is
 * kind 'imagenet' with the standard indices and short names (sorted by index; indices may have gaps for
 * a subset). Otherwise kind 'folders': names sorted as ImageFolder sorts them, indices 0..n-1.
 */
export function mapClassFolders(
  folderNames: string[],
  imagenet?: ClassInfo[],
): { classes: FolderClass[]; kind: 'imagenet' | 'folders' } {
  if (new Set(folderNames).size !== folderNames.length) throw new Error('class folders: duplicate names');
  if (imagenet && folderNames.length > 0 && folderNames.every(isWnid)) {
    const { byWnid } = buildClassIndex(imagenet);
    if (folderNames.every((f) => byWnid.has(f))) {
      const classes = folderNames.map((f) => {
        const c = byWnid.get(f) as ClassInfo;
        return { folder: f, index: c.index, name: c.name };
      });
      classes.sort((a, b) => a.index - b.index);
      return { classes, kind: 'imagenet' };
    }
  }
  const sorted = [...folderNames].sort(compareCodePoints);
  return { classes: sorted.map((folder, index) => ({ folder, index, name: folder })), kind: 'folders' };
}
