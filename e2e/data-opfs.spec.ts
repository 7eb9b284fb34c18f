/**
 * An ImageNet-layout folder and WebDataset shards (GNU tar) on "disk" (the Origin Private
 * File System: Playwright cannot drive the native picker) index through the open-folder code path
 * with exact counts and classes.
 */
import { expect, test, type Page } from '@playwright/test';
import type { IndexRunStats } from '../src/store';
import { EXPECT } from '../tools/fixtures/makeFixtures';
import {
  classRows,
  expectCounts,
  fixture,
  openOpfs,
  tinyFiles,
  userDataset,
  writeOpfs,
  writeOpfsFiles,
} from './fixtures/data';
import { goto, openStudio } from './helpers';

test('ImageFolder (ImageNet wnid layout) and WebDataset shards from OPFS index exactly', async ({ page }) => {
  await openStudio(page);
  await goto(page, 'Data');

  await writeOpfs(page, fixture('imagenet'), 'imagenet-mini');
  const id = await openOpfs(page, 'imagenet-mini');
  expect(id).toMatch(/^folder:/);
  const inet = userDataset(page, 'imagenet-mini');
  await expectCounts(inet, { train: EXPECT.imagenet.train, val: EXPECT.imagenet.val, skipped: 0 });
  await expect(inet).toContainText('imagefolder · 3 classes (of 1000)');
  await expect(inet.getByTestId('skip-report')).toHaveCount(0);
  // wnid folders map to the standard ImageNet-1k indices and names.
  expect(await classRows(inet)).toEqual(
    EXPECT.imagenet.classes.map((c) => [String(c.index), c.name, c.folder]),
  );

  await writeOpfs(page, fixture('wds'), 'imagenet-mini-wds');
  await openOpfs(page, 'imagenet-mini-wds');
  const wds = userDataset(page, 'imagenet-mini-wds');
  await expectCounts(wds, { train: EXPECT.wds.train, val: EXPECT.wds.val, skipped: 0 });
  await expect(wds).toContainText(`webdataset · 3 classes (of ${EXPECT.wds.numClasses})`);
  expect(await classRows(wds)).toEqual(EXPECT.wds.classes.map((c) => [String(c.index), c.name, '']));

  // The index is in IndexedDB: per class, the same number of items in both layouts.
  const perClass = (datasetName: string) =>
    page.evaluate(
      (name) =>
        new Promise<Record<string, number>>((resolve, reject) => {
          const req = indexedDB.open('fkd-studio');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const db = req.result;
            const tx = db.transaction(['datasets', 'datasetItems']);
            const all = tx.objectStore('datasets').getAll();
            all.onsuccess = () => {
              const ds = (all.result as { id: string; name: string }[]).find((d) => d.name === name)!;
              const items = tx.objectStore('datasetItems').getAll(IDBKeyRange.bound([ds.id], [ds.id, []]));
              items.onsuccess = () => {
                const out: Record<string, number> = {};
                for (const it of items.result as { split: string; classIndex: number }[])
                  out[`${it.split}:${it.classIndex}`] = (out[`${it.split}:${it.classIndex}`] ?? 0) + 1;
                db.close();
                resolve(out);
              };
            };
          };
        }),
      datasetName,
    );
  const expected = Object.fromEntries(
    EXPECT.imagenet.classes.flatMap((c) => [
      [`train:${c.index}`, 4],
      [`val:${c.index}`, 1],
    ]),
  );
  expect(await perClass('imagenet-mini')).toEqual(expected);
  expect(await perClass('imagenet-mini-wds')).toEqual(expected);

  // The Data view's per-class counts (tallied at index time) and, on expanding a class, its
  // thumbnails read through the teacher worker (lazy: none before the row is expanded).
  for (const ds of [inet, wds]) {
    const browser = ds.getByTestId('class-browser');
    await browser.locator('summary').click();
    const rows = browser.getByTestId('class-count-row');
    await expect(rows).toHaveCount(EXPECT.imagenet.classes.length);
    for (const c of EXPECT.imagenet.classes) {
      const row = rows.and(ds.page().locator(`[data-class="${c.index}"]`));
      await expect(row.getByTestId('class-train')).toHaveText('4');
      await expect(row.getByTestId('class-val')).toHaveText('1');
    }
    await expect(browser.locator('img')).toHaveCount(0);
    await rows.first().getByRole('button', { name: 'show images' }).click();
    const thumbs = browser.getByTestId('class-thumbs').locator('img');
    await expect(thumbs).toHaveCount(4);
    await expect
      .poll(() => thumbs.evaluateAll((els) => els.map((e) => (e as HTMLImageElement).naturalWidth > 0)))
      .toEqual([true, true, true, true]);
    await rows.first().getByRole('button', { name: 'hide images' }).click();
    await expect(browser.locator('img')).toHaveCount(0);
  }
});

/** What the index job recorded: its runs (cancelled, resumed), units and counts. */
function indexRecord(page: Page, name: string) {
  return page.evaluate(async (n) => {
    const { store } = window.__fkd!;
    const db = await store.openStudioDb();
    const d = (await store.listDatasets(db)).find((x) => x.name === n);
    if (!d) return null;
    const runs = d.indexing?.runs ?? (d.extra?.indexRuns as IndexRunStats[] | undefined) ?? [];
    return {
      id: d.id,
      incomplete: d.indexing !== undefined,
      units: d.units?.length ?? 0,
      runs,
      items: await store.countDatasetItems(db, d.id, 'train'),
      lastItem: (await store.getDatasetItems(db, d.id, 'train', 0, 1e9)).at(-1)?.index ?? -1,
    };
  }, name);
}

test('a 2,000-file folder indexes, is cancelled midway, resumes without re-listing, and a re-open reports exact changes', async ({
  page,
}) => {
  const NAME = 'scale-2000';
  const CLASSES = 20;
  const PER = 100;
  await openStudio(page);
  await goto(page, 'Data');
  // Tiny "images": indexing lists names and sizes, it never reads the bytes.
  await writeOpfsFiles(page, NAME, tinyFiles(CLASSES, PER));
  await expect.poll(() => page.evaluate(() => typeof window.__fkdOpenDirectory)).toBe('function');
  // Midway for sure, whatever the machine's speed: the walk waits after 5 folders until cancelled.
  await page.evaluate(() => window.__fkd!.studio().teacher.api.holdIndexAfter(5));
  await page.evaluate((name) => {
    void navigator.storage
      .getDirectory()
      .then((root) => root.getDirectoryHandle(name))
      .then((h) => window.__fkdOpenDirectory!(h, name))
      .catch((e: Error) => ((window as unknown as { __indexError: string }).__indexError = e.message));
  }, NAME);
  await expect.poll(async () => (await indexRecord(page, NAME))?.units, { timeout: 60_000 }).toBe(5);
  await expect(page.getByTestId('index-progress')).toContainText('of 20 folders');
  await page.getByTestId('index-cancel').click();
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __indexError?: string }).__indexError))
    .toContain('indexing cancelled');
  const ds = userDataset(page, NAME);
  await expect(ds.getByTestId('index-incomplete')).toBeVisible();
  const cut = (await indexRecord(page, NAME))!;
  expect(cut.incomplete).toBe(true);
  expect(cut.units).toBe(5);
  expect(cut.items).toBe(5 * PER);
  expect(cut.runs).toEqual([{ unitsSkipped: 0, unitsWalked: 5, filesListed: 5 * PER, cancelled: true }]);

  await ds.getByRole('button', { name: 'Resume indexing' }).click();
  await expectCounts(ds, { train: CLASSES * PER, val: 0, skipped: 0 });
  const whole = (await indexRecord(page, NAME))!;
  expect(whole.incomplete).toBe(false);
  expect(whole.units).toBe(CLASSES);
  expect(whole.items).toBe(CLASSES * PER);
  expect(whole.lastItem).toBe(CLASSES * PER - 1);
  // The resume listed only the folders the cancelled run had not finished.
  expect(whole.runs).toHaveLength(2);
  expect(whole.runs[1]).toEqual({
    unitsSkipped: cut.units,
    unitsWalked: CLASSES - cut.units,
    filesListed: (CLASSES - cut.units) * PER,
    cancelled: false,
  });

  // Add three files, delete two, touch nothing else: re-opening the folder reports exactly those.
  await page.evaluate(async (name) => {
    const train = await (
      await (await navigator.storage.getDirectory()).getDirectoryHandle(name)
    ).getDirectoryHandle('train');
    const put = async (dir: string, file: string) => {
      const w = await (
        await (await train.getDirectoryHandle(dir)).getFileHandle(file, { create: true })
      ).createWritable();
      await w.write(new Uint8Array(80));
      await w.close();
    };
    await put('c00', 'new-a.jpg');
    await put('c07', 'new-b.jpg');
    await put('c15', 'new-c.jpg');
    await (await train.getDirectoryHandle('c03')).removeEntry('0005.jpg');
    await (await train.getDirectoryHandle('c19')).removeEntry('0099.jpg');
  }, NAME);
  expect(await openOpfs(page, NAME)).toBe(whole.id);
  const report = ds.getByTestId('check-report');
  await expect(report.getByTestId('check-summary')).toHaveText('3 added, 2 removed, 0 changed');
  const paths = async (id: string) => {
    await report.getByTestId(id).locator('summary').click();
    return (await report.getByTestId(id).getByTestId('check-path').allTextContents()).sort();
  };
  expect(await paths('check-added')).toEqual([
    'train/c00/new-a.jpg',
    'train/c07/new-b.jpg',
    'train/c15/new-c.jpg',
  ]);
  expect(await paths('check-removed')).toEqual(['train/c03/0005.jpg', 'train/c19/0099.jpg']);
  await expect(report).toContainText('20 folders/shards listed again (2,001 files');
  await expect(report).toContainText('15 unchanged, 5 compared file by file');
  await expectCounts(ds, { train: CLASSES * PER + 3, val: 0, skipped: 0 });
  // The removed two keep their index, flagged gone: every reader leaves them out.
  await expect(ds.getByTestId('user-gone')).toHaveText('2');
  await expect(report.getByTestId('check-how')).toContainText('20 by their file names alone');
});
