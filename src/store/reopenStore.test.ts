import 'fake-indexeddb/auto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { closeStudioDb, openStudioDb, type StudioDb } from './db';
import { countDatasetItems, deleteDatasetItemsFrom, getDatasetItems, putDatasetItems } from './datasets';
import { dropLabelRecords, getLabelSet, patchLabelSet, putLabelRecords, putLabelSet } from './labels';
import { freshDbName, makeLabelSet, recordFor } from './test-fixtures';

let name: string;
let db: StudioDb;

beforeEach(async () => {
  name = freshDbName();
  db = await openStudioDb(name);
});

afterEach(async () => {
  await closeStudioDb(name);
});

it('a resumed index trims the items past its cursor, in one split only', async () => {
  const items = (n: number) =>
    Array.from({ length: n }, (_, index) => ({ index, path: `c/${index}.jpg`, classIndex: 0, bytes: 1 }));
  await putDatasetItems(db, 'd1', 'train', items(120), { chunkSize: 50 });
  await putDatasetItems(db, 'd1', 'val', items(30));
  await putDatasetItems(db, 'd2', 'train', items(10));
  expect(await deleteDatasetItemsFrom(db, 'd1', 'train', 100)).toBe(20);
  expect(await countDatasetItems(db, 'd1', 'train')).toBe(100);
  expect((await getDatasetItems(db, 'd1', 'train', 0, 1000)).at(-1)?.index).toBe(99);
  expect(await countDatasetItems(db, 'd1', 'val')).toBe(30);
  expect(await countDatasetItems(db, 'd2', 'train')).toBe(10);
});

it('dropping the label records of changed images keeps the counters true and pauses a finished set', async () => {
  await putLabelSet(db, makeLabelSet('ls1', 'd1'));
  await putLabelRecords(
    db,
    'ls1',
    Array.from({ length: 10 }, (_, i) => ({ imageIndex: i, record: recordFor(i, 16 + i) })),
  );
  await patchLabelSet(db, 'ls1', { status: 'done' });
  // 3 and 7 had records; 42 never had one.
  expect(await dropLabelRecords(db, 'ls1', [3, 7, 42], 'changed on disk')).toBe(2);
  const set = (await getLabelSet(db, 'ls1'))!;
  expect(set.imagesDone).toBe(8);
  expect(set.bytes).toBe(Array.from({ length: 10 }, (_, i) => 16 + i).reduce((a, b) => a + b) - 19 - 23);
  expect(set.status).toBe('paused');
  expect(set.error).toBe('changed on disk');
  expect(await db.get('labels', ['ls1', 3])).toBeUndefined();
  expect(await db.get('labels', ['ls1', 4])).toBeDefined();
  // Nothing to drop: the set is left as it was.
  expect(await dropLabelRecords(db, 'ls1', [3], 'again')).toBe(0);
  expect((await getLabelSet(db, 'ls1'))!.error).toBe('changed on disk');
});
