/**
 * Bad input: a folder holding every bad-input kind and a set of bad WebDataset shards.
 * The Data view's skip report lists each unusable file with its reason, the good files all index
 * (exact counts), and a soft-label generation job over the dataset finishes, listing the files that
 * only fail at decode time (truncated/corrupt JPEG, enormous images) as skipped. Both trees use the
 * Fashion-MNIST folder names / 10 class ids, so the embedded 10-class teacher fits them.
 */
import { expect, test } from '@playwright/test';
import { EXPECT, FASHION_FOLDERS } from '../tools/fixtures/makeFixtures';
import {
  classRows,
  expectCounts,
  expectReasons,
  fixture,
  generate,
  openOpfs,
  skipReport,
  userDataset,
  writeOpfs,
} from './fixtures/data';
import { goto, openStudio, runStates } from './helpers';

/** Files of the bad tree that decode with a warning (path -> reason substring). */
const DECODE_WARNINGS: Record<string, string> = {
  'train/pullover/png-data.JPEG': 'PNG data named .JPEG (decoded as PNG)',
  // An Adobe CMYK JPEG (its transform flag makes it YCCK).
  'train/sandal/cmyk.JPEG': 'YCCK JPEG converted to RGB',
  'train/shirt/sixteen-bit.png': '16-bit PNG reduced to 8 bits',
};

test('a folder with every bad-input kind: exact report and counts, generation finishes', async ({ page }) => {
  test.setTimeout(150_000);
  await openStudio(page);
  await goto(page, 'Data');
  await writeOpfs(page, fixture('bad'), 'bad-input');
  await openOpfs(page, 'bad-input');
  const ds = userDataset(page, 'bad-input');
  const e = EXPECT.bad;
  await expectCounts(ds, { train: e.train, val: e.val, skipped: Object.keys(e.skipped).length });
  // Index-time problems (no pixels read): zero-byte, non-image, hidden file, empty class folder,
  // nested folder with a Unicode name (its image is kept, as torchvision does, and reported).
  expectReasons(await skipReport(ds), e.skipped);
  // Ten class folders (the empty one keeps its index), sorted like torchvision's ImageFolder.
  expect((await classRows(ds)).map((r) => r[1])).toEqual(FASHION_FOLDERS);
  await expect(ds).toContainText(`imagefolder · 10 classes ·`);

  const row = await generate(page, 'bad-input', e.train);
  const decodeFails = Object.keys(e.decodeSkipped).length;
  // Everything but the decode-time failures got labels: PNG data named .JPEG, CMYK, greyscale,
  // 16-bit PNG, the Unicode-named file and the nested folder's image all decode.
  await expect(row.getByTestId('images-done')).toHaveText(`${e.train - decodeFails}/${e.train}`);
  await expect(row).toContainText(`${decodeFails} images skipped`);
  const live = page.getByTestId('generation-live').filter({ hasText: `${decodeFails} images skipped` });
  await live.locator('summary', { hasText: 'images skipped' }).click();
  const items = await live.locator('li').allTextContents();
  const got = Object.fromEntries(
    items.map((t) => [t.slice(0, t.indexOf(': ')), t.slice(t.indexOf(': ') + 2)] as const),
  );
  expectReasons(got, e.decodeSkipped);

  // The job wrote what it met at decode time into the dataset's report: the skips with their
  // reasons, and the files that decoded with a warning.
  await goto(page, 'Data');
  const report = userDataset(page, 'bad-input').getByTestId('decode-report');
  await expect(report.locator('summary')).toContainText(`${decodeFails} skipped`);
  await report.locator('summary').click();
  const rows: Record<string, Record<string, string>> = { skipped: {}, warning: {} };
  for (const r of await report.getByTestId('decode-row').all()) {
    const [path, kind, reason] = await r.locator('td').allTextContents();
    expect(await r.getAttribute('data-kind')).toBe(kind);
    rows[kind][path] = reason;
  }
  expectReasons(rows.skipped, e.decodeSkipped);
  expectReasons(rows.warning, DECODE_WARNINGS);
});

test('bad WebDataset shards: exact report and counts, generation reads the kept samples', async ({
  page,
}) => {
  test.setTimeout(150_000);
  await openStudio(page);
  await goto(page, 'Data');
  await writeOpfs(page, fixture('bad-wds'), 'bad-shards');
  await openOpfs(page, 'bad-shards');
  const ds = userDataset(page, 'bad-shards');
  const e = EXPECT.badWds;
  await expectCounts(ds, { train: e.train, val: e.val, skipped: Object.keys(e.skipped).length });
  // Truncated shard (its whole samples kept), samples without a class, a key repeated inside a shard
  // (reported; the same key in another shard is another sample, kept), class ids out of range or not
  // integers, a sample without image, a member without extension.
  expectReasons(await skipReport(ds), e.skipped);
  await expect(ds).toContainText(`webdataset · 10 classes ·`);
  expect((await classRows(ds)).map((r) => r[0])).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));

  // Every kept sample decodes: the reader serves the sample the index kept, not another one with
  // the same key (the first `dup_key`, the second `second_kept`; the others are random bytes).
  const row = await generate(page, 'bad-shards', e.train);
  await expect(row.getByTestId('images-done')).toHaveText(`${e.train}/${e.train}`);
  await expect(row).not.toContainText('skipped');
  await goto(page, 'Data');
  await expect(userDataset(page, 'bad-shards')).toBeVisible();
  await expect(userDataset(page, 'bad-shards').getByTestId('decode-report')).toHaveCount(0);
});

test('training on the bad-input folder: FKD and vanilla skip what cannot decode, finish and evaluate', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openStudio(page);
  await goto(page, 'Data');
  await writeOpfs(page, fixture('bad'), 'bad-input');
  await openOpfs(page, 'bad-input');
  await generate(page, 'bad-input', EXPECT.bad.train);
  await goto(page, 'Train');
  await page.getByLabel('Train dataset').selectOption({ label: 'bad-input' });
  // A 32-px student: the photos (up to 160 px) are decoded smaller, at the size the crops need.
  await page.getByLabel('Input size').fill('32');
  await page.getByLabel('Epochs').fill('4');
  await page.getByLabel('numCrops').fill('2');
  await page.getByLabel('Batch').fill('8');
  await page.getByLabel('Checkpoint every').fill('1000');
  await page.getByRole('button', { name: /^Start 2 runs/ }).click();
  await expect
    .poll(async () => (await runStates(page)).map((r) => r.status).join(','), { timeout: 240_000 })
    .toBe('done,done');
  for (const r of await runStates(page)) expect(r.evals, `${r.method} evaluated`).toBeGreaterThan(0);
  await expect(page.getByTestId('run-monitor').first().getByTestId('last-eval')).toContainText('val top-1');
});
