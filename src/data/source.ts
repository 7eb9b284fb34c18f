/**
 * One interface over the three kinds of input (a File System Access directory handle, a flat
 * File[] from <input webkitdirectory> or a drop, the embedded dataset over fetch), so indexing and
 * decoding have a single code path.
 *
 * Paths are arrays of segments relative to the source root; `[]` is the root. Listing is a lazy
 * async iterable per directory so a walker can hold one folder's listing at a time (ImageNet train
 * has 1.28 M files in 1000 folders); sources never materialise a whole tree of handles.
 */

export type SourceKind = 'fsa' | 'files' | 'embedded' | 'memory';

export interface SourceEntry {
  name: string;
  kind: 'file' | 'directory';
  /** File size in bytes when the source knows it cheaply (always set for files by our sources). */
  size?: number;
  /** File.lastModified (ms) when the source knows it: the re-open check compares it. */
  modified?: number;
  /** Set when the entry exists but could not be inspected (e.g. getFile() failed). */
  error?: string;
}

/** Classes a source already knows (the embedded manifest), overriding folder-name mapping. */
export interface SourceClassHint {
  index: number;
  folder: string;
  name: string;
  wnid?: string;
}

export interface DataSource {
  readonly kind: SourceKind;
  /** Display name: the picked folder's name, the dataset name, ... */
  readonly name: string;
  /** Entries of one directory, in no particular order (OPFS is not alphabetical): sort yourself. */
  list(dir: readonly string[]): AsyncIterable<SourceEntry>;
  /**
   * Names and kinds only (no size or date), where that is cheaper than `list`: a File System Access
   * listing then asks no file for its metadata. Sources without it are listed with `list`.
   */
  listNames?(dir: readonly string[]): AsyncIterable<SourceEntry>;
  /** The file's bytes as a Blob (a File for local sources). Throws SourceNotFoundError if absent. */
  open(path: readonly string[]): Promise<Blob>;
  readonly hints?: { classes?: readonly SourceClassHint[]; numClasses?: number };
}

export class SourceNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`not found: ${path}`);
    this.name = 'SourceNotFoundError';
  }
}

export function joinPath(path: readonly string[]): string {
  return path.join('/');
}

export function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/** Drains a listing into an array (one folder's worth) and closes the iterator. */
export async function listAll(
  source: DataSource,
  dir: readonly string[],
  namesOnly = false,
): Promise<SourceEntry[]> {
  const out: SourceEntry[] = [];
  const it = namesOnly && source.listNames ? source.listNames(dir) : source.list(dir);
  for await (const e of it) out.push(e);
  return out;
}
