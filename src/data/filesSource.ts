/**
 * DataSource over a flat list of Files: <input type=file webkitdirectory> (paths from
 * webkitRelativePath, whose first segment is the picked folder's name) or the files gathered from
 * a drop (explicit paths). The browser already holds every File object, so an in-memory directory
 * map costs little extra; listing is still per directory so the indexer code path is the same.
 */
import { SourceNotFoundError, joinPath, splitPath, type DataSource, type SourceEntry } from './source';

export interface PathedFile {
  /** '/'-separated path relative to the source root. */
  path: string;
  file: Blob & { readonly size: number };
}

type Node = Map<string, Node | PathedFile['file']>;

export class FilesSource implements DataSource {
  readonly kind = 'files' as const;
  readonly name: string;
  private readonly tree: Node = new Map();

  constructor(files: readonly PathedFile[], name: string) {
    this.name = name;
    for (const { path, file } of files) {
      const segs = splitPath(path);
      if (segs.length === 0) continue;
      let node = this.tree;
      for (const seg of segs.slice(0, -1)) {
        let next = node.get(seg);
        if (!(next instanceof Map)) {
          next = new Map();
          node.set(seg, next);
        }
        node = next;
      }
      node.set(segs[segs.length - 1], file);
    }
  }

  async *list(dir: readonly string[]): AsyncIterable<SourceEntry> {
    const node = this.node(dir);
    if (!(node instanceof Map)) throw new SourceNotFoundError(joinPath(dir));
    for (const [name, child] of node) {
      yield child instanceof Map
        ? { name, kind: 'directory' }
        : { name, kind: 'file', size: child.size, modified: (child as Partial<File>).lastModified };
    }
  }

  async open(path: readonly string[]): Promise<Blob> {
    const node = this.node(path);
    if (node === undefined || node instanceof Map) throw new SourceNotFoundError(joinPath(path));
    return node;
  }

  private node(path: readonly string[]): Node | PathedFile['file'] | undefined {
    let node: Node | PathedFile['file'] | undefined = this.tree;
    for (const seg of path) {
      if (!(node instanceof Map)) return undefined;
      node = node.get(seg);
    }
    return node;
  }
}

/**
 * Builds a FilesSource from <input webkitdirectory> Files. All paths share the picked folder's
 * name as first segment; it becomes the source name and is stripped. Files without a relative
 * path (a plain `multiple` input) sit at the root.
 */
export function filesSourceFromInput(files: ArrayLike<File>): FilesSource {
  const list = Array.from(files);
  const firsts = new Set(list.map((f) => splitPath(f.webkitRelativePath || f.name)[0]));
  const strip = firsts.size === 1 && list.every((f) => splitPath(f.webkitRelativePath).length > 1);
  const name = strip ? [...firsts][0] : 'selected files';
  return new FilesSource(
    list.map((f) => {
      const segs = splitPath(f.webkitRelativePath || f.name);
      return { path: (strip ? segs.slice(1) : segs).join('/'), file: f };
    }),
    name,
  );
}

/**
 * Most files the `<input webkitdirectory>` / drop fallback takes: the browser materialises a File
 * per entry before the page sees any and the list is copied to the worker (bench:filelist measures the
 * memory per file, docs/results.md); this many keeps that near 1 GB, and ImageNet's val split fits.
 * Larger folders go through the folder picker, which lists one folder at a time.
 */
export const FILE_LIST_LIMIT = 100_000;

/** Why a file list is too large for the fallback, or null when it is fine. */
export function fileListTooLarge(count: number): string | null {
  if (count <= FILE_LIST_LIMIT) return null;
  return (
    `${count.toLocaleString()} files chosen: the file input and drop hold every file in the browser's memory ` +
    `at once, which is more than ${FILE_LIST_LIMIT.toLocaleString()} files can take safely. Use "Open folder…" ` +
    '(File System Access, Chrome/Edge), which reads one class folder at a time and can resume.'
  );
}
