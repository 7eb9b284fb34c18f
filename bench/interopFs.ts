/**
 * A File System Access directory handle over node:fs, for bench:interop's export: the subset the export
 * job uses (getDirectoryHandle/getFileHandle with create, keys(), getFile().size,
 * createWritable().write/close). Writes are asynchronous, as the browser's are, so files in flight
 * overlap on libuv's thread pool.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
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
    async *keys(): AsyncIterable<string> {
      for (const name of readdirSync(dir)) yield name;
    },
    getFileHandle(name: string, o?: { create?: boolean }) {
      const p = join(dir, name);
      if (!o?.create && !existsSync(p)) return Promise.reject(notFound());
      return Promise.resolve({
        kind: 'file',
        name,
        getFile: () => Promise.resolve({ size: existsSync(p) ? statSync(p).size : 0 }),
        createWritable: () => {
          const parts: Uint8Array[] = [];
          return Promise.resolve({
            write: (d: Uint8Array) => (parts.push(d), Promise.resolve()),
            close: () => writeFile(p, parts.length === 1 ? parts[0] : Buffer.concat(parts)),
          });
        },
      });
    },
  };
  return handle as unknown as FileSystemDirectoryHandle;
}
