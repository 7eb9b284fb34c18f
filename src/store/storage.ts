// Storage quota helpers. Only navigator.storage is used (present in windows and workers);
// in Node or old browsers they report "unknown" instead of throwing.

export interface StorageEstimateInfo {
  usage: number;
  quota: number;
  persisted: boolean;
}

function storageManager(): StorageManager | undefined {
  return (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
}

/** Usage and quota for this origin, or null where the API is missing or fails. */
export async function storageEstimate(): Promise<StorageEstimateInfo | null> {
  const storage = storageManager();
  if (!storage?.estimate) return null;
  try {
    const { usage = 0, quota = 0 } = await storage.estimate();
    // persisted() is not exposed in every worker context; absent means best-effort storage.
    const persisted = typeof storage.persisted === 'function' ? await storage.persisted() : false;
    return { usage, quota, persisted };
  } catch {
    return null;
  }
}

/**
 * Asks the browser not to evict our data under storage pressure (label sets take hours to
 * regenerate). Resolves false when denied or unsupported (e.g. in workers, where persist() is
 * not exposed: call it from the UI).
 */
export async function requestPersistence(): Promise<boolean> {
  const storage = storageManager();
  if (typeof storage?.persist !== 'function') return false;
  try {
    return await storage.persist();
  } catch {
    return false;
  }
}
