/**
 * A test-build-only fault on folder sources: headless Chromium cannot revoke a real folder permission,
 * so e2e makes the worker's folder handle answer as a revoked or emptied one would, mid-job, and checks
 * that the job pauses (or reports the files) through the same paths a real browser takes.
 */
import type { DirHandleLike, FileHandleLike } from '../data/fsaSource';
import type { PermissionedHandle, PermissionMode } from '../data/permissions';

export interface SourceFault {
  /** NotAllowedError: every read refused, the permission back to 'prompt' (access revoked);
   * NotFoundError: the listed files (paths inside the folder) are gone. */
  name: 'NotAllowedError' | 'NotFoundError';
  paths?: string[];
}

let fault: SourceFault | null = null;

/** Sets (or with null clears: the user granted access again, the files came back) the fault. */
export function injectSourceFault(f: SourceFault | null): void {
  fault = f;
}

function check(path: string): void {
  if (!fault) return;
  if (fault.name === 'NotAllowedError') throw new DOMException('permission revoked', 'NotAllowedError');
  if (fault.paths?.includes(path)) throw new DOMException(`${path} was removed`, 'NotFoundError');
}

type Handle = DirHandleLike & PermissionedHandle;

function wrapFile(h: FileHandleLike, path: string): FileHandleLike {
  return {
    kind: 'file',
    name: h.name,
    getFile: async () => {
      check(path);
      return h.getFile();
    },
  };
}

function wrapDir(h: Handle, path: string): Handle {
  const at = (name: string) => (path ? `${path}/${name}` : name);
  return {
    kind: 'directory',
    name: h.name,
    async *entries() {
      check(path);
      for await (const [name, child] of h.entries()) {
        yield [name, child.kind === 'file' ? wrapFile(child, at(name)) : wrapDir(child as Handle, at(name))];
      }
    },
    getDirectoryHandle: async (name: string) => {
      check(at(name));
      return wrapDir((await h.getDirectoryHandle(name)) as Handle, at(name));
    },
    getFileHandle: async (name: string) => {
      check(at(name));
      return wrapFile(await h.getFileHandle(name), at(name));
    },
    queryPermission: async (desc: { mode: PermissionMode }) =>
      fault?.name === 'NotAllowedError' ? 'prompt' : (h.queryPermission?.(desc) ?? 'granted'),
  };
}

/** The folder handle as the fault lets it answer (checked on every call, so a fault can start mid-job). */
export function withSourceFault(handle: DirHandleLike): DirHandleLike {
  return wrapDir(handle as Handle, '');
}
