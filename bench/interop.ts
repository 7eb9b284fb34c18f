/**
 * FKD interop benchmark (Node): `npm run bench:interop [-- --images 2000 --crops 500]`.
 *
 * The real import and export jobs (workers/fkdImportJob.ts, fkdExportJob.ts) on FKD label files of
 * MS top-5 float32 (1000 classes, 500x375 images, 500 crops each, ~37 KB per file as FKD's generator
 * writes them): import reads an FKD tree from disk through a DataSource over node:fs into the store
 * (fake-indexeddb in Node; in the browser it is IndexedDB on disk) and export writes the tree back to
 * disk through a File System Access handle over node:fs. Not measured here: the browser's file access
 * and IndexedDB, and the import's per-image header read for the image size (given as 500x375).
 *
 * Memory: process heap + ArrayBuffers sampled every 20 ms, peak minus the level before the job, at
 * several image counts. Rates are given per wall second and per CPU second of this process (the
 * machine may be shared; the CPU figure is what one free core would do). fake-indexeddb keeps the store in the same heap, so the import's figure
 * includes every record it stored; "working" subtracts the stored record bytes. Flat = the working
 * figure does not grow with the number of images. Last line: one JSON object.
 */
import 'fake-indexeddb/auto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABEL_RECORD_VERSION, type LabelRecord } from '../src/core/labelRecord';
import { Rng } from '../src/core/rng';
import { recordToFkd } from '../src/core/torchfile/convert';
import { writeFkdLabelFile } from '../src/core/torchfile/fkdFile';
import type { DataSource, SourceEntry } from '../src/data/source';
import { getLabelSet, openStudioDb, putDataset, putDatasetItems, type StudioDb } from '../src/store';
import { runFkdExport } from '../src/workers/fkdExportJob';
import { runFkdImport } from '../src/workers/fkdImportJob';
import { fsDirectoryHandle } from './interopFs';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const IMAGES = opt('images', 2000);
const CROPS = opt('crops', 500);
const W = 500;
const H = 375;
const C = 1000;
const K = 5;
const PER_FOLDER = 20;
/** Where the trees go: the system's temp folder unless `--dir` names another (e.g. a tmpfs). */
const DIR = (() => {
  const i = args.indexOf('--dir');
  return i >= 0 ? args[i + 1] : tmpdir();
})();

/** One image's labels as FKD's generator would store them: integer boxes, sorted top-5 with Σ < 1. */
function makeRecord(rng: Rng): LabelRecord {
  const boxes = new Int32Array(4 * CROPS);
  const indices = new Uint16Array(K * CROPS);
  const probs = new Float32Array(K * CROPS);
  for (let c = 0; c < CROPS; c++) {
    const h = rng.int(1, H);
    const w = rng.int(1, W);
    boxes.set([rng.int(0, H - h), rng.int(0, W - w), h, w], 4 * c);
    const ids = new Set<number>();
    while (ids.size < K) ids.add(rng.int(0, C - 1));
    indices.set([...ids], K * c);
    let left = 0.99;
    for (let j = 0; j < K; j++) {
      const p = left * (0.3 + 0.6 * rng.uniform());
      probs[K * c + j] = Math.fround(p);
      left -= p;
    }
  }
  const flips = Uint8Array.from({ length: CROPS }, () => (rng.uniform() < 0.5 ? 1 : 0));
  const spec = { codec: 'msTopK' as const, k: K, precision: 'f32' as const, numClasses: C };
  return {
    version: LABEL_RECORD_VERSION,
    spec,
    imageWidth: W,
    imageHeight: H,
    numCrops: CROPS,
    boxes,
    flips,
    indices,
    probs,
  };
}

const path = (i: number) => ({
  folder: `n${String(Math.floor(i / PER_FOLDER)).padStart(5, '0')}`,
  stem: `img_${i}`,
});

function diskSource(root: string): DataSource {
  return {
    kind: 'fsa',
    name: 'bench-labels',
    async *list(dir): AsyncIterable<SourceEntry> {
      for (const e of readdirSync(join(root, ...dir), { withFileTypes: true }))
        yield e.isDirectory() ? { name: e.name, kind: 'directory' } : { name: e.name, kind: 'file', size: 1 };
    },
    open: (p) => Promise.resolve(new Blob([readFileSync(join(root, ...p))])),
  };
}

/** Peak of heap + ArrayBuffers over `fn`, minus the level before it, in MB. */
async function peakMemory<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; peakMB: number; seconds: number; cpuSeconds: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = used();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, used())), 20);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  peak = Math.max(peak, used());
  return { value, peakMB: (peak - base) / 2 ** 20, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function setupDataset(db: StudioDb, n: number, id: string): Promise<void> {
  await putDataset(db, {
    id,
    name: id,
    source: 'folder',
    layout: 'imagefolder',
    numClasses: C,
    classes: Array.from({ length: C }, (_, i) => ({
      index: i,
      name: `c${i}`,
      folder: path(i * PER_FOLDER).folder,
    })),
    counts: { train: n, val: 0 },
    skipped: [],
    createdAt: 0,
    updatedAt: 0,
  });
  await putDatasetItems(
    db,
    id,
    'train',
    Array.from({ length: n }, (_, index) => {
      const p = path(index);
      return {
        index,
        path: `train/${p.folder}/${p.stem}.JPEG`,
        classIndex: Math.floor(index / PER_FOLDER) % C,
        bytes: 1,
      };
    }),
  );
}

interface Row {
  images: number;
  importPerSec: number;
  importPerCpuSec: number;
  importPeakMB: number;
  importWorkingMB: number;
  exportPerSec: number;
  exportPerCpuSec: number;
  exportPeakMB: number;
}

async function measure(n: number, labelsDir: string, db: StudioDb): Promise<Row> {
  const id = `bench-${n}`;
  await setupDataset(db, n, id);
  const src = diskSource(labelsDir);
  // Only the first n images' files: a tree of n images (the others have no image and are counted).
  const imp = await peakMemory(() =>
    runFkdImport(
      { datasetId: id, root: null as never },
      { db, source: src, imageSize: () => Promise.resolve({ width: W, height: H }) },
      new AbortController().signal,
    ),
  );
  if (imp.value.imported !== n) throw new Error(`imported ${imp.value.imported} of ${n}`);
  const stored = (await getLabelSet(db, imp.value.labelSetId))!.bytes / 2 ** 20;
  const out = mkdtempSync(join(DIR, 'fkd-bench-out-'));
  const exp = await peakMemory(() =>
    runFkdExport(
      { labelSetId: imp.value.labelSetId, target: fsDirectoryHandle(out) },
      db,
      new AbortController().signal,
    ),
  );
  if (exp.value.written !== n) throw new Error(`exported ${exp.value.written} of ${n}`);
  // The round trip gives FKD's files back byte for byte.
  const p = path(n - 1);
  const a = readFileSync(join(out, 'train', p.folder, `${p.stem}.tar`));
  const b = readFileSync(join(labelsDir, 'train', p.folder, `${p.stem}.tar`));
  if (!a.equals(b)) throw new Error('exported file differs from the imported one');
  rmSync(out, { recursive: true, force: true });
  return {
    images: n,
    importPerSec: n / imp.seconds,
    importPerCpuSec: n / imp.cpuSeconds,
    importPeakMB: imp.peakMB,
    importWorkingMB: imp.peakMB - stored,
    exportPerSec: n / exp.seconds,
    exportPerCpuSec: n / exp.cpuSeconds,
    exportPeakMB: exp.peakMB,
  };
}

async function main() {
  const dir = mkdtempSync(join(DIR, 'fkd-bench-'));
  const counts = [...new Set([Math.round(IMAGES / 4), Math.round(IMAGES / 2), IMAGES])];
  const rng = new Rng(1);
  let fileBytes = 0;
  const t0 = performance.now();
  // One tree per count (a tree is exactly the images imported), written by the studio's writer.
  const trees = counts.map((n) => {
    const root = join(dir, `labels-${n}`);
    return { n, root };
  });
  const records = Array.from({ length: IMAGES }, () => makeRecord(rng));
  for (const { n, root } of trees) {
    for (let i = 0; i < n; i++) {
      const p = path(i);
      mkdirSync(join(root, 'train', p.folder), { recursive: true });
      const bytes = writeFkdLabelFile(recordToFkd(records[i]), p.stem);
      if (n === IMAGES) fileBytes += bytes.length;
      writeFileSync(join(root, 'train', p.folder, `${p.stem}.tar`), bytes);
    }
  }
  const setupSeconds = (performance.now() - t0) / 1000;
  records.length = 0;
  const db = await openStudioDb('bench-interop');
  const rows: Row[] = [];
  for (const { n, root } of trees) rows.push(await measure(n, root, db));
  rmSync(dir, { recursive: true, force: true });

  const fmt = (x: number, d = 0) => x.toFixed(d).padStart(9);
  console.log(
    `FKD files: MS top-5 float32, ${C} classes, ${CROPS} crops, ${(fileBytes / IMAGES / 1024).toFixed(1)} KiB per file (setup ${setupSeconds.toFixed(1)} s)`,
  );
  console.log('   images  import/s  /CPU-s   peak MB  working MB  export/s  /CPU-s   peak MB');
  for (const r of rows)
    console.log(
      [fmt(r.images), fmt(r.importPerSec), fmt(r.importPerCpuSec), fmt(r.importPeakMB, 1)].join(' ') +
        ` ${fmt(r.importWorkingMB, 1).padStart(11)} ` +
        [fmt(r.exportPerSec), fmt(r.exportPerCpuSec), fmt(r.exportPeakMB, 1)].join(' '),
    );
  console.log(
    `load average over the run: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(', ')} on ${cpus().length} cores`,
  );
  const last = rows[rows.length - 1];
  const first = rows[0];
  console.log(
    JSON.stringify({
      bench: 'interop',
      images: IMAGES,
      crops: CROPS,
      fileKiB: +(fileBytes / IMAGES / 1024).toFixed(1),
      importImagesPerSec: Math.round(last.importPerSec),
      exportImagesPerSec: Math.round(last.exportPerSec),
      importImagesPerCpuSec: Math.round(last.importPerCpuSec),
      exportImagesPerCpuSec: Math.round(last.exportPerCpuSec),
      loadAverage: +loadavg()[1].toFixed(1),
      importWorkingMB: rows.map((r) => +r.importWorkingMB.toFixed(1)),
      exportPeakMB: rows.map((r) => +r.exportPeakMB.toFixed(1)),
      imagesAt: rows.map((r) => r.images),
      memoryGrowthRatio: +((last.exportPeakMB + 1) / (first.exportPeakMB + 1)).toFixed(2),
    }),
  );
}

void main();
