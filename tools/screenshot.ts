/**
 * Refreshes docs/screenshot.png (the README's picture): builds and serves the studio like the benches
 * (bench/harness.ts, BENCH_PORT), generates a small soft-label set on the embedded Fashion-MNIST set with
 * the default CNN teacher, starts an FKD run of the default student from the Train view, and captures
 * Pipeline (live) once the batch and the curves are drawn. A small set keeps it to a few minutes; the
 * picture shows the same views a default run does.
 *
 *   BENCH_PORT=4193 npx tsx tools/screenshot.ts [--crops 8] [--out docs/screenshot.png]
 */
import type { Page } from 'playwright-core';
import { arg, note, openStudio } from '../bench/harness';

const CROPS = arg('crops', 8);
const OUT = process.argv.includes('--out')
  ? process.argv[process.argv.indexOf('--out') + 1]
  : 'docs/screenshot.png';

async function goto(page: Page, view: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Views' })
    .getByRole('button', { name: view, exact: true })
    .click();
}

const studio = await openStudio();
try {
  const { page } = studio;
  await page.setViewportSize({ width: 1400, height: 900 });
  note(`generating ${CROPS} crops per image with the default teacher`);
  await goto(page, 'Soft labels');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Fashion-MNIST 2k (2000 train)' });
  await page.getByLabel('Crops per image').fill(String(CROPS));
  await page.getByRole('button', { name: 'Generate soft labels' }).click();
  await page
    .getByTestId('label-set-row')
    .first()
    .and(page.locator('[data-status="done"]'))
    .waitFor({ timeout: 900_000 });

  note('starting an FKD run of the default student');
  await goto(page, 'Train');
  await page.getByRole('button', { name: 'Defaults' }).click();
  await page.getByLabel('method vanilla').uncheck();
  await page.getByRole('button', { name: 'Start training' }).click();
  await goto(page, 'Pipeline (live)');
  await page.getByTestId('live-image').nth(3).waitFor({ timeout: 300_000 });
  // Let the curves gather some points before the picture.
  await page.waitForTimeout(20_000);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: OUT });
  note(`wrote ${OUT}`);
  if (studio.pageErrors.length) note(`page errors: ${studio.pageErrors.slice(0, 5).join(' | ')}`);
} finally {
  await studio.close();
}
