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
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/core/recipe';
import { arg, fmt, note, round, runBench, table } from './harness';
import { describePhase, phaseJson, phaseMeter, phaseTable, type PhaseReport } from './scalePhases';
import { importDenseTeacher, indexOpfsFolder } from './scaleData';
import { ensureTree } from './scaleTree';
import { trainEpochs, type EpochReport } from './scaleEpochs';
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
if (PACKED && EPOCHS === 0) throw new Error('--packed compares epochs: give --epochs N too');
const PROFILE = process.argv.includes('--fresh')
  ? undefined
  : (flag('profile') ?? join(homedir(), '.cache', 'fkd-bench-scale'));

interface Row {
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
  note(`size ${n}: the tree (${SIDE}px JPEGs over ${CLASSES} classes in OPFS)`);
  const tree = await ensureTree(page, { images: n, classes: CLASSES, side: SIDE });
  note(
    tree.reused
      ? `size ${n}: tree reused`
      : `size ${n}: tree written in ${fmt(tree.seconds)} s (${tree.restarts} writer restarts)`,
  );
  note(`size ${n}: indexing`);
  const before = phases.length;
  const idx = await measure('index', () => indexOpfsFolder(page, tree.name));
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
    const out = await trainEpochs(page, cfg, n, meter, phases, (r) => note(describePhase(n, r)));
    epochs = out.epochs;
    trainImagesPerSec = out.imagesPerSec;
    for (const e of epochs) note(`size ${n}: ${describeEpoch(e)}`);
    if (PACKED) {
      note(`size ${n}: copying the images into studio storage`);
      packFilesPerSec = (n + CLASSES) / (await measure('pack', () => packDataset(page, idx.datasetId)));
      note(`size ${n}: copied ${n + CLASSES} images at ${fmt(packFilesPerSec)} files/s`);
      note(`size ${n}: training ${EPOCHS} epochs again, reading the copy`);
      const packed = await trainEpochs(
        page,
        cfg,
        n,
        meter,
        phases,
        (r) => note(describePhase(n, r)),
        'packed',
      );
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

/** One epoch in a line: rate, memory by process at its end, KB kept per image read. */
function describeEpoch(e: EpochReport): string {
  const by = (o: Record<string, number>, d: number) =>
    Object.entries(o)
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([k, v]) => `${k} ${v.toFixed(d)}`)
      .join(', ');
  return (
    `${e.reads} epoch ${e.epoch}: ${e.imagesPerSec.toFixed(0)} img/s over ${e.seconds.toFixed(1)} s; RSS MB ${by(e.endRssMB, 0)}; ` +
    `KB kept per read ${by(e.keptKBPerRead, 2)}; JS MB ${by(e.endJsMB, 1)}`
  );
}

/** The per-epoch table: rate, and per main process type its MB at the epoch's end and KB kept per read. */
function epochTable(rows: { images: number; epochs: EpochReport[] }[]) {
  const types = ['browser', 'renderer', 'gpu-process'];
  const realms = [...new Set(rows.flatMap((r) => r.epochs.flatMap((e) => Object.keys(e.endJsMB))))].sort();
  return table(
    [
      ...['images', 'reads', 'epoch', 's', 'img/s'],
      ...types.map((t) => `${t} MB (KB/read)`),
      ...realms.map((r) => `${r} JS MB`),
    ],
    rows.flatMap(({ images, epochs }) =>
      epochs.map((e) => [
        ...[images, e.reads, e.epoch, fmt(e.seconds), fmt(e.imagesPerSec)],
        ...types.map((t) =>
          e.endRssMB[t] === undefined
            ? '-'
            : `${e.endRssMB[t].toFixed(0)} (${(e.keptKBPerRead[t] ?? 0).toFixed(2)})`,
        ),
        ...realms.map((r) => (e.endJsMB[r] === undefined ? '-' : e.endJsMB[r].toFixed(1))),
      ]),
    ),
  );
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
    const headers = [
      'images',
      'tree s',
      'index files/s',
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
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v as number, 4)]));
    return {
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
