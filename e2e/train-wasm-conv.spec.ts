import { expect, test } from '@playwright/test';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/workers/trainConfig';
import { goto, openStudio } from './helpers';

/**
 * Conv students train on WASM (engine/kernels/wasmConvGrad.ts supplies the conv filter gradient that
 * tfjs-backend-wasm lacks; wasmDepthwiseGrad.ts the depthwise ones). In Chromium's own wasm build:
 * every layer type matches the cpu backend's gradients, and the trainer no longer rules WASM out for a ResNet student and runs
 * its steps (where no GPU is fast, as here, it picks WASM as the fastest). The SReT student (shared
 * recursive blocks, sliced attention, multiplier-2 depthwise pooling) steps on the embedded dataset too, and
 * so do the mobile students (EfficientNetV2-B0 and FBNet-C100 shapes, at width 4 = 1/8 of their published
 * width), which the Train form offers with FKD's AdamW preset.
 */
test('conv students train on WASM in Chromium: gradients match cpu, ResNet, MobileNet, SReT and mobile students step', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await openStudio(page);
  const report = await page.evaluate(() =>
    window.__fkd!.studio().trainer.api.gradientParity(['cpu', 'wasm']),
  );
  const wasm = report.comparisons[0];
  expect(wasm.error).toBeUndefined();
  for (const l of wasm.layers) {
    expect(l.ok, `${l.layer}: ${JSON.stringify(l)}`).toBe(true);
  }
  for (const arch of ['resnetMini', 'sretLT'])
    expect(wasm.layers.find((l) => l.layer === `student ${arch} (whole model)`)?.ok, arch).toBe(true);

  const cfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    method: 'vanilla',
    datasetId: 'embedded:fashion-mnist',
    arch: 'resnetMini',
    width: 4,
    inputSize: 28,
    channels: 1,
    normalisation: 'unit',
    cropsPerStep: 8,
    numCrops: 1,
    epochs: 1,
    checkpointEvery: 100000,
    evalEachPass: false,
  };
  // A ResNet, a MobileNet (depthwise convs: engine/kernels/wasmDepthwiseGrad.ts), the SReT student and the
  // two mobile students (SE, SiLU, 5x5 depthwise) each run steps on a backend that did not rule WASM out.
  for (const arch of ['resnetMini', 'mobilenetMini', 'sretLT', 'efficientnetV2B0', 'fbnetC100'] as const) {
    const speed = await page.evaluate(
      (c) => window.__fkd!.studio().trainer.api.speed(c, ['vanilla'], { warmupSteps: 1, timedSteps: 3 }),
      { ...cfg, arch },
    );
    expect(speed.rows[0].error, arch).toBeUndefined();
    expect(speed.rows[0].crops).toBe(24);
    const backend = await page.evaluate(() => window.__fkd!.studio().trainer.api.backend());
    expect(backend?.backend).toBe(speed.backend);
    const wasmRefusal = backend?.refused.find((r) => r.backend === 'wasm')?.reason ?? '';
    expect(wasmRefusal, arch).not.toMatch(/cannot train/);
    console.log(
      `${arch} trains on ${speed.backend}: ${speed.rows[0].cropsPerSec.toFixed(0)} crops/s (${backend?.reason})`,
    );
  }

  // The Train form: a mobile student builds in the worker, and the AdamW preset sets and shows FKD's recipe.
  await goto(page, 'Train');
  await page.getByLabel('Student', { exact: true }).selectOption('fbnetC100');
  await page.getByLabel('Width', { exact: true }).fill('4');
  await expect(page.getByTestId('student-summary')).toContainText('fbnetC100:', { timeout: 60_000 });
  await page.getByRole('button', { name: 'AdamW preset (FKD)' }).click();
  await expect(page.getByTestId('adamw-preset-note')).toContainText('LR 0.000125 (0.002 x 64 / 1024 crops)');
  await expect(page.getByLabel('LR', { exact: true })).toHaveValue('0.000125');
  await expect(page.getByLabel('Warmup', { exact: true })).toHaveValue('5');
  await expect(page.getByLabel('Single-crop warmup')).toHaveValue('5');
});
