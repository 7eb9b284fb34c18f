import { expect, test, type Page } from '@playwright/test';
import { goto, openStudio } from './helpers';

test('generate soft labels on the embedded set, then train an FKD student that evaluates', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await openStudio(page);
  // Before any labels exist the Train view says where FKD's labels come from.
  await goto(page, 'Train');
  await expect(page.getByTestId('fkd-needs-labels')).toContainText('Soft labels view');
  // The default student is the mini ResNet at numCrops 1 (bench:quality's recipe): no hint. numCrops > 1
  // with this BatchNorm CNN: the form says what it costs (measured); not for the MLP.
  await expect(page.getByLabel('Student', { exact: true })).toHaveValue('resnetMini');
  await expect(page.getByLabel('numCrops')).toHaveValue('1');
  await expect(page.getByTestId('numcrops-batch-hint')).toHaveCount(0);
  await page.getByLabel('numCrops').fill('4');
  await expect(page.getByTestId('numcrops-batch-hint')).toContainText('16 images per step instead of 64');
  await page.getByLabel('numCrops').fill('1');
  await expect(page.getByTestId('numcrops-batch-hint')).toHaveCount(0);
  await page.getByLabel('Student', { exact: true }).selectOption('mlp');
  await goto(page, 'Soft labels');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Fashion-MNIST 2k (2000 train)' });
  await page.getByLabel('Crops per image').fill('6');
  await page.getByLabel('Scale min', { exact: true }).fill('0.5');
  // The dense teacher: the CNN default costs ~40x more per crop, which only slows the test down.
  await page.getByLabel('Teacher', { exact: true }).selectOption('embedded:fashion-teacher');
  await page.getByRole('button', { name: 'Generate soft labels' }).click();
  const row = page.getByTestId('label-set-row').first();
  await expect(page.getByTestId('generation-live').getByTestId('image-with-boxes')).toBeVisible({
    timeout: 120_000,
  });
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
  await expect(row.getByTestId('images-done')).toHaveText('2000/2000');

  await goto(page, 'Train');
  await expect(page.getByTestId('fkd-needs-labels')).toHaveCount(0);
  // Vanilla and online KD default to the label set's crop scale: all three methods see the same crops.
  await expect(page.getByLabel('Crop scale min')).toHaveValue('0.5');
  await expect(page.getByTestId('student-summary')).toContainText(
    /mlp: [\d.]+ k parameters · [\d.]+ kFLOPs per crop at 28px/,
  );
  await page.getByLabel('method vanilla').uncheck();
  await page.getByLabel('Epochs').fill('20');
  await page.getByLabel('numCrops').fill('2');
  await page.getByLabel('Batch').fill('32');
  await page.getByLabel('Max images').fill('512');
  await page.getByLabel('Max val images').fill('200');
  await page.getByRole('button', { name: 'Start training' }).click();
  const monitor = page.getByTestId('run-monitor').first();
  await expect(monitor.getByTestId('train-stats')).toBeVisible({ timeout: 120_000 });
  await goto(page, 'Pipeline (live)');
  // The batch: 16 images x 2 crops; the first 4 images drawn, each with its 2 crops.
  await expect(page.getByTestId('live-image')).toHaveCount(4, { timeout: 60_000 });
  await expect(page.getByTestId('live-batch')).toContainText(
    '16 images decoded, 32 crops (the first 4 shown)',
  );
  for (const row of await page.getByTestId('live-image').all()) {
    await expect(row.getByTestId('crop-view')).toHaveCount(2);
    // 28x28 images for a 28-px student: nothing to save, decoded at full size.
    await expect(row.getByTestId('decoded-size')).toHaveText('decoded at full size, 28×28');
    // Drawn from the BMP file the trainer worker made (core/bmp.ts): the page decodes it at its size.
    await expect
      .poll(() => row.locator('.image-with-boxes img').evaluate((e) => (e as HTMLImageElement).naturalWidth))
      .toBe(28);
  }
  await goto(page, 'Train');
  await expect(monitor).toHaveAttribute('data-running', 'no', { timeout: 300_000 });
  await expect(monitor.getByTestId('last-eval')).toContainText('val top-1');
  await goto(page, 'Runs');
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-status', 'done');
  // The student learns: far above chance (10 classes) on the val images, and its training loss falls.
  const curve = await fkdCurve(page);
  expect(
    curve.valTop1.at(-1),
    `val top-1 after each pass: ${curve.valTop1.join(', ')}`,
  ).toBeGreaterThanOrEqual(0.7);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const quarter = Math.max(1, Math.floor(curve.loss.length / 4));
  expect(curve.loss.length).toBeGreaterThanOrEqual(8);
  expect(
    mean(curve.loss.slice(-quarter)),
    `logged losses: ${curve.loss.map((l) => l.toFixed(3)).join(', ')}`,
  ).toBeLessThan(0.9 * mean(curve.loss.slice(0, quarter)));

  // The paper's speed table, measured by the studio itself on this set, student and backend.
  await goto(page, 'Train');
  await page.getByLabel('method vanilla').check();
  await page.getByLabel('method onlineKd').check();
  await page.getByRole('button', { name: 'Measure speed table' }).click();
  const speedRows = page.getByTestId('speed-table').getByTestId('speed-row');
  await expect(speedRows).toHaveCount(3, { timeout: 180_000 });
  for (const method of ['fkd', 'vanilla', 'onlineKd']) {
    const cells = speedRows
      .filter({ has: page.getByRole('cell', { name: method, exact: true }) })
      .locator('td');
    await expect(cells.nth(1)).toHaveText(/^\d+\.\d\d$/); // s / epoch, not an error
    await expect(cells.nth(2)).toHaveText(/^\d+\.\d$/); // crops/s
    await expect(cells.nth(3)).toHaveText(/^\d+\.\d\d×$/); // vs vanilla
    await expect(cells.nth(4)).toHaveText(/^\d{1,3} %$/); // share of time waiting for data
  }
});

/** The one run's logged training losses and val top-1 after each pass, from the store. */
function fkdCurve(page: Page): Promise<{ loss: number[]; valTop1: number[] }> {
  return page.evaluate(async () => {
    const { store } = window.__fkd!;
    const db = await store.openStudioDb();
    const runs = await store.listRuns(db);
    if (runs.length !== 1) throw new Error(`expected one run, found ${runs.length}`);
    const h = runs[0].history;
    return { loss: h.flatMap((e) => e.loss ?? []), valTop1: h.flatMap((e) => e.valTop1 ?? []) };
  });
}
