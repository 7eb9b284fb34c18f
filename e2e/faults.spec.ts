/**
 * Hard faults in real Chromium, each checked with exact counts afterwards: the browser process killed
 * mid-generation, mid-training, mid-index and mid-copy and relaunched on the same profile (each resumes by itself); two tabs on one studio (one
 * writer per label set and per run, Web Locks); a worker that dies mid-job.
 */
import { expect, test } from '@playwright/test';
import {
  expectConsistent,
  firstPage,
  killBrowser,
  labelSetState,
  launch,
  openDbCleanly,
  runState,
  startGeneration,
  storeRun,
} from './fixtures/faults';
import { tinyFiles, writeOpfsFiles } from './fixtures/data';
import { goto, openStudio } from './helpers';

const STORES = [
  'checkpoints',
  'datasetItems',
  'datasets',
  'handles',
  'jobs',
  'labelSets',
  'labels',
  'models',
  'runs',
];

test('a browser killed mid-generation and mid-training relaunches and resumes both by itself, losing nothing', async ({
  baseURL,
}) => {
  test.setTimeout(600_000);
  const profile = test.info().outputPath('profile');
  let ctx = await launch(profile, baseURL);
  let page = await firstPage(ctx);
  await openStudio(page);

  // Generation: killed once a few flushes of records are stored. The job waits after reading 300 images
  // (a test-build hold; 256 of them are stored at 4 crops per image), so the kill lands mid-job.
  await page.evaluate(() => window.__fkd!.studio().teacher.api.holdGenerationAfter(300));
  await startGeneration(page, 4);
  await expect
    .poll(async () => (await labelSetState(page))?.imagesDone ?? 0, { timeout: 120_000, intervals: [200] })
    .toBeGreaterThanOrEqual(128);
  const before = (await labelSetState(page))!;
  await killBrowser(ctx, profile);

  ctx = await launch(profile, baseURL);
  page = await firstPage(ctx);
  await openStudio(page);
  expect(await openDbCleanly(page)).toEqual({ version: 3, stores: STORES });
  await goto(page, 'Soft labels');
  const row = page.getByTestId('label-set-row').first();
  // The orphan is found (its lock died with the browser) and resumed by itself, never shown as
  // "interrupted" or "running" while nothing runs it: no click.
  const resumed = page.getByTestId('auto-resumed-job');
  await expect(resumed).toContainText(/soft labels .+ image \d+ of 2000/, { timeout: 60_000 });
  const at = Number(/image (\d+) of/.exec((await resumed.textContent()) ?? '')?.[1]);
  console.log(`generation killed at ${before.imagesDone} stored records; resumed by itself at image ${at}`);
  expect(at).toBeGreaterThanOrEqual(before.imagesDone);
  expect(at).toBeLessThan(2000);
  await expect(row).toHaveAttribute('data-status', /^(running|done)$/);
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
  const end = (await labelSetState(page))!;
  expect(end.imagesDone).toBe(2000);
  expectConsistent(end, 2000);

  // Training: killed after a few checkpoints, resumed from the last one.
  const cfg = await storeRun(page, 'killed', { epochs: 2, checkpointEvery: 10 });
  // The run waits after step 30 (trainingHold.ts): the kill lands mid-run, whatever the machine's speed.
  await page.evaluate(() => window.__fkd!.studio().trainer.api.holdTrainingAt(30));
  await goto(page, 'Runs');
  await page.getByTestId('run-row').getByRole('button', { name: 'Resume' }).click();
  await expect
    .poll(() => page.evaluate(() => window.__fkd!.studio().trainer.api.trainingHeldAt()), {
      timeout: 120_000,
      intervals: [200],
    })
    .toBe(30);
  expect((await runState(page, 'killed')).checkpointStep).toBe(30);
  const trained = await runState(page, 'killed');
  await killBrowser(ctx, profile);

  ctx = await launch(profile, baseURL);
  page = await firstPage(ctx);
  try {
    await openStudio(page);
    expect(await openDbCleanly(page)).toEqual({ version: 3, stores: STORES });
    await goto(page, 'Runs');
    const runRow = page.getByTestId('run-row');
    // Resumed by itself from its last checkpoint, the one stored before the kill or a later one.
    const resumedRun = page.getByTestId('auto-resumed-job');
    await expect(resumedRun).toContainText(/run .+ from its checkpoint at step \d+/, { timeout: 60_000 });
    const from = Number(/at step (\d+)/.exec((await resumedRun.textContent()) ?? '')?.[1]);
    const lastLogged = Math.max(...trained.steps, trained.checkpointStep);
    console.log(
      `training killed after step ${lastLogged} (checkpoint ${trained.checkpointStep}); resumed by itself from checkpoint ${from}`,
    );
    expect(from).toBeGreaterThanOrEqual(trained.checkpointStep);
    // At most one checkpoint interval of the steps known to be done is trained again.
    expect(lastLogged - from).toBeLessThanOrEqual(cfg.checkpointEvery);
    await expect(runRow).toHaveAttribute('data-status', /^(running|done)$/);
    await expect(runRow).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
    const done = await runState(page, 'killed');
    await goto(page, 'Train');
    // The job's final progress: every step of the schedule done, the last one checkpointed.
    const progress = (await page.getByTestId('train-progress').textContent())?.replace(/,/g, '') ?? '';
    const [, step, total] = /done: (\d+) \/ (\d+)/.exec(progress) ?? [];
    expect(Number(step)).toBe(Number(total));
    expect(done.checkpointStep).toBe(Number(total));
    console.log(`training done: ${step}/${total} steps, ${done.steps.length} history entries`);
    // The steps trained twice are logged once: history strictly increasing across the kill.
    expect(done.steps.every((s, i) => i === 0 || s > done.steps[i - 1])).toBe(true);
  } finally {
    await ctx.close();
  }
});

test('two tabs: one writer per label set and per run, the other shows who holds it; a dead worker is reported and resumed', async ({
  page: a,
  context,
}) => {
  test.setTimeout(600_000);
  await openStudio(a);
  const tabA = (await a.getByTestId('tab-id').textContent())!;
  const b = await context.newPage();
  await openStudio(b);
  const tabB = (await b.getByTestId('tab-id').textContent())!;
  expect(tabB).not.toBe(tabA);
  // A's job waits after reading 300 images until its worker dies (a test-build hold), so it is still
  // running while B looks, whatever the machine's speed; B's worker takes over and runs free.
  await a.evaluate(() => window.__fkd!.studio().teacher.api.holdGenerationAfter(300));
  await startGeneration(a, 4);
  await expect
    .poll(async () => (await labelSetState(a))?.imagesDone ?? 0, { timeout: 120_000, intervals: [200] })
    .toBeGreaterThanOrEqual(64);

  // Tab B leaves A's job alone and names A as its writer.
  await goto(b, 'Soft labels');
  const rowA = a.getByTestId('label-set-row').first();
  const rowB = b.getByTestId('label-set-row').first();
  await expect(rowB).toHaveAttribute('data-status', 'elsewhere');
  await expect(rowB.getByTestId('label-set-status')).toContainText(`running in another tab (${tabA}`);
  await expect(rowB.getByRole('button', { name: 'Resume' })).toHaveCount(0);
  await expect(rowB.getByRole('button', { name: 'Delete' })).toBeDisabled();
  expect((await labelSetState(b))!.status).toBe('running');
  // B's Train view names A as the writer too, instead of offering to resume the set a second time.
  await goto(b, 'Train');
  const hintB = b.getByTestId('fkd-needs-labels');
  await expect(hintB.getByTestId('fkd-labels-elsewhere')).toContainText(`in another tab (${tabA}`);
  await expect(hintB.getByRole('button', { name: 'Resume soft labels' })).toHaveCount(0);
  await goto(b, 'Soft labels');
  // A second writer is refused by the lock, even when asked for directly.
  const refused = await b.evaluate(
    (id) =>
      window
        .__fkd!.studio()
        .teacher.api.generate(id)
        .then(
          (r) => `answered ${r.status}`,
          (e: unknown) => String(e),
        ),
    (await labelSetState(b))!.id,
  );
  expect(refused).toContain('already running in another tab');

  // A's teacher worker dies mid-job (as a crash would: no message, no event).
  await a.evaluate(() => window.__fkd!.studio().teacher.worker.terminate());
  await expect(a.getByTestId('generation-live').getByRole('alert')).toContainText(
    'teacher worker stopped in the middle of this job',
    { timeout: 30_000 },
  );
  await expect(rowA).toHaveAttribute('data-status', 'paused');
  const paused = (await labelSetState(a))!;
  expect(paused.status).toBe('paused');
  expect(paused.imagesDone).toBeLessThan(2000);
  expectConsistent(paused);
  // B sees the job end without a reload, and takes it over.
  await expect(rowB).toHaveAttribute('data-status', 'paused', { timeout: 15_000 });
  await expect(rowB.getByTestId('label-set-status')).toContainText('teacher worker stopped');
  await rowB.getByRole('button', { name: 'Resume' }).click();
  await expect(rowA).toHaveAttribute('data-status', 'elsewhere', { timeout: 15_000 });
  await expect(rowA.getByTestId('label-set-status')).toContainText(`running in another tab (${tabB}`);
  await expect(rowA.getByRole('button', { name: 'Resume' })).toHaveCount(0);
  // When B is done, A shows it without a reload.
  await expect(rowA).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
  await expect(rowA.getByTestId('images-done')).toHaveText('2000/2000');
  expectConsistent((await labelSetState(a))!, 2000);
  // A's fresh teacher worker answers.
  expect(await a.evaluate(() => window.__fkd!.studio().teacher.api.running())).toEqual([]);

  // A run trained by A: B shows A as its writer; A's trainer worker dies; either tab can resume it.
  // One epoch (63 steps): enough to stop after checkpoint 20 and resume, without training long after.
  await storeRun(a, 'two-tabs', { epochs: 1, checkpointEvery: 10 });
  // A's run waits after step 20 until its worker is stopped (trainingHold.ts; a fresh worker runs free).
  await a.evaluate(() => window.__fkd!.studio().trainer.api.holdTrainingAt(20));
  await goto(a, 'Runs');
  await a.getByTestId('run-row').getByRole('button', { name: 'Resume' }).click();
  await goto(b, 'Runs');
  const runB = b.getByTestId('run-row');
  await expect(runB).toHaveAttribute('data-status', 'elsewhere', { timeout: 30_000 });
  await expect(runB.getByTestId('run-status')).toContainText(`running in another tab (${tabA}`);
  await expect(runB.getByRole('button', { name: 'Resume' })).toHaveCount(0);
  await expect
    .poll(() => a.evaluate(() => window.__fkd!.studio().trainer.api.trainingHeldAt()), {
      timeout: 120_000,
      intervals: [200],
    })
    .toBe(20);
  await a.evaluate(() => window.__fkd!.studio().trainer.worker.terminate());
  await goto(a, 'Train');
  await expect(a.getByTestId('run-monitor').getByRole('alert')).toContainText(
    'trainer worker stopped in the middle of this job',
    { timeout: 30_000 },
  );
  const stopped = await runState(a, 'two-tabs');
  expect(stopped.status).toBe('paused');
  expect(stopped.checkpointStep).toBe(20);
  await expect(runB).toHaveAttribute('data-status', 'paused', { timeout: 15_000 });
  await goto(a, 'Runs');
  await a.getByTestId('run-row').getByRole('button', { name: 'Resume' }).click();
  await expect(runB).toHaveAttribute('data-status', 'done', { timeout: 240_000 });

  // No stuck "running" state survives a reload of either tab.
  await a.reload();
  await openStudio(a);
  await goto(a, 'Soft labels');
  await expect(rowA).toHaveAttribute('data-status', 'done');
  await goto(a, 'Runs');
  await expect(a.getByTestId('run-row')).toHaveAttribute('data-status', 'done');
  expect((await runState(a, 'two-tabs')).status).toBe('done');
});

test('a browser killed mid-index, then mid-copy, relaunches and resumes each by itself from where it stopped', async ({
  baseURL,
}) => {
  const profile = test.info().outputPath('profile-index');
  let ctx = await launch(profile, baseURL);
  let page = await firstPage(ctx);
  await openStudio(page);
  const NAME = 'killed-index';
  // 12 class folders of 3 tiny files (the index never reads bytes).
  await writeOpfsFiles(page, NAME, tinyFiles(12, 3));
  await expect.poll(() => page.evaluate(() => typeof window.__fkdOpenDirectory)).toBe('function');
  // The walk waits after 4 folders: the kill lands mid-index for sure, whatever the machine's speed.
  await page.evaluate(() => window.__fkd!.studio().teacher.api.holdIndexAfter(4));
  await page.evaluate((name) => {
    void navigator.storage
      .getDirectory()
      .then((root) => root.getDirectoryHandle(name))
      .then((h) => window.__fkdOpenDirectory!(h, name))
      .catch(() => undefined);
  }, NAME);
  const state = (p: typeof page) =>
    p.evaluate(async (n) => {
      const { store } = window.__fkd!;
      const d = (await store.listDatasets(await store.openStudioDb())).find((x) => x.name === n);
      return d && { units: d.units?.length ?? 0, incomplete: !!d.indexing, train: d.counts.train };
    }, NAME);
  const datasetId = (p: typeof page) =>
    p.evaluate(async (n) => {
      const { store } = window.__fkd!;
      return (await store.listDatasets(await store.openStudioDb())).find((x) => x.name === n)!.id;
    }, NAME);
  const copy = async (p: typeof page) =>
    p.evaluate(
      async (id) => {
        const { store } = window.__fkd!;
        const pk = (await store.getDataset(await store.openStudioDb(), id))?.pack;
        return pk && { state: pk.state, done: pk.done.train + pk.done.val, bytes: pk.bytes };
      },
      await datasetId(p),
    );
  await expect.poll(async () => (await state(page))?.units, { timeout: 60_000 }).toBe(4);
  await killBrowser(ctx, profile);

  ctx = await launch(profile, baseURL);
  page = await firstPage(ctx);
  try {
    await openStudio(page);
    // No click: the orphan index (its lock died with the browser) resumes after its 4 folders.
    await expect(page.getByTestId('auto-resumed-job')).toContainText(
      `index of “${NAME}” after 4 of 12 folders/shards`,
    );
    await expect
      .poll(() => state(page), { timeout: 60_000 })
      .toEqual({ units: 12, incomplete: false, train: 36 });

    // The copy into studio storage, killed after a commit of 8 images (it waits there until stopped).
    await page.evaluate(() => window.__fkd!.studio().teacher.api.holdPackAfter(8));
    const id = await datasetId(page);
    void page.evaluate((d) => window.__fkd!.pack(d), id).catch(() => undefined);
    await expect.poll(async () => (await copy(page))?.done, { timeout: 60_000 }).toBe(8);
    expect((await copy(page))!.state).toBe('packing');
  } catch (e) {
    await ctx.close().catch(() => undefined);
    throw e;
  }
  await killBrowser(ctx, profile);

  ctx = await launch(profile, baseURL);
  page = await firstPage(ctx);
  try {
    await openStudio(page);
    await expect(page.getByTestId('auto-resumed-job')).toContainText(
      `studio copy of “${NAME}” after 8 of 36 images`,
    );
    await expect
      .poll(() => page.evaluate(() => window.__fkd!.studio().teacher.api.packReadCount()), {
        timeout: 60_000,
      })
      .toBe(28);
    // The 28 not committed read once each by the fresh worker, none of the 8 again; 36 × 64 bytes kept.
    await expect.poll(() => copy(page)).toEqual({ state: 'complete', done: 36, bytes: 36 * 64 });
  } finally {
    await ctx.close();
  }
});
