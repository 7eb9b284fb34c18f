import { expect, test } from '@playwright/test';
import { goto, openStudio } from './helpers';

test('loads with no console errors, both workers report a backend, embedded datasets listed with counts', async ({
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await openStudio(page);
  for (const who of ['teacher', 'trainer']) {
    await expect(page.getByTestId(`backend-${who}`)).toHaveAttribute(
      'data-backend',
      /^(webgpu|webgl|wasm|cpu)$/,
    );
  }
  // No GPU here: the WebGPU adapter is SwiftShader, and the banner must say it is a software fallback.
  await expect(page.getByTestId('backend-teacher')).toContainText(/software fallback/i);
  await expect(page.getByTestId('dataset-fashion-mnist').getByTestId('count-train')).toHaveText('2000');
  await expect(page.getByTestId('dataset-fashion-mnist').getByTestId('count-val')).toHaveText('500');
  await expect(page.getByTestId('dataset-fashion-mnist').getByTestId('class-row')).toHaveCount(10);
  await expect(page.getByTestId('dataset-fashion-mnist-wds').getByTestId('count-train')).toHaveText('2000');
  await expect(page.getByTestId('dataset-imagenet-photos').getByTestId('count-train')).toHaveText('30');
  await expect(page.getByTestId('dataset-imagenet-photos')).toContainText('bald eagle');
  expect(consoleErrors).toEqual([]);
});

test('the ?backend= parameter forces the backend of both workers', async ({ page }) => {
  await openStudio(page, '?backend=webgpu');
  for (const who of ['teacher', 'trainer']) {
    await expect(page.getByTestId(`backend-${who}`)).toHaveAttribute('data-backend', 'webgpu');
  }
  await goto(page, 'Settings');
  await expect(page.getByTestId('adapter-trainer')).toContainText('swiftshader');
  await expect(page.getByTestId('adapter-trainer')).toContainText('maxStorageBufferBindingSize');
});

test('after load, no network request leaves localhost', async ({ page }) => {
  const outside: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['localhost', '127.0.0.1'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol))
      outside.push(r.url());
  });
  await openStudio(page);
  // Exercise the views that load models, datasets and fonts.
  for (const v of ['Soft labels', 'Train', 'Evaluate', 'Pipeline (live)', 'Runs', 'Settings', 'Data'])
    await goto(page, v);
  await page.waitForTimeout(1000);
  expect(outside).toEqual([]);
});

test('a long worker call can be cancelled and the UI stays responsive during it', async ({ page }) => {
  await openStudio(page);
  await goto(page, 'Soft labels');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Fashion-MNIST 2k (2000 train)' });
  await page.getByLabel('Crops per image').fill('64');
  // The dense teacher: the CNN default costs ~40x more per crop, which only slows the test down.
  await page.getByLabel('Teacher', { exact: true }).selectOption('embedded:fashion-teacher');
  await page.getByRole('button', { name: 'Generate soft labels' }).click();
  await expect(page.getByTestId('generation-progress')).toBeVisible({ timeout: 60_000 });
  // While the worker labels images, the main thread still handles input and renders other views.
  for (const v of ['Train', 'Runs', 'Soft labels']) {
    await goto(page, v);
    await expect(page.getByRole('button', { name: v, exact: true })).toHaveAttribute('aria-current', 'page', {
      timeout: 2000,
    });
  }
  const blocked = await page.evaluate(async () => {
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 50));
    return performance.now() - t0;
  });
  expect(blocked).toBeLessThan(1000);
  await page.getByRole('button', { name: 'Pause' }).click();
  const row = page.getByTestId('label-set-row').first();
  await expect(row).toHaveAttribute('data-status', 'paused', { timeout: 30_000 });
  const done = Number((await row.getByTestId('images-done').textContent())!.split('/')[0]);
  expect(done).toBeLessThan(2000);
  await page.waitForTimeout(1500);
  // Cancelled means stopped: no more images get labelled.
  expect(Number((await row.getByTestId('images-done').textContent())!.split('/')[0])).toBe(done);
});
