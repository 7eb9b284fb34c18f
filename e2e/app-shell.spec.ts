import { expect, test } from '@playwright/test';
import { goto, openStudio } from './helpers';
import { NO_STATE } from './sharedState';

test.describe('a first start', () => {
  // A fresh profile: nothing remembered, so the workers time the backends (the rest of the suite
  // starts with this suite's winners remembered: global-setup.ts).
  test.use({ storageState: NO_STATE });

  test('loads with no console errors, both workers report a backend, embedded datasets listed with counts; the timed backend is remembered', async ({
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
    // SwiftShader is a software adapter: the candidates were timed, and the winner is kept, so a reload
    // picks the same backend without timing them again.
    const studio = () =>
      page.evaluate(async () => {
        const s = window.__fkd!.studio();
        return { teacher: await s.teacher.api.backend(), trainer: await s.trainer.api.backend() };
      });
    const timed = await studio();
    expect(Object.keys(timed.teacher?.probeMs ?? {}).length).toBeGreaterThan(1);
    expect(Object.keys(timed.trainer?.probeMs ?? {}).length).toBeGreaterThan(1);
    await page.reload();
    await openStudio(page);
    const again = await studio();
    for (const who of ['teacher', 'trainer'] as const) {
      expect(again[who]?.backend).toBe(timed[who]?.backend);
      expect(again[who]?.probeMs).toBeUndefined();
      expect(again[who]?.reason).toContain('when timed on this browser before');
    }
    // Settings can forget them: the next start times the candidates again.
    await goto(page, 'Settings');
    const reloaded = page.waitForEvent('load');
    await page.getByRole('button', { name: 'Time the backends again (reloads workers)' }).click();
    await reloaded;
    await expect(page.getByTestId('backend-teacher')).toHaveAttribute('data-backend', /.+/, {
      timeout: 60_000,
    });
    expect(Object.keys((await studio()).teacher?.probeMs ?? {}).length).toBeGreaterThan(1);
  });
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
  // On a fast machine the job could finish before Pause: it waits after 1,000 images (a test-build hold).
  await page.evaluate(() => window.__fkd!.studio().teacher.api.holdGenerationAfter(1000));
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
