/**
 * bench:scale: how the studio's cost grows with the dataset. For each size (default 10k, 50k, 200k train
 * images over 1,000 wnid classes; `--sizes 2000,8000` for a quick run) the page writes a synthetic
 * ImageNet layout of small JPEGs to OPFS, and the studio indexes it through the folder flow, labels it
 * (2 crops per image, a dense 1000-class teacher on 16-px crops) and trains an FKD student from it for a
 * few seconds. Per size: indexing files/s, generation images/s, training images/s, stored label bytes per
 * image, peak memory (the page's JS heap and the browser's processes, workers included) and the longest
 * main-thread task; then each rate at the largest size over the smallest and a projection to 1.28M.
 *
 * Flags: --sizes a,b,c  --classes 1000  --side 48 (image width; height 3/4 of it)  --crops 2
 * --train-seconds 20.
 */
import { chromiumRss } from './chromiumRss';
import type { Page } from 'playwright-core';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/core/recipe';
import {
  arg,
  fmt,
  note,
  round,
  runBench,
  startLongTaskObserver,
  stopLongTaskObserver,
  table,
} from './harness';
import { importDenseTeacher, indexOpfsFolder, writeSmallImageNet } from './scaleData';
import { generateLabels, trainRun } from './studioJobs';

const IMAGENET = 1_281_167;
const sizesFlag = process.argv.indexOf('--sizes');
const SIZES = sizesFlag >= 0 ? process.argv[sizesFlag + 1].split(',').map(Number) : [10_000, 50_000, 200_000];
const CLASSES = arg('classes', 1000);
const SIDE = arg('side', 48);
const CROPS = arg('crops', 2);
const TRAIN_SECONDS = arg('train-seconds', 20);

/** Samples the page heap (CDP) and the browser's RSS every half second until stopped; keeps the peaks. */
async function memorySampler(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  let heap = 0;
  let rss = 0;
  let live = true;
  const loop = (async () => {
    while (live) {
      const { metrics } = await cdp.send('Performance.getMetrics');
      heap = Math.max(heap, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
      rss = Math.max(rss, chromiumRss());
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    reset() {
      heap = 0;
      rss = 0;
    },
    peaks: () => ({ heap, rss }),
    async stop() {
      live = false;
      await loop;
      await cdp.detach();
    },
  };
}

interface Row {
  images: number;
  writeSeconds: number;
  indexFilesPerSec: number;
  genImagesPerSec: number;
  trainImagesPerSec: number;
  labelBytesPerImage: number;
  peakPageHeapMB: number;
  peakBrowserRssMB: number;
  longestTaskMs: number;
}

async function oneSize(
  page: Page,
  n: number,
  teacherId: string,
  mem: Awaited<ReturnType<typeof memorySampler>>,
) {
  note(`size ${n}: writing ${n} JPEGs (${SIDE}px) over ${CLASSES} classes to OPFS`);
  const written = await writeSmallImageNet(page, { images: n, classes: CLASSES, side: SIDE, tag: String(n) });
  mem.reset();
  await startLongTaskObserver(page);
  note(`size ${n}: indexing`);
  const idx = await indexOpfsFolder(page, written.name);
  note(`size ${n}: generating ${CROPS} crops per image`);
  const gen = await generateLabels(page, {
    ...{ datasetId: idx.datasetId, teacherId, numCrops: CROPS, inputSize: 16 },
    scale: [0.08, 1],
  });
  note(`size ${n}: training for ${TRAIN_SECONDS} s`);
  const cfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    ...{ method: 'fkd', datasetId: idx.datasetId, labelSetId: gen.id, arch: 'mlp', width: 64 },
    ...{
      inputSize: 16,
      channels: 3,
      epochs: 1,
      cropsPerStep: 64,
      evalEachPass: false,
      checkpointEvery: 100_000,
    },
  };
  // Enough epochs that the time window, not the schedule, ends the run at every size.
  const run = await trainRun(page, cfg, TRAIN_SECONDS);
  const imagesPerStep = cfg.cropsPerStep; // numCrops 1: one image per crop
  const long = await stopLongTaskObserver(page);
  const peaks = mem.peaks();
  const row: Row = {
    images: n,
    writeSeconds: written.seconds,
    indexFilesPerSec: (n + CLASSES) / idx.seconds,
    genImagesPerSec: gen.imagesDone / gen.seconds,
    trainImagesPerSec: (run.step * imagesPerStep) / run.seconds,
    labelBytesPerImage: gen.bytes / Math.max(1, gen.imagesDone),
    peakPageHeapMB: peaks.heap / 2 ** 20,
    peakBrowserRssMB: peaks.rss / 2 ** 20,
    longestTaskMs: long.longestTaskMs,
  };
  // Each size's set and files go before the next, so the next size's memory starts from the same place.
  await page.evaluate(
    async ({ datasetId, name }) => {
      const fkd = window.__fkd!;
      await fkd.store.deleteDataset(await fkd.store.openStudioDb(), datasetId);
      await (await navigator.storage.getDirectory()).removeEntry(name, { recursive: true });
    },
    { datasetId: idx.datasetId, name: written.name },
  );
  return row;
}

void runBench('scale', async ({ page }) => {
  const teacherId = await importDenseTeacher(page, CLASSES);
  const mem = await memorySampler(page);
  const rows: Row[] = [];
  try {
    for (const n of SIZES) rows.push(await oneSize(page, n, teacherId, mem));
  } finally {
    await mem.stop();
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  const ratio = (k: keyof Row) => last[k] / Math.max(1e-9, first[k]);
  const ratios = {
    indexing: ratio('indexFilesPerSec'),
    generation: ratio('genImagesPerSec'),
    training: ratio('trainImagesPerSec'),
    pageHeap: ratio('peakPageHeapMB'),
    browserRss: ratio('peakBrowserRssMB'),
  };
  // At the largest size's rates: the time each stage would take over ImageNet's train split.
  const projection = {
    images: IMAGENET,
    indexHours: IMAGENET / last.indexFilesPerSec / 3600,
    generateHours: IMAGENET / last.genImagesPerSec / 3600,
    trainEpochHours: IMAGENET / last.trainImagesPerSec / 3600,
    labelGB: (IMAGENET * last.labelBytesPerImage) / 1e9,
  };
  const headers = ['images', 'index files/s', 'gen img/s', 'train img/s', 'label B/img', 'page heap MB'];
  console.log(
    table(
      [...headers, 'browser RSS MB', 'longest task ms'],
      rows.map((r) => [
        r.images,
        fmt(r.indexFilesPerSec),
        fmt(r.genImagesPerSec),
        fmt(r.trainImagesPerSec),
        fmt(r.labelBytesPerImage),
        fmt(r.peakPageHeapMB),
        fmt(r.peakBrowserRssMB),
        fmt(r.longestTaskMs),
      ]),
    ),
  );
  console.log(
    `\nlargest / smallest: indexing ${fmt(ratios.indexing)}x, generation ${fmt(ratios.generation)}x, ` +
      `training ${fmt(ratios.training)}x (goal >= 0.9); page heap ${fmt(ratios.pageHeap)}x, ` +
      `browser RSS ${fmt(ratios.browserRss)}x (goal: flat)`,
  );
  console.log(
    `1.28M projection at the largest size's rates: index ${fmt(projection.indexHours)} h, ` +
      `label ${fmt(projection.generateHours)} h (${CROPS} crops), one FKD epoch ${fmt(projection.trainEpochHours)} h, ` +
      `labels ${fmt(projection.labelGB)} GB`,
  );
  return {
    sizes: SIZES,
    classes: CLASSES,
    side: SIDE,
    crops: CROPS,
    rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v, 4)]))),
    ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v, 4)])),
    projection: Object.fromEntries(Object.entries(projection).map(([k, v]) => [k, round(v, 4)])),
  };
});
