/**
 * The packed image store's files (docs/packs.md) in the Origin Private File System, under
 * `packs/<dataset>/`, and the reader every job's image reads go through once a dataset is packed.
 * Files are opened as sync access handles and held: one `read(buf, { at })` per image, no per-file
 * handle or File that the browser would keep until it closes.
 */
import { decodePackEntry, PACK_ENTRY_BYTES, packDirName, packFileName, packIndexName } from '../core/pack';
import type { Dataset, DatasetPack, Split } from '../store';

/** What the pack code uses of a FileSystemSyncAccessHandle (tests give an in-memory one). */
export interface SyncHandle {
  read(buf: Uint8Array | DataView, opts?: { at?: number }): number;
  write(buf: Uint8Array | DataView, opts?: { at?: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

/** One dataset's pack folder. */
export interface PackDir {
  /** `read` opens shared (read-only, several workers at once); `write` exclusive, creating the file. */
  open(name: string, mode: 'read' | 'write'): Promise<SyncHandle>;
  /** Removes a file; a missing one is fine. */
  remove(name: string): Promise<void>;
  names(): Promise<string[]>;
}

const ROOT = 'packs';

async function packsRoot(create: boolean): Promise<FileSystemDirectoryHandle | null> {
  // No origin private file system (Node tests, old browsers): there is no copy either.
  if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return null;
  const root = await navigator.storage.getDirectory();
  try {
    return await root.getDirectoryHandle(ROOT, { create });
  } catch (e) {
    if ((e as DOMException).name === 'NotFoundError') return null;
    throw e;
  }
}

type SyncOpen = (opts?: { mode: 'read-only' | 'readwrite' }) => Promise<SyncHandle>;

/** The OPFS folder of a dataset's pack; created when `create`, else null where there is none. */
export async function opfsPackDir(datasetId: string, create: boolean): Promise<PackDir | null> {
  const top = await packsRoot(create);
  if (!top) return null;
  let dir: FileSystemDirectoryHandle;
  try {
    dir = await top.getDirectoryHandle(packDirName(datasetId), { create });
  } catch (e) {
    if ((e as DOMException).name === 'NotFoundError') return null;
    throw e;
  }
  return {
    async open(name, mode) {
      const fh = await dir.getFileHandle(name, { create: mode === 'write' });
      const sync = (fh as unknown as { createSyncAccessHandle: SyncOpen }).createSyncAccessHandle.bind(fh);
      try {
        return await sync(mode === 'read' ? { mode: 'read-only' } : undefined);
      } catch (e) {
        if ((e as DOMException).name !== 'NoModificationAllowedError') throw e;
        throw new Error(
          mode === 'read'
            ? `the studio copy's ${name} is open for writing (a copy job running?), or this browser cannot share it between jobs (Chrome 121+ can): wait for the copy or run one job at a time`
            : `the studio copy's ${name} is open in another job: wait for it to end, then copy again`,
          { cause: e },
        );
      }
    },
    async remove(name) {
      await dir.removeEntry(name).catch((e: DOMException) => {
        if (e.name !== 'NotFoundError') throw e;
      });
    },
    async names() {
      const out: string[] = [];
      for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) out.push(name);
      return out;
    },
  };
}

/** Deletes a dataset's pack folder with its files (nothing when there is none). */
export async function removePackDir(datasetId: string): Promise<void> {
  const top = await packsRoot(false);
  await top?.removeEntry(packDirName(datasetId), { recursive: true }).catch((e: DOMException) => {
    if (e.name !== 'NotFoundError') throw e;
  });
}

/**
 * Removes the pack folders of datasets that are gone (a Forget cut short between deleting the files
 * and the record, or site data cleared in part); returns how many. Kept: every id in `live`.
 */
export async function sweepPackDirs(live: Iterable<string>): Promise<number> {
  const top = await packsRoot(false);
  if (!top) return 0;
  const keep = new Set([...live].map(packDirName));
  const names: string[] = [];
  for await (const n of (top as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(n);
  let removed = 0;
  for (const n of names) {
    if (keep.has(n)) continue;
    await top.removeEntry(n, { recursive: true }).catch((e: DOMException) => {
      if (e.name !== 'NotFoundError') throw e;
    });
    removed++;
  }
  return removed;
}

/** A pack that jobs read from: complete, and covering every item the index has now. */
export function packReadable(d: Pick<Dataset, 'pack' | 'counts'>): d is { pack: DatasetPack } & typeof d {
  const p = d.pack;
  return p?.state === 'complete' && p.done.train === d.counts.train && p.done.val === d.counts.val;
}

/** Thrown for an image the copy could not read: jobs skip it with this reason, as a missing file. */
export class PackMissingError extends Error {
  constructor(readonly path: string) {
    super(`${path} is not in the studio copy (it could not be read when the copy was made)`);
    this.name = 'PackMissingError';
  }
}

/** Pack files held open at once per reader (a dataset has one per GiB). */
const HELD_PACKS = 4;

/**
 * Image bytes by (split, index) from a complete pack: one entry read from the split's index file, one
 * read of the bytes. Holds its index handles and the last few pack files' handles until closed.
 */
export class PackReader {
  private readonly entry = new DataView(new ArrayBuffer(PACK_ENTRY_BYTES));
  private readonly packs = new Map<number, Promise<SyncHandle>>();
  private closed = false;

  private constructor(
    private readonly dir: PackDir,
    private readonly index: Record<Split, SyncHandle>,
    readonly pack: DatasetPack,
  ) {}

  static async open(dir: PackDir, pack: DatasetPack): Promise<PackReader> {
    const train = await dir.open(packIndexName('train'), 'read');
    const val = await dir.open(packIndexName('val'), 'read').catch((e: unknown) => {
      train.close();
      throw e;
    });
    return new PackReader(dir, { train, val }, pack);
  }

  /**
   * The image's bytes, in a fresh buffer that is the caller's (the decode pool may transfer it);
   * PackMissingError for one the copy skipped.
   */
  async read(split: Split, index: number, path: string): Promise<Uint8Array<ArrayBuffer>> {
    if (this.closed) throw new Error('the studio copy was closed (removed or being rewritten)');
    if (!(index >= 0 && index < this.pack.done[split]))
      throw new Error(`${split} image ${index} is past the studio copy's ${this.pack.done[split]}`);
    const got = this.index[split].read(this.entry, { at: index * PACK_ENTRY_BYTES });
    if (got !== PACK_ENTRY_BYTES)
      throw new Error(`the studio copy's ${split} index is cut short at ${index}`);
    const e = decodePackEntry(this.entry);
    if (e.length === 0) throw new PackMissingError(path);
    const handle = await this.packFile(e.pack);
    const out = new Uint8Array(e.length);
    const n = handle.read(out, { at: e.offset });
    if (n !== e.length) throw new Error(`the studio copy's ${packFileName(e.pack)} is cut short at ${path}`);
    return out;
  }

  private packFile(pack: number): Promise<SyncHandle> {
    let h = this.packs.get(pack);
    if (h) {
      // Most recently used last, so the oldest is the one closed below.
      this.packs.delete(pack);
      this.packs.set(pack, h);
      return h;
    }
    h = this.dir.open(packFileName(pack), 'read');
    this.packs.set(pack, h);
    h.catch(() => this.packs.delete(pack));
    if (this.packs.size > HELD_PACKS) {
      const [oldest, p] = this.packs.entries().next().value!;
      this.packs.delete(oldest);
      void p.then((x) => x.close()).catch(() => undefined);
    }
    return h;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.index.train.close();
    this.index.val.close();
    for (const p of this.packs.values()) void p.then((x) => x.close()).catch(() => undefined);
    this.packs.clear();
  }
}

/**
 * One reader per dataset per worker, shared by every job of the worker (handles are per file, and a
 * copy job or "Remove copy" needs them closed: `releasePackReader`).
 */
const readers = new Map<string, { key: string; reader: Promise<PackReader> }>();

function packKey(p: DatasetPack): string {
  return `${p.createdAt}:${p.done.train}:${p.done.val}`;
}

/** Where pack folders live: OPFS; unit tests put an in-memory folder here. */
export const packStorage = {
  dir: (datasetId: string, create: boolean): Promise<PackDir | null> => opfsPackDir(datasetId, create),
};

export function packReaderFor(d: Pick<Dataset, 'id'> & { pack: DatasetPack }): Promise<PackReader> {
  const key = packKey(d.pack);
  const held = readers.get(d.id);
  if (held?.key === key) return held.reader;
  if (held) void held.reader.then((r) => r.close()).catch(() => undefined);
  const reader = (async () => {
    const dir = await packStorage.dir(d.id, false);
    if (!dir)
      throw new Error('the studio copy of this dataset is gone from storage: remove the copy and copy again');
    return PackReader.open(dir, d.pack);
  })();
  readers.set(d.id, { key, reader });
  reader.catch(() => {
    if (readers.get(d.id)?.reader === reader) readers.delete(d.id);
  });
  return reader;
}

/** Closes this worker's reader of the dataset's pack (before it is rewritten or removed). */
export async function releasePackReader(datasetId: string): Promise<void> {
  const held = readers.get(datasetId);
  readers.delete(datasetId);
  if (held) await held.reader.then((r) => r.close()).catch(() => undefined);
}
