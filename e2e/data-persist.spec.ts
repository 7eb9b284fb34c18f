/**
 * "Reload the page: the dataset and its persisted handle are still there". A folder opened
 * through the open-folder path (an OPFS handle) survives a page reload and a browser relaunch on the
 * same profile: its record, counts and classes, and its FileSystemDirectoryHandle in IndexedDB (same
 * entry, still readable, no re-grant needed), and a generation job can still read its images.
 */
import { expect, test, type Page } from '@playwright/test';
import { EXPECT, FASHION_FOLDERS } from '../tools/fixtures/makeFixtures';
import {
  classRows,
  expectCounts,
  fixture,
  generate,
  openOpfs,
  userDataset,
  writeOpfs,
} from './fixtures/data';
import { firstPage, launch } from './fixtures/faults';
import { goto, openStudio } from './helpers';

const NAME = 'fashion-folder';

/** The stored handle of the dataset: what it is, whether it is the OPFS folder, and what it lists. */
function storedHandle(page: Page, datasetId: string) {
  return page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('fkd-studio');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const get = <T>(store: string, key: string) =>
      new Promise<T>((resolve, reject) => {
        const r = db.transaction(store).objectStore(store).get(key);
        r.onsuccess = () => resolve(r.result as T);
        r.onerror = () => reject(r.error);
      });
    const ds = await get<{ handleId?: string; source: string }>('datasets', id);
    const rec = await get<{ name: string; handle: FileSystemDirectoryHandle }>('handles', ds.handleId!);
    db.close();
    const h = rec.handle as FileSystemDirectoryHandle & {
      queryPermission(d: { mode: string }): Promise<string>;
    };
    const opfs = await (await navigator.storage.getDirectory()).getDirectoryHandle('fashion-folder');
    const train: string[] = [];
    for await (const name of (await h.getDirectoryHandle('train')).keys()) train.push(name);
    return {
      source: ds.source,
      name: rec.name,
      isDirectoryHandle: h instanceof FileSystemDirectoryHandle,
      sameEntry: await h.isSameEntry(opfs),
      permission: await h.queryPermission({ mode: 'read' }),
      trainFolders: train.sort(),
    };
  }, datasetId);
}

async function expectDataset(page: Page, datasetId: string): Promise<void> {
  await goto(page, 'Data');
  const ds = userDataset(page, NAME);
  await expectCounts(ds, { train: EXPECT.fashion.train, val: EXPECT.fashion.val, skipped: 0 });
  expect((await classRows(ds)).map((r) => r[1])).toEqual(FASHION_FOLDERS);
  await expect(ds.getByRole('button', { name: 'Grant access again' })).toHaveCount(0);
  expect(await storedHandle(page, datasetId)).toEqual({
    source: 'folder',
    name: NAME,
    isDirectoryHandle: true,
    sameEntry: true,
    permission: 'granted',
    trainFolders: FASHION_FOLDERS,
  });
}

test('an opened folder survives a reload and a browser relaunch, and a job can still read it', async ({
  baseURL,
}) => {
  test.setTimeout(150_000);
  const profile = test.info().outputPath('profile');
  let ctx = await launch(profile, baseURL);
  let page = await firstPage(ctx);
  await openStudio(page);
  await goto(page, 'Data');
  await writeOpfs(page, fixture('fashion'), NAME);
  const id = await openOpfs(page, NAME);
  await expectDataset(page, id);

  await page.reload();
  await openStudio(page);
  await expectDataset(page, id);
  await ctx.close();

  ctx = await launch(profile, baseURL);
  try {
    page = await firstPage(ctx);
    await openStudio(page);
    await expectDataset(page, id);
    // The handle is read again by the teacher worker: every image gets its labels.
    const row = await generate(page, NAME, EXPECT.fashion.train);
    await expect(row.getByTestId('images-done')).toHaveText(
      `${EXPECT.fashion.train}/${EXPECT.fashion.train}`,
    );
    await expect(row).not.toContainText('skipped');
    // The Data view shows the storage its labels use.
    await goto(page, 'Data');
    await expect(userDataset(page, NAME)).toContainText(/labels [1-9][\d.]* (B|KB)/);
  } finally {
    await ctx.close();
  }
});
