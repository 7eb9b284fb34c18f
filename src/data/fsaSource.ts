/**
 * DataSource over File System Access directory handles (a picked folder, a persisted handle, a
 * dropped folder, or OPFS in tests). Listing streams `entries()` and asks each file for its size
 * (getFile) in small parallel chunks, so only one chunk of file handles is alive at a time;
 * `listNames` skips getFile, for the re-open check of a folder that did not change. Every handle and
 * File made is counted for the collector's nudge (gcNudge.ts): dropped ones hold browser memory.
 */
import { fsaNudge } from './gcNudge';
import { PermissionLostError, isPermissionError } from './permissions';
import { SourceNotFoundError, joinPath, type DataSource, type SourceEntry } from './source';

/** The subset of FileSystemFileHandle we use; a real handle satisfies it. */
export interface FileHandleLike {
  readonly kind: 'file';
  readonly name: string;
  getFile(): Promise<Blob & { readonly size: number }>;
}

/** The subset of FileSystemDirectoryHandle we use; a real handle satisfies it. */
export interface DirHandleLike {
  readonly kind: 'directory';
  readonly name: string;
  entries(): AsyncIterable<[string, DirHandleLike | FileHandleLike]>;
  getDirectoryHandle(name: string): Promise<DirHandleLike>;
  getFileHandle(name: string): Promise<FileHandleLike>;
}

/** How many getFile() calls a listing keeps in flight. */
const SIZE_CHUNK = 32;
/** Directory handles kept for open(): ImageNet has 1000 class folders + a few parents. */
const DIR_CACHE_MAX = 4096;

export class FsaSource implements DataSource {
  readonly kind = 'fsa' as const;
  readonly name: string;
  private readonly dirCache = new Map<string, DirHandleLike>();

  /**
   * `root` may be several handles (a drop of train/ and val/ together): they then form a
   * virtual root directory that lists them.
   */
  constructor(
    private readonly root: DirHandleLike | readonly (DirHandleLike | FileHandleLike)[],
    name?: string,
  ) {
    this.name = name ?? (Array.isArray(root) ? 'dropped items' : (root as DirHandleLike).name);
  }

  async *list(dir: readonly string[]): AsyncIterable<SourceEntry> {
    if (dir.length === 0 && Array.isArray(this.root)) {
      yield* this.sized(virtualEntries(this.root as readonly (DirHandleLike | FileHandleLike)[]), '');
      return;
    }
    const handle = await this.dir(dir);
    yield* this.sized(handle.entries(), joinPath(dir));
  }

  async *listNames(dir: readonly string[]): AsyncIterable<SourceEntry> {
    const entries =
      dir.length === 0 && Array.isArray(this.root)
        ? virtualEntries(this.root as readonly (DirHandleLike | FileHandleLike)[])
        : (await this.dir(dir)).entries();
    try {
      for await (const [name, h] of entries) {
        fsaNudge.tick();
        yield { name, kind: h.kind };
      }
    } catch (e) {
      throw this.wrap(e, joinPath(dir));
    }
  }

  async open(path: readonly string[]): Promise<Blob> {
    if (path.length === 0) throw new SourceNotFoundError('');
    const parent = await this.dir(path.slice(0, -1));
    const name = path[path.length - 1];
    try {
      const fh = await parent.getFileHandle(name);
      // Training and labelling open every image once per pass: a handle and a File each.
      fsaNudge.tick(2);
      return await fh.getFile();
    } catch (e) {
      throw this.wrap(e, joinPath(path));
    }
  }

  private async *sized(
    entries: AsyncIterable<[string, DirHandleLike | FileHandleLike]>,
    where: string,
  ): AsyncIterable<SourceEntry> {
    let chunk: [string, DirHandleLike | FileHandleLike][] = [];
    try {
      for await (const pair of entries) {
        chunk.push(pair);
        if (chunk.length >= SIZE_CHUNK) {
          yield* await this.resolveChunk(chunk);
          chunk = [];
        }
      }
    } catch (e) {
      throw this.wrap(e, where);
    }
    if (chunk.length > 0) yield* await this.resolveChunk(chunk);
  }

  private async resolveChunk(chunk: [string, DirHandleLike | FileHandleLike][]): Promise<SourceEntry[]> {
    // Each entry's handle, and a File for each file: both wait in the browser for the collector.
    fsaNudge.tick(chunk.length + chunk.filter(([, h]) => h.kind === 'file').length);
    return Promise.all(
      chunk.map(async ([name, h]): Promise<SourceEntry> => {
        if (h.kind === 'directory') return { name, kind: 'directory' };
        try {
          const f = await h.getFile();
          return { name, kind: 'file', size: f.size, modified: (f as Partial<File>).lastModified };
        } catch (e) {
          if (isPermissionError(e)) throw new PermissionLostError(this.name, e);
          return { name, kind: 'file', error: `unreadable: ${(e as Error).message ?? String(e)}` };
        }
      }),
    );
  }

  private async dir(path: readonly string[]): Promise<DirHandleLike> {
    if (path.length === 0) {
      if (Array.isArray(this.root)) throw new SourceNotFoundError('');
      return this.root as DirHandleLike;
    }
    const key = joinPath(path);
    const hit = this.dirCache.get(key);
    if (hit) {
      // Refresh LRU position.
      this.dirCache.delete(key);
      this.dirCache.set(key, hit);
      return hit;
    }
    let h: DirHandleLike;
    try {
      if (path.length === 1 && Array.isArray(this.root)) {
        const found = (this.root as readonly (DirHandleLike | FileHandleLike)[]).find(
          (r) => r.name === path[0] && r.kind === 'directory',
        );
        if (!found) throw new SourceNotFoundError(key);
        h = found as DirHandleLike;
      } else {
        const parent = await this.dir(path.slice(0, -1));
        h = await parent.getDirectoryHandle(path[path.length - 1]);
      }
    } catch (e) {
      throw this.wrap(e, key);
    }
    this.dirCache.set(key, h);
    if (this.dirCache.size > DIR_CACHE_MAX) this.dirCache.delete(this.dirCache.keys().next().value!);
    return h;
  }

  private wrap(e: unknown, path: string): Error {
    if (e instanceof SourceNotFoundError || e instanceof PermissionLostError) return e;
    if (isPermissionError(e)) return new PermissionLostError(this.name, e);
    const name = (e as { name?: unknown } | null)?.name;
    if (name === 'NotFoundError' || name === 'TypeMismatchError') return new SourceNotFoundError(path);
    return e instanceof Error ? e : new Error(String(e));
  }
}

async function* virtualEntries(
  handles: readonly (DirHandleLike | FileHandleLike)[],
): AsyncIterable<[string, DirHandleLike | FileHandleLike]> {
  for (const h of handles) yield [h.name, h];
}
