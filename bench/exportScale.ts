/**
 * Export at scale (Node): `npm run bench:export [-- --images 20000 --crops 8 --folder --dir /tmp]`;
 * `--jobs bundle,import` runs only those (of bundle, import, fkd; the import needs the bundle);
 * `--sample-ms 100` spaces the memory samples (default 100 ms, 1 s for a job of over 5 s).
 *
 * The real label-bundle export (workers/labelBundleJob.ts), the import of that bundle back onto the
 * dataset (workers/labelBundleImport.ts: streamed, it holds neither the bundle nor the index) and the FKD tree export
 * (workers/fkdExportJob.ts, with its file-name check) into one .zip, or with `--folder` into a folder
 * through a File System Access handle over node:fs (then creating the files dominates), of a synthetic
 * ImageNet-layout set (1,000 class folders, small MS top-5 records) held in fake-indexeddb. Per job:
 * images/s by wall clock, the peak of heap + ArrayBuffers still referenced above the level before the
 * job (sampled every 100 ms after a full collection, in a second run), what is still referenced after
 * it (what it stored: the import's new set in fake-indexeddb, the export's Blob) and the difference, the
 * job's working memory, and the most rows one store read
 * returned: a job that loads a whole set or index shows it there. fake-indexeddb keeps the store in the
 * same heap, which the baseline leaves out. Last line: one JSON object.
 */
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeLabelRecord, LABEL_RECORD_VERSION } from '../src/core/labelRecord';
import { Rng } from '../src/core/rng';
import {
  deleteLabelSet,
  openStudioDb,
  putDataset,
  putDatasetItems,
  putLabelRecords,
  putLabelSet,
  type StudioDb,
} from '../src/store';
import { makeLabelSet, watchStoreReads } from '../src/store/test-fixtures';
import { runFkdExport } from '../src/workers/fkdExportJob';
import { importLabelSetBundle } from '../src/workers/labelBundleImport';
import { exportLabelSetBundle } from '../src/workers/labelBundleJob';
import { arg, fmt, table } from './harness';
import { fsDirectoryHandle } from './interopFs';
import { measureRun } from './measureRun';

const IMAGES = arg('images', 20_000);
const CROPS = arg('crops', 8);
const C = 1000;
const K = 5;
const FOLDER = process.argv.includes('--folder');
const JOBS = (() => {
  const i = process.argv.indexOf('--jobs');
  return new Set(i >= 0 ? process.argv[i + 1].split(',') : ['bundle', 'import', 'fkd']);
})();
/** Memory samples' spacing, ms (default: 100, or 1,000 for a job of over 5 s). */
const SAMPLE_MS = arg('sample-ms', 0);
if (JOBS.has('import') && !JOBS.has('bundle')) throw new Error('--jobs: the import needs the bundle job');
const DIR = (() => {
  const i = process.argv.indexOf('--dir');
  return i >= 0 ? process.argv[i + 1] : tmpdir();
})();

function makeRecord(rng: Rng): Uint8Array {
  const boxes = new Int32Array(4 * CROPS);
  const indices = new Uint16Array(K * CROPS);
  const probs = new Float32Array(K * CROPS);
  for (let c = 0; c < CROPS; c++) {
    boxes.set([rng.int(0, 100), rng.int(0, 100), rng.int(1, 275), rng.int(1, 400)], 4 * c);
    const ids = new Set<number>();
    while (ids.size < K) ids.add(rng.int(0, C - 1));
    indices.set([...ids], K * c);
    for (let j = 0; j < K; j++) probs[K * c + j] = Math.fround(0.19 - 0.02 * j);
  }
  return encodeLabelRecord({
    version: LABEL_RECORD_VERSION,
    spec: { codec: 'msTopK', k: K, precision: 'f16', numClasses: C },
    imageWidth: 500,
    imageHeight: 375,
    numCrops: CROPS,
    boxes,
    flips: Uint8Array.from({ length: CROPS }, (_, i) => i % 2),
    indices,
    probs,
  });
}

async function build(db: StudioDb): Promise<void> {
  const classes = Array.from({ length: C }, (_, i) => ({
    index: i,
    name: `class ${i}`,
    folder: `n${String(1440764 + i).padStart(8, '0')}`,
  }));
  await putDataset(db, {
    id: 'big',
    name: 'synthetic ImageNet layout',
    source: 'folder',
    layout: 'imagefolder',
    numClasses: C,
    classes,
    counts: { train: IMAGES, val: 0 },
    skipped: [],
    createdAt: 1,
    updatedAt: 1,
  });
  const perClass = Math.ceil(IMAGES / C);
  const rng = new Rng(7);
  const pool = Array.from({ length: 32 }, () => makeRecord(rng));
  const set = makeLabelSet('big-labels', 'big');
  await putLabelSet(db, {
    ...set,
    numClasses: C,
    imagesTotal: IMAGES,
    settings: { ...set.settings, numCrops: CROPS, codec: 'msTopK', k: K, precision: 'f16' },
  });
  for (let lo = 0; lo < IMAGES; lo += 5000) {
    const n = Math.min(5000, IMAGES - lo);
    const idx = Array.from({ length: n }, (_, j) => lo + j);
    await putDatasetItems(
      db,
      'big',
      'train',
      idx.map((i) => {
        const cls = Math.floor(i / perClass);
        const folder = classes[cls].folder;
        return { index: i, path: `train/${folder}/${folder}_${i}.JPEG`, classIndex: cls, bytes: 110_000 };
      }),
    );
    await putLabelRecords(
      db,
      'big-labels',
      idx.map((i) => ({ imageIndex: i, record: pool[i % pool.length] })),
      lo + n >= IMAGES ? { status: 'done' } : {},
    );
  }
}

/** `measureRun` of `fn` plus the largest single store read it made. */
async function run(fn: () => Promise<unknown>, live: boolean, everyMs?: number) {
  const reads = watchStoreReads();
  try {
    const { seconds, liveMB, endMB } = await measureRun(fn, live, everyMs);
    return { seconds, liveMB, endMB, largestRead: reads.largest() };
  } finally {
    reads.stop();
  }
}

async function main() {
  const db = await openStudioDb(`bench-export-${Date.now()}`);
  const t0 = performance.now();
  await build(db);
  const buildS = (performance.now() - t0) / 1000;
  console.log(`built ${IMAGES} images x ${CROPS} crops in ${fmt(buildS)} s (fake-indexeddb)`);
  let bundleBlob = new Blob([]);
  let imported: string | undefined;
  const bundle = async () => {
    bundleBlob = await exportLabelSetBundle('big-labels', db);
  };
  const bundleImport = async () => {
    const r = await importLabelSetBundle(bundleBlob, 'big', db);
    if (r.imported !== IMAGES) throw new Error(`bundle import wrote ${r.imported} of ${IMAGES} records`);
    imported = r.labelSetId;
  };
  const fkd = async () => {
    const dir = FOLDER ? mkdtempSync(join(DIR, 'fkd-export-')) : undefined;
    try {
      const r = await runFkdExport(
        { labelSetId: 'big-labels', ...(dir ? { target: fsDirectoryHandle(dir) } : {}) },
        db,
        new AbortController().signal,
      );
      if (r.written !== IMAGES) throw new Error(`FKD export wrote ${r.written} of ${IMAGES} files`);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  };
  const rows: Record<string, number | string>[] = [];
  const jobs = [
    ['bundle', 'label bundle', bundle],
    ['import', 'label bundle import', bundleImport],
    ['fkd', FOLDER ? 'FKD tree (folder)' : 'FKD tree (zip)', fkd],
  ] as const;
  for (const [, job, fn] of jobs.filter(([key]) => JOBS.has(key))) {
    // Each run finds the store as the build left it (fake-indexeddb holds it in this heap).
    const tidy = async () => {
      if (imported) await deleteLabelSet(db, imported);
      imported = undefined;
    };
    const timed = await run(fn, false);
    await tidy();
    console.log(`${job}: ${fmt(timed.seconds)} s; measuring its memory`);
    // Writing files takes seconds: a sample a second lets it run between full collections.
    const mem = await run(fn, true, SAMPLE_MS || (timed.seconds > 5 ? 1000 : 100));
    await tidy();
    rows.push({
      job,
      imagesPerS: IMAGES / timed.seconds,
      seconds: timed.seconds,
      liveMB: mem.liveMB,
      endMB: mem.endMB,
      largestRead: timed.largestRead,
    });
  }
  console.log(
    table(
      [
        'job',
        'images/s',
        'seconds',
        'peak live MB',
        'live after MB',
        'working MB',
        'largest store read (rows)',
      ],
      rows.map((r) => [
        r.job,
        r.imagesPerS,
        r.seconds,
        r.liveMB,
        r.endMB,
        (r.liveMB as number) - (r.endMB as number),
        r.largestRead,
      ]),
    ),
  );
  const bundleBytes = bundleBlob.size;
  console.log(`bundle ${fmt(bundleBytes / 2 ** 20)} MB; ${cpus().length} cores, load ${fmt(loadavg()[0])}`);
  console.log(
    JSON.stringify({
      bench: 'export',
      images: IMAGES,
      crops: CROPS,
      bundleBytes,
      jobs: rows.map((r) => ({
        job: r.job,
        imagesPerS: Math.round(r.imagesPerS as number),
        seconds: Number((r.seconds as number).toFixed(2)),
        liveMB: Number((r.liveMB as number).toFixed(1)),
        endMB: Number((r.endMB as number).toFixed(1)),
        workingMB: Number(((r.liveMB as number) - (r.endMB as number)).toFixed(1)),
        largestRead: r.largestRead,
      })),
    }),
  );
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
