import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { putDataset, getDataset } from './datasets';
import { closeStudioDb, deleteStudioDb, onStoreEvent, openStudioDb, type StoreEvent } from './db';
import { StoreError } from './errors';
import { DB_NAME, DB_VERSION } from './schema';
import { freshDbName, makeDataset } from './test-fixtures';

const names: string[] = [];
function nextName(): string {
  const n = freshDbName();
  names.push(n);
  return n;
}

afterEach(async () => {
  vi.unstubAllGlobals();
  for (const n of names.splice(0)) await closeStudioDb(n);
});

/** Fails instead of hanging when a promise never settles (e.g. a blocked open). */
function within<T>(p: Promise<T>, ms = 2000): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms)),
  ]);
}

describe('openStudioDb', () => {
  it('caches the connection per name and creates the full v2 schema', async () => {
    const name = nextName();
    const a = openStudioDb(name);
    expect(openStudioDb(name)).toBe(a);
    const db = await a;
    expect(db.name).toBe(name);
    expect(db.version).toBe(DB_VERSION);
    expect(db.objectStoreNames.length).toBe(9);
    const tx = db.transaction(['datasetItems', 'labelSets', 'checkpoints']);
    expect(tx.objectStore('datasetItems').index('byDataset').keyPath).toEqual(['datasetId', 'split']);
    expect(tx.objectStore('labelSets').index('byDataset').keyPath).toBe('datasetId');
    expect(tx.objectStore('checkpoints').index('byRun').keyPath).toBe('runId');
    expect(DB_NAME).toBe('fkd-studio');
  });

  it('closes itself when another tab upgrades, then reports a version error', async () => {
    const name = nextName();
    const events: StoreEvent[] = [];
    const off = onStoreEvent((e) => events.push(e));
    const db = await openStudioDb(name);
    await putDataset(db, makeDataset('d1'));

    // Another tab with a newer schema: must not be blocked by our connection.
    const newer = await within(openDB(name, DB_VERSION + 1));
    expect(events).toEqual([{ type: 'closedForUpgrade', name }]);
    const stale = await getDataset(db, 'd1').catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StoreError);
    expect((stale as StoreError).kind).toBe('version');

    // Reopening now finds a newer database on disk.
    const reopened = await openStudioDb(name).catch((e: unknown) => e);
    expect((reopened as StoreError).kind).toBe('version');
    expect((reopened as StoreError).message).toMatch(/reload/i);
    newer.close();
    off();
  });

  it('reports blocked while an old connection ignores versionchange, then upgrades', async () => {
    const name = nextName();
    const old = await openDB(name, 1, {
      upgrade(raw) {
        for (const s of ['datasets', 'labelSets', 'runs']) raw.createObjectStore(s, { keyPath: 'id' });
        raw.createObjectStore('labels');
      },
    });
    const events: StoreEvent[] = [];
    const off = onStoreEvent((e) => events.push(e));
    const opening = openStudioDb(name);
    await vi.waitFor(() => expect(events).toEqual([{ type: 'blocked', name }]));
    old.close();
    const db = await within(opening);
    expect(db.version).toBe(DB_VERSION);
    off();
  });

  it('fails with a StoreError where IndexedDB is missing, without poisoning the cache', async () => {
    const name = nextName();
    vi.stubGlobal('indexedDB', undefined);
    await expect(openStudioDb(name)).rejects.toMatchObject({ kind: 'unknown' });
    vi.unstubAllGlobals();
    expect((await openStudioDb(name)).version).toBe(DB_VERSION);
  });

  it('deleteStudioDb drops all data', async () => {
    const name = nextName();
    await putDataset(await openStudioDb(name), makeDataset('d1'));
    await deleteStudioDb(name);
    expect(await getDataset(await openStudioDb(name), 'd1')).toBeUndefined();
  });
});
