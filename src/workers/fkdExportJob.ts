/**
 * Export a label set as FKD's tree: train/<class folder>/<image stem>.tar per labelled training image,
 * each a torch.save file FKD's train_FKD.py loads unmodified, plus README.md, train_fkd.sh and
 * fkd_studio.json (core/torchfile/exportDocs). Into a folder (File System Access or OPFS), records read
 * from IndexedDB a page at a time (with just their images' index entries) and written a few files at a time; files already in the folder are left
 * alone, so a cancelled export resumes where it stopped (as FKD's generator skips existing files). Two
 * images that would share a file are refused first, folder by folder (fkdNameCheck.ts). Or
 * into one stored .zip built in memory-bounded chunks (fflate's streaming Zip).
 */
import { Zip, ZipPassThrough } from 'fflate';
import { decodeLabelRecord } from '../core/labelRecord';
import { fkdLabelPath, fkdStem, recordToFkd } from '../core/torchfile/convert';
import {
  fkdExportManifest,
  fkdExportReadme,
  fkdLaunchScript,
  fkdTrainerAccepts,
} from '../core/torchfile/exportDocs';
import { fkdLabelTypeName, writeFkdLabelFile } from '../core/torchfile/fkdFile';
import { getDataset, getDatasetItemsFor, getLabelRecordPage, getLabelSet, type StudioDb } from '../store';
import type { ProgressFn } from './api';
import type { FkdExportResult, FkdExportSpec } from './fkdInteropApi';
import { BlobParts } from './blobParts';
import { checkFkdNames } from './fkdNameCheck';
import { ProgressReporter } from './progress';

/** Records read from IndexedDB per page. */
const READ_RANGE = 256;
/** Files being written at once: each File System Access write is a round trip to the browser. */
const WRITES_IN_FLIGHT = 8;

/** Where the tree's files go: a folder, or a zip being built. */
interface Sink {
  exists(path: string[]): Promise<boolean>;
  write(path: string[], data: Uint8Array): Promise<void>;
  finish(): Promise<Blob | undefined>;
}

/** The directory handle's listing, where the browser offers it (Chrome does, OPFS too). */
type Listable = FileSystemDirectoryHandle & { keys?: () => AsyncIterable<string> };

function folderSink(root: FileSystemDirectoryHandle): Sink {
  const dirs = new Map<string, Promise<FileSystemDirectoryHandle>>();
  const dir = (segs: string[]): Promise<FileSystemDirectoryHandle> => {
    const key = segs.join('/');
    let d = dirs.get(key);
    if (!d) {
      d =
        segs.length === 0
          ? Promise.resolve(root)
          : dir(segs.slice(0, -1)).then((p) => p.getDirectoryHandle(segs[segs.length - 1], { create: true }));
      dirs.set(key, d);
    }
    return d;
  };
  // Each class folder is listed once, before this run writes into it: a file not listed is not there,
  // so a fresh export asks the browser nothing per file.
  const listings = new Map<string, Promise<Set<string> | undefined>>();
  const listing = (segs: string[]) => {
    const key = segs.join('/');
    let l = listings.get(key);
    if (!l) {
      l = dir(segs).then(async (d) => {
        const keys = (d as Listable).keys;
        if (!keys) return undefined;
        const names = new Set<string>();
        for await (const n of keys.call(d)) names.add(n);
        return names;
      });
      listings.set(key, l);
    }
    return l;
  };
  return {
    async exists(path) {
      const names = await listing(path.slice(0, -1));
      if (names && !names.has(path[path.length - 1])) return false;
      try {
        const fh = await (await dir(path.slice(0, -1))).getFileHandle(path[path.length - 1]);
        return (await fh.getFile()).size > 0;
      } catch {
        return false;
      }
    },
    async write(path, data) {
      const fh = await (await dir(path.slice(0, -1))).getFileHandle(path[path.length - 1], { create: true });
      // createWritable commits on close: a file is either absent or whole, which resume relies on.
      const w = await fh.createWritable();
      await w.write(data as Uint8Array<ArrayBuffer>);
      await w.close();
    },
    finish: () => Promise.resolve(undefined),
  };
}

/** Up to `limit` writes at once; `add` waits while that many are running, `drain` for all of them; both throw the first failure. */
function writeQueue(limit: number) {
  const running = new Set<Promise<void>>();
  let failed: unknown;
  return {
    async add(write: Promise<void>): Promise<void> {
      const p = write.then(
        () => void running.delete(p),
        (e: unknown) => {
          running.delete(p);
          failed ??= e;
        },
      );
      running.add(p);
      if (running.size >= limit) await Promise.race(running);
      // A failed write ends the job, but only after the others settled: nothing writes on after it.
      if (failed !== undefined) await this.drain();
    },
    async drain(): Promise<void> {
      await Promise.all(running);
      if (failed !== undefined) throw failed;
    },
  };
}

function zipSink(): Sink {
  const parts = new BlobParts('application/zip');
  let error: Error | undefined;
  let ended: () => void;
  const done = new Promise<void>((r) => (ended = r));
  const zip = new Zip((err, chunk, final) => {
    if (err) error = err;
    else parts.add([chunk]);
    if (final || err) ended();
  });
  return {
    exists: () => Promise.resolve(false),
    write(path, data) {
      const entry = new ZipPassThrough(path.join('/'));
      zip.add(entry);
      entry.push(data, true);
      return error ? Promise.reject(error) : Promise.resolve();
    },
    async finish() {
      zip.end();
      await done;
      if (error) throw error;
      return parts.finish();
    },
  };
}

export async function runFkdExport(
  spec: FkdExportSpec,
  db: StudioDb,
  signal: AbortSignal,
  onProgress?: ProgressFn,
): Promise<FkdExportResult> {
  const precision = spec.precision ?? 'f32';
  if (precision !== 'f32' && precision !== 'f16')
    throw new Error(`FKD files hold float32 (f32) or float16 (f16) labels, not '${String(precision)}'`);
  const set = await getLabelSet(db, spec.labelSetId);
  if (!set) throw new Error(`label set ${spec.labelSetId} not found`);
  if (set.settings.labelMix && set.settings.labelMix !== 'none') {
    // FKD's per-image files hold crop boxes, flips and labels, nowhere a partner, lambda or box.
    throw new Error(
      `"${set.name}" was mixed at label time (${set.settings.labelMix}): FKD's label files cannot hold the ` +
        'partner crop, λ and CutMix box of each crop, so it cannot be exported in FKD format; export it as a label bundle instead',
    );
  }
  const dataset = await getDataset(db, set.datasetId);
  if (!dataset) throw new Error(`the dataset of "${set.name}" no longer exists: its image paths are unknown`);
  await checkFkdNames(db, set.id, dataset.id, dataset.counts.train);
  const sink = spec.target ? folderSink(spec.target) : zipSink();
  const report = new ProgressReporter(onProgress);
  const notes: string[] = [];
  if (set.settings.precision === 'q8' || set.settings.precision === 'q16')
    notes.push(`${set.settings.precision} probabilities (c / M) are written as the nearest float32`);
  if (precision === 'f16')
    notes.push('float16: probabilities and box fractions rounded to half precision (FKD --use_fp16)');
  let written = 0;
  let skipped = 0;
  let minCrops = Infinity;
  let labelType = '';
  // Paged by record: the set's keys and the dataset's index are never held whole.
  const total = set.imagesDone;
  let exported = 0;
  let after = -1;
  const queue = writeQueue(WRITES_IN_FLIGHT);
  for (;;) {
    if (signal.aborted) {
      await queue.drain();
      return { written, skipped, labelType, cancelled: true, notes };
    }
    const recs = await getLabelRecordPage(db, set.id, after, READ_RANGE);
    if (recs.length === 0) break;
    const items = await getDatasetItemsFor(
      db,
      dataset.id,
      'train',
      recs.map((r) => r.imageIndex),
    );
    for (let n = 0; n < recs.length; n++) {
      const { imageIndex: index, record: bytes } = recs[n];
      const item = items[n];
      if (!item) throw new Error(`label set "${set.name}" changed during the export (image ${index})`);
      const path = fkdLabelPath(item.path);
      const r = decodeLabelRecord(bytes);
      const f = recordToFkd(r, precision);
      labelType ||= fkdLabelTypeName(f.kind, f.k);
      minCrops = Math.min(minCrops, r.numCrops);
      const segs = path.split('/');
      if (await sink.exists(segs)) {
        skipped++;
        continue;
      }
      await queue.add(sink.write(segs, writeFkdLabelFile(f, fkdStem(item.path))));
      written++;
    }
    exported += recs.length;
    after = recs[recs.length - 1].imageIndex;
    report.update({ phase: 'exporting FKD labels', done: exported, total: Math.max(total, exported) });
  }
  if (exported === 0) throw new Error(`"${set.name}" has no label records to export`);
  await queue.drain();
  if (!fkdTrainerAccepts(labelType))
    notes.push(`${labelType} is not a name FKD's train_FKD.py knows; python/fkd_studio reads it`);
  const info = {
    classes: dataset.classes.map((c) => ({ index: c.index, folder: c.folder ?? c.name, name: c.name })),
    numClasses: set.numClasses,
    numCrops: minCrops,
    labelType,
    precision,
    labelSetName: set.name,
    images: exported,
    notes,
  };
  const enc = new TextEncoder();
  await sink.write(['README.md'], enc.encode(fkdExportReadme(info)));
  await sink.write(['train_fkd.sh'], enc.encode(fkdLaunchScript(info)));
  await sink.write(['fkd_studio.json'], enc.encode(fkdExportManifest(info)));
  report.update({ phase: 'exporting FKD labels', done: exported, total: exported }, true);
  const zip = await sink.finish();
  return { written, skipped, labelType, cancelled: false, notes, ...(zip ? { zip } : {}) };
}
