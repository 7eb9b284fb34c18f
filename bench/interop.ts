/**
 * FKD interop benchmark (Node): `npm run bench:interop [-- --images 2000 --crops 500 --dir /tmp]`.
 *
 * The real import and export jobs (workers/fkdImportJob.ts, fkdExportJob.ts) on FKD label files of
 * MS top-5 float32 (1000 classes, 500x375 images, 500 crops each, ~37 KB per file as FKD's generator
 * writes them): import reads an FKD tree from disk through a DataSource over node:fs into the store
 * (fake-indexeddb in Node; in the browser it is IndexedDB on disk) and export writes the tree back to
 * disk through a File System Access handle over node:fs (asynchronous writes, as the browser's).
 * Not measured here: the browser's file access and IndexedDB, and the import's per-image header read
 * for the image size (given as 500x375). `--dir` puts the trees on another file system (default: the
 * system's temp folder), e.g. a tmpfs to leave out the disk's cost of creating files.
 *
 * Rates are given per wall second and per CPU second of this process, its I/O threads included (the
 * machine may be shared; the CPU figure is what free cores would do). Memory comes from a second run
 * of the same import and export: the peak of heap + ArrayBuffers still referenced (sampled after a
 * full collection) above the level before the job, at several image counts. fake-indexeddb keeps the
 * store in the same heap, so the import's figure leaves out the stored record bytes. Flat = the
 * figures do not grow with the number of images. Last line: one JSON object.
 */
import 'fake-indexeddb/auto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
import { measureRun } from './measureRun';

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
    open: (p) => readFile(join(root, ...p)).then((b) => new Blob([b])),
  };
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
  importLiveMB: number;
  exportPerSec: number;
  exportPerCpuSec: number;
  exportLiveMB: number;
}

/** One import of the tree into a new label set and its export into a new folder (checked). */
async function importExport(n: number, id: string, labelsDir: string, db: StudioDb, live: boolean) {
  const imp = await measureRun(
    () =>
      runFkdImport(
        { datasetId: id, root: null as never },
        { db, source: diskSource(labelsDir), imageSize: () => Promise.resolve({ width: W, height: H }) },
        new AbortController().signal,
      ),
    live,
  );
  if (imp.value.imported !== n) throw new Error(`imported ${imp.value.imported} of ${n}`);
  const stored = (await getLabelSet(db, imp.value.labelSetId))!.bytes / 2 ** 20;
  const out = mkdtempSync(join(DIR, 'fkd-bench-out-'));
  const exp = await measureRun(
    () =>
      runFkdExport(
        { labelSetId: imp.value.labelSetId, target: fsDirectoryHandle(out) },
        db,
        new AbortController().signal,
      ),
    live,
  );
  if (exp.value.written !== n) throw new Error(`exported ${exp.value.written} of ${n}`);
  // The round trip gives FKD's files back byte for byte.
  for (const i of [0, n >> 1, n - 1]) {
    const p = path(i);
    const a = readFileSync(join(out, 'train', p.folder, `${p.stem}.tar`));
    const b = readFileSync(join(labelsDir, 'train', p.folder, `${p.stem}.tar`));
    if (!a.equals(b)) throw new Error(`exported ${p.stem}.tar differs from the imported one`);
  }
  rmSync(out, { recursive: true, force: true });
  return { imp, exp, stored };
}

async function measure(n: number, labelsDir: string, db: StudioDb): Promise<Row> {
  const id = `bench-${n}`;
  await setupDataset(db, n, id);
  // Only the first n images' files: a tree of n images. First the timed run, then the memory run.
  const timed = await importExport(n, id, labelsDir, db, false);
  const mem = await importExport(n, id, labelsDir, db, true);
  return {
    images: n,
    importPerSec: n / timed.imp.seconds,
    importPerCpuSec: n / timed.imp.cpuSeconds,
    // fake-indexeddb holds the stored records in this heap; a browser's IndexedDB is on disk.
    importLiveMB: mem.imp.liveMB - mem.stored,
    exportPerSec: n / timed.exp.seconds,
    exportPerCpuSec: n / timed.exp.cpuSeconds,
    exportLiveMB: mem.exp.liveMB,
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
    `FKD files: MS top-5 float32, ${C} classes, ${CROPS} crops, ${(fileBytes / IMAGES / 1024).toFixed(1)} KiB per file (setup ${setupSeconds.toFixed(1)} s), in ${DIR}`,
  );
  console.log('   images  import/s  /CPU-s   live MB  export/s  /CPU-s   live MB');
  for (const r of rows)
    console.log(
      [
        fmt(r.images),
        fmt(r.importPerSec),
        fmt(r.importPerCpuSec),
        fmt(r.importLiveMB, 1),
        fmt(r.exportPerSec),
        fmt(r.exportPerCpuSec),
        fmt(r.exportLiveMB, 1),
      ].join(' '),
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
      dir: DIR,
      fileKiB: +(fileBytes / IMAGES / 1024).toFixed(1),
      importImagesPerSec: Math.round(last.importPerSec),
      exportImagesPerSec: Math.round(last.exportPerSec),
      importImagesPerCpuSec: Math.round(last.importPerCpuSec),
      exportImagesPerCpuSec: Math.round(last.exportPerCpuSec),
      loadAverage: +loadavg()[1].toFixed(1),
      importLiveMB: rows.map((r) => +r.importLiveMB.toFixed(1)),
      exportLiveMB: rows.map((r) => +r.exportLiveMB.toFixed(1)),
      imagesAt: rows.map((r) => r.images),
      memoryGrowthRatio: +((last.exportLiveMB + 1) / (first.exportLiveMB + 1)).toFixed(2),
    }),
  );
}

void main();
