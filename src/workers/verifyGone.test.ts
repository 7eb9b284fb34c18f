import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openStudioDb, putLabelRecords, putLabelSet, type DatasetItem } from '../store';
import { makeLabelSet, recordFor } from '../store/test-fixtures';
import { labelledSample } from './verifyLabels';

describe('label verification sample', () => {
  it('neither samples nor counts missing the images gone from the folder, and says how many', async () => {
    const db = await openStudioDb();
    await putLabelSet(db, makeLabelSet('ls-verify-gone', 'd-verify'));
    // Images 0-9; 3 and 7 were gone at a re-open check (their records dropped); 5 failed to decode.
    const items: DatasetItem[] = Array.from({ length: 10 }, (_, index) => ({
      datasetId: 'd-verify',
      split: 'train',
      index,
      path: `${index}.png`,
      classIndex: 0,
      bytes: 1,
      ...(index === 3 || index === 7 ? { gone: true } : {}),
    }));
    const labelled = [0, 1, 2, 4, 6, 8, 9];
    await putLabelRecords(
      db,
      'ls-verify-gone',
      labelled.map((imageIndex) => ({ imageIndex, record: recordFor(imageIndex) })),
    );
    const reader = {
      dataset: { counts: { train: 10, val: 0 } },
      async *itemPages() {
        yield items.slice(0, 6);
        yield items.slice(6);
      },
    } as unknown as Parameters<typeof labelledSample>[1];
    const set = makeLabelSet('ls-verify-gone', 'd-verify');
    const r = await labelledSample(db, reader, { ...set, imagesDone: labelled.length }, 20);
    expect(r.gone).toBe(2);
    expect(r.missing).toEqual([5]);
    expect(r.missingCount).toBe(1);
    expect(r.sample.map((it) => it.index)).toEqual(labelled);
  });
});
