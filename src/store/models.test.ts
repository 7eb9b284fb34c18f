import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeStudioDb, openStudioDb, type StudioDb } from './db';
import { StoreError, isQuotaError, toStoreError } from './errors';
import {
  deleteHandle,
  deleteJob,
  deleteModel,
  getHandle,
  getJob,
  getModel,
  listHandles,
  listJobs,
  listModels,
  listModelSummaries,
  putHandle,
  putJob,
  putModel,
} from './models';
import type { HandleRecord, ModelRecord } from './schema';
import { requestPersistence, storageEstimate } from './storage';
import { freshDbName } from './test-fixtures';

let name: string;
let db: StudioDb;

beforeEach(async () => {
  name = freshDbName();
  db = await openStudioDb(name);
});

afterEach(async () => {
  vi.unstubAllGlobals();
  await closeStudioDb(name);
});

describe('models, handles, jobs', () => {
  it('round-trips models with weight bytes and filters by kind', async () => {
    const weightData = new Float32Array([1, 2, 3]).buffer;
    const teacher: ModelRecord = {
      id: 'm1',
      name: 'resnet',
      kind: 'teacher',
      source: 'embedded',
      config: {
        id: 'm1',
        name: 'resnet',
        inputSize: 28,
        channels: 1,
        channelOrder: 'rgb',
        normalisation: 'unit',
        output: 'logits',
        numClasses: 10,
        classMapping: 'dataset',
      },
      createdAt: 2,
      artifacts: { modelTopology: { layers: [] }, weightSpecs: [{ name: 'w', shape: [3] }], weightData },
    };
    await putModel(db, teacher);
    await putModel(db, {
      ...teacher,
      id: 'm0',
      kind: 'student',
      source: 'run',
      createdAt: 1,
      artifacts: undefined,
    });
    const back = await getModel(db, 'm1');
    expect(new Float32Array(back!.artifacts!.weightData)).toEqual(new Float32Array([1, 2, 3]));
    expect((await listModels(db)).map((m) => m.id)).toEqual(['m0', 'm1']);
    expect((await listModels(db, 'teacher')).map((m) => m.id)).toEqual(['m1']);
    await deleteModel(db, 'm1');
    expect(await getModel(db, 'm1')).toBeUndefined();
  });

  it('lists summaries without weights, each record read once: later lists read the keys alone', async () => {
    const model = (id: string, kind: ModelRecord['kind'], createdAt: number): ModelRecord => ({
      ...{ id, name: id, kind, source: 'folder', createdAt },
      config: {
        ...{ id, name: id, inputSize: 16, channels: 3, channelOrder: 'rgb', normalisation: 'unit' },
        ...{ output: 'logits', numClasses: 1000, classMapping: 'dataset' },
      },
      artifacts: { modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(1 << 20) },
    });
    await putModel(db, model('t2', 'teacher', 2));
    await putModel(db, model('s1', 'student', 1));
    const valueReads: string[] = [];
    const proto = IDBObjectStore.prototype as unknown as Record<string, (...a: unknown[]) => IDBRequest>;
    for (const name of ['get', 'getAll']) {
      const original = proto[name];
      vi.spyOn(proto, name).mockImplementation(function (this: IDBObjectStore, ...a: unknown[]) {
        valueReads.push(`${this.name}.${name}`);
        return original.apply(this, a);
      });
    }
    try {
      const first = await listModelSummaries(db);
      expect(first.map((m) => m.id)).toEqual(['s1', 't2']);
      expect(first.every((m) => !('artifacts' in m))).toBe(true);
      expect(valueReads).toEqual(['models.get', 'models.get']);
      valueReads.length = 0;
      expect((await listModelSummaries(db, 'teacher')).map((m) => m.id)).toEqual(['t2']);
      expect(valueReads).toEqual([]);
      // A new model is read once; a deleted one leaves the list.
      await putModel(db, model('t3', 'teacher', 3));
      await deleteModel(db, 't2');
      expect((await listModelSummaries(db, 'teacher')).map((m) => m.id)).toEqual(['t3']);
      expect(valueReads).toEqual(['models.get']);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('round-trips handles (plain object stands in for FileSystemHandle) and jobs', async () => {
    const handle = { kind: 'directory', name: 'imagenet' } as unknown as FileSystemHandle;
    const rec: HandleRecord = { id: 'h1', name: 'imagenet', kind: 'directory', handle, createdAt: 1 };
    await putHandle(db, rec);
    expect(await getHandle(db, 'h1')).toEqual(rec);
    expect(await listHandles(db)).toHaveLength(1);
    await deleteHandle(db, 'h1');
    expect(await listHandles(db)).toEqual([]);

    await putJob(db, { id: 'j1', kind: 'generate', refId: 'ls1', state: { next: 640 }, updatedAt: 1 });
    await putJob(db, { id: 'j2', kind: 'train', refId: 'r1', state: {}, updatedAt: 2 });
    expect((await getJob(db, 'j1'))?.state).toEqual({ next: 640 });
    expect((await listJobs(db, 'train')).map((j) => j.id)).toEqual(['j2']);
    await deleteJob(db, 'j1');
    expect(await getJob(db, 'j1')).toBeUndefined();
  });

  it('maps a QuotaExceededError thrown by a plain put to kind quota', async () => {
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    const error = await putJob(db, { id: 'j', kind: 'train', refId: 'r', state: {}, updatedAt: 0 }).catch(
      (e: unknown) => e,
    );
    vi.restoreAllMocks();
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('quota');
    expect(await getJob(db, 'j')).toBeUndefined();
  });
});

describe('isQuotaError / toStoreError', () => {
  it('recognises quota errors across browsers and wrappers, and nothing else', () => {
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaError({ name: 'Error', code: 22 })).toBe(true);
    expect(isQuotaError(new Error('wrap', { cause: new DOMException('x', 'QuotaExceededError') }))).toBe(
      true,
    );
    expect(isQuotaError(new StoreError('quota', 'full'))).toBe(true);
    expect(isQuotaError(new StoreError('unknown', 'x'))).toBe(false);
    expect(isQuotaError(new DOMException('x', 'AbortError'))).toBe(false);
    expect(isQuotaError(new Error('quota'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
    expect(isQuotaError('QuotaExceededError')).toBe(false);
    const cyclic: { name: string; cause?: unknown } = { name: 'Error' };
    cyclic.cause = cyclic;
    expect(isQuotaError(cyclic)).toBe(false);
  });

  it('keeps kinds and causes', () => {
    const cause = new DOMException('x', 'VersionError');
    const e = toStoreError(cause, 'open');
    expect(e.kind).toBe('version');
    expect(e.cause).toBe(cause);
    expect(toStoreError(new TypeError('boom'), 'save').message).toBe('save: TypeError: boom');
    const typed = new StoreError('notFound', 'gone');
    expect(toStoreError(typed, 'x')).toBe(typed);
  });
});

describe('storage helpers', () => {
  it('return null / false where navigator.storage is missing', async () => {
    vi.stubGlobal('navigator', undefined);
    expect(await storageEstimate()).toBeNull();
    expect(await requestPersistence()).toBe(false);
  });

  it('report estimate and persistence from navigator.storage', async () => {
    const storage = {
      estimate: vi.fn(async () => ({ usage: 101, quota: 10240 })),
      persisted: vi.fn(async () => true),
      persist: vi.fn(async () => true),
    };
    vi.stubGlobal('navigator', { storage });
    expect(await storageEstimate()).toEqual({ usage: 101, quota: 10240, persisted: true });
    expect(await requestPersistence()).toBe(true);
    storage.estimate.mockRejectedValueOnce(new Error('denied'));
    expect(await storageEstimate()).toBeNull();
    storage.persist.mockRejectedValueOnce(new Error('denied'));
    expect(await requestPersistence()).toBe(false);
  });
});
