/**
 * A File System Access directory handle over node:fs, for bench:interop's export: the subset the export
 * job uses (getDirectoryHandle/getFileHandle with create, getFile().size, createWritable().write/close).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function fsDirectoryHandle(dir: string): FileSystemDirectoryHandle {
  const notFound = () => Object.assign(new Error('not found'), { name: 'NotFoundError' });
  const handle = {
    kind: 'directory',
    name: dir.split('/').pop() ?? '',
    getDirectoryHandle(name: string, o?: { create?: boolean }) {
      const p = join(dir, name);
      if (!existsSync(p)) {
        if (!o?.create) return Promise.reject(notFound());
        mkdirSync(p);
      }
      return Promise.resolve(fsDirectoryHandle(p));
    },
    getFileHandle(name: string, o?: { create?: boolean }) {
      const p = join(dir, name);
      if (!existsSync(p) && !o?.create) return Promise.reject(notFound());
      return Promise.resolve({
        kind: 'file',
        name,
        getFile: () => Promise.resolve({ size: existsSync(p) ? statSync(p).size : 0 }),
        createWritable: () => {
          const parts: Uint8Array[] = [];
          return Promise.resolve({
            write: (d: Uint8Array) => (parts.push(d), Promise.resolve()),
            close: () => (writeFileSync(p, Buffer.concat(parts)), Promise.resolve()),
          });
        },
      });
    },
  };
  return handle as unknown as FileSystemDirectoryHandle;
}
