import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { goto } from './helpers';

/** The Train form's budget for both tiny runs: the MLP, 128 images, 100 val images. */
async function tinyBudget(page: Page, epochs: number) {
  await page.getByLabel('Student', { exact: true }).selectOption('mlp');
  await page.getByLabel('Epochs').fill(String(epochs));
  await page.getByLabel('Batch').fill('32');
  await page.getByLabel('Max images').fill('128');
  await page.getByLabel('Max val images').fill('100');
}

async function trainToEnd(page: Page) {
  await expect(page.getByTestId('run-monitor').first()).toHaveAttribute('data-running', 'no', {
    timeout: 300_000,
  });
}

/**
 * Fast MEAL V2 from a student trained and exported here: a tiny FKD run on the (ensemble) label set the
 * caller made, exported as tfjs Layers files, picked back as a folder, its weight match listed, then
 * fine-tuned with MEAL V2's recipe; the run shows the student before and after fine-tuning.
 */
export async function fastMealFromExportedStudent(page: Page): Promise<{ before: number; after: number }> {
  await goto(page, 'Train');
  await page.getByLabel('method vanilla').uncheck();
  await tinyBudget(page, 2);
  await page.getByLabel('numCrops').fill('2');
  await page.getByRole('button', { name: 'Start training' }).click();
  await trainToEnd(page);

  // Export the student as files (the download), then pick them as a model folder.
  await goto(page, 'Runs');
  const dir = mkdtempSync(join(tmpdir(), 'fkd-student-'));
  const saved: Promise<void>[] = [];
  page.on('download', (d) => saved.push(d.saveAs(join(dir, d.suggestedFilename()))));
  await page.getByRole('button', { name: 'Export student' }).first().click();
  await expect.poll(() => saved.length, { timeout: 60_000 }).toBe(2);
  await Promise.all(saved);

  await goto(page, 'Train');
  await page.getByLabel('method fkd').uncheck();
  await page.getByLabel('method fastMeal').check();
  // Ticking it puts in MEAL V2's recipe: 8 crops per image, SGD at 0.01.
  await expect(page.getByLabel('numCrops')).toHaveValue('8');
  await expect(page.getByLabel('Optimiser')).toHaveValue('sgd');
  await expect(page.getByTestId('fastmeal-departures')).toHaveCount(0);
  await expect(page.getByTestId('fastmeal-not-ensemble')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Start training' })).toBeDisabled();
  await page.getByLabel('Pretrained student folder').setInputFiles(dir);
  await page.getByRole('button', { name: 'Add to library as a mlp' }).click();
  await expect(page.getByTestId('pretrained-import-status')).toHaveAttribute('role', 'status');
  // Every weight of the exported MLP maps: nothing missing, extra or of another shape, the head kept.
  const check = page.getByTestId('pretrained-check');
  await expect(check).toContainText('weights loaded (100.0 %', { timeout: 60_000 });
  await expect(check).toHaveAttribute('data-blocked', 'no');
  for (const k of ['data-missing', 'data-extra', 'data-shape-differs'])
    await expect(check).toHaveAttribute(k, '0');
  await expect(check).not.toContainText('head replaced');
  await tinyBudget(page, 16);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('before-top1')).toBeVisible({ timeout: 120_000 });
  await trainToEnd(page);
  const ba = page.getByTestId('before-after');
  await expect(ba).toHaveAttribute('data-after', /\d/);
  const before = Number(await ba.getAttribute('data-before'));
  const after = Number(await ba.getAttribute('data-after'));

  // The comparison shows the student before fine-tuning beside the runs' figures.
  await goto(page, 'Runs');
  const runs = await page.evaluate(async () => {
    const { store } = window.__fkd!;
    return (await store.listRuns(await store.openStudioDb())).map((r) => ({
      name: r.name,
      method: r.method,
      cfg: r.config,
      before: r.before?.top1,
    }));
  });
  const fm = runs.find((r) => r.method === 'fastMeal')!;
  expect(fm.before).toBe(before);
  expect(fm.cfg).toMatchObject({ numCrops: 8, optimizer: 'sgd', lr: 0.01, weightDecay: 0, schedule: 'step' });
  for (const r of runs) await page.getByLabel(`compare ${r.name}`).check();
  await expect(page.getByTestId('compare-before')).toHaveText(['–', `${(100 * before).toFixed(1)}%`]);
  return { before, after };
}
