/**
 * Storage faults during generation in real Chromium, with exact counts afterwards: the origin's quota
 * exhausted (Chromium's own quota, lowered through DevTools' Storage.overrideQuotaForOrigin, so the
 * writes fail with a real QuotaExceededError), files deleted, changed or their whole folder removed on
 * disk (an OPFS folder) while a job reads them, and the folder's read permission revoked mid-job.
 */
import { cpSync, mkdtempSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { fixture, openOpfs, writeOpfs } from './fixtures/data';
import { expectConsistent, firstPage, labelSetState, launch, startGeneration } from './fixtures/faults';
import { goto, openStudio } from './helpers';

test('quota exhausted mid-generation: the job stops with a clear message and a consistent store, and finishes once space is freed', async ({
  baseURL,
}) => {
  test.setTimeout(420_000);
  // A profile on disk: the quota override does not reach an in-memory (incognito) context's storage.
  const profile = test.info().outputPath('profile');
  let context = await launch(profile, baseURL);
  let page = await firstPage(context);
  await openStudio(page);
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  await context.close();
  // Chromium's IndexedDB takes the quota when a connection opens: set it before the studio loads.
  context = await launch(profile, baseURL);
  page = await firstPage(context);
  const cdp = await context.newCDPSession(page);
  const origin = new URL(baseURL!).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 2 ** 16 });
  await openStudio(page);
  await startGeneration(page, 4);
  try {
    const row = page.getByTestId('label-set-row').first();
    await expect(page.getByTestId('generation-live').getByRole('alert')).toContainText(
      'storage quota exhausted',
      { timeout: 120_000 },
    );
    // Not running (not even the status write fits: a stored 'running' nobody holds shows as interrupted).
    await expect(row).toHaveAttribute('data-status', /^(paused|interrupted)$/);
    await expect(row.getByTestId('label-set-status')).toContainText('storage quota exhausted');
    const full = (await labelSetState(page))!;
    console.log(
      `quota hit at ${full.imagesDone} stored records (usage ${usage} B, stored status ${full.status})`,
    );
    expect(full.imagesDone).toBeLessThan(2000);
    expectConsistent(full);

    // Room again (the override lifted) and resume: every image gets its record once.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await row.getByRole('button', { name: 'Resume' }).click();
    await expect(row).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
    const end = (await labelSetState(page))!;
    expect(end.imagesDone).toBe(2000);
    expectConsistent(end, 2000);
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await context.close();
  }
});

const NAME = 'fashion-faults';

/** The fashion fixture with 10 copies of each train image (200): the faults land well before its end. */
function bigFashion(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'fkd-faults-')), NAME);
  cpSync(fixture('fashion'), dir, { recursive: true });
  const train = join(dir, 'train');
  for (const cls of readdirSync(train)) {
    for (const f of readdirSync(join(train, cls))) {
      for (let r = 1; r < 10; r++)
        cpSync(join(train, cls, f), join(train, cls, f.replace('.jpg', `_r${r}.jpg`)));
      renameSync(join(train, cls, f), join(train, cls, f.replace('.jpg', '_r0.jpg')));
    }
  }
  return dir;
}

/** Paths of the train images with the highest indices: the ones a job reads last. */
function lastPaths(page: Page, datasetId: string, n: number) {
  return page.evaluate(
    async ({ id, n }) => {
      const { store } = window.__fkd!;
      const db = await store.openStudioDb();
      const items = await store.getDatasetItems(db, id, 'train', 0, 100_000);
      return items.slice(-n).map((it) => it.path);
    },
    { id: datasetId, n },
  );
}

test('files deleted or changed during a job are reported one by one and the rest is labelled; a removed folder or a revoked permission pauses the job until it is back', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await openStudio(page);
  const local = bigFashion();
  await goto(page, 'Data');
  await writeOpfs(page, local, NAME);
  const id = await openOpfs(page, NAME);
  const [gone1, gone2, gone3, bad1, bad2] = await lastPaths(page, id, 5);

  // The dense teacher labels 200 images in about a second: each fault lands at a hold (a test-build
  // hook) where the job has read only the first images, whatever the machine's speed.
  const holdAfter = (n: number | null) =>
    page.evaluate((n) => window.__fkd!.studio().teacher.api.holdGenerationAfter(n), n);
  const heldAt = (n: number) =>
    expect
      .poll(() => page.evaluate(() => window.__fkd!.studio().teacher.api.generationHeldAt()), {
        timeout: 60_000,
      })
      .toBe(n);
  const generateOn = async () => {
    await goto(page, 'Soft labels');
    await page.getByLabel('Dataset', { exact: true }).selectOption({ label: `${NAME} (200 train)` });
    await page.getByLabel('Teacher', { exact: true }).selectOption('embedded:fashion-teacher');
    await page.getByLabel('Crops per image').fill('4');
    await page.getByRole('button', { name: 'Generate soft labels' }).click();
  };
  await holdAfter(5);
  await generateOn();
  await heldAt(5);
  await page.evaluate(
    async ({ name, gone, bad }) => {
      const top = await (await navigator.storage.getDirectory()).getDirectoryHandle(name);
      const dirOf = async (path: string) => {
        let d = top;
        for (const s of path.split('/').slice(0, -1)) d = await d.getDirectoryHandle(s);
        return d;
      };
      const leaf = (path: string) => path.split('/').pop()!;
      for (const p of gone) await (await dirOf(p)).removeEntry(leaf(p));
      for (const p of bad) {
        const w = await (await (await dirOf(p)).getFileHandle(leaf(p))).createWritable();
        await w.write(new TextEncoder().encode('no longer a JPEG'));
        await w.close();
      }
    },
    { name: NAME, gone: [gone1, gone2, gone3], bad: [bad1, bad2] },
  );
  await holdAfter(null);
  const row = page.getByTestId('label-set-row').first();
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await expect(row.getByTestId('label-set-status')).toContainText('5 images skipped');
  const live = page.getByTestId('generation-live');
  await live.getByText('5 images skipped').click();
  for (const p of [gone1, gone2, gone3])
    await expect(live.getByText(`${p}: file not found (moved or deleted since indexing)`)).toBeVisible();
  for (const p of [bad1, bad2]) await expect(live.getByText(new RegExp(`^${p}: .+`))).toBeVisible();
  const first = await page.evaluate(async () => {
    const { store } = window.__fkd!;
    const [set] = await store.listLabelSets(await store.openStudioDb());
    return { imagesDone: set.imagesDone, bytes: set.bytes, error: set.error };
  });
  expect(first.imagesDone).toBe(195);
  expectConsistent((await labelSetState(page))!, 195);

  // The whole folder removed mid-job: the job pauses with one message instead of skipping every image.
  await page.evaluate(async () => {
    const { store } = window.__fkd!;
    const db = await store.openStudioDb();
    for (const s of await store.listLabelSets(db)) await store.deleteLabelSet(db, s.id);
  });
  await writeOpfs(page, local, NAME);
  await holdAfter(5);
  await generateOn();
  await heldAt(5);
  await page.evaluate(
    async (name) => (await navigator.storage.getDirectory()).removeEntry(name, { recursive: true }),
    NAME,
  );
  await holdAfter(null);
  await expect(row).toHaveAttribute('data-status', 'paused', { timeout: 120_000 });
  await expect(row.getByTestId('label-set-status')).toContainText(
    `the folder "${NAME}" cannot be read any more`,
  );
  const paused = (await labelSetState(page))!;
  expect(paused.imagesDone).toBeLessThan(200);
  expectConsistent(paused);
  // Put it back and resume.
  await writeOpfs(page, local, NAME);
  await holdAfter(20);
  await row.getByRole('button', { name: 'Resume' }).click();

  // Read permission revoked mid-job (a test-build fault on the worker's folder handle: headless
  // Chromium cannot revoke a real grant): the job pauses with one message, nothing lost.
  await heldAt(20);
  await page.evaluate(() =>
    window.__fkd!.studio().teacher.api.injectSourceFault({ name: 'NotAllowedError' }),
  );
  await holdAfter(null);
  const lost = `permission to read "${NAME}" was lost`;
  await expect(row).toHaveAttribute('data-status', 'paused', { timeout: 120_000 });
  await expect(row.getByTestId('label-set-status')).toContainText(lost);
  const revoked = (await labelSetState(page))!;
  expect(revoked.imagesDone).toBeGreaterThanOrEqual(paused.imagesDone);
  expect(revoked.imagesDone).toBeLessThan(200);
  expectConsistent(revoked);
  // Resumed while access is still refused: paused again at once with the same message, nothing written.
  const stamp = () =>
    page.evaluate(async () => {
      const { store } = window.__fkd!;
      const [set] = await store.listLabelSets(await store.openStudioDb());
      return { at: set.updatedAt, status: set.status, error: set.error ?? '' };
    });
  const before = await stamp();
  await row.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(async () => (await stamp()).at, { timeout: 60_000 }).toBeGreaterThan(before.at);
  await expect(row).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
  expect(await stamp()).toMatchObject({ status: 'paused', error: expect.stringContaining(lost) });
  expect((await labelSetState(page))!.imagesDone).toBe(revoked.imagesDone);
  // Access granted again: resume finishes all 200, none skipped, none twice.
  await page.evaluate(() => window.__fkd!.studio().teacher.api.injectSourceFault(null));
  await row.getByRole('button', { name: 'Resume' }).click();
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  const end = (await labelSetState(page))!;
  expect(end.imagesDone).toBe(200);
  expectConsistent(end, 200);
  await expect(row.getByTestId('label-set-status')).not.toContainText('skipped');
});
