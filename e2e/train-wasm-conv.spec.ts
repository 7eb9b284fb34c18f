import { expect, test } from '@playwright/test';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/workers/trainConfig';
import { openStudio } from './helpers';

/**
 * Conv students train on WASM (engine/kernels/wasmConvGrad.ts supplies the conv filter gradient that
 * tfjs-backend-wasm lacks; wasmDepthwiseGrad.ts the depthwise ones). In Chromium's own wasm build:
 * every layer type matches the cpu backend's gradients, and the trainer no longer rules WASM out for a ResNet student and runs
 * its steps (where no GPU is fast, as here, it picks WASM as the fastest). The SReT student (shared
 * recursive blocks, sliced attention, multiplier-2 depthwise pooling) steps on the embedded dataset too.
 */
test('conv students train on WASM in Chromium: gradients match cpu, ResNet, MobileNet and SReT runs step', async ({
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
  // A ResNet and a MobileNet (depthwise convs: engine/kernels/wasmDepthwiseGrad.ts) each run steps on a backend
  // that did not rule WASM out.
  for (const arch of ['resnetMini', 'mobilenetMini', 'sretLT'] as const) {
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
});
