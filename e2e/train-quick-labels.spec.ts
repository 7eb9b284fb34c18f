import { expect, test } from '@playwright/test';
import { goto, openStudio, runStates } from './helpers';

test('the Train view makes, shows and resumes the soft labels FKD needs; the lr follows the student', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await openStudio(page);
  await goto(page, 'Train');

  // Each student starts from its own measured learning rate; an lr the user typed stays.
  const lr = page.getByLabel('LR');
  await expect(lr).toHaveValue('0.008');
  await page.getByLabel('Student', { exact: true }).selectOption('mlp');
  await expect(lr).toHaveValue('0.002');
  await page.getByLabel('Optimiser').selectOption('sgd');
  await expect(lr).toHaveValue('0.1');
  await page.getByLabel('Optimiser').selectOption('adamw');
  await expect(lr).toHaveValue('0.002');
  await page.getByLabel('Student', { exact: true }).selectOption('resnetMini');
  await expect(lr).toHaveValue('0.008');
  await lr.fill('0.005');
  await page.getByLabel('Student', { exact: true }).selectOption('mlp');
  await expect(lr).toHaveValue('0.005');
  await page.getByRole('button', { name: 'Defaults' }).click();
  await expect(lr).toHaveValue('0.008');

  // No label set yet: one click makes one with the Soft labels form's defaults (the CNN teacher, made
  // for these classes, FKD's crop scale).
  const hint = page.getByTestId('fkd-needs-labels');
  await expect(hint).toContainText(
    'fashion-cnn-teacher (embedded), 64 crops per image at scale [0.08, 1], top-5',
  );
  await page.getByRole('button', { name: 'Generate soft labels now' }).click();
  await expect(hint.getByTestId('fkd-labels-progress')).toContainText('ETA', { timeout: 60_000 });
  await expect(hint).toContainText('is being generated');
  // Start can be queued behind them; without FKD it is a plain start.
  const startButton = page.getByRole('button', { name: /^Start / });
  await expect(startButton).toHaveText(
    'Start 2 runs (same student, seed, budget) when the soft labels are done',
  );
  await page.getByLabel('method fkd').uncheck();
  await expect(startButton).toHaveText('Start training');
  await page.getByLabel('method fkd').check();

  // The same set as the Soft labels form would make; pause it there.
  await goto(page, 'Soft labels');
  const row = page.getByTestId('label-set-row').first();
  await expect(row).toContainText('Fashion-MNIST 2k · fashion-cnn-teacher (embedded) · 64 crops · msTopK5');
  await expect(row).toContainText('msTopK k=5 q8 T=1 scale [0.08, 1] seed 42');
  await row.getByRole('button', { name: 'Pause' }).click();
  await expect(row).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });

  // Back in Train: the stopped set is offered for resuming, not a second one.
  await goto(page, 'Train');
  await expect(hint).toContainText('stopped at');
  await expect(page.getByRole('button', { name: 'Generate soft labels now' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Resume soft labels' }).click();
  await expect(hint.getByTestId('fkd-labels-progress')).toBeVisible({ timeout: 60_000 });
  await goto(page, 'Soft labels');
  await row.getByRole('button', { name: 'Pause' }).click();
  await expect(row).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
  await expect(page.getByTestId('label-set-row')).toHaveCount(1);

  // A stopped set cannot be waited for: Start says why and stays off.
  await goto(page, 'Train');
  await expect(startButton).toBeDisabled();
  await expect(page.getByTestId('start-blocker')).toContainText('FKD needs a finished soft-label set');

  // The ImageNet photo set has 10 classes too, but no teacher here was made for them: no one-click
  // labels from a Fashion-MNIST teacher.
  await goto(page, 'Train');
  await page.getByLabel('Train dataset').selectOption({ label: 'ImageNet-layout photos' });
  await expect(hint).toContainText('No teacher here is made for the classes of ImageNet-layout photos');
  await expect(page.getByRole('button', { name: 'Generate soft labels now' })).toHaveCount(0);
  await goto(page, 'Soft labels');
  await page
    .getByLabel('Dataset', { exact: true })
    .selectOption({ label: 'ImageNet-layout photos (30 train)' });
  await expect(page.getByLabel('Teacher', { exact: true }).locator('option').first()).toContainText(
    'made for other classes',
  );

  // Queue FKD + vanilla behind a set being generated (a small one: 4 crops per image, the dense
  // teacher). The runs are stored at once (pending, FKD with that set) and train when it is done,
  // whichever view is open meanwhile.
  await goto(page, 'Soft labels');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Fashion-MNIST 2k (2000 train)' });
  await page.getByLabel('Teacher', { exact: true }).selectOption('embedded:fashion-teacher');
  await page.getByLabel('Crops per image').fill('4');
  await page.getByRole('button', { name: 'Generate soft labels' }).click();
  await goto(page, 'Train');
  await page.getByLabel('Train dataset').selectOption({ label: 'Fashion-MNIST 2k' });
  await expect(startButton).toHaveText(/when the soft labels are done$/, { timeout: 60_000 });
  await page.getByLabel('Epochs').fill('1');
  await startButton.click();
  await expect(page.getByTestId('start-queued')).toContainText(
    '2 runs start as soon as the soft labels are done',
  );
  const runs = await runStates(page);
  expect(runs.map((r) => `${r.method}:${r.status}`).sort()).toEqual(['fkd:pending', 'vanilla:pending']);
  await goto(page, 'Data');
  await expect
    .poll(async () => (await runStates(page)).find((r) => r.method === 'fkd')?.status, { timeout: 150_000 })
    .toMatch(/running|done/);
  const fkdSet = await page.evaluate(async () => {
    const { store } = window.__fkd!;
    const db = await store.openStudioDb();
    const run = (await store.listRuns(db)).find((r) => r.method === 'fkd')!;
    const set = await store.getLabelSet(db, run.labelSetId!);
    return `${set?.settings.numCrops}:${set?.status}`;
  });
  expect(fkdSet).toBe('4:done');
});
