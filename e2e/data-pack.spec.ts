/**
 * "Copy into studio storage" end to end: a folder (OPFS, the open-folder path) is packed with exact
 * counts (two files deleted after indexing are skipped with their reason), cancelled midway and
 * resumed, interrupted by a reload and resumed, each resume reading only what was not committed;
 * then the folder is deleted and soft-label generation still reads every packed image from the copy,
 * as does the trainer worker beside it.
 */
import { expect, test, type Page } from '@playwright/test';
import { formatBytes } from '../src/ui/format';
import { EXPECT } from '../tools/fixtures/makeFixtures';
import { fixture, generate, openOpfs, userDataset, writeOpfs } from './fixtures/data';
import { goto, openStudio } from './helpers';

const NAME = 'fashion-pack';
const TOTAL = EXPECT.fashion.train + EXPECT.fashion.val;

function packRecord(page: Page, id: string) {
  return page.evaluate(async (datasetId) => {
    const { store } = window.__fkd!;
    return (await store.getDataset(await store.openStudioDb(), datasetId))?.pack ?? null;
  }, id);
}

/** The folders under the origin's `packs/` (one per dataset copy). */
function packDirs(page: Page) {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const packs = await root.getDirectoryHandle('packs');
    const names: string[] = [];
    for await (const n of (packs as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(n);
    return names;
  });
}

test('a folder is copied into studio storage, cancelled, reloaded and resumed exactly, then trains from the copy with the folder gone', async ({
  page,
}) => {
  await openStudio(page);
  await goto(page, 'Data');
  await writeOpfs(page, fixture('fashion'), NAME);
  const id = await openOpfs(page, NAME);
  const ds = userDataset(page, NAME);

  // Two train images deleted after indexing (index 2 and 15): the copy skips them with a reason.
  const deleted = await page.evaluate(
    async ({ id, name }) => {
      const { store } = window.__fkd!;
      const items = await store.getDatasetItems(await store.openStudioDb(), id, 'train', 0, 100);
      const top = await (await navigator.storage.getDirectory()).getDirectoryHandle(name);
      const out: string[] = [];
      for (const it of [items[2], items[15]]) {
        const segs = it.path.split('/');
        let dir = top;
        for (const s of segs.slice(0, -1)) dir = await dir.getDirectoryHandle(s);
        await dir.removeEntry(segs[segs.length - 1]);
        out.push(it.path);
      }
      return out;
    },
    { id, name: NAME },
  );

  const panel = ds.getByTestId('pack-panel');
  await panel.locator('summary').first().click();
  await expect(panel.getByTestId('pack-state')).toHaveText('none');
  await expect(panel.getByTestId('pack-plan')).toContainText(`for ${TOTAL} images`);

  // Midway for sure: the copy waits after 8 images until cancelled.
  await page.evaluate(() => window.__fkd!.studio().teacher.api.holdPackAfter(8));
  await panel.getByRole('button', { name: 'Copy into studio storage' }).click();
  await expect.poll(async () => (await packRecord(page, id))?.done.train).toBe(8);
  await panel.getByTestId('pack-cancel').click();
  await expect(panel.getByTestId('pack-state')).toHaveText(`stopped at 8 of ${TOTAL}`);
  const cut = (await packRecord(page, id))!;
  expect(cut.state).toBe('paused');
  expect(cut.error).toContain('cancelled');
  expect(cut.skippedTotal).toBe(1);

  // Resumed, held again after 6 more, and the page reloaded in the middle.
  await page.evaluate(() => window.__fkd!.studio().teacher.api.holdPackAfter(6));
  await panel.getByRole('button', { name: 'Resume copy' }).click();
  await expect.poll(async () => (await packRecord(page, id))?.done.train).toBe(14);
  // The copy of a dataset no longer in the store (a Forget cut short): start-up deletes its folder.
  await page.evaluate(async () => {
    const packs = await (await navigator.storage.getDirectory()).getDirectoryHandle('packs');
    const dir = await packs.getDirectoryHandle('folder%3Agone', { create: true });
    await dir.getFileHandle('pack-0.bin', { create: true });
  });
  await page.reload();
  await openStudio(page);
  await goto(page, 'Data');
  await panel.locator('summary').first().click();
  await expect(panel.getByTestId('pack-state')).toHaveText(`stopped at 14 of ${TOTAL}`);
  // A reload is the user's choice: start-up marks the copy paused, saying why, and leaves it to Resume.
  await expect.poll(async () => (await packRecord(page, id))?.state).toBe('paused');
  await expect.poll(() => packDirs(page)).toEqual([encodeURIComponent(id)]);
  expect((await packRecord(page, id))!.error).toContain('reloaded');

  // The resume reads only what was not committed: 23 − 14, less the deleted image at 15.
  await page.evaluate(() => window.__fkd!.studio().teacher.api.packReadCount(true));
  await panel.getByRole('button', { name: 'Resume copy' }).click();
  await expect(panel.getByTestId('pack-state')).toContainText('complete');
  expect(await page.evaluate(() => window.__fkd!.studio().teacher.api.packReadCount())).toBe(TOTAL - 14 - 1);
  const pack = (await packRecord(page, id))!;
  expect(pack).toMatchObject({
    state: 'complete',
    done: { train: EXPECT.fashion.train, val: EXPECT.fashion.val },
    skippedTotal: 2,
    packs: 1,
  });
  expect(pack.skipped.map((s) => s.path)).toEqual(deleted);
  for (const s of pack.skipped) expect(s.reason).toContain('file not found');
  await expect(panel.getByTestId('pack-skipped-count')).toHaveText('2');

  // The folder itself deleted: generation reads every image that was copied from the copy.
  await page.evaluate(
    (name) => navigator.storage.getDirectory().then((r) => r.removeEntry(name, { recursive: true })),
    NAME,
  );
  const row = await generate(page, NAME, EXPECT.fashion.train);
  await expect(row.getByTestId('images-done')).toContainText(`${EXPECT.fashion.train - 2}/`);
  const set = await page.evaluate(async (datasetId) => {
    const { store } = window.__fkd!;
    const sets = await store.listLabelSets(await store.openStudioDb());
    return sets.find((s) => s.datasetId === datasetId) ?? null;
  }, id);
  expect(set!.imagesDone).toBe(EXPECT.fashion.train - 2);
  // The trainer reads the same copy while the teacher still holds it open (read-only handles, shared).
  const pass = await page.evaluate(
    (datasetId) => window.__fkd!.studio().trainer.api.readPass(datasetId, 'train'),
    id,
  );
  expect(pass).toMatchObject({ packed: true, images: EXPECT.fashion.train, missing: 2 });

  // The storage panel counts the copy's bytes; Remove copy frees the files.
  await goto(page, 'Settings');
  await expect(page.getByTestId('pack-bytes')).toHaveText(formatBytes(pack.bytes));
  await goto(page, 'Data');
  await panel.locator('summary').first().click();
  await panel.getByRole('button', { name: 'Remove copy' }).click();
  await expect(panel.getByTestId('pack-state')).toHaveText('none');
  expect(await packDirs(page)).toEqual([]);
});
