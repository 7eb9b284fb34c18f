// Typed store errors. Callers branch on `kind` (e.g. show "storage is full") instead of parsing
// DOMException names, which differ between browsers.

export type StoreErrorKind = 'quota' | 'notFound' | 'version' | 'unknown';

export class StoreError extends Error {
  readonly kind: StoreErrorKind;

  constructor(kind: StoreErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.kind = kind;
  }
}

function errorName(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const name = (e as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * True for "out of storage" failures: QuotaExceededError (Chromium, Safari, fake-indexeddb),
 * Firefox's NS_ERROR_DOM_QUOTA_REACHED, legacy DOMException code 22, or a StoreError / wrapper
 * whose cause chain contains one.
 */
export function isQuotaError(e: unknown): boolean {
  let cur: unknown = e;
  // Bounded walk: cause chains are short, and a cyclic chain must not hang the caller.
  for (let depth = 0; depth < 8 && typeof cur === 'object' && cur !== null; depth++) {
    if (cur instanceof StoreError && cur.kind === 'quota') return true;
    const name = errorName(cur);
    if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED') return true;
    if (name !== 'StoreError' && (cur as { code?: unknown }).code === 22) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

const QUOTA_MESSAGE =
  'Browser storage is full (quota exceeded). Delete old label sets, checkpoints or datasets, ' +
  'or allow persistent storage, then retry.';

/** Maps anything thrown by IndexedDB/idb to a StoreError (already-typed errors pass through). */
export function toStoreError(e: unknown, context: string): StoreError {
  if (e instanceof StoreError) return e;
  if (isQuotaError(e)) return new StoreError('quota', `${context}: ${QUOTA_MESSAGE}`, { cause: e });
  const name = errorName(e);
  const detail =
    e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)
      ? String((e as { message: unknown }).message)
      : String(e);
  if (name === 'VersionError') {
    return new StoreError(
      'version',
      `${context}: the stored database is newer than this page (FKD Studio was updated in another tab). Reload the page.`,
      { cause: e },
    );
  }
  if (name === 'InvalidStateError') {
    // Our connection closes itself when another tab upgrades the schema (see db.ts); any later
    // use of that old handle lands here.
    return new StoreError(
      'version',
      `${context}: the database connection was closed, most likely for an upgrade in another tab. Reload the page.`,
      { cause: e },
    );
  }
  return new StoreError('unknown', `${context}: ${name ? `${name}: ` : ''}${detail}`, { cause: e });
}

/** Runs one store operation and rethrows its failure as a StoreError tagged with `context`. */
export async function guard<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toStoreError(e, context);
  }
}

export function notFound(what: string, id: unknown): StoreError {
  return new StoreError('notFound', `${what} ${JSON.stringify(id)} not found`);
}
