/**
 * The fallback where showDirectoryPicker is missing: `<input type=file webkitdirectory>`
 * feeds the same index code. An ImageNet-layout folder and a folder of WebDataset shards index with
 * exact counts and classes.
 */
import { expect, test } from '@playwright/test';
import { EXPECT } from '../tools/fixtures/makeFixtures';
import { classRows, expectCounts, fixture, userDataset } from './fixtures/data';
import { goto, openStudio } from './helpers';

test('setInputFiles on the webkitdirectory input indexes an ImageFolder and WebDataset shards', async ({
  page,
}) => {
  await openStudio(page);
  await goto(page, 'Data');
  const input = page.getByTestId('folder-input');

  // The dataset is named after the picked folder (first segment of webkitRelativePath).
  await input.setInputFiles(fixture('imagenet'));
  const inet = userDataset(page, 'imagenet');
  await expectCounts(inet, { train: EXPECT.imagenet.train, val: EXPECT.imagenet.val, skipped: 0 });
  await expect(inet).toContainText('imagefolder · 3 classes (of 1000)');
  expect(await classRows(inet)).toEqual(
    EXPECT.imagenet.classes.map((c) => [String(c.index), c.name, c.folder]),
  );
  // A File[] cannot be persisted, so there is no handle to re-grant.
  await expect(inet.getByRole('button', { name: 'Grant access again' })).toHaveCount(0);

  await input.setInputFiles(fixture('wds'));
  const wds = userDataset(page, 'wds');
  await expectCounts(wds, { train: EXPECT.wds.train, val: EXPECT.wds.val, skipped: 0 });
  await expect(wds).toContainText(`webdataset · 3 classes (of ${EXPECT.wds.numClasses})`);
  expect(await classRows(wds)).toEqual(EXPECT.wds.classes.map((c) => [String(c.index), c.name, '']));
  await expect(page.getByRole('alert')).toHaveCount(0);
});
