import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeStudioDb, openStudioDb, type StudioDb } from './db';
import { StoreError, isQuotaError } from './errors';
import {
  deleteLabelSet,
  getLabelRecord,
  getLabelRecords,
  getLabelRecordsAt,
  getLabelSet,
  labelSetBytes,
  listDoneImageIndices,
  listLabelSets,
  patchLabelSet,
  putLabelRecords,
  putLabelSet,
} from './labels';
import { freshDbName, makeLabelSet, recordFor } from './test-fixtures';

let name: string;
let db: StudioDb;

beforeEach(async () => {
  name = freshDbName();
  db = await openStudioDb(name);
  await putLabelSet(db, makeLabelSet('ls1', 'd1'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await closeStudioDb(name);
});

/** Ground truth straight from the labels store, to compare with the counters. */
async function scan(labelSetId: string): Promise<{ count: number; bytes: number }> {
  const rows = await db.getAll('labels', IDBKeyRange.bound([labelSetId], [labelSetId, []]));
  return { count: rows.length, bytes: rows.reduce((sum, r) => sum + r.record.byteLength, 0) };
}

const batch = (lo: number, hi: number, length = 16) =>
  Array.from({ length: hi - lo }, (_, i) => ({ imageIndex: lo + i, record: recordFor(lo + i, length) }));

describe('getLabelRecordsAt', () => {
  it("returns the asked images' records in the asked order, undefined where none is stored", async () => {
    await putLabelRecords(db, 'ls1', batch(0, 5));
    await putLabelSet(db, makeLabelSet('ls2', 'd1'));
    await putLabelRecords(db, 'ls2', [{ imageIndex: 1, record: recordFor(77, 8) }]);
    expect(await getLabelRecordsAt(db, 'ls1', [3, 1, 9, 3])).toEqual([
      recordFor(3, 16),
      recordFor(1, 16),
      undefined,
      recordFor(3, 16),
    ]);
    expect(await getLabelRecordsAt(db, 'ls2', [1, 0])).toEqual([recordFor(77, 8), undefined]);
    expect(await getLabelRecordsAt(db, 'ls1', [])).toEqual([]);
  });
});

describe('putLabelRecords', () => {
  it('keeps imagesDone and bytes equal to the stored records over several batches', async () => {
    await putLabelRecords(db, 'ls1', batch(0, 10));
    await putLabelRecords(db, 'ls1', batch(10, 25, 20));
    const last = await putLabelRecords(db, 'ls1', batch(40, 43), { status: 'done' });
    const truth = await scan('ls1');
    expect(truth).toEqual({ count: 28, bytes: 10 * 16 + 15 * 20 + 3 * 16 });
    expect(last.imagesDone).toBe(28);
    expect(last.status).toBe('done');
    const stored = await getLabelSet(db, 'ls1');
    expect(stored?.imagesDone).toBe(truth.count);
    expect(stored?.bytes).toBe(truth.bytes);
    expect(await labelSetBytes(db, 'ls1')).toBe(truth.bytes);
  });

  it('does not double count rewritten images or duplicates within a batch', async () => {
    await putLabelRecords(db, 'ls1', batch(0, 5, 10));
    // A resumed job rewrites images 3..7 with bigger records; index 6 appears twice.
    const rewrite = [...batch(3, 8, 30), { imageIndex: 6, record: recordFor(99, 12) }];
    const set = await putLabelRecords(db, 'ls1', rewrite);
    expect(set.imagesDone).toBe(8);
    expect(await scan('ls1')).toEqual({ count: 8, bytes: 3 * 10 + 4 * 30 + 12 });
    expect(set.bytes).toBe(3 * 10 + 4 * 30 + 12);
    expect(await getLabelRecord(db, 'ls1', 6)).toEqual(recordFor(99, 12));
  });

  it('writes nothing when a put fails mid-batch (aborted transaction), and maps quota errors', async () => {
    await putLabelRecords(db, 'ls1', batch(0, 4));
    const realPut = IDBObjectStore.prototype.put;
    let calls = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['put']>
    ) {
      calls += 1;
      // Let two records through, then fail like a full disk would.
      if (calls === 3) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    const error = await putLabelRecords(db, 'ls1', batch(10, 16)).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('quota');
    expect(isQuotaError(error)).toBe(true);
    expect((error as StoreError).message).toMatch(/storage is full/i);
    vi.restoreAllMocks();

    expect(await getLabelRecords(db, 'ls1', 10, 16)).toEqual(new Map());
    expect(await scan('ls1')).toEqual({ count: 4, bytes: 64 });
    expect((await getLabelSet(db, 'ls1'))?.imagesDone).toBe(4);
    // The connection still works after the abort.
    expect((await putLabelRecords(db, 'ls1', batch(10, 12))).imagesDone).toBe(6);
  });

  it('rejects with notFound for a missing set and writes no records', async () => {
    const error = await putLabelRecords(db, 'nope', batch(0, 3)).catch((e: unknown) => e);
    expect((error as StoreError).kind).toBe('notFound');
    expect(await scan('nope')).toEqual({ count: 0, bytes: 0 });
  });

  it('validates indices before touching the database', async () => {
    const bad = [
      { imageIndex: 0, record: recordFor(0) },
      { imageIndex: 1.5, record: recordFor(1) },
    ];
    await expect(putLabelRecords(db, 'ls1', bad)).rejects.toBeInstanceOf(StoreError);
    expect(await scan('ls1')).toEqual({ count: 0, bytes: 0 });
  });
});

describe('label reads', () => {
  it('reads ranges as maps, lists done indices, and keeps sets apart', async () => {
    await putLabelSet(db, makeLabelSet('ls10', 'd1', 2));
    await putLabelRecords(db, 'ls1', [...batch(0, 3), ...batch(7, 9), ...batch(100, 102)]);
    await putLabelRecords(db, 'ls10', batch(0, 5));
    const range = await getLabelRecords(db, 'ls1', 1, 8);
    expect([...range.keys()]).toEqual([1, 2, 7]);
    expect(range.get(7)).toEqual(recordFor(7));
    expect(range.get(7)).toBeInstanceOf(Uint8Array);
    expect(await getLabelRecords(db, 'ls1', 5, 5)).toEqual(new Map());
    expect(await listDoneImageIndices(db, 'ls1')).toEqual([0, 1, 2, 7, 8, 100, 101]);
    expect(await listDoneImageIndices(db, 'ls10')).toEqual([0, 1, 2, 3, 4]);
    expect(await getLabelRecord(db, 'ls1', 3)).toBeUndefined();
    expect((await listLabelSets(db, 'd1')).map((s) => s.id)).toEqual(['ls1', 'ls10']);
    expect(await listLabelSets(db, 'other')).toEqual([]);
  });
});

describe('label set metadata', () => {
  it('putLabelSet and patchLabelSet cannot desync the counters', async () => {
    const stale = (await getLabelSet(db, 'ls1'))!;
    await putLabelRecords(db, 'ls1', batch(0, 6));
    // A UI holding the pre-batch copy saves a rename: counters must stay at 6.
    const saved = await putLabelSet(db, { ...stale, name: 'renamed' });
    expect(saved.imagesDone).toBe(6);
    const patched = await patchLabelSet(db, 'ls1', { status: 'paused' });
    expect(patched).toMatchObject({ name: 'renamed', status: 'paused', imagesDone: 6, bytes: 96 });
    await expect(patchLabelSet(db, 'missing', { status: 'done' })).rejects.toMatchObject({
      kind: 'notFound',
    });
  });

  it('deleteLabelSet removes the set and all its records, and nothing else', async () => {
    await putLabelSet(db, makeLabelSet('ls2', 'd1'));
    await putLabelRecords(db, 'ls1', batch(0, 50));
    await putLabelRecords(db, 'ls2', batch(0, 7));
    await deleteLabelSet(db, 'ls1');
    expect(await getLabelSet(db, 'ls1')).toBeUndefined();
    expect(await scan('ls1')).toEqual({ count: 0, bytes: 0 });
    expect(await scan('ls2')).toEqual({ count: 7, bytes: 7 * 16 });
    await expect(labelSetBytes(db, 'ls1')).rejects.toMatchObject({ kind: 'notFound' });
  });
});
