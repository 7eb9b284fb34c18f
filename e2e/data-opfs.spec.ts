/**
 * An ImageNet-layout folder and WebDataset shards (GNU tar) on "disk" (the Origin Private
 * File System: Playwright cannot drive the native picker) index through the open-folder code path
 * with exact counts and classes.
 */
import { expect, test } from '@playwright/test';
import { EXPECT } from '../tools/fixtures/makeFixtures';
import { classRows, expectCounts, fixture, openOpfs, userDataset, writeOpfs } from './fixtures/data';
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
