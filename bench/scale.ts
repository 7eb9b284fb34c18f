/**
 * bench:scale: how the studio's cost grows with the dataset. For each size (default 10k, 50k, 200k train
 * images over 1,000 wnid classes; `--sizes 2000,8000` for a quick run) a synthetic ImageNet layout of
 * small JPEGs sits in the page's OPFS (built once in a kept profile, bench/scaleTree.ts), the studio
 * indexes it through the folder flow, labels a window of images at the start of a fresh label set and a
 * window at the end of a set whose earlier records are stored (bench/scaleWindows.ts; 2 crops per
 * image, a dense 1000-class teacher on 16-px crops), and trains an FKD student from the whole set for a
 * few seconds (random reads over every image). Per size: indexing files/s, generation images/s at both
 * ends, training images/s, stored label bytes per image, peak memory (the page's JS heap and the
 * browser's processes, workers included) and the longest main-thread task; then each rate at the
 * largest size over the smallest and a projection to 1.28M.
 *
 * Flags: --sizes a,b,c  --classes 1000  --side 48 (image width; height 3/4 of it)  --crops 2
 * --window 2000 (images per generation window)  --train-seconds 20
 * --profile DIR (kept browser profile; default ~/.cache/fkd-bench-scale)  --fresh (a temporary one)
 * --no-trace (memory alone: no main-thread trace, whose hand-over inflates the browser process).
 * --epochs N: train N whole epochs instead of --train-seconds, each its own phase, with every
 * process's memory and what it kept per image read, epoch by epoch (bench/scaleEpochs.ts).
 * --packed (with --epochs): then copies the images into studio storage (docs/packs.md; a 'pack'
 * phase: files/s and memory) and trains the same N epochs again reading from the copy, so the
 * per-epoch table shows KB kept per read for the folder's files and for the pack side by side.
 * --memory-dump (with --no-trace): at each phase's end a Chromium memory-infra dump, MB by allocator
 * of the renderer, browser and GPU processes (bench/memoryDump.ts).
 * --shards: the same images and classes written as WebDataset tar shards instead of files
 * (train/*.tar + val/*.tar, `--per-shard K` samples each, default 1000; bench/scaleShards.ts), under
 * their own OPFS name, so the studio indexes them as a shard set and every later phase reads tar
 * members (slices, or a forward stream per shard where generation walks in order). Every row and the
 * JSON line carry `layout` ('folder' or 'shards'); indexing's rate then counts samples.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/core/recipe';
import { arg, fmt, note, round, runBench, table } from './harness';
import { describePhase, phaseJson, phaseMeter, phaseTable, type PhaseReport } from './scalePhases';
import { importDenseTeacher, indexOpfsFolder } from './scaleData';
import { ensureShards, shardCounts } from './scaleShards';
import { ensureTree } from './scaleTree';
import { describeEpoch, epochTable, trainEpochs, type EpochReport } from './scaleEpochs';
import { labelWindow, prefillRecords } from './scaleWindows';
import { createLabelSet, trainRun, type LabelSpec } from './studioJobs';

const IMAGENET = 1_281_167;
const flag = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const SIZES = (flag('sizes') ?? '10000,50000,200000').split(',').map(Number);
const CLASSES = arg('classes', 1000);
const SIDE = arg('side', 48);
const CROPS = arg('crops', 2);
const WINDOW = arg('window', 2000);
const TRAIN_SECONDS = arg('train-seconds', 20);
const NO_TRACE = process.argv.includes('--no-trace');
const EPOCHS = arg('epochs', 0);
const MEMORY_DUMP = process.argv.includes('--memory-dump');
const PACKED = process.argv.includes('--packed');
const SHARDS = process.argv.includes('--shards');
const PER_SHARD = arg('per-shard', 1000);
const LAYOUT: 'folder' | 'shards' = SHARDS ? 'shards' : 'folder';
if (PACKED && EPOCHS === 0) throw new Error('--packed compares epochs: give --epochs N too');
const PROFILE = process.argv.includes('--fresh')
  ? undefined
  : (flag('profile') ?? join(homedir(), '.cache', 'fkd-bench-scale'));

interface Row {
  /** What the set was read from: the folder tree of JPEG files, or WebDataset shards of the same images. */
  layout: 'folder' | 'shards';
  images: number;
  treeSeconds: number;
  indexFilesPerSec: number;
  genStartImagesPerSec: number;
  genEndImagesPerSec: number;
  resumeWalkSeconds: number;
  prefillSeconds: number;
  trainImagesPerSec: number;
  /** --packed: the copy into studio storage, files/s (train + val), and the packed epochs' images/s. */
  packFilesPerSec?: number;
  packedTrainImagesPerSec?: number;
  labelBytesPerImage: number;
  peakPageHeapMB: number;
  peakBrowserRssMB: number;
  /** Longest main-thread task by wall time over the studio's phases (the bench's own prefill left out). */
  longestTaskMs: number;
  tasksOver50: number;
}

async function oneSize(
  page: Page,
  n: number,
  teacherId: string,
  meter: Awaited<ReturnType<typeof phaseMeter>>,
  phases: PhaseReport[],
) {
  const measure = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const end = await meter.begin(phase);
    const out = await work();
    const r = await end();
    phases.push(r);
    note(describePhase(n, r));
    return out;
  };
  if (n <= 2 * WINDOW) throw new Error(`size ${n}: needs more than 2 x --window (${WINDOW}) images`);
  const sizes = { images: n, classes: CLASSES, side: SIDE };
  const shards = shardCounts({ ...sizes, perShard: PER_SHARD });
  const what = SHARDS
    ? `${shards.train} + ${shards.val} WebDataset shards of ${PER_SHARD} ${SIDE}px JPEGs`
    : `${SIDE}px JPEG files`;
  note(`size ${n}: the tree (${what} over ${CLASSES} classes in OPFS)`);
  const tree = SHARDS
    ? await ensureShards(page, { ...sizes, perShard: PER_SHARD })
    : await ensureTree(page, sizes);
  note(
    tree.reused
      ? `size ${n}: tree ${tree.name} reused`
      : `size ${n}: tree ${tree.name} written in ${fmt(tree.seconds)} s (${tree.restarts} writer restarts)`,
  );
  note(`size ${n}: indexing`);
  const before = phases.length;
  const idx = await measure('index', () => indexOpfsFolder(page, tree.name));
  const indexed = await page.evaluate(async (id) => {
    const { store } = window.__fkd!;
    const d = (await store.getDataset(await store.openStudioDb(), id))!;
    return { layout: d.layout, ...d.counts, skipped: d.skipped.length };
  }, idx.datasetId);
  note(
    `size ${n}: indexed as ${indexed.layout}: ${indexed.train} train + ${indexed.val} val, ${indexed.skipped} skipped`,
  );
  // Shard rates over a set read otherwise (not taken for WebDataset, samples skipped) would mean nothing.
  if (SHARDS && (indexed.layout !== 'webdataset' || indexed.train !== n || indexed.val !== CLASSES))
    throw new Error(`size ${n}: expected ${n} train + ${CLASSES} val samples as webdataset`);
  const spec: LabelSpec = {
    ...{ datasetId: idx.datasetId, teacherId, numCrops: CROPS, inputSize: 16 },
    scale: [0.08, 1],
  };
  note(`size ${n}: labelling ${WINDOW} images at the start`);
  const startSet = await createLabelSet(page, spec);
  const start = await measure('gen start', () => labelWindow(page, startSet, WINDOW));
  const labelBytes = await page.evaluate(async (id) => {
    const s = window.__fkd!.store;
    const set = (await s.getLabelSet(await s.openStudioDb(), id))!;
    return set.bytes / Math.max(1, set.imagesDone);
  }, startSet);
  note(`size ${n}: storing records for images 0..${n - WINDOW - 1}, then labelling the last ${WINDOW}`);
  const endSet = await createLabelSet(page, spec);
  // The bench's own scaffolding (records put from the page): measured, but not a studio phase.
  const prefillSeconds = await measure('(bench prefill)', () =>
    prefillRecords(page, startSet, endSet, n - WINDOW),
  );
  const end = await measure('gen end', () => labelWindow(page, endSet, WINDOW));
  note(
    EPOCHS > 0
      ? `size ${n}: training ${EPOCHS} epochs over the whole set`
      : `size ${n}: training for ${TRAIN_SECONDS} s over the whole set`,
  );
  const cfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    ...{ method: 'fkd', datasetId: idx.datasetId, labelSetId: endSet, arch: 'mlp', width: 64 },
    // Enough epochs that the time window, not the schedule, ends the run at every size.
    ...{ inputSize: 16, channels: 3, epochs: EPOCHS > 0 ? EPOCHS : 50, cropsPerStep: 64 },
    ...{ evalEachPass: false, checkpointEvery: 100_000 },
  };
  let trainImagesPerSec: number;
  let packFilesPerSec: number | undefined;
  let packedTrainImagesPerSec: number | undefined;
  let epochs: EpochReport[] = [];
  if (EPOCHS > 0) {
    const onPhase = (r: PhaseReport) => note(describePhase(n, r));
    const out = await trainEpochs(page, cfg, n, meter, phases, onPhase, LAYOUT);
    epochs = out.epochs;
    trainImagesPerSec = out.imagesPerSec;
    for (const e of epochs) note(`size ${n}: ${describeEpoch(e)}`);
    if (PACKED) {
      note(`size ${n}: copying the images into studio storage`);
      packFilesPerSec = (n + CLASSES) / (await measure('pack', () => packDataset(page, idx.datasetId)));
      note(`size ${n}: copied ${n + CLASSES} images at ${fmt(packFilesPerSec)} files/s`);
      note(`size ${n}: training ${EPOCHS} epochs again, reading the copy`);
      const packed = await trainEpochs(page, cfg, n, meter, phases, onPhase, 'packed');
      packedTrainImagesPerSec = packed.imagesPerSec;
      for (const e of packed.epochs) note(`size ${n}: ${describeEpoch(e)}`);
      epochs.push(...packed.epochs);
    }
  } else {
    const run = await measure('train', () => trainRun(page, cfg, TRAIN_SECONDS));
    if (run.status === 'error') throw new Error(`training failed: ${run.error ?? ''}`);
    // numCrops 1: one image per crop.
    trainImagesPerSec = (run.step * cfg.cropsPerStep) / run.seconds;
  }
  const mine = phases.slice(before);
  const studio = mine.filter((p) => !p.phase.startsWith('('));
  const row: Row = {
    layout: LAYOUT,
    images: n,
    treeSeconds: tree.seconds,
    indexFilesPerSec: (n + CLASSES) / idx.seconds,
    genStartImagesPerSec: start.imagesPerSec,
    genEndImagesPerSec: end.imagesPerSec,
    resumeWalkSeconds: end.firstReportSeconds,
    prefillSeconds,
    trainImagesPerSec,
    ...(PACKED ? { packFilesPerSec, packedTrainImagesPerSec } : {}),
    labelBytesPerImage: labelBytes,
    peakPageHeapMB: Math.max(...mine.map((p) => p.peakPageHeapMB)),
    peakBrowserRssMB: Math.max(...mine.map((p) => p.peakTotalRssMB)),
    longestTaskMs: Math.max(...studio.map((p) => p.tasks.longestWallMs)),
    tasksOver50: studio.reduce((a, p) => a + p.tasks.wallOver50, 0),
  };
  // Each row as soon as it is measured: a long run stopped at a later size keeps the earlier ones.
  note(`size ${n}: ${JSON.stringify(row)}`);
  // The set goes before the next size (its tree stays for the next run), so memory starts level.
  await page.evaluate(async (datasetId) => {
    const s = window.__fkd!.store;
    await s.deleteDataset(await s.openStudioDb(), datasetId);
  }, idx.datasetId);
  return { row, epochs };
}

/** "Copy into studio storage" as the Data view runs it; the seconds it took (throws unless complete). */
async function packDataset(page: Page, datasetId: string): Promise<number> {
  const t0 = Date.now();
  await page.evaluate((id) => window.__fkd!.pack(id), datasetId);
  const seconds = (Date.now() - t0) / 1000;
  const pack = await page.evaluate(async (id) => {
    const { store } = window.__fkd!;
    return (await store.getDataset(await store.openStudioDb(), id))!.pack;
  }, datasetId);
  if (pack?.state !== 'complete')
    throw new Error(`copy ended ${pack?.state ?? 'absent'}: ${pack?.error ?? ''}`);
  return seconds;
}

/**
 * A kept profile may hold a crashed run's bench sets: they go first, their trees stay. A set whose
 * indexing a killed run cut short is resumed by the studio at start-up: that job is stopped first.
 */
async function dropLeftovers(page: Page) {
  await page.evaluate(async () => {
    const teacher = window.__fkd!.studio().teacher.api;
    for (let t = 0; t < 100; t++) {
      const indexing = (await teacher.running()).filter((id) => id.startsWith('index:'));
      if (indexing.length === 0) break;
      for (const id of indexing) await teacher.cancel(id);
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = window.__fkd!.store;
    const db = await s.openStudioDb();
    for (const d of await s.listDatasets(db))
      if (d.name.startsWith('bench-scale-')) await s.deleteDataset(db, d.id);
  });
}

void runBench(
  'scale',
  async ({ page }) => {
    await dropLeftovers(page);
    const teacherId = await importDenseTeacher(page, CLASSES);
    const meter = await phaseMeter(page, !NO_TRACE, MEMORY_DUMP);
    const rows: Row[] = [];
    const phases: { images: number; report: PhaseReport }[] = [];
    const epochs: { images: number; epochs: EpochReport[] }[] = [];
    try {
      for (const n of SIZES) {
        const mine: PhaseReport[] = [];
        const out = await oneSize(page, n, teacherId, meter, mine);
        rows.push(out.row);
        epochs.push({ images: n, epochs: out.epochs });
        phases.push(...mine.map((report) => ({ images: n, report })));
      }
    } finally {
      await meter.stop();
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    const ratio = (a: number, b: number) => a / Math.max(1e-9, b);
    const ratios = {
      indexing: ratio(last.indexFilesPerSec, first.indexFilesPerSec),
      // Like with like: each window against the same window of the smallest set.
      generationStart: ratio(last.genStartImagesPerSec, first.genStartImagesPerSec),
      generationEnd: ratio(last.genEndImagesPerSec, first.genEndImagesPerSec),
      training: ratio(last.trainImagesPerSec, first.trainImagesPerSec),
      pageHeap: ratio(last.peakPageHeapMB, first.peakPageHeapMB),
      browserRss: ratio(last.peakBrowserRssMB, first.peakBrowserRssMB),
    };
    // At the largest size's rates: the time each stage would take over ImageNet's train split.
    const projection = {
      images: IMAGENET,
      indexHours: IMAGENET / last.indexFilesPerSec / 3600,
      generateHours: IMAGENET / Math.min(last.genStartImagesPerSec, last.genEndImagesPerSec) / 3600,
      trainEpochHours: IMAGENET / last.trainImagesPerSec / 3600,
      labelGB: (IMAGENET * last.labelBytesPerImage) / 1e9,
    };
    console.log(
      SHARDS
        ? `layout: WebDataset shards, ${PER_SHARD} samples each (train/*.tar, val/*.tar)`
        : 'layout: folder tree of JPEG files (train/<wnid>/, val/<wnid>/)',
    );
    const headers = [
      'images',
      'tree s',
      SHARDS ? 'index samples/s' : 'index files/s',
      'gen img/s start',
      'gen img/s end',
      'resume walk s',
    ];
    console.log(
      table(
        [
          ...headers,
          'train img/s',
          'label B/img',
          'page heap MB',
          'browser RSS MB',
          'longest task ms',
          '> 50 ms',
        ],
        rows.map((r) => [
          r.images,
          r.treeSeconds ? fmt(r.treeSeconds) : 'reused',
          fmt(r.indexFilesPerSec),
          fmt(r.genStartImagesPerSec),
          fmt(r.genEndImagesPerSec),
          fmt(r.resumeWalkSeconds),
          fmt(r.trainImagesPerSec),
          fmt(r.labelBytesPerImage),
          fmt(r.peakPageHeapMB),
          fmt(r.peakBrowserRssMB),
          NO_TRACE ? 'not traced' : fmt(r.longestTaskMs),
          NO_TRACE ? '-' : r.tasksOver50,
        ]),
      ),
    );
    const byPhase = phaseTable(phases);
    console.log(`\nper phase (RSS by Chromium process type; JS by realm at the phase's end):`);
    console.log(table(byPhase.headers, byPhase.cells));
    if (EPOCHS > 0) {
      console.log(`\nper epoch (MB at the epoch's end; KB kept per image read over the epoch):`);
      console.log(epochTable(epochs));
    }
    console.log(
      `\nlargest / smallest: indexing ${fmt(ratios.indexing)}x, generation ${fmt(ratios.generationStart)}x ` +
        `(start window) / ${fmt(ratios.generationEnd)}x (end window), training ${fmt(ratios.training)}x ` +
        `(goal >= 0.9); ` +
        `page heap ${fmt(ratios.pageHeap)}x, browser RSS ${fmt(ratios.browserRss)}x (goal: flat)`,
    );
    console.log(
      `1.28M projection at the largest size's rates: index ${fmt(projection.indexHours)} h, ` +
        `label ${fmt(projection.generateHours)} h (${CROPS} crops), one FKD epoch ` +
        `${fmt(projection.trainEpochHours)} h, labels ${fmt(projection.labelGB)} GB`,
    );
    const rounded = (o: object) =>
      Object.fromEntries(
        Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v, 4) : (v as unknown)]),
      );
    return {
      layout: LAYOUT,
      ...(SHARDS ? { perShard: PER_SHARD } : {}),
      sizes: SIZES,
      ...{ classes: CLASSES, side: SIDE, crops: CROPS, window: WINDOW, trainSeconds: TRAIN_SECONDS },
      ...(EPOCHS > 0 ? { epochs: EPOCHS } : {}),
      rows: rows.map(rounded),
      ratios: rounded(ratios),
      projection: rounded(projection),
      phases: phases.map((p) => phaseJson(p.images, p.report)),
      ...(EPOCHS > 0
        ? {
            perEpoch: epochs.flatMap(({ images, epochs: es }) =>
              es.map((e) => ({
                images,
                reads: e.reads,
                epoch: e.epoch,
                seconds: round(e.seconds, 2),
                imagesPerSec: round(e.imagesPerSec, 1),
                endRssMB: rounded(e.endRssMB),
                keptKBPerRead: rounded(e.keptKBPerRead),
                endJsMB: rounded(e.endJsMB),
              })),
            ),
          }
        : {}),
    };
  },
  // measureUserAgentSpecificMemory answers at once instead of at the next GC (up to 20 s later).
  { profileDir: PROFILE, extraArgs: ['--enable-blink-features=ForceEagerMeasureMemory'] },
);
