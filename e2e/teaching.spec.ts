import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { goto, openStudio } from './helpers';
import { TOUR_STEPS } from '../src/ui/teaching/tourSteps';

// One page for the whole file: the embedded label set is generated once and every teaching check reuses it.
test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  // Its own context: the axe scan opens a helper page in it.
  page = await (await browser.newContext()).newPage();
  await openStudio(page);
  await goto(page, 'Soft labels');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Fashion-MNIST 2k (2000 train)' });
  await page.getByLabel('Crops per image').fill('4');
  // The dense teacher: the CNN default costs ~40x more per crop, which only slows the test down.
  await page.getByLabel('Teacher', { exact: true }).selectOption('embedded:fashion-teacher');
  await page.getByRole('button', { name: 'Generate soft labels' }).click();
  await expect(page.getByTestId('label-set-row').first()).toHaveAttribute('data-status', 'done', {
    timeout: 240_000,
  });
});

test.afterAll(async () => {
  await page.context().close();
});

test('storage vs fidelity: every codec × precision of the embedded label set on one chart, a short run adds its accuracy', async () => {
  test.setTimeout(240_000);
  await goto(page, 'Soft labels');
  const explorer = page.getByTestId('fidelity-explorer');
  await explorer.getByRole('button', { name: 'Compare every codec' }).click();
  await expect(explorer.getByTestId('fidelity-sample')).toContainText('10 classes', { timeout: 60_000 });
  const chart = explorer.getByTestId('fidelity-chart');
  for (const codec of ['hard', 'smoothing', 'msTopK', 'mrTopK', 'full'])
    for (const precision of ['f32', 'f16', 'q16', 'q8'])
      await expect(chart.locator(`[data-codec="${codec}"][data-precision="${precision}"]`)).toHaveCount(1);
  await expect(chart.getByTestId('fidelity-point')).toHaveCount(20);
  await expect(explorer.getByTestId('fidelity-row')).toHaveCount(20);
  // Full f32 keeps p; hard keeps only the argmax: the table's error column says so.
  const err = async (name: string, precision: string) =>
    Number(
      await explorer
        .getByTestId('fidelity-row')
        .filter({ has: page.getByRole('cell', { name, exact: true }) })
        .filter({ has: page.getByRole('cell', { name: precision, exact: true }) })
        .locator('td')
        .nth(3)
        .textContent(),
    );
  expect(await err('full', 'f32')).toBeLessThan(1e-5);
  expect(await err('hard', 'f32')).toBeGreaterThan(0.05);

  // A one-epoch student on the set's own codec (MS top-5 q8, no relabelling): its accuracy joins the chart.
  await explorer.getByLabel('Epochs per short run').fill('1');
  await explorer.getByRole('button', { name: 'Train a short student on MS top-5 q8' }).click();
  await expect(chart.getByTestId('fidelity-accuracy')).toHaveCount(1, { timeout: 180_000 });
  // The README shows this view: the screenshot is retaken on every run so it stays current.
  await explorer.screenshot({ path: 'docs/teaching-explorer.png' });
});

test('formulas sit next to what they explain, and every view says what it shows', async () => {
  await goto(page, 'Train');
  for (const [id, text] of [
    ['explain-softce', 'divides only the student'],
    ['explain-schedule', 'single-crop'],
    ['explain-speed', 'needs no teacher at training time'],
  ] as const) {
    const box = page.getByTestId(id);
    await box.locator('summary').click();
    await expect(box.locator('.katex').first()).toBeVisible();
    await expect(box).toContainText(text);
  }
  await expect(page.getByTestId('schedule-summary')).toContainText('single-crop epoch');
  await goto(page, 'Soft labels');
  await page.getByTestId('explain-recovery').locator('summary').click();
  await expect(page.getByTestId('explain-recovery').locator('.katex-display')).toBeVisible();
  for (const v of ['Data', 'Soft labels', 'Train', 'Evaluate', 'Pipeline (live)', 'Runs', 'Settings']) {
    await goto(page, v);
    const intro = page.getByTestId('view-intro');
    await intro.locator('summary').click();
    await expect(intro.locator('p')).toBeVisible();
  }
});

test('first run: a fresh profile says "indexing…" in Train, and every empty view leads into the demo', async ({
  browser,
}) => {
  const fresh = await browser.newPage();
  await fresh.goto('/#/train');
  await expect(fresh.getByTestId('indexing-notice')).toBeVisible();
  await expect(fresh.getByTestId('indexing-notice')).toBeHidden({ timeout: 90_000 });
  await expect(fresh.getByLabel('Train dataset').locator('option')).not.toHaveCount(0);
  for (const [view, id] of [
    ['Evaluate', 'evaluate-empty'],
    ['Runs', 'runs-empty'],
    ['Pipeline (live)', 'pipeline-empty'],
    ['Soft labels', 'labels-empty'],
  ] as const) {
    await goto(fresh, view);
    await expect(fresh.getByTestId(id)).toBeVisible();
  }
  await goto(fresh, 'Evaluate');
  await fresh.getByTestId('evaluate-empty').getByRole('button', { name: 'Start the demo in Train' }).click();
  await expect(fresh.getByRole('button', { name: 'Generate soft labels now' })).toBeVisible();
  await fresh.close();
});

test('a copied link restores the settings in a fresh browser context and draws the same crop boxes', async ({
  browser,
}) => {
  await goto(page, 'Train');
  await page.getByLabel('Epochs', { exact: true }).fill('7');
  await goto(page, 'Soft labels');
  await page.getByLabel('Seed', { exact: true }).fill('123');
  await page.getByLabel('Crops per image').fill('8');
  await page.getByLabel('Preview image').fill('7');
  const boxes = page.getByTestId('preview-boxes');
  await expect(boxes.locator('li')).toHaveCount(8);
  const drawn = await boxes.locator('li').allTextContents();
  await page.getByTestId('copy-link').click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toContain('l.seed=123');

  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByLabel('Seed', { exact: true })).toHaveValue('123', { timeout: 90_000 });
  await expect(other.getByLabel('Crops per image')).toHaveValue('8');
  await expect(other.getByLabel('Preview image')).toHaveValue('7', { timeout: 90_000 });
  await expect(other.getByTestId('preview-boxes').locator('li')).toHaveText(drawn, { timeout: 60_000 });
  await goto(other, 'Train');
  await expect(other.getByLabel('Epochs', { exact: true })).toHaveValue('7');
  await context.close();
});

test('a malformed link says what it ignored and shows the default demo; a missing label set is named', async ({
  browser,
}) => {
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto('/#/labels?l.seed=abc&foo=%3Cscript%3E&ls=labels:gone&l.crops=-4');
  await expect(other.getByTestId('share-problems')).toContainText('unknown parameter "foo"');
  await expect(other.getByTestId('share-problems')).toContainText('"l.seed=abc" ignored');
  await expect(other.getByTestId('share-missing')).toContainText('label set "labels:gone"', {
    timeout: 90_000,
  });
  await expect(other.getByLabel('Crops per image')).toHaveValue('64');
  await expect(other.getByLabel('Seed', { exact: true })).toHaveValue('42');
  await context.close();
});

test('the guided tour runs to its end on the embedded set, each step on its live element; skip and resume', async () => {
  await page.getByTestId('tour-offer').getByRole('button', { name: 'Take the tour' }).click();
  const card = page.getByTestId('tour-card');
  for (let i = 0; i < TOUR_STEPS.length; i++) {
    await expect(card).toHaveAttribute('data-step', String(i));
    await expect(card.getByTestId('tour-text')).toHaveText(TOUR_STEPS[i].text);
    await expect(card).not.toContainText('finding it', { timeout: 30_000 });
    await expect(page.locator('.tour-target')).toHaveCount(1);
    await expect(page.locator('.tour-target')).toBeVisible();
    if (i === 3) await page.screenshot({ path: 'docs/teaching-tour.png' });
    if (i === 4) {
      await card.getByRole('button', { name: 'Skip tour' }).click();
      await expect(card).toBeHidden();
      await page.getByRole('button', { name: `Resume tour (5/${TOUR_STEPS.length})` }).click();
      await expect(card).toHaveAttribute('data-step', '4');
    }
    if (i < TOUR_STEPS.length - 1) await card.getByRole('button', { name: 'Next' }).click();
  }
  await card.getByRole('button', { name: 'Finish' }).click();
  await expect(card).toBeHidden();
  await expect(page.getByRole('button', { name: 'Tour', exact: true })).toBeVisible();
});

test('presenter mode: advanced controls hidden, one batch per click, the shown batch changes', async () => {
  await page.goto('/#/train?presenter=1');
  const panel = page.getByTestId('presenter-panel');
  await expect(panel).toBeVisible({ timeout: 60_000 });
  await expect(page.getByLabel('Optimiser')).toHaveCount(0);
  const paths: string[] = [];
  for (const n of [1, 2, 3]) {
    await panel.getByRole('button', { name: 'Train one batch' }).click();
    await expect(panel.getByTestId('presenter-step')).toContainText(`Step ${n} of`, { timeout: 120_000 });
    const first = panel.getByTestId('presenter-image').first();
    await expect(first).toContainText('student before');
    await expect(first).toContainText('student after');
    paths.push((await panel.getByTestId('presenter-image').allTextContents()).join('|'));
  }
  expect(new Set(paths).size).toBe(3);
  await page.getByLabel('Presenter', { exact: true }).uncheck();
  await expect(page.getByLabel('Optimiser')).toBeVisible();
});

test('accessibility: an axe scan of every view finds no serious or critical violation', async () => {
  await page.goto('/#/data');
  const found: string[] = [];
  for (const v of ['Data', 'Soft labels', 'Train', 'Evaluate', 'Pipeline (live)', 'Runs', 'Settings']) {
    await goto(page, v);
    await page.waitForTimeout(500);
    const r = await new AxeBuilder({ page }).analyze();
    for (const x of r.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical'))
      found.push(`${v}: ${x.id} (${x.impact}) ${x.nodes.length}x ${x.nodes[0]?.target.join(' ')} ${x.help}`);
  }
  expect(found).toEqual([]);
});
