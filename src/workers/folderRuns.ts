/**
 * A split's index looked up one folder at a time. One paged pass notes, per parent folder, the runs of
 * indices its items occupy (a class folder is one run, plus one per batch a re-open check appended),
 * so a job that works folder by folder reads just that folder's entries: memory grows with the folders,
 * not the images.
 */
import { getDatasetItems, getDatasetItemsFor, type DatasetItem, type StudioDb, type Split } from '../store';

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
    /** Index rows per read. */
    private readonly page: number,
  ) {}

  static async build(
    db: StudioDb,
    datasetId: string,
    split: Split,
    total: number,
    page = FOLDER_PAGE,
  ): Promise<FolderRuns> {
    const runs = new Map<string, number[]>();
    for (let lo = 0; lo < total; lo += page) {
      for (const it of await getDatasetItems(db, datasetId, split, lo, Math.min(total, lo + page))) {
        const folder = parentFolder(it.path);
        const r = runs.get(folder);
        if (!r) runs.set(folder, [it.index, it.index + 1]);
        else if (r[r.length - 1] === it.index) r[r.length - 1]++;
        else r.push(it.index, it.index + 1);
      }
    }
    return new FolderRuns(db, datasetId, split, runs, page);
  }

  /** The folders, in the order their first items come in the index. */
  folders(): IterableIterator<string> {
    return this.runs.keys();
  }

  /**
   * The index entries of the items in `folder` in index order, half a page of them per read (a read of
   * runs scattered by other folders spans under twice its items: under one page of rows).
   */
  async *items(folder: string): AsyncGenerator<DatasetItem[], void, undefined> {
    const r = this.runs.get(folder) ?? [];
    const chunk = Math.max(1, this.page >> 1);
    let indices: number[] = [];
    const read = async () => {
      const items = await getDatasetItemsFor(this.db, this.datasetId, this.split, indices);
      indices = [];
      return items.filter((it): it is DatasetItem => it !== undefined);
    };
    for (let k = 0; k < r.length; k += 2) {
      for (let i = r[k]; i < r[k + 1]; i++) {
        indices.push(i);
        if (indices.length === chunk) yield read();
      }
    }
    if (indices.length > 0) yield read();
  }
}
