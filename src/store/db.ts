// Opening the FKD Studio database: one cached connection per name, upgrades, and multi-tab
// etiquette (close on versionchange so another tab's upgrade isn't blocked by us).
import { deleteDB, openDB, type IDBPDatabase } from 'idb';
import { DB_NAME, DB_VERSION, type StudioSchema } from './schema';
import { StoreError, toStoreError } from './errors';
import { upgradeStudioDb } from './upgrade';

export type StudioDb = IDBPDatabase<StudioSchema>;

export interface StoreEvent {
  /**
   * blocked: our open waits for another tab that still holds an older version open.
   * closedForUpgrade: we closed our connection because another tab wants a newer version; this
   * page's handles are now dead (operations fail with kind 'version'), so the UI should ask for a reload.
   * terminated: the browser closed the connection abnormally (e.g. storage cleared).
   */
  type: 'blocked' | 'closedForUpgrade' | 'terminated';
  name: string;
}

const connections = new Map<string, Promise<StudioDb>>();
const listeners = new Set<(event: StoreEvent) => void>();

/** Subscribes to connection events; returns the unsubscribe function. */
export function onStoreEvent(listener: (event: StoreEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(event: StoreEvent): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch {
      // A faulty listener must not break connection handling for the others.
    }
  }
}

/**
 * Opens (or returns the cached promise of) the studio database. `name` exists for tests; the app
 * uses the default. Works on the main thread and in workers (only globalThis.indexedDB is used).
 */
export function openStudioDb(name: string = DB_NAME): Promise<StudioDb> {
  const cached = connections.get(name);
  if (cached) return cached;
  // The callbacks fire long after this line, so `opening` is initialised by then.
  const opening: Promise<StudioDb> = openConnection(name, () => opening);
  connections.set(name, opening);
  // A failed open must not poison the cache: the next call retries.
  opening.catch(() => forget(name, opening));
  return opening;
}

function forget(name: string, which: Promise<StudioDb>): void {
  if (connections.get(name) === which) connections.delete(name);
}

async function openConnection(name: string, self: () => Promise<StudioDb>): Promise<StudioDb> {
  if (!globalThis.indexedDB) {
    throw new StoreError(
      'unknown',
      'IndexedDB is not available in this context (private mode or no support?)',
    );
  }
  let upgradeError: unknown;
  let conn: StudioDb | undefined;
  try {
    conn = await openDB<StudioSchema>(name, DB_VERSION, {
      upgrade(db, oldVersion, _newVersion, tx) {
        // idb ignores the returned promise, so a failed migration must abort the versionchange
        // transaction itself; otherwise a half-migrated schema would be committed.
        // The open request reports an aborted upgrade; this only marks tx.done's rejection as seen.
        tx.done.catch(() => undefined);
        upgradeStudioDb(db, oldVersion, tx).catch((e: unknown) => {
          upgradeError = e;
          try {
            tx.abort();
          } catch {
            // Already finished or aborting.
          }
        });
      },
      blocked() {
        emit({ type: 'blocked', name });
      },
      blocking() {
        conn?.close();
        forget(name, self());
        emit({ type: 'closedForUpgrade', name });
      },
      terminated() {
        forget(name, self());
        emit({ type: 'terminated', name });
      },
    });
  } catch (e) {
    throw toStoreError(upgradeError ?? e, `open database ${name}`);
  }
  return conn;
}

/** Closes and forgets the cached connection (tests, "delete all data"). */
export async function closeStudioDb(name: string = DB_NAME): Promise<void> {
  const cached = connections.get(name);
  if (!cached) return;
  connections.delete(name);
  try {
    (await cached).close();
  } catch {
    // The open had failed; nothing to close.
  }
}

/** Deletes the whole database (after closing our own connection). */
export async function deleteStudioDb(name: string = DB_NAME): Promise<void> {
  await closeStudioDb(name);
  try {
    await deleteDB(name, { blocked: () => emit({ type: 'blocked', name }) });
  } catch (e) {
    throw toStoreError(e, `delete database ${name}`);
  }
}
