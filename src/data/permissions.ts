/**
 * Permission helpers for File System Access handles persisted in IndexedDB. After a reload a
 * stored handle usually reports 'prompt'; only requestPermission() inside a user gesture on the
 * main thread can turn that into 'granted'. Workers therefore only query, and jobs that hit a
 * lost permission throw PermissionLostError so they can pause and ask the UI for a click.
 */

export type PermissionMode = 'read' | 'readwrite';
export type HandlePermission = 'granted' | 'denied' | 'prompt';

/** queryPermission/requestPermission are Chromium-only and missing from TypeScript's DOM lib. */
export interface PermissionedHandle {
  readonly name: string;
  queryPermission?(desc: { mode: PermissionMode }): Promise<PermissionState>;
  requestPermission?(desc: { mode: PermissionMode }): Promise<PermissionState>;
}

export class PermissionLostError extends Error {
  constructor(
    readonly handleName: string,
    cause?: unknown,
  ) {
    super(`permission to read "${handleName}" was lost; click to grant access again`, { cause });
    this.name = 'PermissionLostError';
  }
}

/**
 * Returns the permission state, asking the user only when `request` is true (the caller must be
 * in a user gesture). Handles without the API (OPFS in other browsers) are treated as granted,
 * since the origin owns them.
 */
export async function ensurePermission(
  handle: PermissionedHandle,
  mode: PermissionMode,
  request: boolean,
): Promise<HandlePermission> {
  if (typeof handle.queryPermission !== 'function') return 'granted';
  const state = await handle.queryPermission({ mode });
  if (state === 'granted' || !request || typeof handle.requestPermission !== 'function') return state;
  return handle.requestPermission({ mode });
}

/** DOMException names the FSA implementation uses when access has been revoked. */
export function isPermissionError(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'NotAllowedError' || name === 'SecurityError';
}
