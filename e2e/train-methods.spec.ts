import { expect, test, type Locator, type Page } from '@playwright/test';
import { goto, openStudio, runStates } from './helpers';

async function generateLabels(page: Page, crops = 6) {
  await goto(page, 'Soft labels');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Fashion-MNIST 2k (2000 train)' });
  await page.getByLabel('Crops per image').fill(String(crops));
  // The dense teacher: the CNN default costs ~40x more per crop, which only slows the test down.
  await page.getByLabel('Teacher', { exact: true }).selectOption('embedded:fashion-teacher');
  await page.getByRole('button', { name: 'Generate soft labels' }).click();
  await expect(page.getByTestId('label-set-row').first()).toHaveAttribute('data-status', 'done', {
    timeout: 300_000,
  });
}

async function fillTiny(page: Page, epochs: number, maxImages: number) {
  // The MLP keeps these runs tiny (the default mini ResNet costs ~10x more per crop here).
  await page.getByLabel('Student', { exact: true }).selectOption('mlp');
  await page.getByLabel('Epochs').fill(String(epochs));
  await page.getByLabel('numCrops').fill('2');
  await page.getByLabel('Batch').fill('32');
  await page.getByLabel('Max images').fill(String(maxImages));
  await page.getByLabel('Max val images').fill('100');
  await page.getByLabel('Checkpoint every').fill('4');
}

test('FKD, vanilla and online KD each train live, checkpoint, survive a reload and finish', async ({
  page,
}) => {
  test.setTimeout(900_000);
  await openStudio(page);
  await generateLabels(page);
  await goto(page, 'Train');
  await page.getByLabel('method onlineKd').check();
  await fillTiny(page, 4, 256);
  // The schedule's two warmups and batch mixing, from the form: a linear LR warmup over 2 epochs, AdamW's
  // 2 single-crop epochs before FKD's multi-crop passes, and Mixup or CutMix on every batch.
  await page.getByLabel('Warmup', { exact: true }).fill('2');
  await page.getByLabel('Single-crop warmup').fill('2');
  await page.getByLabel('Mixing').selectOption('both');
  await page.getByLabel('Online teacher').selectOption('embedded:fashion-teacher');
  // These tiny runs can all finish while the live view is being checked (they did on a fast CI machine):
  // the first run waits at step 4, then 8, then 12 (trainingHold.ts), so the reload lands mid-run.
  const heldAt = () => page.evaluate(() => window.__fkd!.studio().trainer.api.trainingHeldAt());
  const holdAt = (step: number) =>
    page.evaluate((s) => window.__fkd!.studio().trainer.api.holdTrainingAt(s), step);
  await holdAt(4);
  await page.getByRole('button', { name: /^Start 3 runs/ }).click();

  // The first run (FKD) shows live crops and curves while it trains.
  await goto(page, 'Pipeline (live)');
  await expect.poll(heldAt, { timeout: 120_000 }).toBe(4);
  await expect(page.getByTestId('live-crops').getByTestId('crop-view').first()).toBeVisible();
  // What is off screen keeps what it drew and catches up when scrolled to (ui/onScreen.ts). In a short
  // window, the charts are below the fold while the tiles are shown, and the tiles above it once the
  // charts are.
  const viewport = page.viewportSize()!;
  await page.setViewportSize({ width: viewport.width, height: 260 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const tile = page.getByTestId('live-image').first();
  // Beyond the fold means beyond the observer's 200-px margin too.
  const below = (el: Locator) => el.evaluate((e) => e.getBoundingClientRect().top - innerHeight);
  expect(await below(tile), 'the first tile is on screen').toBeLessThan(200);
  expect(await below(page.getByTestId('chart-loss')), 'the charts are below the fold').toBeGreaterThan(250);
  const canvas = (chart: string) => page.getByTestId(chart).locator('canvas');
  const drawn = (chart: string) => () => canvas(chart).evaluate((c) => (c as HTMLCanvasElement).toDataURL());
  const lossPoints = async () => Number(await page.getByTestId('chart-loss').getAttribute('data-points'));
  await expect(canvas('chart-loss')).toHaveCount(1);
  // The run goes on to the next hold; its steps read back a new sample (at most one per 800 ms) and
  // report new metrics there.
  const nextSample = async (step: number) => {
    const batch = await page.getByTestId('live-batch').textContent();
    const points = await lossPoints();
    await page.waitForTimeout(1_000);
    await holdAt(step);
    await expect.poll(heldAt, { timeout: 60_000 }).toBe(step);
    await expect(page.getByTestId('live-batch')).not.toHaveText(batch!);
    await expect.poll(lossPoints).toBeGreaterThan(points);
  };
  // The observer has said so (it answers a frame or more after a resize), and a draw due before it did
  // has had its frame.
  const settled = async (on: Locator, off: Locator) => {
    await expect(on).toHaveAttribute('data-on-screen', 'true');
    await expect(off).toHaveAttribute('data-on-screen', 'false');
    await page.waitForTimeout(500);
  };
  await settled(tile, page.getByTestId('chart-loss'));
  let [tileBefore, chartBefore] = [await tile.innerText(), await drawn('chart-loss')()];
  await nextSample(8);
  await expect.poll(() => tile.innerText(), 'the tile on screen shows the new sample').not.toBe(tileBefore);
  await page.waitForTimeout(1_500);
  expect(await drawn('chart-loss')(), 'the chart below the fold kept its drawing').toBe(chartBefore);
  await canvas('chart-loss').scrollIntoViewIfNeeded();
  await expect.poll(drawn('chart-loss'), 'the chart scrolled to draws the new data').not.toBe(chartBefore);
  // The last chart, far below the tiles.
  await canvas('chart-memory').scrollIntoViewIfNeeded();
  const bottom = await tile.evaluate((e) => e.getBoundingClientRect().bottom);
  expect(bottom, 'the tiles are above the fold').toBeLessThan(-250);
  await settled(page.getByTestId('chart-memory'), tile);
  [tileBefore, chartBefore] = [await tile.innerText(), await drawn('chart-memory')()];
  await nextSample(12);
  await expect.poll(drawn('chart-memory'), 'the chart on screen draws the new data').not.toBe(chartBefore);
  expect(await tile.innerText(), 'the tile above the fold kept its sample').toBe(tileBefore);
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect.poll(() => tile.innerText(), 'the tile scrolled to shows the new sample').not.toBe(tileBefore);
  await page.setViewportSize(viewport);
  await expect
    .poll(async () => Number(await page.getByTestId('chart-loss').getAttribute('data-points')))
    .toBeGreaterThan(1);
  // Memory is charted beside the curves (live tensors, tensor MB).
  await expect
    .poll(async () => Number(await page.getByTestId('chart-tensors').getAttribute('data-points')))
    .toBeGreaterThan(1);
  await expect(page.getByTestId('chart-memory')).toBeVisible();

  // Reload while the first run waits after its checkpoints at steps 4, 8 and 12: the worker dies mid-run.
  expect((await runStates(page)).find((r) => r.method === 'fkd')?.checkpointStep).toBe(12);
  await page.reload();
  await openStudio(page);
  const afterReload = await runStates(page);
  const interrupted = afterReload.filter((r) => r.status !== 'done');
  expect(interrupted.length).toBeGreaterThan(0);
  for (const r of interrupted) expect(['paused', 'pending']).toContain(r.status);
  // The Train form's draft survived the reload too (ui/useDraft.ts).
  await goto(page, 'Train');
  await expect(page.getByLabel('Student', { exact: true })).toHaveValue('mlp');
  await expect(page.getByLabel('Epochs')).toHaveValue('4');
  await expect(page.getByLabel('method onlineKd')).toBeChecked();
  await expect(page.getByLabel('Single-crop warmup')).toHaveValue('2');

  // Resume every unfinished run from the Runs view; each continues from its checkpoint and finishes.
  await goto(page, 'Runs');
  await expect(page.getByTestId('run-row')).toHaveCount(3);
  // Resume stays disabled while another run trains (one run at a time on the device), and a row's
  // button can vanish between looking and clicking (its run starts or ends): poll, click what is enabled.
  await expect
    .poll(
      async () => {
        // One click per poll, on a fresh locator: an nth() locator goes stale once a run starts.
        const resume = page.getByRole('button', { name: 'Resume', disabled: false }).first();
        if ((await resume.count()) > 0) await resume.click({ timeout: 2_000 }).catch(() => undefined);
        return (await runStates(page)).every((r) => r.status === 'done');
      },
      { timeout: 600_000, intervals: [1_000] },
    )
    .toBe(true);
  const final = await runStates(page);
  expect(final.map((r) => r.method).sort()).toEqual(['fkd', 'onlineKd', 'vanilla']);
  for (const r of final) {
    expect(r.status, `${r.method} finished`).toBe('done');
    expect(r.evals, `${r.method} evaluated after its passes`).toBeGreaterThan(0);
  }
  await expect(page.getByTestId('run-row')).toHaveCount(3);
  const evals = await page.evaluate(async () => {
    const { store } = window.__fkd!;
    const runs = await store.listRuns(await store.openStudioDb());
    return runs.map((r) => ({
      method: r.method,
      mix: r.config.mix,
      evals: r.history
        .filter((h) => h.valTop1 !== undefined)
        .map((h) => ({ epoch: h.epoch, lr: h.lr ?? NaN })),
    }));
  });
  for (const r of evals) expect(r.mix, `${r.method} mixed its batches`).toBe('both');
  const fkdEval = (epoch: number) =>
    evals.find((r) => r.method === 'fkd')!.evals.find((e) => e.epoch === epoch);
  // FKD's 2-crop passes end on even epochs: an evaluation after epoch 1 is the single-crop warmup's.
  expect(fkdEval(1), 'FKD evaluated after a single-crop warmup epoch').toBeDefined();
  // Cosine alone only falls: a rate that rose from epoch 1 to 2 is the LR warmup.
  expect(fkdEval(1)!.lr).toBeLessThan(fkdEval(2)!.lr);
  for (const row of await page.getByTestId('run-row').all())
    await expect(row).toHaveAttribute('data-status', 'done');

  // Side by side: the three runs' figures, and what was held equal.
  for (const r of final) await page.getByLabel(`compare ${r.name}`).check();
  const rows = page.getByTestId('compare-row');
  await expect(rows).toHaveCount(3);
  for (const row of await rows.all()) {
    await expect(row.locator('td').nth(2)).toHaveText(/^\d+\.\d% \/ \d+\.\d%$/); // val top-1 last / best
    await expect(row.locator('td').nth(4)).toHaveText('4.0'); // epochs
  }
  await expect(page.getByTestId('compare-differ')).toHaveText(
    'Same student, data, budget, optimiser and seed: only the method differs.',
  );
  await expect(page.getByTestId('compare-chart')).toBeVisible();
});

test('an exported student loads back and gives the same val accuracy', async ({ page }) => {
  test.setTimeout(600_000);
  await openStudio(page);
  await goto(page, 'Train');
  await page.getByLabel('method fkd').uncheck();
  await fillTiny(page, 2, 256);
  // The reference's optimiser, SGD with Nesterov momentum (lr follows to its default), and CutMix.
  await page.getByLabel('Optimiser').selectOption('sgd');
  await page.getByLabel('Nesterov').check();
  await page.getByLabel('Mixing').selectOption('cutmix');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('run-monitor').first()).toHaveAttribute('data-running', 'no', {
    timeout: 300_000,
  });
  const trained = await page.evaluate(async () => {
    const { store } = window.__fkd!;
    const db = await store.openStudioDb();
    const [run] = await store.listRuns(db);
    const { optimizer, nesterov, mix, lr } = run.config;
    const slots = (await store.latestCheckpoint(db, run.id))?.optimizer.map((o) => o.name) ?? [];
    return { status: run.status, recipe: { optimizer, nesterov, mix, lr }, slots };
  });
  expect(trained.status).toBe('done');
  expect(trained.recipe).toEqual({ optimizer: 'sgd', nesterov: true, mix: 'cutmix', lr: 0.1 });
  // The checkpoint holds SGD's momentum buffers, not AdamW's moments.
  expect(trained.slots.some((n) => n.endsWith('/momentum'))).toBe(true);
  expect(trained.slots.some((n) => n.endsWith('/m') || n.endsWith('/v'))).toBe(false);

  // The last pass's evaluation is kept with the run: shown at once, confusion matrix included, and
  // still there after a reload.
  await goto(page, 'Evaluate');
  await expect(page.getByTestId('eval-stored')).toContainText(/Evaluated after epoch 2 \(step \d+\)/);
  await page.reload();
  await expect(page.getByTestId('eval-stored')).toContainText('Evaluated after epoch 2', { timeout: 60_000 });
  await expect(page.getByTestId('confusion')).toBeVisible();
  // Evaluated again on demand: the fresh result replaces the stored one.
  await page.getByRole('button', { name: 'Evaluate latest checkpoint' }).click();
  await expect(page.getByTestId('eval-stored')).toHaveCount(0, { timeout: 120_000 });
  const top1Text = await page.getByTestId('eval-top1').textContent();

  await goto(page, 'Runs');
  const downloads: { name: string; bytes: number[] }[] = [];
  page.on('download', async (d) => {
    const path = await d.path();
    const fs = await import('node:fs');
    downloads.push({ name: d.suggestedFilename(), bytes: [...fs.readFileSync(path!)] });
  });
  await page.getByRole('button', { name: 'Export student' }).first().click();
  await expect.poll(() => downloads.length, { timeout: 60_000 }).toBe(2);
  const json = downloads.find((d) => d.name === 'model.json')!;
  const weights = downloads.find((d) => d.name !== 'model.json')!;
  const reloaded = await page.evaluate(
    async ({ json, weights }) => {
      const { studio, store } = window.__fkd!;
      const mj = JSON.parse(new TextDecoder().decode(new Uint8Array(json)));
      const db = await store.openStudioDb();
      const cfg = (await store.listRuns(db))[0].config;
      const r = await studio().trainer.api.evaluateArtifacts(
        {
          modelTopology: mj.modelTopology,
          weightSpecs: mj.weightsManifest[0].weights,
          weightData: new Uint8Array(weights).buffer,
        },
        {
          datasetId: cfg.datasetId,
          inputSize: cfg.inputSize,
          channels: cfg.channels,
          normalisation: cfg.normalisation,
          arch: cfg.arch,
        },
      );
      return r.top1;
    },
    { json: json.bytes, weights: weights.bytes },
  );
  expect(`${(100 * reloaded).toFixed(1)}%`).toBe(top1Text);
});

test('a lost GPU device mid-run: a fresh trainer worker resumes from the last checkpoint and finishes', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await openStudio(page);
  await goto(page, 'Train');
  await page.getByLabel('method fkd').uncheck();
  await fillTiny(page, 8, 384);
  // The run waits after its checkpoint at step 4 (trainingHold.ts), so the fault lands mid-run.
  await page.evaluate(() => window.__fkd!.studio().trainer.api.holdTrainingAt(4));
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect
    .poll(() => page.evaluate(() => window.__fkd!.studio().trainer.api.trainingHeldAt()), {
      timeout: 120_000,
    })
    .toBe(4);
  const stepBefore = (await runStates(page))[0].checkpointStep;
  expect(stepBefore).toBe(4);
  // The message Chromium's WebGPU gives when the device goes away mid-training.
  await page.evaluate(() =>
    window
      .__fkd!.studio()
      .trainer.api.injectStepFault(
        "Failed to execute 'mapAsync' on 'GPUBuffer': A valid external Instance reference no longer exists.",
      ),
  );
  await page.evaluate(() => window.__fkd!.studio().trainer.api.holdTrainingAt(null));
  // No click: the studio starts a fresh trainer worker and resumes on its own.
  await expect.poll(async () => (await runStates(page))[0].status, { timeout: 300_000 }).toBe('done');
  const [final] = await runStates(page);
  expect(final.checkpointStep).toBeGreaterThan(stepBefore);
  const history = await page.evaluate(async () => {
    const { store } = window.__fkd!;
    const [run] = await store.listRuns(await store.openStudioDb());
    return { error: run.error ?? null, steps: run.history.map((h) => h.step) };
  });
  expect(history.error).toBeNull();
  // Resumed, not restarted: the logged steps never go back to the beginning after the fault.
  const firstAfterFault = history.steps.findIndex((s, i) => i > 0 && s < history.steps[i - 1]);
  expect(firstAfterFault === -1 || history.steps[firstAfterFault] >= stepBefore).toBe(true);
  await expect(page.getByTestId('backend-trainer')).toHaveAttribute('data-backend', /.+/);
});
