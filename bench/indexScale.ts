/**
 * bench:index: the streaming index at growing sizes. For each size (default 10k and 50k files over
 * 1,000 class folders; `--sizes 2000,8000` for a quick run) a worker writes tiny files into OPFS (the
 * index lists names and sizes and never reads bytes, so their content does not matter), then the
 * studio indexes the folder through the open-folder path. Per size: index files/s, the re-open check
 * of the unchanged folder (files/s, no item read), the renderer's JS heap and the Chromium processes'
 * resident memory (peak while indexing, sampled every 250 ms), and the store's bytes per image (the
 * origin's usage growth over the index, and the average structured item size).
 */
import { chromiumRss } from './chromiumRss';
import type { Page } from 'playwright-core';
import { arg, fmt, note, round, runBench, table } from './harness';

const sizesFlag = process.argv.indexOf('--sizes');
const SIZES = sizesFlag >= 0 ? process.argv[sizesFlag + 1].split(',').map(Number) : [10_000, 50_000];
const CLASSES = arg('classes', 1000);

async function writeTree(page: Page, name: string, files: number, classes: number): Promise<void> {
  await page.evaluate(
    async ([name, files, classes]) => {
      const body = `onmessage = async ({ data: [name, files, classes] }) => {
        const root = await navigator.storage.getDirectory();
        const train = await (await root.getDirectoryHandle(name, { create: true })).getDirectoryHandle('train', { create: true });
        const bytes = new Uint8Array(64).fill(7);
        const per = Math.ceil(files / classes);
        for (let c = 0, n = 0; c < classes; c++) {
          const dir = await train.getDirectoryHandle('n' + String(1000000 + c).padStart(8, '0'), { create: true });
          for (let i = 0; i < per && n < files; i++, n++) {
            const h = await (await dir.getFileHandle('img_' + i + '.JPEG', { create: true })).createSyncAccessHandle();
            h.write(bytes);
            h.close();
          }
        }
        postMessage('done');
      };`;
      const w = new Worker(URL.createObjectURL(new Blob([body], { type: 'text/javascript' })));
      await new Promise((resolve, reject) => {
        w.onmessage = resolve;
        w.onerror = reject;
        w.postMessage([name, files, classes]);
      });
      w.terminate();
    },
    [name, files, classes] as const,
  );
}

interface Row {
  files: number;
  indexSeconds: number;
  indexFilesPerSec: number;
  checkSeconds: number;
  checkFilesPerSec: number;
  peakRssMB: number;
  rssBeforeMB: number;
  heapBeforeMB: number;
  heapAfterMB: number;
  storeBytesPerImage: number;
  itemBytes: number;
}

async function measure(page: Page, files: number): Promise<Row> {
  const name = `bench-index-${files}`;
  const t0 = Date.now();
  await writeTree(page, name, files, CLASSES);
  note(`${files} files written to OPFS in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const usage = () => page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  const heap = () =>
    page.evaluate(
      () => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize,
    );
  const usageBefore = await usage();
  const heapBefore = await heap();
  const rssBefore = chromiumRss();
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, chromiumRss())), 250);
  const t1 = performance.now();
  const id = await page.evaluate(async (n) => {
    const root = await navigator.storage.getDirectory();
    return window.__fkdOpenDirectory!(await root.getDirectoryHandle(n), n);
  }, name);
  const indexSeconds = (performance.now() - t1) / 1000;
  clearInterval(sampler);
  const heapAfter = await heap();
  const usageAfter = await usage();
  // Re-opening the same folder runs the check (nothing changed: no item is read).
  const t2 = performance.now();
  await page.evaluate(async (n) => {
    const root = await navigator.storage.getDirectory();
    return window.__fkdOpenDirectory!(await root.getDirectoryHandle(n), n);
  }, name);
  const checkSeconds = (performance.now() - t2) / 1000;
  const itemBytes = await page.evaluate(async (datasetId) => {
    const s = window.__fkd!.store;
    const items = await s.getDatasetItems(await s.openStudioDb(), datasetId, 'train', 0, 1000);
    return items.reduce((a, it) => a + JSON.stringify(it).length, 0) / Math.max(1, items.length);
  }, id);
  return {
    files,
    indexSeconds: round(indexSeconds, 1),
    indexFilesPerSec: round(files / indexSeconds, 0),
    checkSeconds: round(checkSeconds, 1),
    checkFilesPerSec: round(files / checkSeconds, 0),
    rssBeforeMB: round(rssBefore / 2 ** 20, 0),
    peakRssMB: round(peak / 2 ** 20, 0),
    heapBeforeMB: round(heapBefore / 2 ** 20, 1),
    heapAfterMB: round(heapAfter / 2 ** 20, 1),
    storeBytesPerImage: round((usageAfter - usageBefore) / files, 0),
    itemBytes: round(itemBytes, 0),
  };
}

void runBench('index', async ({ page }) => {
  const rows: Row[] = [];
  for (const n of SIZES) {
    rows.push(await measure(page, n));
    note(JSON.stringify(rows[rows.length - 1]));
  }
  const cols = Object.keys(rows[0]) as (keyof Row)[];
  console.log(
    table(
      cols,
      rows.map((r) => cols.map((c) => fmt(r[c]))),
    ),
  );
  const first = rows[0];
  const last = rows[rows.length - 1];
  return { classes: CLASSES, rows, rateRatio: round(last.indexFilesPerSec / first.indexFilesPerSec, 3) };
});
