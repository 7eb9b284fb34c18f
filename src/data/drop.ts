/**
 * Turns a drag-and-drop into a DataSource. Chromium offers
 * DataTransferItem.getAsFileSystemHandle() (a real handle: persistable in IndexedDB, walkable
 * lazily); elsewhere webkitGetAsEntry() gives the old Entries API, which we walk eagerly into a
 * File list. Both must be *called* synchronously inside the drop event: the DataTransfer is
 * emptied when the handler returns, so readDrop() grabs every item before its first await.
 */
import { FilesSource, type PathedFile } from './filesSource';
import { FsaSource, type DirHandleLike, type FileHandleLike } from './fsaSource';
import type { DataSource } from './source';

export type DropResult =
  | { kind: 'handles'; handles: (DirHandleLike | FileHandleLike)[] }
  | { kind: 'files'; files: PathedFile[]; name: string }
  | { kind: 'none' };

type HandleItem = DataTransferItem & {
  getAsFileSystemHandle?: () => Promise<(DirHandleLike | FileHandleLike) | null>;
};

export function readDrop(dt: DataTransfer): Promise<DropResult> {
  const items = Array.from(dt.items).filter((i) => i.kind === 'file') as HandleItem[];
  if (items.length === 0) return Promise.resolve({ kind: 'none' });
  if (items.every((i) => typeof i.getAsFileSystemHandle === 'function')) {
    const pending = items.map((i) => i.getAsFileSystemHandle!());
    return Promise.all(pending).then((hs) => {
      const handles = hs.filter((h): h is DirHandleLike | FileHandleLike => h !== null);
      return handles.length > 0 ? { kind: 'handles', handles } : { kind: 'none' };
    });
  }
  const entries = items.map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return Promise.resolve({ kind: 'none' });
  return entriesToFiles(entries);
}

/** A single dropped folder becomes the root (like picking it); several items form a virtual root. */
export function sourceFromDrop(drop: DropResult): DataSource | null {
  if (drop.kind === 'none') return null;
  if (drop.kind === 'files') return new FilesSource(drop.files, drop.name);
  const [first] = drop.handles;
  if (drop.handles.length === 1 && first.kind === 'directory') return new FsaSource(first);
  return new FsaSource(drop.handles);
}

async function entriesToFiles(entries: FileSystemEntry[]): Promise<DropResult> {
  const files: PathedFile[] = [];
  const single = entries.length === 1 && entries[0].isDirectory;
  for (const e of entries) await walkEntry(e, single ? '' : e.name, files);
  return { kind: 'files', files, name: single ? entries[0].name : 'dropped items' };
}

async function walkEntry(entry: FileSystemEntry, path: string, out: PathedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push({ path: path || entry.name, file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns at most ~100 entries per call; an empty batch means the end.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) break;
    for (const child of batch) await walkEntry(child, path ? `${path}/${child.name}` : child.name, out);
  }
}
