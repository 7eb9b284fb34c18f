/**
 * FKD names a label file by its image's class folder and stem (train/<folder>/<stem>.tar), so two
 * labelled images can claim one file (a.JPEG and a.png, nested folders of one name, WebDataset keys
 * repeated across shards). The check runs before any file is written, folder by folder over the
 * index's runs (folderRuns.ts), holding a 53-bit hash per labelled image of one folder (8 bytes), never
 * a name per image of the set; a repeated hash is confirmed by the names themselves.
 */
import { hash53 } from '../core/murmur3';
import { fkdLabelPath, fkdStem } from '../core/torchfile/convert';
import { hasLabelRecords, type StudioDb } from '../store';
import { FolderRuns } from './folderRuns';

/** Index rows per read: no read larger than the export's own. */
const CHECK_PAGE = 512;

/** A growable array of doubles. */
class Hashes {
  a = new Float64Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const grown = new Float64Array(this.a.length * 2);
      grown.set(this.a);
      this.a = grown;
    }
    this.a[this.n++] = x;
  }
}

/** Throws when two labelled images of the set map to the same FKD file; says which. */
export async function checkFkdNames(
  db: StudioDb,
  labelSetId: string,
  datasetId: string,
  trainImages: number,
): Promise<void> {
  const runs = await FolderRuns.build(db, datasetId, 'train', trainImages, CHECK_PAGE);
  const labelled = async function* (folder: string) {
    for await (const page of runs.items(folder)) {
      const has = await hasLabelRecords(
        db,
        labelSetId,
        page.map((it) => it.index),
      );
      yield page.filter((_, n) => has[n]);
    }
  };
  for (const folder of runs.folders()) {
    const hashes = new Hashes();
    for await (const page of labelled(folder)) for (const it of page) hashes.push(hash53(fkdStem(it.path)));
    const sorted = hashes.a.subarray(0, hashes.n).sort();
    const repeated = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]);
    if (repeated.size === 0) continue;
    // Only the images whose hash repeats are named: a real clash, or (rarely) two stems of one hash.
    const seen = new Map<string, string>();
    for await (const page of labelled(folder)) {
      for (const it of page) {
        const stem = fkdStem(it.path);
        if (!repeated.has(hash53(stem))) continue;
        const other = seen.get(stem);
        if (other !== undefined)
          throw new Error(
            `two images map to ${fkdLabelPath(it.path)}: ${other} and ${it.path} ` +
              '(FKD names files by class folder and the stem before the first dot); nothing was written',
          );
        seen.set(stem, it.path);
      }
    }
  }
}
