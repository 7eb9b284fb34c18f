import { readFile, writeFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { goto, openStudio } from './helpers';

/** Every label set with its counters and a digest of its records (read straight from IndexedDB). */
function labelSets(page: Page) {
  return page.evaluate(async () => {
    const { store } = window.__fkd!;
    const db = await store.openStudioDb();
    const sets = await store.listLabelSets(db);
    return Promise.all(
      sets.map(async (s) => {
        const recs = await store.getLabelRecords(db, s.id, 0, s.imagesTotal);
        let hex = '';
        for (const [i, r] of recs)
          hex += `${i}:${Array.from(r, (b) => b.toString(16).padStart(2, '0')).join('')};`;
        return {
          id: s.id,
          name: s.name,
          status: s.status,
          imagesDone: s.imagesDone,
          bytes: s.bytes,
          records: recs.size,
          hex,
        };
      }),
    );
  });
}

test('a label set exports to one .fkdlabels file and imports back byte for byte; a damaged file is refused', async ({
  page,
}, testInfo) => {
  test.setTimeout(600_000);
  await openStudio(page);
  await goto(page, 'Soft labels');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Fashion-MNIST 2k (2000 train)' });
  await page.getByLabel('Crops per image').fill('6');
  // The dense teacher: the CNN default costs ~40x more per crop, which only slows the test down.
  await page.getByLabel('Teacher', { exact: true }).selectOption('embedded:fashion-teacher');
  await page.getByRole('button', { name: 'Generate soft labels' }).click();
  const rows = page.getByTestId('label-set-row');
  const original = rows.first();
  await expect(original).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
  await expect(original.getByTestId('images-done')).toHaveText('2000/2000');
  const [source] = await labelSets(page);
  expect(source.records).toBe(2000);

  // Export: one download named after the set.
  const downloading = page.waitForEvent('download');
  await original.getByRole('button', { name: 'Export' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.fkdlabels$/);
  const file = testInfo.outputPath('labels.fkdlabels');
  await download.saveAs(file);
  const bytes = await readFile(file);
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('FKDB');
  expect(bytes.length).toBeGreaterThan(source.bytes);

  // Import onto the same dataset: a second set with the same images, bytes and records.
  const importer = page.getByTestId('label-import');
  await importer.getByLabel('Import into').selectOption({ label: 'Fashion-MNIST 2k' });
  await importer.locator('input[type=file]').setInputFiles(file);
  await expect(importer.getByTestId('label-import-result')).toContainText('Imported 2000 label records', {
    timeout: 60_000,
  });
  await expect(rows).toHaveCount(2);
  const imported = rows.nth(1);
  await expect(imported).toContainText('(imported)');
  await expect(imported).toHaveAttribute('data-status', 'done');
  await expect(imported.getByTestId('images-done')).toHaveText('2000/2000');
  const bytesCell = (row: typeof imported) => row.locator('td').nth(4).textContent();
  expect(await bytesCell(imported)).toBe(await bytesCell(original));
  const [, copy] = await labelSets(page);
  expect({ ...copy, id: source.id, name: source.name }).toEqual(source);

  // A flipped byte in the middle of the file: a clear error, and no new set.
  const bad = Buffer.from(bytes);
  bad[Math.floor(bad.length / 2)] ^= 0x20;
  const badFile = testInfo.outputPath('damaged.fkdlabels');
  await writeFile(badFile, bad);
  await importer.locator('input[type=file]').setInputFiles(badFile);
  await expect(importer.getByTestId('label-import-error')).toContainText(
    /Import of damaged\.fkdlabels failed: label bundle corrupt: checksum mismatch/,
  );
  await expect(rows).toHaveCount(2);

  // Delete the original, import the file again: the records come back byte-identical.
  page.on('dialog', (d) => void d.accept());
  await original.getByRole('button', { name: 'Delete' }).click();
  await expect(rows).toHaveCount(1);
  await importer.locator('input[type=file]').setInputFiles(file);
  await expect(importer.getByTestId('label-import-result')).toContainText('Imported 2000 label records');
  await expect(rows).toHaveCount(2);
  const again = (await labelSets(page)).at(-1)!;
  expect(again.hex).toBe(source.hex);
  expect(again.bytes).toBe(source.bytes);
});
