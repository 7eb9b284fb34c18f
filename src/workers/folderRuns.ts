/**
 * A split's index looked up one folder at a time. One paged pass notes, per parent folder, the runs of
 * indices its items occupy (a class folder is one run, plus one per batch a re-open check appended),
 * so a job that works folder by folder reads just that folder's entries: memory grows with the folders,
 * not the images.
 */
import { getDatasetItems, type DatasetItem, type StudioDb, type Split } from '../store';

/** Index rows per read. */
export const FOLDER_PAGE = 1024;

/** The folder an item's file sits in (its path's last folder; '' at the root). */
export function parentFolder(path: string): string {
  const parts = path.split('/');
  return parts.length >= 2 ? parts[parts.length - 2] : '';
}

export class FolderRuns {
  private constructor(
    private readonly db: StudioDb,
    private readonly datasetId: string,
    private readonly split: Split,
    /** Folder → [start, end, start, end, …] of its items' indices, ascending. */
    private readonly runs: Map<string, number[]>,
  ) {}

  static async build(db: StudioDb, datasetId: string, split: Split, total: number): Promise<FolderRuns> {
    const runs = new Map<string, number[]>();
    for (let lo = 0; lo < total; lo += FOLDER_PAGE) {
      for (const it of await getDatasetItems(db, datasetId, split, lo, Math.min(total, lo + FOLDER_PAGE))) {
        const folder = parentFolder(it.path);
        const r = runs.get(folder);
        if (!r) runs.set(folder, [it.index, it.index + 1]);
        else if (r[r.length - 1] === it.index) r[r.length - 1]++;
        else r.push(it.index, it.index + 1);
      }
    }
    return new FolderRuns(db, datasetId, split, runs);
  }

  /** The index entries of the items in `folder`, a page at a time. */
  async *items(folder: string): AsyncGenerator<DatasetItem[], void, undefined> {
    const r = this.runs.get(folder) ?? [];
    for (let k = 0; k < r.length; k += 2) {
      for (let lo = r[k]; lo < r[k + 1]; lo += FOLDER_PAGE) {
        yield getDatasetItems(this.db, this.datasetId, this.split, lo, Math.min(r[k + 1], lo + FOLDER_PAGE));
      }
    }
  }
}
