/**
 * bench:filelist: what the `<input webkitdirectory>` fallback costs per picked file. A folder of N
 * small files (train/<wnid>/ over 1,000 classes, written once to disk under ~/.cache) is chosen through
 * the studio's own folder input (Data view, setInputFiles), so the browser materialises a File per entry
 * and the page hands the list to the indexing worker as the real flow does. The browser's resident
 * memory (per process type) is read before the pick and once the index job holds the list; the job is
 * then cancelled. Per-file bytes = the growth / N; the limit (FILE_LIST_LIMIT) is set from them.
 *
 * Flags: --files 50000 (one size per run: a fresh browser, so earlier picks hold nothing).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { FILE_LIST_LIMIT } from '../src/data/filesSource';
import { chromiumRssByType } from './chromiumRss';
import { arg, fmt, note, runBench, table } from './harness';

const FILES = arg('files', 50_000);
const CLASSES = 1000;

/** The folder on disk, written once (a marker file says it is whole). */
function ensureFolder(n: number): string {
  const dir = join(homedir(), '.cache', 'fkd-bench-filelist', `filelist-${n}`);
  if (existsSync(join(dir, '..', `filelist-${n}.complete`))) return dir;
  const bytes = Buffer.alloc(1024, 7);
  for (let c = 0; c < CLASSES; c++) {
    const cd = join(dir, 'train', `n${String(1000000 + c).padStart(8, '0')}`);
    mkdirSync(cd, { recursive: true });
    const per = Math.floor(n / CLASSES) + (c < n % CLASSES ? 1 : 0);
    for (let i = 0; i < per; i++) writeFileSync(join(cd, `img_${c}_${i}.JPEG`), bytes);
  }
  writeFileSync(join(dir, '..', `filelist-${n}.complete`), '');
  return dir;
}

/** Median of a few samples a second apart: one RSS reading moves with the collector. */
async function settledRss(): Promise<Record<string, number>> {
  const samples: Record<string, number>[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(chromiumRssByType());
    await sleep(1000);
  }
  const types = new Set(samples.flatMap((s) => Object.keys(s)));
  const out: Record<string, number> = {};
  for (const t of types) {
    const v = samples.map((s) => s[t] ?? 0).sort((a, b) => a - b);
    out[t] = v[Math.floor(v.length / 2)];
  }
  return out;
}

async function pageHeap(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize;
}

void runBench('filelist', async ({ page }) => {
  note(`a folder of ${FILES} files on disk`);
  const dir = ensureFolder(FILES);
  const name = `filelist-${FILES}`;
  await page
    .getByRole('navigation', { name: 'Views' })
    .getByRole('button', { name: 'Data', exact: true })
    .click();
  await page.getByTestId('folder-input').waitFor();
  const heap0 = await pageHeap(page);
  const before = await settledRss();
  note(`picking ${FILES} files through the folder input`);
  const t0 = Date.now();
  await page.getByTestId('folder-input').setInputFiles(dir);
  const pickSeconds = (Date.now() - t0) / 1000;
  // The dataset is listed once the worker holds the list and starts indexing.
  const datasetId = await page.waitForFunction(
    async (n) => {
      const s = window.__fkd!.store;
      return (await s.listDatasets(await s.openStudioDb())).find((d) => d.name === n)?.id ?? false;
    },
    name,
    { timeout: 600_000, polling: 500 },
  );
  const id = (await datasetId.jsonValue()) as string;
  const listedSeconds = (Date.now() - t0) / 1000;
  const after = await settledRss();
  const heap1 = await pageHeap(page);
  await page.evaluate(async (id) => {
    const fkd = window.__fkd!;
    await fkd.studio().teacher.api.cancel(`index:${id}`);
  }, id);
  const types = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const grow = (t: string) => (after[t] ?? 0) - (before[t] ?? 0);
  const total = types.reduce((a, t) => a + grow(t), 0);
  console.log(
    table(
      ['process', 'RSS before MB', 'RSS with the list MB', 'growth MB', 'bytes per file'],
      [
        ...types.map((t) => [
          t,
          fmt((before[t] ?? 0) / 2 ** 20),
          fmt((after[t] ?? 0) / 2 ** 20),
          fmt(grow(t) / 2 ** 20),
          fmt(grow(t) / FILES),
        ]),
        ['all', '', '', fmt(total / 2 ** 20), fmt(total / FILES)],
      ],
    ),
  );
  const atLimitMB = ((total / FILES) * FILE_LIST_LIMIT) / 2 ** 20;
  console.log(
    `\n${FILES} files: picked in ${fmt(pickSeconds)} s, listed by the worker after ${fmt(listedSeconds)} s; ` +
      `page heap +${fmt((heap1 - heap0) / 2 ** 20)} MB (${fmt((heap1 - heap0) / FILES)} B/file); ` +
      `at FILE_LIST_LIMIT (${FILE_LIST_LIMIT}) files: ~${fmt(atLimitMB)} MB`,
  );
  return {
    files: FILES,
    pickSeconds,
    listedSeconds,
    rssGrowthBytes: Object.fromEntries(types.map((t) => [t, grow(t)])),
    bytesPerFile: total / FILES,
    pageHeapBytesPerFile: (heap1 - heap0) / FILES,
    fileListLimit: FILE_LIST_LIMIT,
    atLimitMB,
  };
});
