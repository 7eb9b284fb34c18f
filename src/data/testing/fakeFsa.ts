/**
 * Test double for FileSystemDirectoryHandle over an in-memory tree, instrumented to count how
 * many directory listings are open at once (the walker must hold one at a time) and how many
 * entries were handed out. Iteration order is deliberately not sorted, like OPFS.
 */
import type { DirHandleLike, FileHandleLike } from '../fsaSource';

export type FakeContent = Uint8Array | string | { size: number; modified?: number };

/** lastModified of every fake file unless its content says otherwise (a File's default is "now"). */
export const FAKE_MTIME = 1_700_000_000_000;

export interface FsaStats {
  openListings: number;
  peakOpenListings: number;
  entriesYielded: number;
  getFileCalls: number;
}

type Tree = Map<string, Tree | FakeContent>;

export class FakeFs {
  readonly root: Tree = new Map();
  readonly stats: FsaStats = { openListings: 0, peakOpenListings: 0, entriesYielded: 0, getFileCalls: 0 };
  /** Called for each entry yielded, with the running stats (for bounded-memory assertions). */
  onYield: ((s: FsaStats) => void) | null = null;
  /** Names whose getFile() rejects with this DOMException name. */
  failGetFile = new Map<string, string>();

  constructor(files: Record<string, FakeContent> = {}) {
    for (const [p, c] of Object.entries(files)) this.add(p, c);
  }

  add(path: string, content: FakeContent): void {
    const segs = path.split('/').filter(Boolean);
    let node = this.root;
    for (const s of segs.slice(0, -1)) {
      const found = node.get(s);
      const next: Tree = found instanceof Map ? found : new Map();
      if (next !== found) node.set(s, next);
      node = next;
    }
    node.set(segs[segs.length - 1], content);
  }

  /** Removes a file or a whole folder. */
  remove(path: string): void {
    const segs = path.split('/').filter(Boolean);
    let node = this.root;
    for (const s of segs.slice(0, -1)) {
      const next = node.get(s);
      if (!(next instanceof Map)) return;
      node = next;
    }
    node.delete(segs[segs.length - 1]);
  }

  /** Adds an empty directory. */
  mkdir(path: string): void {
    let node = this.root;
    for (const s of path.split('/').filter(Boolean)) {
      const found = node.get(s);
      const next: Tree = found instanceof Map ? found : new Map();
      if (next !== found) node.set(s, next);
      node = next;
    }
  }

  handle(name = 'picked'): DirHandleLike {
    return this.dir(name, this.root);
  }

  private dir(name: string, tree: Tree): DirHandleLike {
    return {
      kind: 'directory',
      name,
      entries: () => this.listing(tree),
      getDirectoryHandle: async (n: string) => {
        const c = tree.get(n);
        if (!(c instanceof Map)) throw domError(c === undefined ? 'NotFoundError' : 'TypeMismatchError');
        return this.dir(n, c);
      },
      getFileHandle: async (n: string) => {
        const c = tree.get(n);
        if (c === undefined || c instanceof Map)
          throw domError(c === undefined ? 'NotFoundError' : 'TypeMismatchError');
        return this.file(n, c);
      },
    };
  }

  private async *listing(tree: Tree): AsyncGenerator<[string, DirHandleLike | FileHandleLike]> {
    this.stats.openListings++;
    this.stats.peakOpenListings = Math.max(this.stats.peakOpenListings, this.stats.openListings);
    try {
      // Reverse insertion order: never alphabetical, so callers must sort.
      for (const [n, c] of [...tree].reverse()) {
        this.stats.entriesYielded++;
        this.onYield?.(this.stats);
        yield [n, c instanceof Map ? this.dir(n, c) : this.file(n, c)];
      }
    } finally {
      this.stats.openListings--;
    }
  }

  private file(name: string, content: FakeContent): FileHandleLike {
    return {
      kind: 'file',
      name,
      getFile: async () => {
        this.stats.getFileCalls++;
        const fail = this.failGetFile.get(name);
        if (fail) throw domError(fail);
        if (content instanceof Uint8Array || typeof content === 'string')
          return new File([content as BlobPart], name, { lastModified: FAKE_MTIME });
        // A size-only stand-in for huge files (or a file "touched" to a new lastModified).
        return { size: content.size, lastModified: content.modified ?? FAKE_MTIME } as unknown as File;
      },
    };
  }
}

export function domError(name: string): Error {
  const e = new Error(`${name} (fake)`);
  e.name = name;
  return e;
}
